#!/usr/bin/env python3
"""Measure ml/gbdt against Python LightGBM on one libsvm training file.

Both train with the same parameters; the script times both (wall and CPU
seconds, data loading excluded, binning included), loads the model.txt our
trainer wrote into LightGBM and checks that LightGBM's raw margins equal
those of ml/lgbm's PredictRaw (|delta| <= 1e-6), and compares multi_logloss
and accuracy on the validation file (else the training file).

usage:
  run.py TRAIN.libsvm [--valid VALID.libsvm] [--iterations 100] ...
  run.py --synthetic [--rows 38000] ...      # generate data first

Needs: python3 -m pip install lightgbm numpy scikit-learn; a Go toolchain.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))


def cpu_self():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def cpu_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def scores(raw, y):
    p = softmax(raw)
    pt = np.clip(p[np.arange(len(y)), y], 1e-15, None)
    return float(-np.log(pt).mean()), float((p.argmax(axis=1) == y).mean())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("train", nargs="?")
    ap.add_argument("--valid")
    ap.add_argument("--synthetic", action="store_true",
                    help="generate train/valid files with make_synthetic.py")
    ap.add_argument("--rows", type=int, default=38000)
    ap.add_argument("--valid-rows", type=int, default=5000)
    ap.add_argument("--workdir", default="/tmp/gbdt_vs_lightgbm")
    ap.add_argument("--classes", type=int, default=5)
    ap.add_argument("--iterations", type=int, default=100)
    ap.add_argument("--leaves", type=int, default=31)
    ap.add_argument("--max-depth", type=int, default=-1)
    ap.add_argument("--min-data", type=int, default=20)
    ap.add_argument("--min-hessian", type=float, default=1e-3)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--lambda-l2", type=float, default=0.0)
    ap.add_argument("--min-gain", type=float, default=0.0)
    ap.add_argument("--feature-fraction", type=float, default=1.0)
    ap.add_argument("--bagging-fraction", type=float, default=1.0)
    ap.add_argument("--bagging-freq", type=int, default=0)
    ap.add_argument("--max-bin", type=int, default=255)
    ap.add_argument("--early-stop", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()

    import lightgbm as lgb
    from sklearn.datasets import load_svmlight_file

    os.makedirs(a.workdir, exist_ok=True)
    if a.synthetic:
        a.train = os.path.join(a.workdir, "train.libsvm")
        a.valid = os.path.join(a.workdir, "valid.libsvm")
        subprocess.run([sys.executable, os.path.join(HERE, "make_synthetic.py"),
                        a.train, a.valid, "--rows", str(a.rows),
                        "--valid-rows", str(a.valid_rows),
                        "--classes", str(a.classes)], check=True)
    if not a.train:
        ap.error("give a training file or --synthetic")

    X, y = load_svmlight_file(a.train, zero_based=True)
    Xv = yv = None
    if a.valid:
        Xv, yv = load_svmlight_file(a.valid, zero_based=True)
        n = max(X.shape[1], Xv.shape[1])
        X, _ = load_svmlight_file(a.train, zero_based=True, n_features=n)
        Xv, yv = load_svmlight_file(a.valid, zero_based=True, n_features=n)
    y = y.astype(int)
    yv = yv.astype(int) if yv is not None else None
    print("data: %d rows x %d cols, %.1f non-zeros/row%s" % (
        X.shape[0], X.shape[1], X.nnz / X.shape[0],
        ", validation %d rows" % Xv.shape[0] if Xv is not None else ""))

    params = dict(objective="multiclass", num_class=a.classes,
                  num_leaves=a.leaves, max_depth=a.max_depth,
                  min_data_in_leaf=a.min_data,
                  min_sum_hessian_in_leaf=a.min_hessian,
                  learning_rate=a.lr, lambda_l2=a.lambda_l2,
                  min_gain_to_split=a.min_gain,
                  feature_fraction=a.feature_fraction,
                  bagging_fraction=a.bagging_fraction,
                  bagging_freq=a.bagging_freq, max_bin=a.max_bin,
                  seed=a.seed, num_threads=a.threads, verbose=-1,
                  metric="multi_logloss")

    # LightGBM: Dataset construction (binning) + training.
    w0, c0 = time.time(), cpu_self()
    ds = lgb.Dataset(X, y, params=params, free_raw_data=False)
    ds.construct()
    lgb_bin_wall, lgb_bin_cpu = time.time() - w0, cpu_self() - c0
    valid_sets, callbacks = [], []
    if Xv is not None:
        valid_sets = [lgb.Dataset(Xv, yv, reference=ds)]
        if a.early_stop > 0:
            callbacks = [lgb.early_stopping(a.early_stop, verbose=False)]
    booster = lgb.train(params, ds, num_boost_round=a.iterations,
                        valid_sets=valid_sets, callbacks=callbacks)
    lgb_wall, lgb_cpu = time.time() - w0, cpu_self() - c0

    # Ours: build once, then time the Go program.
    gotrain = os.path.join(a.workdir, "gotrain")
    subprocess.run(["go", "build", "-o", gotrain, "./bench/gbdt_vs_lightgbm/gotrain"],
                   cwd=REPO, check=True)
    model_path = os.path.join(a.workdir, "model.txt")
    pred_path = os.path.join(a.workdir, "pred.tsv")
    cmd = [gotrain, "-train", a.train, "-model", model_path, "-pred", pred_path,
           "-classes", str(a.classes), "-cols", str(X.shape[1]),
           "-iterations", str(a.iterations), "-leaves", str(a.leaves),
           "-max-depth", str(a.max_depth), "-min-data", str(a.min_data),
           "-min-hessian", repr(a.min_hessian), "-lr", repr(a.lr),
           "-lambda", repr(a.lambda_l2), "-min-gain", repr(a.min_gain),
           "-feature-fraction", repr(a.feature_fraction),
           "-bagging-fraction", repr(a.bagging_fraction),
           "-bagging-freq", str(a.bagging_freq), "-max-bin", str(a.max_bin),
           "-early-stop", str(a.early_stop), "-seed", str(a.seed),
           "-threads", str(a.threads)]
    if a.valid:
        cmd += ["-valid", a.valid]
    w0, c0 = time.time(), cpu_children()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    go_wall, go_cpu = time.time() - w0, cpu_children() - c0
    go = json.loads(out.strip().splitlines()[-1])

    # Our model.txt in LightGBM vs our own PredictRaw.
    Xe, ye = (Xv, yv) if Xv is not None else (X, y)
    ours_in_lgb = lgb.Booster(model_file=model_path)
    raw_lgb_of_ours = ours_in_lgb.predict(Xe, raw_score=True)
    raw_go = np.loadtxt(pred_path, ndmin=2)
    delta = float(np.abs(raw_lgb_of_ours - raw_go).max())

    raw_lgb = booster.predict(Xe, raw_score=True)
    lgb_loss, lgb_acc = scores(raw_lgb, ye)
    our_loss, our_acc = scores(raw_go, ye)
    which = "validation" if Xv is not None else "training"

    print("%-28s %12s %12s" % ("", "ml/gbdt", "LightGBM"))
    print("%-28s %12.2f %12.2f" % ("wall s (bin+train, Go: process)", go_wall, lgb_wall))
    print("%-28s %12.2f %12s" % ("wall s (bin+train, Go: Train)", go["train_seconds"], "-"))
    print("%-28s %12.2f %12.2f" % ("CPU s (bin+train)", go_cpu, lgb_cpu))
    print("%-28s %12s %12.2f" % ("LightGBM Dataset wall/CPU s", "-", lgb_bin_wall))
    print("%-28s %12s %12.2f" % ("", "", lgb_bin_cpu))
    print("%-28s %12d %12d" % ("iterations kept", go["best_iteration"],
                                booster.best_iteration or booster.current_iteration()))
    print("%-28s %12.4f %12.4f" % (which + " multi_logloss", our_loss, lgb_loss))
    print("%-28s %12.4f %12.4f" % (which + " accuracy", our_acc, lgb_acc))
    print("max |raw(LightGBM loading our model.txt) - raw(ml/lgbm PredictRaw)| = %.3g over %d rows"
          % (delta, Xe.shape[0]))
    if delta > 1e-6:
        print("FAIL: margins differ by more than 1e-6")
        sys.exit(1)


if __name__ == "__main__":
    main()
