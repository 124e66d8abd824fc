#!/usr/bin/python3
"""Reference numbers for package fairness, computed by fairlearn 0.12.

Never run in CI. Run it by hand on a machine with Debian's Python packages
(python3-sklearn 1.2, python3-pandas 1.5, python3-numpy 1.24) and fairlearn
v0.12.0 from source (docs/fairness.md, "Reproducing the reference numbers"):

    PYTHONPATH=/tmp/anchors/fairlearn /usr/bin/python3 fairness/testdata/gen_reference.py

It writes, under fairness/testdata/:

  adult/adult-predictions.csv.gz   UCI Adult test split (16,281 rows) with the
                                   predictions of a logistic regression trained
                                   on the training split (sex and race are not
                                   model inputs); columns age, sex, race,
                                   income, prediction, score.
  adult/model/model.json           that model's coefficients (a stand-in model
                                   artifact for the README quickstart).
  golden/fairlearn.json            for every case: its input (inline, or the
                                   file above) and what fairlearn computes.

NaN is written as JSON null. Every number is fairlearn's, unrounded.
"""

import functools
import gzip
import io
import json
import math
import os
import sys

import numpy as np
import pandas as pd
import sklearn
import sklearn.metrics as skm
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import fairlearn
import fairlearn.metrics as flm

HERE = os.path.dirname(os.path.abspath(__file__))
ADULT = os.environ.get("ADULT_DIR", os.path.join(HERE, "..", "..", "..", "..", "shared", "data", "uci-adult"))
if not os.path.isdir(ADULT):
    ADULT = "/work/shared/data/uci-adult"

HEADLINE = [
    ("demographic_parity_difference", flm.demographic_parity_difference, {}),
    ("demographic_parity_ratio", flm.demographic_parity_ratio, {}),
    ("equalized_odds_difference", flm.equalized_odds_difference, {"agg": "worst_case"}),
    ("equalized_odds_difference_mean", flm.equalized_odds_difference, {"agg": "mean"}),
    ("equalized_odds_ratio", flm.equalized_odds_ratio, {"agg": "worst_case"}),
    ("equalized_odds_ratio_mean", flm.equalized_odds_ratio, {"agg": "mean"}),
    ("equal_opportunity_difference", flm.equal_opportunity_difference, {}),
    ("equal_opportunity_ratio", flm.equal_opportunity_ratio, {}),
]


def num(x):
    """A JSON-safe number: NaN -> None, numpy scalars -> Python."""
    if x is None:
        return None
    if isinstance(x, (np.integer,)):
        return int(x)
    x = float(x)
    if math.isnan(x):
        return None
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def label(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return int(f) if f.is_integer() else f
    return v


def metric_fns(pos):
    return {
        "selection_rate": functools.partial(flm.selection_rate, pos_label=pos),
        "true_positive_rate": functools.partial(flm.true_positive_rate, pos_label=pos),
        "false_positive_rate": functools.partial(flm.false_positive_rate, pos_label=pos),
        "false_negative_rate": functools.partial(flm.false_negative_rate, pos_label=pos),
        "true_negative_rate": functools.partial(flm.true_negative_rate, pos_label=pos),
        "accuracy": skm.accuracy_score,
        "precision": functools.partial(skm.precision_score, pos_label=pos, zero_division=0),
        "count": flm.count,
    }


def series_dict(s):
    return {k: num(v) for k, v in s.items()}


def evaluate(y_true, y_pred, sf, pos, y_score=None):
    """What fairlearn reports for one case (the keys mirror package fairness)."""
    mf = flm.MetricFrame(metrics=metric_fns(pos), y_true=y_true, y_pred=y_pred, sensitive_features=sf)
    by = mf.by_group
    if y_score is not None:
        ms = flm.MetricFrame(metrics={"mean_score": flm.mean_prediction}, y_true=y_true, y_pred=y_score,
                             sensitive_features=sf)
        by = pd.concat([by, ms.by_group], axis=1)
        overall = pd.concat([mf.overall, ms.overall])
        gmin = pd.concat([mf.group_min(), ms.group_min()])
        gmax = pd.concat([mf.group_max(), ms.group_max()])
        diff_bg = pd.concat([mf.difference(method="between_groups"), ms.difference(method="between_groups")])
        diff_to = pd.concat([mf.difference(method="to_overall"), ms.difference(method="to_overall")])
        ratio_bg = pd.concat([mf.ratio(method="between_groups"), ms.ratio(method="between_groups")])
        ratio_to = pd.concat([mf.ratio(method="to_overall"), ms.ratio(method="to_overall")])
    else:
        overall = mf.overall
        gmin, gmax = mf.group_min(), mf.group_max()
        diff_bg, diff_to = mf.difference(method="between_groups"), mf.difference(method="to_overall")
        ratio_bg, ratio_to = mf.ratio(method="between_groups"), mf.ratio(method="to_overall")
    names = list(sf.columns)
    groups, empty = [], []
    for idx, row in by.iterrows():
        key = idx if isinstance(idx, tuple) else (idx,)
        g = {n: label(k) for n, k in zip(names, key)}
        if pd.isna(row["count"]):
            # Cells of a missing (NaN) value are not groups: those rows
            # belong to no group, so only real empty combinations are kept.
            if not any(isinstance(v, float) and math.isnan(v) for v in g.values()):
                empty.append(g)
            continue
        groups.append({"group": g, "metrics": series_dict(row)})
    # The headline metrics exactly as fairlearn's functions compute them, on
    # 0/1 labels (they have no pos_label parameter).
    yt = (np.asarray(y_true) == pos).astype(int)
    yp = (np.asarray(y_pred) == pos).astype(int)
    fm = {}
    for name, fn, kw in HEADLINE:
        fm[name] = {m: num(fn(yt, yp, sensitive_features=sf, method=m, **kw)) for m in ("between_groups", "to_overall")}
    return {
        "overall": series_dict(overall),
        "by_group": groups,
        "empty_groups": empty,
        "group_min": series_dict(gmin),
        "group_max": series_dict(gmax),
        "difference": {"between_groups": series_dict(diff_bg), "to_overall": series_dict(diff_to)},
        "ratio": {"between_groups": series_dict(ratio_bg), "to_overall": series_dict(ratio_to)},
        "fairness_metrics": fm,
    }


def inline_case(name, y_true, y_pred, sf, pos=None, y_score=None, note="", missing="auto", fl_sf=None):
    """A case whose input is written into the golden file. fl_sf, when given,
    is what fairlearn is run on instead of sf (to emulate a missing policy
    fairlearn lacks)."""
    if pos is None:
        pos = 1
    frame = pd.DataFrame(fl_sf if fl_sf is not None else sf)
    exp = evaluate(list(y_true), list(y_pred), frame, pos, y_score)
    inp = {
        "y_true": [label(v) for v in y_true],
        "y_pred": [label(v) for v in y_pred],
        "sensitive": {k: [None if (isinstance(v, float) and math.isnan(v)) or v is None else label(v) for v in vs]
                      for k, vs in sf.items()},
        "sensitive_order": list(sf.keys()),
        "pos_label": label(pos),
        "missing": missing,
    }
    if y_score is not None:
        inp["y_score"] = [float(v) for v in y_score]
    return {"name": name, "note": note, "input": inp, "expected": exp}


def file_case(name, path, sens, note=""):
    df = pd.read_csv(os.path.join(HERE, path))
    pos = ">50K"
    exp = evaluate(df["income"], df["prediction"], df[sens], pos, df["score"])
    return {"name": name, "note": note,
            "input": {"file": path, "y_true": "income", "y_pred": "prediction", "y_score": "score",
                      "sensitive_order": sens, "pos_label": pos, "missing": "auto"},
            "expected": exp}


def make_adult():
    cols = ["age", "workclass", "fnlwgt", "education", "education_num", "marital_status", "occupation",
            "relationship", "race", "sex", "capital_gain", "capital_loss", "hours_per_week", "native_country",
            "ltgt50k"]

    def load(p):
        df = pd.read_csv(p, skipinitialspace=True)
        df.columns = cols
        df["ltgt50k"] = df["ltgt50k"].str.rstrip(".")
        return df

    train = load(os.path.join(ADULT, "adult.data"))
    test = load(os.path.join(ADULT, "adult.test"))
    numeric = ["age", "education_num", "capital_gain", "capital_loss", "hours_per_week"]
    categorical = ["workclass", "marital_status", "occupation", "relationship"]
    model = Pipeline([
        ("prep", ColumnTransformer([("num", StandardScaler(), numeric),
                                    ("cat", OneHotEncoder(handle_unknown="ignore"), categorical)])),
        ("lr", LogisticRegression(max_iter=2000)),
    ])
    model.fit(train[numeric + categorical], train["ltgt50k"] == ">50K")
    score = model.predict_proba(test[numeric + categorical])[:, 1]
    out = pd.DataFrame({
        "age": test["age"], "sex": test["sex"], "race": test["race"], "income": test["ltgt50k"],
        "prediction": np.where(score >= 0.5, ">50K", "<=50K"), "score": np.round(score, 6),
    })
    os.makedirs(os.path.join(HERE, "adult", "model"), exist_ok=True)
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    with open(os.path.join(HERE, "adult", "adult-predictions.csv.gz"), "wb") as fh:
        with gzip.GzipFile(filename="adult-predictions.csv", mode="wb", fileobj=fh, mtime=0) as gz:
            gz.write(buf.getvalue().encode())
    prep = model.named_steps["prep"]
    lr = model.named_steps["lr"]
    desc = {
        "description": "Logistic regression predicting income >50K on UCI Adult (trained on adult.data). "
                       "A stand-in model artifact for the mlsec fairness quickstart: JSON coefficients, never code.",
        "features": list(prep.get_feature_names_out()),
        "coefficients": [round(float(c), 12) for c in lr.coef_[0]],
        "intercept": round(float(lr.intercept_[0]), 12),
        "threshold": 0.5,
        "sklearn": sklearn.__version__,
    }
    with open(os.path.join(HERE, "adult", "model", "model.json"), "w") as fh:
        json.dump(desc, fh, indent=1)
        fh.write("\n")


def synthetic_cases():
    cases = []
    yt = [1, 1, 1, 1, 1, 0, 0, 1, 1, 0]
    yp = [0, 1, 1, 1, 1, 0, 0, 0, 1, 1]
    cases.append(inline_case("toy", yt, yp, {"sex": ["F"] * 5 + ["M"] * 5},
                             note="trusted-monitoring.md 1.4 toy example"))
    cases.append(inline_case("no_positives_no_negatives", [0, 0, 0, 1, 1, 1], [1, 0, 0, 1, 0, 1],
                             {"g": ["a", "a", "a", "b", "b", "b"]},
                             note="group a has no positives (TPR 0.0), b no negatives (FPR 0.0)"))
    cases.append(inline_case("all_zero_predictions", [0, 1, 0, 1, 1, 0], [0] * 6,
                             {"g": ["a", "a", "a", "b", "b", "b"]}, note="selection rates 0/0: ratios NaN"))
    cases.append(inline_case("all_selected", [0, 1, 0, 1, 1, 0], [1] * 6,
                             {"g": ["a", "a", "b", "b", "b", "b"]}))
    cases.append(inline_case("single_group", [0, 1, 1, 0, 1], [0, 1, 0, 0, 1], {"g": ["only"] * 5}))
    cases.append(inline_case("intersectional_empty_cell", [0, 1, 0, 1, 1, 0], [1, 1, 0, 1, 0, 1],
                             {"race": ["x", "x", "y", "y", "x", "y"], "sex": ["m", "f", "m", "m", "m", "m"]},
                             note="(y, f) has no rows"))
    cases.append(inline_case("only_negatives", [0] * 8, [0, 1, 0, 0, 1, 1, 0, 0],
                             {"g": ["a"] * 4 + ["b"] * 4},
                             note="TPR 0 everywhere: TPR ratio NaN first, so the worst-case EO ratio is NaN"))
    cases.append(inline_case("only_positives", [1] * 8, [0, 1, 1, 1, 1, 1, 0, 1],
                             {"g": ["a"] * 4 + ["b"] * 4},
                             note="FPR ratio NaN second: the worst-case EO ratio is the TPR ratio"))
    cases.append(inline_case("tiny_groups", [1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1], [1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 1, 1],
                             {"g": ["solo", "pair", "pair", "big", "big", "big", "big", "big", "big", "big", "big", "one"]}))
    cases.append(inline_case("nan_numeric_sensitive", [1, 0, 1, 1, 0, 1], [1, 0, 0, 1, 1, 1],
                             {"grp": [1.0, 1.0, float("nan"), 2.0, 2.0, 2.0]},
                             note="NaN rows are in overall only"))
    cases.append(inline_case("string_labels", ["yes", "no", "yes", "no", "no", "yes", "yes"],
                             ["yes", "yes", "no", "no", "no", "yes", "no"],
                             {"g": ["p", "p", "p", "q", "q", "q", "q"]}, pos="yes"))
    cases.append(inline_case("minus_one_labels", [-1, 1, 1, -1, 1, -1], [1, 1, -1, -1, 1, 1],
                             {"g": ["a", "b", "a", "b", "a", "b"]}, pos=1))

    rng = np.random.default_rng(20261207)
    # Heavy imbalance: 1,990 rows of one group, 10 of another, with scores.
    n = 2000
    g = np.array(["major"] * 1990 + ["minor"] * 10)
    yt = (rng.random(n) < np.where(g == "major", 0.3, 0.6)).astype(int)
    score = np.clip(0.35 * yt + rng.random(n) * 0.7, 0, 1)
    yp = (score > 0.5).astype(int)
    cases.append(inline_case("heavy_imbalance", yt, yp, {"g": list(g)}, y_score=[round(s, 6) for s in score]))

    # Three sensitive columns, one of them numeric, with cells left empty.
    n = 3000
    a = rng.choice(["north", "south"], n)
    b = rng.choice(["x", "y", "z"], n, p=[0.6, 0.3, 0.1])
    c = rng.choice([18, 30, 45, 60], n)
    drop = (b == "z") & (c == 60)
    a, b, c = a[~drop], b[~drop], c[~drop]
    n = len(a)
    base = 0.2 + 0.3 * (a == "north") + 0.1 * (b == "y") + 0.004 * c
    yt = (rng.random(n) < base).astype(int)
    score = np.clip(base + rng.normal(0, 0.2, n) + 0.2 * yt, 0, 1)
    yp = (score > 0.55).astype(int)
    cases.append(inline_case("random_three_columns", yt, yp, {"region": list(a), "band": list(b), "age": [int(v) for v in c]},
                             y_score=[round(s, 6) for s in score], note="(z, 60) cells are empty"))

    # A numeric column with NaN next to a string column (intersectional).
    cases.append(inline_case("nan_numeric_intersectional", [1, 0, 1, 1, 0, 1, 0, 1], [1, 0, 0, 1, 1, 1, 0, 0],
                             {"s": ["a", "a", "b", "b", "a", "b", "a", "b"],
                              "n": [1.0, float("nan"), 2.0, 1.0, 2.0, float("nan"), 2.0, 1.0]}))

    # --missing group: the missing string value is a group of its own,
    # labelled "" (fairlearn sees the empty string as a value).
    sv = ["a", None, "b", "a", None, "b", "b", "a"]
    cases.append(inline_case("missing_group", [1, 0, 1, 1, 0, 1, 0, 1], [1, 1, 0, 1, 0, 1, 0, 0], {"s": sv},
                             missing="group", fl_sf={"s": [v if v is not None else "" for v in sv]}))
    # --missing drop on a string column: fairlearn drops NaN of a numeric
    # column, so it is run on the codes a=1, b=2 with NaN for missing and the
    # group labels mapped back.
    case = inline_case("missing_drop_string", [1, 0, 1, 1, 0, 1, 0, 1], [1, 1, 0, 1, 0, 1, 0, 0], {"s": sv},
                       missing="drop", fl_sf={"s": [{"a": 1.0, "b": 2.0}.get(v, float("nan")) for v in sv]})
    back = {1: "a", 2: "b"}
    for grp in case["expected"]["by_group"]:
        grp["group"]["s"] = back[grp["group"]["s"]]
    cases.append(case)
    return cases


def main():
    make_adult()
    cases = synthetic_cases()
    path = os.path.join("adult", "adult-predictions.csv.gz")
    cases.append(file_case("adult_sex", path, ["sex"]))
    cases.append(file_case("adult_race", path, ["race"]))
    cases.append(file_case("adult_race_sex", path, ["race", "sex"], note="intersectional, with an empty-free 5x2 product"))
    cases.append(file_case("adult_age", path, ["age"], note="numeric sensitive column with many tiny groups"))
    out = {
        "generator": "fairness/testdata/gen_reference.py",
        "fairlearn": "v0.12.0 (tag aeac30d6, __version__ " + fairlearn.__version__ + ")",
        "python": sys.version.split()[0], "numpy": np.__version__, "pandas": pd.__version__,
        "sklearn": sklearn.__version__,
        "cases": cases,
    }
    os.makedirs(os.path.join(HERE, "golden"), exist_ok=True)
    with open(os.path.join(HERE, "golden", "fairlearn.json"), "w") as fh:
        json.dump(out, fh, indent=1, allow_nan=False)
        fh.write("\n")


if __name__ == "__main__":
    main()
