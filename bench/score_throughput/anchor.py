"""Python anchor throughput, measured beside ours on the same machine.

The TF-IDF -> chi2 -> XGBoost pipeline of bench/classifier/anchors.py (same
vectoriser, selector and booster parameters), timed end to end from JSONL
lines in memory exactly as anchors.py times it: parse, vectorise, select,
predict; then the same with top-5 reasons from pred_contribs. To keep the
run short it trains on the first TRAIN documents of the shared corpus (the
booster's shape, 300 rounds x 5 classes of depth 6, is what sets the
prediction cost) and times the next TEST documents. Prints JSON with wall
and CPU docs/s. Measurement only.

usage: python3 anchor.py ../../../shared/data/advisories_train.jsonl.gz [TRAIN] [TEST]
"""
import gzip
import json
import sys
import time

import numpy as np
import xgboost as xgb
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.feature_selection import SelectKBest, chi2

CLASSES = ["critical", "high", "medium", "low", "informational"]


def text(d):
    return (d.get("summary") or "") + "\n\n" + (d.get("details") or "")


def timed(fn):
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c


def main(path, n_train=10000, n_test=5000):
    lines = gzip.open(path, "rt").read().splitlines()
    train = [json.loads(l) for l in lines[:n_train]]
    test_lines = lines[n_train:n_train + n_test]
    y = np.array([CLASSES.index(d["severity"]) for d in train])
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=3, max_features=200_000)
    x = vec.fit_transform([text(d) for d in train])
    sel = SelectKBest(chi2, k=min(20_000, x.shape[1]))
    xs = sel.fit_transform(x, y)
    booster = xgb.XGBClassifier(n_estimators=300, max_depth=6, learning_rate=0.1, tree_method="hist",
                                n_jobs=2, objective="multi:softprob", random_state=42)
    booster.fit(xs, y)

    def plain():
        docs = [json.loads(l) for l in test_lines]
        booster.predict_proba(sel.transform(vec.transform([text(d) for d in docs])))

    n5 = min(len(test_lines), 500)

    def top5():
        docs = [json.loads(l) for l in test_lines[:n5]]
        xs = sel.transform(vec.transform([text(d) for d in docs]))
        contrib = booster.get_booster().predict(xgb.DMatrix(xs), pred_contribs=True)
        np.argsort(-np.abs(contrib), axis=-1)[..., :5]

    pw, pc = timed(plain)
    tw, tc = timed(top5)
    print(json.dumps({"train_docs": len(train), "test_docs": len(test_lines),
                      "plain_docs_per_s": round(len(test_lines) / pw), "plain_docs_per_cpu_s": round(len(test_lines) / pc),
                      "top5_docs_per_s": round(n5 / tw, 1), "top5_docs_per_cpu_s": round(n5 / tc, 1)}, indent=1))


if __name__ == "__main__":
    main(sys.argv[1], *(int(a) for a in sys.argv[2:4]))
