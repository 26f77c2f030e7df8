#!/usr/bin/env python3
"""Hold ml/lgbm and ml/shap against LightGBM itself.

1. Trains a LightGBM multiclass model on a libsvm matrix (given with
   --libsvm, or generated: sparse TF-IDF-like rows, 5 classes) and saves it.
2. Runs gocheck (Go: ml/lgbm.ReadFile, PredictRawSparse, ml/shap
   ExplainSparse) on held-out rows, and has it write the model back with
   lgbm.Write.
3. Compares with LightGBM's predict(raw_score=True) and
   predict(pred_contrib=True); reloads the Go-written model in LightGBM and
   compares its raw scores with the original's.
4. Repeats 2-3 for a random Go-built ensemble with categorical and
   missing-value (NaN and zero) splits, written by lgbm.Write and loaded by
   LightGBM, on rows with NaN, zeros and out-of-range categories.

Every max |delta| must be <= 1e-6 (exit status 1 otherwise). Measurement
only: nothing here is part of the product.

    python3 bench/shap_vs_python/compare.py [--libsvm FILE] [--rounds 100]
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

import lightgbm as lgb
import numpy as np
import scipy.sparse as sp
from sklearn.datasets import load_svmlight_file

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
TOL = 1e-6


def synthetic(rng, n, n_features, n_classes):
    """Sparse non-negative rows (about 2% set) with labels from a sparse
    linear score, like TF-IDF features of severity-labelled documents."""
    x = sp.random(n, n_features, density=0.02, format="csr", random_state=rng,
                  data_rvs=lambda k: rng.exponential(size=k))
    w = np.zeros((n_features, n_classes))
    informative = rng.choice(n_features, size=200, replace=False)
    w[informative] = rng.normal(size=(200, n_classes)) * 2
    score = x @ w + rng.normal(scale=0.5, size=(n, n_classes))
    return x, score.argmax(axis=1)


def write_libsvm(path, x, y):
    """Zero-based libsvm, every stored entry (NaN included) written out."""
    x = sp.csr_matrix(x)
    with open(path, "w") as f:
        for i in range(x.shape[0]):
            lo, hi = x.indptr[i], x.indptr[i + 1]
            items = " ".join(f"{j}:{float(v)!r}" for j, v in zip(x.indices[lo:hi], x.data[lo:hi]))
            f.write(f"{int(y[i])} {items}\n")


def gocheck(args):
    cmd = ["go", "run", "./bench/shap_vs_python/gocheck"] + args
    subprocess.run(cmd, cwd=REPO, check=True)


def max_delta(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise SystemExit(f"shape mismatch {a.shape} vs {b.shape}")
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def check(name, delta, failures):
    ok = delta <= TOL
    print(f"  {name:<46} max |delta| = {delta:.3g}  {'ok' if ok else 'FAIL'}")
    if not ok:
        failures.append(name)


def compare_model(tmp, tag, booster_path, dense_rows, ours, failures, rewritten=None):
    b = lgb.Booster(model_file=booster_path)
    raw = np.asarray(b.predict(dense_rows, raw_score=True)).reshape(len(dense_rows), -1)
    contrib = np.asarray(b.predict(dense_rows, pred_contrib=True)).reshape(len(dense_rows), -1)
    print(f"{tag}: {ours['num_trees']} trees, {ours['num_features']} features, "
          f"{ours['num_outputs']} outputs, {len(dense_rows)} rows")
    check("PredictRawSparse vs lightgbm raw_score", max_delta(ours["raw"], raw), failures)
    check("ExplainSparse vs lightgbm pred_contrib", max_delta(ours["contrib"], contrib), failures)
    # local accuracy inside LightGBM's own output, for reference
    k = ours["num_outputs"]
    f = ours["num_features"]
    sums = contrib.reshape(len(dense_rows), k, f + 1).sum(axis=2)
    print(f"  (lightgbm's own |sum(contrib) - raw| max = {max_delta(sums, raw):.3g})")
    if rewritten:
        b2 = lgb.Booster(model_file=rewritten)
        check("lightgbm on lgbm.Write output vs original", max_delta(b2.predict(dense_rows, raw_score=True).reshape(len(dense_rows), -1), raw), failures)
    print(f"  trees: mean leaf depth {ours['mean_leaf_depth']:.1f}, max {ours['max_leaf_depth']}")
    for what, key in (("PredictRawSparse", "predict"), ("ExplainSparse (all outputs)", "explain"),
                      ("ExplainClass (one output)", "explain_class")):
        print(f"  Go {what:<28} {ours[key + '_ns_per_row'] / 1e3:8.1f} us/row wall, "
              f"{ours[key + '_cpu_ns_per_row'] / 1e3:8.1f} us/row CPU")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--libsvm", help="training matrix (libsvm); default: generated")
    ap.add_argument("--classes", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--leaves", type=int, default=31)
    ap.add_argument("--explain-rows", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    failures = []

    with tempfile.TemporaryDirectory() as tmp:
        # 1. a model LightGBM trains
        if args.libsvm:
            x, y = load_svmlight_file(args.libsvm)
            y = y.astype(int)
            y = np.unique(y, return_inverse=True)[1]
            n_classes = int(y.max()) + 1
        else:
            n_classes = args.classes
            x, y = synthetic(rng, 4000, 3000, n_classes)
        x = sp.csr_matrix(x, dtype=np.float64)
        n_test = min(args.explain_rows, x.shape[0] // 5)
        order = rng.permutation(x.shape[0])
        test, train = order[:n_test], order[n_test:]
        params = {"objective": "multiclass" if n_classes > 2 else "binary", "num_leaves": args.leaves,
                  "learning_rate": 0.1, "min_data_in_leaf": 5, "verbose": -1, "num_threads": 1,
                  "deterministic": True, "seed": args.seed}
        if n_classes > 2:
            params["num_class"] = n_classes
        booster = lgb.train(params, lgb.Dataset(x[train], y[train]), num_boost_round=args.rounds)
        model = os.path.join(tmp, "lightgbm.txt")
        booster.save_model(model)
        rows = os.path.join(tmp, "rows.svm")
        write_libsvm(rows, x[test], y[test])
        ours_path = os.path.join(tmp, "ours.json")
        rewritten = os.path.join(tmp, "rewritten.txt")
        gocheck(["-model", model, "-rows", rows, "-out", ours_path, "-rewrite", rewritten])
        with open(ours_path) as f:
            ours = json.load(f)
        # LightGBM predicts on the same rows, densified, with every
        # feature column present.
        dense = x[test].toarray()
        compare_model(tmp, f"LightGBM-trained model (lightgbm {lgb.__version__})", model, dense, ours,
                      failures, rewritten=rewritten)

        # 2. a Go-built random ensemble with categorical and missing splits
        rmodel = os.path.join(tmp, "random.txt")
        nf = 40
        r = rng.normal(size=(300, nf)) * 1.5
        r[:, :4] = rng.integers(-2, 70, size=(300, 4))  # categorical features 0-3
        r[rng.random(r.shape) < 0.1] = np.nan
        r[rng.random(r.shape) < 0.2] = 0.0
        grid = np.array([-2, -1, -0.5, 0, 0.25, 0.5, 1, 3], dtype=float)
        on_grid = rng.random(r.shape) < 0.2
        r[on_grid] = rng.choice(grid, size=on_grid.sum())  # exactly on thresholds
        # libsvm stores non-zeros; NaN is written as "nan"
        write_libsvm(rows, sp.csr_matrix(np.where(np.isnan(r), np.nan, r)), np.zeros(len(r)))
        gocheck(["-random", rmodel, "-rows", rows, "-out", ours_path])
        with open(ours_path) as f:
            ours = json.load(f)
        compare_model(tmp, "Go-built random ensemble written by lgbm.Write", rmodel, r, ours, failures)

    if failures:
        print("FAILED:", ", ".join(failures))
        sys.exit(1)
    print(f"all deltas <= {TOL}")


if __name__ == "__main__":
    main()
