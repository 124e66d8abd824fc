#!/usr/bin/python3
"""Write the drift benchmark tables: ROWS rows x 20 columns, reference and
current (current shifted in some columns). 8 continuous floats (4
decimals), 4 integer columns (2 with few values), 8 string categories.
Usage: gen.py ROWS OUTDIR"""
import os
import sys

import numpy as np
import pandas as pd

rows, out = int(sys.argv[1]), sys.argv[2]
cats = [f"cat{i}" for i in range(12)]


def table(seed, shift):
    rng = np.random.default_rng(seed)
    d = {}
    for i in range(8):
        d[f"f{i}"] = np.round(rng.normal(10 * i + (shift if i < 3 else 0), 2 + i, rows), 4)
    d["age"] = rng.integers(18, 90 + (5 if shift else 0), rows)
    d["hours"] = rng.integers(1, 99, rows)
    d["kids"] = rng.integers(0, 5, rows)
    d["flag"] = rng.integers(0, 2, rows)
    p = np.linspace(1, 2, len(cats)) if shift else np.ones(len(cats))
    for i in range(8):
        d[f"c{i}"] = rng.choice(cats[: 4 + i], rows, p=(p[: 4 + i] / p[: 4 + i].sum()) if i < 2 else None)
    return pd.DataFrame(d)


table(1, 0).to_csv(os.path.join(out, "reference.csv"), index=False)
table(2, 1.0).to_csv(os.path.join(out, "current.csv"), index=False)
