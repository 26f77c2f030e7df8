#!/usr/bin/env python3
"""scikit-learn's IsolationForest on the same standardised novelty inputs
the Go model reads (written by `novelty -lofo -dump DIR`), with its
threshold picked by the same rule on the same validation advisories, and a
table beside the Go model's numbers (go.jsonl in DIR).

usage: sklearn_iforest.py DIR [SEED]
"""
import json
import math
import os
import sys

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from scipy.stats import binom


def calibrate(scores, target=0.05, alpha=0.05):
    """core/novelty.Calibrate: flag the k highest validation scores, k the
    largest with P(Binomial(n, target) <= k) <= alpha; ties at the cut are
    not flagged."""
    s = np.sort(scores)
    n = len(s)
    k = 0
    for j in range(n + 1):
        if binom.cdf(j, n, target) > alpha:
            break
        k = j
    i = n - k
    if i >= n:
        return np.nextafter(s[-1], np.inf)
    while 0 < i < n and s[i] == s[i - 1]:
        i += 1
    return s[i] if i < n else np.nextafter(s[-1], np.inf)


def load(path):
    x = np.loadtxt(path, delimiter="\t", ndmin=2)
    return x


def main():
    root = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 42
    go = {}
    with open(os.path.join(root, "go.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            if "kind" in r:
                go[(r["kind"], r["family"])] = r
    print(f"{'kind':<10} {'family':<40} {'out':>5} {'in':>5} | {'Go AUC':>6} {'detect':>6} {'FPR':>5} | {'sk AUC':>6} {'detect':>6} {'FPR':>5}")
    for d in sorted(os.listdir(root)):
        p = os.path.join(root, d)
        if not os.path.isdir(p):
            continue
        kind, fam = open(os.path.join(p, "family")).read().rstrip("\n").split("\t")
        train, valid, inn, out = (load(os.path.join(p, n + ".tsv")) for n in ("train", "valid", "in", "out"))
        forest = IsolationForest(n_estimators=100, max_samples=256, random_state=seed).fit(train)
        score = lambda x: -forest.score_samples(x)  # higher: more anomalous
        th = calibrate(score(valid))
        si, so = score(inn), score(out)
        y = np.r_[np.zeros(len(si)), np.ones(len(so))]
        sk_auc = roc_auc_score(y, np.r_[si, so])
        g = go.get((kind, fam), {})
        print(f"{kind:<10} {fam[:40]:<40} {len(so):>5} {len(si):>5} | {g.get('auc', math.nan):>6.3f} {g.get('detected', math.nan):>6.3f} "
              f"{g.get('fpr', math.nan):>5.3f} | {sk_auc:>6.3f} {np.mean(so >= th):>6.3f} {np.mean(si >= th):>5.3f}")


if __name__ == "__main__":
    main()
