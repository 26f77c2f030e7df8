#!/usr/bin/env python3
"""Classifier anchors: the Python stacks an analyst would otherwise glue
together, measured on the same time-based split as `cyberstreams train`.

Inputs come from `go run ./bench/classifier/export` (train/valid JSONL.gz
and libsvm matrices of our own features). Prints one JSON object with
quality per anchor and in-process throughput of the TF-IDF → chi² → XGBoost
pipeline, with and without top-5 reasons (pred_contribs). Measurement only.
"""
import gzip
import json
import sys
import time

import numpy as np
from sklearn.datasets import load_svmlight_file
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.feature_selection import SelectKBest, chi2
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

CLASSES = ["critical", "high", "medium", "low", "informational"]


def load(path):
    docs = [json.loads(l) for l in gzip.open(path, "rt")]
    text = [(d.get("summary") or "") + "\n\n" + (d.get("details") or "") for d in docs]
    y = np.array([CLASSES.index(d["severity"]) for d in docs])
    return docs, text, y


def report(name, y, pred, seconds=None):
    p, r, f, s = precision_recall_fscore_support(y, pred, labels=range(5), zero_division=0)
    ch_pred = np.isin(pred, [0, 1])
    ch_true = np.isin(y, [0, 1])
    out = {
        "anchor": name,
        "accuracy": round(accuracy_score(y, pred), 4),
        "macro_f1": round(f1_score(y, pred, average="macro"), 4),
        "weighted_f1": round(f1_score(y, pred, average="weighted"), 4),
        "critical_high_precision": round(float((ch_pred & ch_true).sum() / max(ch_pred.sum(), 1)), 4),
        "critical_high_recall": round(float((ch_pred & ch_true).sum() / max(ch_true.sum(), 1)), 4),
        "per_class": {c: {"precision": round(p[i], 3), "recall": round(r[i], 3), "f1": round(f[i], 3)} for i, c in enumerate(CLASSES)},
    }
    if seconds is not None:
        out["train_seconds"] = round(seconds, 2)
    return out


class Results(list):
    """Anchor results, each also appended to a file as soon as it is known,
    so a long run that is interrupted keeps what it measured."""

    def __init__(self, path):
        super().__init__()
        self.path = path
        open(path, "w").close()

    def append(self, r):
        super().append(r)
        with open(self.path, "a") as f:
            f.write(json.dumps(r) + "\n")
        print(json.dumps(r), file=sys.stderr, flush=True)


def main(out_dir):
    _, text_tr, y_tr = load(f"{out_dir}/train.jsonl.gz")
    valid_docs, text_va, y_va = load(f"{out_dir}/valid.jsonl.gz")
    results = Results(f"{out_dir}/anchors.partial.jsonl")

    # 1. TF-IDF + logistic regression (word 1-2 grams, sublinear tf).
    t = time.perf_counter()
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=3, max_features=200_000)
    x_tr = vec.fit_transform(text_tr)
    lr = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced")
    lr.fit(x_tr, y_tr)
    results.append(report("tfidf+logreg", y_va, lr.predict(vec.transform(text_va)), time.perf_counter() - t))

    # 2. TF-IDF -> chi2 (20k terms) -> XGBoost, the pipeline timed below.
    import xgboost as xgb
    t = time.perf_counter()
    sel = SelectKBest(chi2, k=min(20_000, x_tr.shape[1]))
    xs_tr = sel.fit_transform(x_tr, y_tr)
    booster = xgb.XGBClassifier(n_estimators=300, max_depth=6, learning_rate=0.1, tree_method="hist",
                                n_jobs=2, objective="multi:softprob", random_state=42)
    booster.fit(xs_tr, y_tr)
    results.append(report("tfidf+chi2+xgboost", y_va, booster.predict(sel.transform(vec.transform(text_va))),
                          time.perf_counter() - t))

    # 3. LightGBM on our own feature matrix (same features as our trainer).
    import lightgbm as lgb
    # zero_based=True: "auto" guesses per file, and a file where no row has
    # feature 0 would be read one-based, shifting every column.
    X_tr, Y_tr = load_svmlight_file(f"{out_dir}/train.svm", zero_based=True)
    X_va, Y_va = load_svmlight_file(f"{out_dir}/valid.svm", n_features=X_tr.shape[1], zero_based=True)
    t = time.perf_counter()
    params = dict(objective="multiclass", num_class=5, learning_rate=0.08, num_leaves=48, min_data_in_leaf=10,
                  feature_fraction=0.5, bagging_fraction=0.8, bagging_freq=1, lambda_l2=1.0, num_threads=2,
                  verbose=-1, seed=42, deterministic=True)
    dtr = lgb.Dataset(X_tr, Y_tr)
    dva = lgb.Dataset(X_va, Y_va, reference=dtr)
    gbm = lgb.train(params, dtr, num_boost_round=600, valid_sets=[dva],
                    callbacks=[lgb.early_stopping(40, verbose=False)])
    secs = time.perf_counter() - t
    pred = gbm.predict(X_va, num_iteration=gbm.best_iteration).argmax(axis=1)
    r = report("lightgbm-on-our-features", Y_va.astype(int), pred, secs)
    r["best_iteration"] = gbm.best_iteration
    results.append(r)

    # Throughput of the in-process anchor pipeline, end to end from JSONL
    # lines on disk: parse, vectorise, select, predict (and top-5 reasons).
    lines = gzip.open(f"{out_dir}/valid.jsonl.gz", "rt").read().splitlines()
    t = time.perf_counter()
    docs = [json.loads(l) for l in lines]
    txt = [(d.get("summary") or "") + "\n\n" + (d.get("details") or "") for d in docs]
    booster.predict_proba(sel.transform(vec.transform(txt)))
    plain = len(lines) / (time.perf_counter() - t)
    n = min(len(lines), 500)
    t = time.perf_counter()
    docs = [json.loads(l) for l in lines[:n]]
    txt = [(d.get("summary") or "") + "\n\n" + (d.get("details") or "") for d in docs]
    xs = sel.transform(vec.transform(txt))
    contrib = booster.get_booster().predict(xgb.DMatrix(xs), pred_contribs=True)
    top5 = np.argsort(-np.abs(contrib), axis=-1)[..., :5]
    reasons = len(top5) / (time.perf_counter() - t)
    print(json.dumps({"valid_docs": len(y_va), "anchors": results,
                      "anchor_throughput_docs_per_s": {"tfidf+chi2+xgboost": round(plain), "with_top5_pred_contribs": round(reasons, 1)}},
                     indent=1))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "out")
