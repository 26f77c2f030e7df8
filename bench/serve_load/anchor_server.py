"""The Python anchor behind a standard ASGI server, for serve_load.

The TF-IDF -> chi2 -> XGBoost scorer of bench/classifier/anchors.py (same
vectoriser, selector and booster parameters) served by Starlette under
uvicorn: POST /v1/score takes one JSON document (application/json) and
answers its record (id, severity, confidence, the five probabilities), as
`cyberstreams serve` does for a single document; GET /readyz answers once
the model is trained. Malformed JSON gets 400, another Content-Type 415.

Trained at start-up on the corpus lines after the first --skip (those are
the request bodies serve_load sends), at most --train of them. The trained
pipeline is cached in --cache so that a second run starts at once.
Measurement only, not product.

usage: python3 anchor_server.py CORPUS.jsonl.gz [--skip 2000] [--train 12000]
         [--port 18081] [--workers 2] [--cache PATH] [--train-only]
"""
import argparse
import gzip
import json
import os
import pickle
import sys

import numpy as np

CLASSES = ["critical", "high", "medium", "low", "informational"]


def text(d):
    return (d.get("summary") or "") + "\n\n" + (d.get("details") or "")


def train(corpus, skip, limit):
    import xgboost as xgb
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.feature_selection import SelectKBest, chi2

    lines = gzip.open(corpus, "rt").read().splitlines()[skip:]
    docs = [json.loads(l) for l in lines[:limit] if l.strip()]
    y = np.array([CLASSES.index(d["severity"]) for d in docs])
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=3, max_features=200_000)
    x = vec.fit_transform([text(d) for d in docs])
    sel = SelectKBest(chi2, k=min(20_000, x.shape[1]))
    xs = sel.fit_transform(x, y)
    booster = xgb.XGBClassifier(n_estimators=300, max_depth=6, learning_rate=0.1, tree_method="hist",
                                n_jobs=2, objective="multi:softprob", random_state=42)
    booster.fit(xs, y)
    booster.set_params(n_jobs=1)  # one request at a time per worker process
    return vec, sel, booster


def load_model():
    path = os.environ["ANCHOR_CACHE"]
    with open(path, "rb") as f:
        return pickle.load(f)


def make_app():
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    vec, sel, booster = load_model()

    async def score(request: Request):
        ctype = request.headers.get("content-type", "").split(";")[0].strip()
        if ctype != "application/json":
            return JSONResponse({"error": "send application/json"}, status_code=415)
        try:
            d = json.loads(await request.body())
        except ValueError as e:
            return JSONResponse({"error": f"malformed JSON: {e}"}, status_code=400)
        if not isinstance(d, dict):
            return JSONResponse({"error": "want a JSON object"}, status_code=400)
        p = booster.predict_proba(sel.transform(vec.transform([text(d)])))[0]
        k = int(p.argmax())
        body = {"id": d.get("id"), "severity": CLASSES[k], "confidence": float(p[k]),
                "probabilities": {c: float(v) for c, v in zip(CLASSES, p)}}
        return Response(json.dumps(body) + "\n", media_type="application/json")

    async def ready(_):
        return JSONResponse({"status": "ready"})

    return Starlette(routes=[Route("/v1/score", score, methods=["POST"]), Route("/readyz", ready)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--skip", type=int, default=2000)
    ap.add_argument("--train", type=int, default=12000)
    ap.add_argument("--port", type=int, default=18081)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cache", default="bench/serve_load/out/anchor.pkl")
    ap.add_argument("--train-only", action="store_true", help="train (or find the cache) and exit")
    a = ap.parse_args()
    if not os.path.exists(a.cache):
        print(f"anchor: training on {a.train} documents after the first {a.skip} ...", file=sys.stderr, flush=True)
        model = train(a.corpus, a.skip, a.train)
        os.makedirs(os.path.dirname(a.cache) or ".", exist_ok=True)
        with open(a.cache + ".tmp", "wb") as f:
            pickle.dump(model, f)
        os.replace(a.cache + ".tmp", a.cache)
    if a.train_only:
        return
    os.environ["ANCHOR_CACHE"] = os.path.abspath(a.cache)
    import uvicorn
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    uvicorn.run("anchor_server:make_app", factory=True, host="127.0.0.1", port=a.port,
                workers=a.workers, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
