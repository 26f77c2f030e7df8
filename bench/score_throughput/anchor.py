"""Python anchor throughput, measured beside ours on the same machine.

The TF-IDF -> chi2 -> XGBoost pipeline of bench/classifier/anchors.py (same
vectoriser, selector and booster parameters), trained on the corpus
documents that are not scored, then timed on SCORE (a JSONL file) the way
the issue defines the measurement, end to end from JSONL on disk to scored
JSONL:

  disk_to_jsonl   open SCORE, read and parse every line, vectorise, select,
                  predict, write one scored JSONL record per document (id,
                  severity, confidence, the five probabilities) to OUT
  top5            the same for the first TOP5 documents, the records also
                  carrying the top-5 reasons from XGBoost pred_contribs
  lines_in_memory the earlier, narrower measurement kept for comparison:
                  from JSONL lines already in memory to probabilities, no
                  file read, no output (as anchors.py times it)

Prints JSON with wall and CPU docs/s. Measurement only.

--save PATH also pickles the trained pipeline, and `anchor.py --load PATH
SCORE --out OUT` is the anchor as a whole process, as the issue times it:
Python start-up, imports and loading the pipeline, then disk_to_jsonl
(compare.sh times that process as it times ours).

usage: python3 anchor.py CORPUS.jsonl.gz SCORE.jsonl [--skip N] [--train N] [--top5 N] [--out PATH] [--save PATH]
       python3 anchor.py --load PATH SCORE.jsonl [--out PATH]
  --skip N   the first N corpus lines are the scored documents: train on the rest
  --train N  train on at most N of them (default all; a quicker trial run)
  --top5 N   documents timed with reasons (default 1000)
  --out PATH where scored records go (default /dev/null)
"""
import argparse
import gzip
import json
import pickle
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


def record(d, p):
    k = int(p.argmax())
    return {"id": d.get("id"), "severity": CLASSES[k], "confidence": float(p[k]),
            "probabilities": {c: float(v) for c, v in zip(CLASSES, p)}}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="?")
    ap.add_argument("score", nargs="?")
    ap.add_argument("--save")
    ap.add_argument("--load")
    ap.add_argument("--skip", type=int, default=0)
    ap.add_argument("--train", type=int, default=0)
    ap.add_argument("--top5", type=int, default=1000)
    ap.add_argument("--out", default="/dev/null")
    a = ap.parse_args()
    if a.load:
        # The whole-process anchor: SCORE is the one positional argument.
        with open(a.load, "rb") as f:
            vec, sel, booster = pickle.load(f)
        with open(a.corpus) as f:
            docs = [json.loads(l) for l in f if l.strip()]
        prob = booster.predict_proba(sel.transform(vec.transform([text(d) for d in docs])))
        with open(a.out, "w") as out:
            for d, p in zip(docs, prob):
                out.write(json.dumps(record(d, p)) + "\n")
        return

    train = [json.loads(l) for l in gzip.open(a.corpus, "rt").read().splitlines()[a.skip:]]
    if a.train:
        train = train[:a.train]
    y = np.array([CLASSES.index(d["severity"]) for d in train])
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=3, max_features=200_000)
    x = vec.fit_transform([text(d) for d in train])
    sel = SelectKBest(chi2, k=min(20_000, x.shape[1]))
    xs = sel.fit_transform(x, y)
    booster = xgb.XGBClassifier(n_estimators=300, max_depth=6, learning_rate=0.1, tree_method="hist",
                                n_jobs=2, objective="multi:softprob", random_state=42)
    booster.fit(xs, y)
    names = np.array(vec.get_feature_names_out())[sel.get_support()]
    if a.save:
        with open(a.save, "wb") as f:
            pickle.dump((vec, sel, booster), f)

    def read(limit=None):
        with open(a.score) as f:
            docs = [json.loads(l) for l in f if l.strip()]
        return docs[:limit] if limit else docs

    n = len(read())
    n5 = min(n, a.top5)

    def disk_to_jsonl():
        docs = read()
        prob = booster.predict_proba(sel.transform(vec.transform([text(d) for d in docs])))
        with open(a.out, "w") as out:
            for d, p in zip(docs, prob):
                out.write(json.dumps(record(d, p)) + "\n")

    def top5():
        docs = read(n5)
        xd = sel.transform(vec.transform([text(d) for d in docs]))
        prob = booster.predict_proba(xd)
        contrib = booster.get_booster().predict(xgb.DMatrix(xd), pred_contribs=True)
        with open(a.out, "w") as out:
            for d, p, c in zip(docs, prob, contrib):
                r = record(d, p)
                k = CLASSES.index(r["severity"])
                row = c[k, :-1]
                top = np.argsort(-np.abs(row))[:5]
                r["reasons"] = [{"feature": str(names[j]), "value": float(row[j])} for j in top if row[j] != 0]
                out.write(json.dumps(r) + "\n")

    with open(a.score) as f:
        lines = [l for l in f if l.strip()]

    def lines_in_memory():
        docs = [json.loads(l) for l in lines]
        booster.predict_proba(sel.transform(vec.transform([text(d) for d in docs])))

    res = {"train_docs": len(train), "score_docs": n, "top5_docs": n5}
    for name, fn, m in [("disk_to_jsonl", disk_to_jsonl, n), ("top5", top5, n5),
                        ("lines_in_memory", lines_in_memory, n)]:
        w, c = timed(fn)
        res[name] = {"docs_per_s": round(m / w, 1), "docs_per_cpu_s": round(m / c, 1), "wall_s": round(w, 3)}
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
