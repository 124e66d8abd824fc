"""Reference column types for table_test's pandas comparison.

Run with Debian's Python (pandas 1.5):
    /usr/bin/python3 internal/table/testdata/pandas_golden.py > internal/table/testdata/adult_head.golden.json
It reads adult_head.csv the way table.Options{TrimLeadingSpace: true,
NullValues: ["?"]} does and records, per column, what pandas infers.
"""
import json
import os

import pandas as pd

here = os.path.dirname(os.path.abspath(__file__))
df = pd.read_csv(os.path.join(here, "adult_head.csv"), skipinitialspace=True,
                 na_values=["?", ""], keep_default_na=False)
out = {"rows": len(df), "columns": []}
for name in df.columns:
    s = df[name]
    kind = {"i": "number", "f": "number", "b": "bool"}.get(s.dtype.kind, "string")
    out["columns"].append({
        "name": name,
        "kind": kind,
        "integer": s.dtype.kind == "i",
        "nulls": int(s.isna().sum()),
        "unique": int(s.nunique()),
        "sum": float(s.sum()) if kind == "number" else None,
    })
print(json.dumps(out, indent=1))
