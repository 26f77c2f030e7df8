"""The scikit-learn anchor of the technique benchmark: TF-IDF word uni- and
bigrams + one-vs-rest logistic regression, trained per outer fold on the
same report-level split as ours (split.json; the first held_out folds are
judged, all by default) and the same ATT&CK prose
(attack_texts.jsonl, weight 1), judged over the techniques with >= 10
training sentences in that fold. Measurement only.

Prints JSON: sentence and document micro/macro F1 at probability 0.5 and at
the best single threshold chosen on the test predictions (hindsight)."""
import json, sys
from collections import Counter
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

out, data = sys.argv[1], sys.argv[2]
folds = json.load(open(f"{out}/split.json"))
held_out = int(sys.argv[3]) if len(sys.argv) > 3 else max(folds.values()) + 1
sents = [json.loads(l) for l in open(f"{data}/tram_sentences.jsonl")]
texts = [json.loads(l) for l in open(f"{out}/attack_texts.jsonl")]

def scores(truth, pred):
    """micro P/R/F1 and macro F1 over (item, label) boolean matrices."""
    tp = (truth & pred).sum(0); fp = (~truth & pred).sum(0); fn = (truth & ~pred).sum(0)
    T, F, N = tp.sum(), fp.sum(), fn.sum()
    p = T / (T + F) if T + F else 0.0
    r = T / (T + N) if T + N else 0.0
    used = (tp + fp + fn) > 0
    per = np.where(tp > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 0.0)
    return dict(precision=float(p), recall=float(r), micro_f1=float(2 * T / (2 * T + F + N)) if T else 0.0,
                macro_f1=float(per[used].mean()) if used.any() else 0.0)

levels = {"sentence": ([], []), "document": ([], [])}
for f in range(held_out):
    train = [s for s in sents if folds[s["doc_id"]] != f]
    test = [s for s in sents if folds[s["doc_id"]] == f]
    count = Counter(t for s in train for t in set(s["techniques"]))
    techs = sorted(t for t, n in count.items() if n >= 10)
    ix = {t: i for i, t in enumerate(techs)}
    def Y(rows, key):
        y = np.zeros((len(rows), len(techs)), bool)
        for i, r in enumerate(rows):
            for t in key(r):
                if t in ix:
                    y[i, ix[t]] = True
        return y
    x_text = [s["text"] for s in train] + [t["text"] for t in texts]
    y = np.vstack([Y(train, lambda s: s["techniques"]), Y(texts, lambda t: [t["technique"]])])
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    clf = OneVsRestClassifier(LogisticRegression(C=10, max_iter=1000)).fit(vec.fit_transform(x_text), y)
    p = clf.predict_proba(vec.transform([s["text"] for s in test]))
    yt = Y(test, lambda s: s["techniques"])
    docs = sorted(set(s["doc_id"] for s in test)); di = {d: i for i, d in enumerate(docs)}
    dp = np.zeros((len(docs), len(techs))); dy = np.zeros((len(docs), len(techs)), bool)
    for i, s in enumerate(test):
        d = di[s["doc_id"]]; dp[d] = np.maximum(dp[d], p[i]); dy[d] |= yt[i]
    # Pool folds over a shared label space (technique ids) for micro/macro.
    for lvl, (tr, pr) in (("sentence", (yt, p)), ("document", (dy, dp))):
        levels[lvl][0].append((techs, tr)); levels[lvl][1].append(pr)

def pooled(lvl, cut):
    all_t = sorted({t for techs, _ in levels[lvl][0] for t in techs}); col = {t: i for i, t in enumerate(all_t)}
    T, P = [], []
    for (techs, tr), pr in zip(*levels[lvl]):
        t2 = np.zeros((len(tr), len(all_t)), bool); p2 = np.zeros((len(tr), len(all_t)), bool)
        for j, t in enumerate(techs):
            t2[:, col[t]] = tr[:, j]; p2[:, col[t]] = pr[:, j] >= cut
        T.append(t2); P.append(p2)
    return scores(np.vstack(T), np.vstack(P))

res = {}
for lvl in levels:
    best = max((pooled(lvl, c) | {"threshold": c} for c in np.arange(0.05, 0.96, 0.05)), key=lambda s: s["micro_f1"])
    res[lvl] = {"at_0.5": pooled(lvl, 0.5), "hindsight": best}
print(json.dumps(res))
