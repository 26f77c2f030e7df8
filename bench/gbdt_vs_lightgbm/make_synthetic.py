#!/usr/bin/env python3
"""Write a synthetic libsvm matrix shaped like Cyberstreams' document features.

Sparse TF-IDF-like columns (Zipf word frequencies; each class has a few
hundred words it uses more often; rows l2-normalised) followed by dense meta
columns (some shifted by class, some counts with many zeros, some signed
noise), five imbalanced classes and 10 % label noise. Indices are zero-based,
as LightGBM and sklearn's dump_svmlight_file(zero_based=True) read them.

usage: make_synthetic.py TRAIN.libsvm [VALID.libsvm] [--rows 38000]
       [--valid-rows 5000] [--sparse 5000] [--words 70] [--dense 40]
       [--classes 5] [--seed 1]

Both files come from one draw of the class vocabularies, so the validation
rows follow the training distribution.
"""
import argparse

import numpy as np


def generate(rows, sparse, words, dense, classes, seed):
    rng = np.random.default_rng(seed)
    freq = 1.0 / np.power(np.arange(sparse) + 10.0, 1.05)
    freq /= freq.sum()
    idf = 1.0 + np.log(1.0 / freq / 50.0)
    class_words = rng.integers(0, sparse, size=(classes, 150))
    prior = np.array([0.1, 0.3, 0.35, 0.15, 0.1][:classes], dtype=float)
    prior /= prior.sum()
    y_true = rng.choice(classes, size=rows, p=prior)
    lines = []
    for i in range(rows):
        c = y_true[i]
        from_class = rng.random(words) < 0.25
        w = np.where(from_class,
                     class_words[c, rng.integers(0, 150, size=words)],
                     rng.choice(sparse, size=words, p=freq))
        ids, tf = np.unique(w, return_counts=True)
        vals = (1.0 + np.log(tf)) * idf[ids]
        vals /= np.linalg.norm(vals)
        cols = list(ids)
        out = list(vals)
        for j in range(dense):
            kind = j % 4
            if kind == 0:
                v = c * 0.5 + rng.normal()
            elif kind == 1:
                v = max(float(rng.integers(0, 3 + c)) - 1.0, 0.0)
            elif kind == 2:
                v = rng.normal()
            else:
                v = float(np.exp(rng.normal() + 0.2 * c))
            if v != 0.0:
                cols.append(sparse + j)
                out.append(v)
        label = c if rng.random() >= 0.1 else rng.integers(0, classes)
        lines.append(str(int(label)) + " " + " ".join(
            "%d:%.17g" % (k, v) for k, v in zip(cols, out)))
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("train")
    ap.add_argument("valid", nargs="?")
    ap.add_argument("--rows", type=int, default=38000)
    ap.add_argument("--valid-rows", type=int, default=5000)
    ap.add_argument("--sparse", type=int, default=5000)
    ap.add_argument("--words", type=int, default=70)
    ap.add_argument("--dense", type=int, default=40)
    ap.add_argument("--classes", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    n_valid = a.valid_rows if a.valid else 0
    lines = generate(a.rows + n_valid, a.sparse, a.words, a.dense, a.classes, a.seed)
    with open(a.train, "w") as f:
        f.write("\n".join(lines[:a.rows]) + "\n")
    if a.valid:
        with open(a.valid, "w") as f:
            f.write("\n".join(lines[a.rows:]) + "\n")


if __name__ == "__main__":
    main()
