#!/usr/bin/env python3
"""Write the LightGBM-made models that ml/lgbm and ml/shap test against.

Trains three tiny models on random synthetic data (nothing from shared/data)
with LightGBM 4.x, saves them with Booster.save_model, and stores for a few
rows LightGBM's own raw scores (predict(raw_score=True)) and TreeSHAP
contributions (predict(pred_contrib=True)), so the Go tests can check
ml/lgbm.Read, PredictRaw and ml/shap without Python.

    python3 bench/shap_vs_python/make_lgbm_testdata.py [--out ml/lgbm/testdata]

Models:
  multiclass_nan_cat  3 classes, NaN as missing, a categorical feature with
                      bitset splits, a mostly-zero feature
  binary_zero_missing zero_as_missing=true (missing type Zero in the splits)
  constant_one_leaf   constant features: every tree is a single leaf
"""
import argparse
import json
import math
import os

import lightgbm as lgb
import numpy as np


def thresholds(booster):
    """(feature, threshold) of every numerical split, to probe x == threshold."""
    out = []

    def walk(node):
        if "split_feature" not in node:
            return
        if node["decision_type"] == "<=":
            out.append((node["split_feature"], node["threshold"]))
        walk(node["left_child"])
        walk(node["right_child"])

    for tree in booster.dump_model()["tree_info"]:
        walk(tree["tree_structure"])
    return out


def probe_rows(rng, make, booster, n_random):
    rows = make(rng, n_random)
    # Rows that sit exactly on split thresholds exercise "x <= threshold".
    for f, t in thresholds(booster)[:12]:
        r = make(rng, 1)
        r[0, f] = t
        rows = np.vstack([rows, r])
    return rows


def dump(path, booster, rows):
    booster.save_model(path + ".txt")
    raw = booster.predict(rows, raw_score=True)
    contrib = booster.predict(rows, pred_contrib=True)
    raw = np.asarray(raw).reshape(len(rows), -1)
    contrib = np.asarray(contrib).reshape(len(rows), -1)

    def enc(v):
        return None if math.isnan(v) else float(v)

    with open(path + ".expected.json", "w") as f:
        json.dump(
            {
                "lightgbm_version": lgb.__version__,
                "num_features": rows.shape[1],
                "rows": [[enc(v) for v in r] for r in rows],
                "raw": raw.tolist(),
                # per row: for each output k, num_features contributions
                # followed by the expected value (LightGBM's layout)
                "contrib": contrib.tolist(),
            },
            f,
        )
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "ml", "lgbm", "testdata"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    base = {"verbose": -1, "num_threads": 1, "deterministic": True, "seed": 7}

    # 1. multiclass with NaN and a categorical feature
    def make_mc(rng, n):
        x = np.empty((n, 5))
        x[:, 0] = rng.normal(size=n)
        x[:, 1] = rng.normal(size=n)
        x[:, 2] = rng.integers(0, 10, size=n)
        x[:, 3] = np.where(rng.random(n) < 0.7, 0.0, rng.exponential(size=n))
        x[:, 4] = rng.uniform(-1, 1, size=n)
        x[rng.random((n, 5)) < 0.08] = np.nan
        return x

    rng = np.random.default_rng(1)
    x = make_mc(rng, 600)
    score = np.nan_to_num(x[:, 0]) + 0.8 * np.isin(x[:, 2], [1, 3, 7]) + 0.5 * np.nan_to_num(x[:, 3])
    y = np.digitize(score + 0.3 * rng.normal(size=len(score)), [0.0, 1.0])
    params = dict(base, objective="multiclass", num_class=3, num_leaves=7, min_data_in_leaf=10,
                  max_cat_to_onehot=2, cat_smooth=1, min_data_per_group=5, learning_rate=0.2)
    ds = lgb.Dataset(x, y, categorical_feature=[2], free_raw_data=False)
    b = lgb.train(params, ds, num_boost_round=8)
    rows = probe_rows(rng, make_mc, b, 40)
    rows[0, 2] = -3.0  # negative category goes right
    rows[1, 2] = 40.0  # category beyond every bitset goes right
    rows[2, 2] = np.nan
    rows[3, :] = np.nan
    rows[4, :] = 0.0
    dump(os.path.join(args.out, "multiclass_nan_cat"), b, rows)

    # 2. binary with zero as the missing value
    def make_bin(rng, n):
        x = rng.normal(size=(n, 4))
        x[rng.random((n, 4)) < 0.5] = 0.0
        return x

    rng = np.random.default_rng(2)
    x = make_bin(rng, 400)
    y = ((x[:, 0] == 0) ^ (x[:, 1] > 0.3)).astype(int)
    params = dict(base, objective="binary", num_leaves=5, min_data_in_leaf=10, zero_as_missing=True)
    b = lgb.train(params, lgb.Dataset(x, y), num_boost_round=6)
    rows = probe_rows(rng, make_bin, b, 25)
    rows[0, :] = 0.0
    rows[1, :] = np.nan
    rows[2, 0] = 1e-36  # counts as zero, hence missing
    dump(os.path.join(args.out, "binary_zero_missing"), b, rows)

    # 3. nothing to split on: one-leaf trees
    x = np.ones((60, 2))
    y = np.tile([0, 1, 1], 20)
    params = dict(base, objective="binary")
    b = lgb.train(params, lgb.Dataset(x, y), num_boost_round=2)
    dump(os.path.join(args.out, "constant_one_leaf"), b, np.array([[1.0, 1.0], [0.0, 5.0]]))


if __name__ == "__main__":
    main()
