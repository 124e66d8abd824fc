#!/usr/bin/python3
"""The scipy reference procedure (drift/testdata/gen/evidently_ref.py) on two
CSV files, timed the same way as mlsec drift: read both, test every column.
Usage: scipy_drift.py REFERENCE CURRENT"""
import os
import sys

import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "drift", "testdata", "gen"))
import evidently_ref  # noqa: E402

ref, cur = pd.read_csv(sys.argv[1]), pd.read_csv(sys.argv[2])
res = evidently_ref.drift(ref, cur, {})
print(res["number_of_drifted_columns"], "of", res["number_of_columns"], "drifted")
