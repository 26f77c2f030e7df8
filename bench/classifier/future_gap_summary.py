#!/usr/bin/env python3
"""Summarise future_gap.sh runs over seeds: per window and variant, the mean
and the range (min–max) of accuracy, macro-F1 and critical+high precision.

    python3 bench/classifier/future_gap_summary.py [OUT]   # default bench/classifier/out/future_gap

A single seed is not enough on the gap protocol: the same settings with
another seed move accuracy by several points, mostly through the class
offsets tuned on a validation slice that is itself months old.
"""
import collections
import glob
import json
import os
import statistics
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "bench/classifier/out/future_gap"
runs = collections.defaultdict(lambda: collections.defaultdict(dict))
for path in sorted(glob.glob(f"{out}/*-seed*/*-gap.json")):
    window, seed = os.path.basename(os.path.dirname(path)).rsplit("-seed", 1)
    variant = os.path.basename(path)[: -len("-gap.json")]
    runs[window][variant][int(seed)] = json.load(open(path))["report"]

metrics = [("accuracy", "acc"), ("macro_f1", "macro-F1"), ("critical_high_precision", "C+H prec")]
for window in sorted(runs):
    print(f"\nwindow {window} (train before / judge from [/ until])")
    print(f"{'variant':20} {'seeds':>5}  " + "  ".join(f"{name + ' mean (min–max)':>26}" for _, name in metrics))
    for variant, bySeed in sorted(runs[window].items(), key=lambda kv: (kv[0] != "baseline", kv[0])):
        cells = []
        for key, _ in metrics:
            v = [r[key] for r in bySeed.values()]
            cells.append(f"{statistics.mean(v):.4f} ({min(v):.4f}–{max(v):.4f})")
        print(f"{variant:20} {len(bySeed):5}  " + "  ".join(f"{c:>26}" for c in cells)
              + "   seeds " + ",".join(str(s) for s in sorted(bySeed)))
