#!/usr/bin/python3
"""Golden values of scipy.stats.shapiro for extraction.ShapiroWilk.

Run: /usr/bin/python3 extraction/testdata/shapiro_golden.py  (scipy 1.10; never in CI)
Writes shapiro_golden.json next to this file: samples (rounded to float32,
the precision scipy's swilk computes in, so both sides read the same
numbers) and scipy's W and p-value.
"""
import json
import os

import numpy as np
import scipy
from scipy import stats

rng = np.random.default_rng(20261207)
cases = []


def add(name, x):
    x = np.asarray(x, dtype=np.float32).astype(np.float64)
    w, p = stats.shapiro(x)
    cases.append({"name": name, "x": [float(v) for v in x], "w": float(w), "p": float(p)})


for n in [3, 4, 5, 6, 7, 8, 11, 12, 13, 20, 31, 50, 100, 257, 1000, 5000]:
    add("normal-%d" % n, rng.normal(10, 3, n))
    add("uniform-%d" % n, rng.uniform(0, 1, n))
    add("exponential-%d" % n, rng.exponential(2, n))
    add("lognormal-%d" % n, rng.lognormal(0, 1, n))
# PRADA-like: minimum distances of a grid sweep (few distinct values)
add("grid-distances-60", np.repeat([0.5, 0.5, 0.5, 1.0, 0.70710678], 12))
add("ties-10", [1, 1, 1, 2, 2, 2, 3, 3, 3, 4])
add("offset-50", 1e6 + rng.normal(0, 1, 50))
add("n3-sorted", [1.0, 2.0, 4.0])
dst = os.path.join(os.path.dirname(os.path.abspath(__file__)), "shapiro_golden.json")
with open(dst, "w") as f:
    json.dump({"scipy": scipy.__version__, "cases": cases}, f, separators=(",", ":"))
print(len(cases), "cases, scipy", scipy.__version__)
