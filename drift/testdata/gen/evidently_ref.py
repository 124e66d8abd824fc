#!/usr/bin/python3
"""Reference implementation of Evidently 0.7's data-drift procedure with
Debian's scipy 1.10 / numpy 1.24 / pandas 1.5, for mlsec's golden tests.

Evidently itself is not installable here; this script re-derives its
procedure (src/evidently/legacy/calculations/stattests/*.py, data_drift.py,
registry.py, core/datasets.py infer_column_type) line by line from the
formulas described in docs/drift.md. Run it only by hand:

    /usr/bin/python3 drift/testdata/gen/evidently_ref.py          # everything
    /usr/bin/python3 drift/testdata/gen/evidently_ref.py adult    # adult.json only

It rewrites drift/testdata/golden/*.json. Never run in CI.
"""
import gzip
import json
import math
import os
import sys
import warnings
from collections import Counter

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance
from scipy.stats import chisquare, ks_2samp, norm

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "golden")
DATA = os.path.join(HERE, "..", "data")

INTEGER_CARDINALITY_LIMIT = 10


# ---- Evidently's type inference (new API, core/datasets.py) ----
def infer_column_type(s):
    name = s.dtype.name
    if name.startswith("float"):
        return "num"
    if name.startswith("int"):
        return "cat" if s.nunique() <= INTEGER_CARDINALITY_LIMIT else "num"
    if name in ("bool", "category"):
        return "cat"
    if name == "object":
        return "text" if s.nunique() > s.count() * 0.5 else "cat"
    raise ValueError(name)


def legacy_role_type(ref, cur, role):
    both = pd.concat([ref, cur])
    numeric = pd.api.types.is_numeric_dtype(both) and not pd.api.types.is_bool_dtype(both)
    if numeric and both.nunique() > 5:
        return "num"
    if role == "prediction" and numeric and not pd.api.types.is_integer_dtype(both) and both.max() <= 1 and both.min() >= 0:
        return "num"
    return "cat"


# ---- Evidently's helpers (stattests/utils.py) ----
def keys_of(ref, cur):
    return list(set(ref.dropna().unique()) | set(cur.dropna().unique()))


def get_binned_data(ref, cur, ftype, feel_zeroes=True):
    n_vals = ref.nunique()
    if ftype == "num" and n_vals > 20:
        combined = np.asarray(pd.concat([ref, cur], axis=0).values)
        bins = np.histogram_bin_edges(combined, bins="sturges")
        rp = np.histogram(ref, bins)[0] / len(ref)
        cp = np.histogram(cur, bins)[0] / len(cur)
    else:
        keys = keys_of(ref, cur)
        rd = {**dict.fromkeys(keys, 0), **dict(ref.value_counts())}
        cd = {**dict.fromkeys(keys, 0), **dict(cur.value_counts())}
        rp = np.array([rd[k] / len(ref) for k in keys])
        cp = np.array([cd[k] / len(cur) for k in keys])
    if feel_zeroes:
        for a in (rp, cp):
            m = min(a[a != 0])
            np.place(a, a == 0, m / 10**6 if m <= 0.0001 else 0.0001)
    return rp, cp


# ---- the tests ----
def t_ks(ref, cur, ftype):
    return ks_2samp(ref, cur)[1]


def t_chisquare(ref, cur, ftype):
    keys = keys_of(ref, cur)
    rd = {**dict.fromkeys(keys, 0), **dict(ref.value_counts())}
    cd = {**dict.fromkeys(keys, 0), **dict(cur.value_counts())}
    k = cur.shape[0] / ref.shape[0]
    with np.errstate(all="ignore"):
        return chisquare([cd[x] for x in keys], [rd[x] * k for x in keys])[1]


def t_z(ref, cur, ftype):
    if ref.nunique() == 1 and cur.nunique() == 1 and ref.unique()[0] == cur.unique()[0]:
        return 1
    keys = sorted(keys_of(ref, cur))
    r = ref.apply(lambda x, key=keys[0]: 0 if x == key else 1)
    c = cur.apply(lambda x, key=keys[0]: 0 if x == key else 1)
    n1, n2 = len(r), len(c)
    p1, p2 = float(sum(r)) / n1, float(sum(c)) / n2
    P = float(p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / np.sqrt(P * (1 - P) * (1.0 / n1 + 1.0 / n2))
    return 2 * (1 - norm.cdf(np.abs(z)))


def t_wasserstein(ref, cur, ftype):
    return stats.wasserstein_distance(ref, cur) / max(float(np.std(ref)), 0.001)


def t_js(ref, cur, ftype):
    p, q = get_binned_data(ref, cur, ftype, False)
    return distance.jensenshannon(p, q)


def t_psi(ref, cur, ftype):
    p, q = get_binned_data(ref, cur, ftype)
    return np.sum((p - q) * np.log(p / q))


def t_kl(ref, cur, ftype):
    p, q = get_binned_data(ref, cur, ftype)
    return stats.entropy(p, q)


def t_hellinger(ref, cur, ftype):
    keys = list(set(ref.unique()) | set(cur.unique()))
    if ftype == "cat":
        r = (ref.value_counts() / len(ref)).to_dict()
        c = (cur.value_counts() / len(cur)).to_dict()
        h = sum(math.sqrt(float(r.get(k, 0)) * float(c.get(k, 0))) for k in keys)
        return math.sqrt(1 - np.clip(h, 0, 1))
    bins = np.histogram_bin_edges(keys, bins="sturges")
    h1 = np.histogram(ref.to_numpy(), bins=bins, density=True)[0]
    h2 = np.histogram(cur.to_numpy(), bins=bins, density=True)[0]
    w = (max(bins) - min(bins)) / (len(bins) - 1)
    h = sum(math.sqrt(float(a) * float(b)) * w for a, b in zip(h1, h2))
    return math.sqrt(1 - np.clip(h, 0, 1))


def t_ed(ref, cur, ftype):
    return stats.energy_distance(ref, cur)


def t_ttest(ref, cur, ftype):
    return stats.ttest_ind(ref, cur)[1]


def t_anderson(ref, cur, ftype):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns when it caps the p-value
        return stats.anderson_ksamp([ref.values, cur.values])[2]


def t_cvm(ref, cur, ftype):
    # Evidently's cramer_von_mises_stattest.py is a copy of scipy 1.10's
    # cramervonmises_2samp (exact when both sizes <= 20, else asymptotic).
    return stats.cramervonmises_2samp(ref.to_numpy(), cur.to_numpy()).pvalue


def t_mannw(ref, cur, ftype):
    return stats.mannwhitneyu(x=ref, y=cur, alternative="less")[1]


def t_es(ref, cur, ftype):
    if stats.iqr(np.hstack((ref, cur))) == 0:
        raise ValueError("Evidently raises: IQR is zero")
    return stats.epps_singleton_2samp(ref, cur)[1]


def t_fisher(ref, cur, ftype):
    # Evidently's fisher_exact, without its equal-length requirement
    # (documented deviation): a 2x2 table of current and reference counts.
    assert ref.nunique() <= 2 and cur.nunique() <= 2
    cats = sorted(set(ref.unique().tolist() + cur.unique().tolist()))
    one = cats[0]
    table = [[int((cur == one).sum()), int((cur != one).sum())], [int((ref == one).sum()), int((ref != one).sum())]]
    return stats.fisher_exact(table)[1]


def t_g(ref, cur, ftype):
    # Evidently 0.7 passes the reference counts unscaled, which scipy >= 1.9
    # refuses unless the sizes are equal; mlsec scales them by n_cur/n_ref
    # (the same for equal sizes), as later Evidently versions do.
    keys = keys_of(ref, cur)
    rd = {**dict.fromkeys(keys, 0), **dict(ref.value_counts())}
    cd = {**dict.fromkeys(keys, 0), **dict(cur.value_counts())}
    k = cur.shape[0] / ref.shape[0]
    return stats.power_divergence([cd[x] for x in keys], [rd[x] * k for x in keys], lambda_="log-likelihood")[1]


def tvd_stat(ref, cur):
    keys = keys_of(ref, cur)
    rd = {**dict.fromkeys(keys, 0), **dict(ref.value_counts())}
    cd = {**dict.fromkeys(keys, 0), **dict(cur.value_counts())}
    r = np.array([rd[x] for x in sorted(keys)], dtype=float)
    c = np.array([cd[x] for x in sorted(keys)], dtype=float)
    return 0.5 * np.sum(np.abs(r / r.sum() - c / c.sum()))


def t_tvd(ref, cur, ftype):
    # Evidently's permutation test: numpy's global generator seeded with 0,
    # 1000 draws of np.random.choice(pooled rows, n_ref, replace=False). The
    # rows are passed sorted (reference, then current), the order mlsec's
    # summaries use, so the draws match.
    ref, cur = ref.sort_values(), cur.sort_values()
    observed = tvd_stat(ref, cur)
    np.random.seed(0)
    held = []
    for _ in range(1000):
        pooled = ref.tolist() + cur.tolist()
        new_ref = np.random.choice(pooled, len(ref), replace=False).tolist()
        new_cur = list((Counter(pooled) - Counter(new_ref)).elements())
        held.append(tvd_stat(pd.Series(new_ref), pd.Series(new_cur)))
    return sum(observed <= abs(np.array(held))) / len(held)


def t_mmd(ref, cur, ftype):
    # Evidently's empirical_mmd: RBF kernel with sigma from the median of the
    # reference's squared pairwise distances, the unbiased MMD^2 with a zeroed
    # diagonal, and the share of 100 permutations at least as large.
    # Evidently does not seed numpy here; the reference seeds it with 0 and
    # passes the values sorted, as mlsec does.
    x = ref.sort_values().to_numpy().reshape(-1, 1)
    y = cur.sort_values().to_numpy().reshape(-1, 1)

    def sq(a, b):
        return (b**2).T - 2 * np.dot(a, b.T) + a**2

    dxx = sq(x, x)
    sigma = (0.5 * np.percentile(dxx.flatten(), 50, method="nearest")) ** 0.5
    if sigma == 0:
        sigma = 0.5**0.5
    gamma = 1.0 / (2.0 * sigma**2)
    kxx, kxy, kyy = np.exp(-gamma * dxx), np.exp(-gamma * sq(x, y)), np.exp(-gamma * sq(y, y))
    km = np.concatenate((np.concatenate((kxx, kxy), axis=1), np.concatenate((kxy.T, kyy), axis=1)), axis=0)
    km = km - np.diag(np.diagonal(km))
    ny, nx = y.shape[0], x.shape[0]

    def mmd2(m):
        return (m[:-ny, :-ny].sum() / (nx * (nx - 1)) + m[-ny:, -ny:].sum() / (ny * (ny - 1))
                - 2.0 * m[-ny:, :-ny].mean())

    observed = mmd2(km)
    np.random.seed(0)
    perms = []
    for _ in range(100):
        idx = np.random.permutation(km.shape[0])
        perms.append(mmd2(km[idx][:, idx]))
    return (observed <= np.array(perms)).mean()


METHODS = {
    "ks": (t_ks, 0.05, lambda s, t: s <= t),
    "chisquare": (t_chisquare, 0.05, lambda s, t: s < t),
    "z": (t_z, 0.05, lambda s, t: s < t),
    "wasserstein": (t_wasserstein, 0.1, lambda s, t: s >= t),
    "jensenshannon": (t_js, 0.1, lambda s, t: s >= t),
    "psi": (t_psi, 0.1, lambda s, t: s >= t),
    "kl_div": (t_kl, 0.1, lambda s, t: s >= t),
    "hellinger": (t_hellinger, 0.1, lambda s, t: s >= t),
    "ed": (t_ed, 0.1, lambda s, t: s > t),
    "t_test": (t_ttest, 0.05, lambda s, t: s < t),
    "anderson": (t_anderson, 0.1, lambda s, t: s < t),
    "cramer_von_mises": (t_cvm, 0.1, lambda s, t: s <= t),
    "mannw": (t_mannw, 0.05, lambda s, t: s < t),
    "es": (t_es, 0.05, lambda s, t: s < t),
    "fisher_exact": (t_fisher, 0.1, lambda s, t: s < t),
    "g_test": (t_g, 0.1, lambda s, t: s < t),
    "TVD": (t_tvd, 0.1, lambda s, t: s < t),
    "empirical_mmd": (t_mmd, 0.1, lambda s, t: s < t),
}


def default_method(ref, cur, ftype):
    n_values = pd.concat([ref, cur]).nunique()
    if ref.shape[0] <= 1000:
        if ftype == "num" and n_values > 5:
            return "ks"
        return "chisquare" if n_values > 2 else "z"
    if ftype == "num" and n_values > 5:
        return "wasserstein"
    return "jensenshannon"


def fnum(x):
    x = float(x)
    return None if (math.isnan(x) or math.isinf(x)) else x


def drift(ref_df, cur_df, opts):
    target, prediction = opts.get("target", ""), opts.get("prediction", "")
    cols = opts.get("columns") or list(cur_df.columns)
    order = [c for c in (target, prediction) if c] + [c for c in cols if c not in (target, prediction)]
    out = []
    for col in order:
        r, c = ref_df[col], cur_df[col]
        if col in (target, prediction):
            ftype = legacy_role_type(r.replace([np.inf, -np.inf], np.nan).dropna(), c.replace([np.inf, -np.inf], np.nan).dropna(), "target" if col == target else "prediction")
        else:
            ftype = infer_column_type(c)
        method = opts.get("methods", {}).get(col, opts.get("method", ""))
        res = {"column_name": col, "type": ftype}
        if ftype == "text":
            if not method:
                res["status"] = "skipped"
                out.append(res)
                continue
            ftype = "cat"
        r = r.replace([-np.inf, np.inf], np.nan).dropna()
        c = c.replace([-np.inf, np.inf], np.nan).dropna()
        if r.empty or c.empty:
            res["status"] = "empty"
            out.append(res)
            continue
        method = method or default_method(r, c, ftype)
        fn, thr, rule = METHODS[method]
        thr = opts.get("thresholds", {}).get(col, opts.get("threshold", thr))
        s = fn(r, c, ftype)
        p, q = get_binned_data(r, c, ftype)
        res.update(status="tested", method=method, score=fnum(s), threshold=thr, drift=bool(rule(s, thr)),
                   psi=fnum(np.sum((p - q) * np.log(p / q))))
        out.append(res)
    tested = [x for x in out if x["status"] == "tested"]
    nd = sum(1 for x in tested if x["drift"])
    share = nd / len(tested) if tested else 0.0
    ds = opts.get("drift_share", 0.5)
    return {"number_of_columns": len(tested), "number_of_drifted_columns": nd,
            "share_of_drifted_columns": share, "dataset_drift": bool(tested) and share >= ds, "columns": out}


# ---- case construction: columns as JSON lists, read back as pandas would ----
def to_series(spec):
    """spec: {"kind": number|string|bool, "integer": bool, "values": [...]} with
    null for missing and "inf"/"-inf" strings for infinities."""
    vals = spec["values"]
    if spec["kind"] == "number":
        if spec.get("integer") and all(v is not None for v in vals):
            return pd.Series(vals, dtype="int64")
        return pd.Series([np.nan if v is None else float(v) for v in vals], dtype="float64")
    if spec["kind"] == "bool":
        if all(v is not None for v in vals):
            return pd.Series(vals, dtype="bool")
        return pd.Series(vals, dtype="object")
    return pd.Series(vals, dtype="object")


def frame(cols):
    assert len({len(v["values"]) for v in cols.values()}) == 1, "ragged case"
    return pd.DataFrame({k: to_series(v) for k, v in cols.items()})


def num(values, integer=False):
    out = []
    for v in values:
        v = float(v) if v is not None else None
        if v is not None and math.isinf(v):
            out.append("inf" if v > 0 else "-inf")
        elif v is not None and math.isnan(v):
            out.append(None)
        else:
            out.append(int(v) if integer and v is not None else v)
    return {"kind": "number", "integer": integer, "values": out}


def cat(values):
    return {"kind": "string", "values": list(values)}


def decode(spec):
    s = dict(spec)
    if s["kind"] == "number":
        s["values"] = [float(v) if isinstance(v, str) else v for v in s["values"]]
    return s


DATASETS = {}


def case(name, ref, cur, opts=None, note="", dataset=None):
    """A case; its data is stored once per dataset name (default: the case name)."""
    opts = opts or {}
    dataset = dataset or name
    DATASETS[dataset] = {"reference": ref, "current": cur}
    r = frame({k: decode(v) for k, v in ref.items()})
    c = frame({k: decode(v) for k, v in cur.items()})
    return {"name": name, "note": note, "dataset": dataset, "options": opts, "expected": drift(r, c, opts)}


def synthetic_cases():
    cases = []
    # §2.5 anchors.
    a = ["a"] * 25 + ["b"] * 25 + ["c"] * 50
    b = ["a"] * 50 + ["b"] * 25 + ["c"] * 25
    for m in ["psi", "jensenshannon", "kl_div", "hellinger", "chisquare"]:
        cases.append(case("anchor-toy-" + m, {"x": cat(a)}, {"x": cat(b)}, {"method": m}, "§2.5 categorical toy", "toy"))
    cases.append(case("anchor-z", {"x": num([1] * 30 + [0] * 70, True)}, {"x": num([1] * 45 + [0] * 55, True)}, {}, "§2.5 z-test 30/100 vs 45/100"))
    ar = list(range(10))
    cases.append(case("anchor-shift-wasserstein", {"x": num(ar)}, {"x": num([v + 2.5 for v in ar])}, {"method": "wasserstein"}))
    cases.append(case("anchor-shift-ks", {"x": num(ar)}, {"x": num([v + 2.5 for v in ar])}, {"method": "ks"}))
    rng = np.random.default_rng(0)
    x, y = rng.normal(0, 1, 500), rng.normal(0.5, 1, 500)
    for m in ["ks", "wasserstein", "psi", "jensenshannon", "kl_div", "hellinger", "ed", "t_test"]:
        cases.append(case("anchor-normal-" + m, {"x": num(x)}, {"x": num(y)}, {"method": m}, "§2.5 synthetic normal", "normal"))

    rng = np.random.default_rng(16)
    # Default selection over sizes and cardinalities, unequal sizes.
    for n_ref, n_cur in [(200, 300), (1000, 999), (1001, 700), (3000, 2500), (12000, 9000), (800, 15000)]:
        ref = {
            "f_cont": num(np.round(rng.normal(10, 3, n_ref), 3)),
            "f_shift": num(np.round(rng.normal(0, 1, n_ref), 2)),
            "i_small": num(rng.integers(0, 4, n_ref), True),
            "i_wide": num(rng.integers(0, 50, n_ref), True),
            "i_three": num(rng.integers(0, 3, n_ref).astype(float)),
            "c_color": cat(rng.choice(["red", "green", "blue", "black"], n_ref, p=[.4, .3, .2, .1])),
            "c_bin": cat(rng.choice(["yes", "no"], n_ref, p=[.7, .3])),
        }
        cur = {
            "f_cont": num(np.round(rng.normal(10.2, 3, n_cur), 3)),
            "f_shift": num(np.round(rng.normal(0.4, 1.2, n_cur), 2)),
            "i_small": num(rng.integers(0, 4, n_cur), True),
            "i_wide": num(rng.integers(5, 55, n_cur), True),
            "i_three": num(rng.integers(0, 3, n_cur).astype(float)),
            "c_color": cat(rng.choice(["red", "green", "blue", "black"], n_cur, p=[.3, .3, .3, .1])),
            "c_bin": cat(rng.choice(["yes", "no"], n_cur, p=[.6, .4])),
        }
        ds = f"mixed-{n_ref}-{n_cur}"
        cases.append(case(f"defaults-{n_ref}-{n_cur}", ref, cur, dataset=ds))
        for m in ["psi", "kl_div", "hellinger", "jensenshannon"]:
            cases.append(case(f"all-{m}-{n_ref}-{n_cur}", ref, cur, {"method": m}, dataset=ds))
        cases.append(case(f"num-ks-{n_ref}-{n_cur}", ref, cur, {"method": "ks", "columns": ["f_cont", "f_shift"]}, dataset=ds))
        cases.append(case(f"num-ed-{n_ref}-{n_cur}", ref, cur, {"method": "ed", "columns": ["f_cont", "f_shift", "i_wide"]}, dataset=ds))

    # Edge cases.
    cases.append(case("nan-inf", {"x": num([1.5, None, float("inf"), 2.5, 3.5, float("-inf")] * 20)},
                      {"x": num([1.5, 2.5, None, 4.5] * 30)}, {}, "NaN and ±inf dropped before testing"))
    cases.append(case("new-and-vanished-category",
                      {"c": cat(["a"] * 40 + ["b"] * 30 + ["c"] * 30)},
                      {"c": cat(["a"] * 40 + ["b"] * 35 + ["d"] * 25)}, {}, "chisquare with a new key: p = 0"))
    for m in ["psi", "kl_div", "jensenshannon", "hellinger"]:
        cases.append(case("new-and-vanished-" + m, dataset="new-and-vanished-category", ref={"c": cat(["a"] * 40 + ["b"] * 30 + ["c"] * 30)},
                          cur={"c": cat(["a"] * 40 + ["b"] * 35 + ["d"] * 25)}, opts={"method": m}))
    cases.append(case("constant-equal", {"x": num([7.0] * 50)}, {"x": num([7.0] * 60)}))
    cases.append(case("constant-different", {"x": num([7.0] * 50)}, {"x": num([8.0] * 60)}))
    cases.append(case("constant-wasserstein", {"x": num([7.0] * 1500)}, {"x": num([7.0] * 700 + [7.5] * 3)}, {"method": "wasserstein"}))
    cases.append(case("tiny", {"x": num([1.0, 2.0])}, {"x": num([3.0])}, {"method": "ks"}))
    cases.append(case("tiny-default", {"x": num([1.0, 2.0, 3.5])}, {"x": num([3.0, 4.0])}))
    cases.append(case("all-nan-current", {"x": num([1.0, 2.0, 3.0])}, {"x": num([None, None])}))
    cases.append(case("text-skipped", {"t": cat([f"r{i}" for i in range(50)])}, {"t": cat([f"c{i}" for i in range(50)])}))
    cases.append(case("text-forced", {"t": cat([f"r{i % 30}" for i in range(50)])}, {"t": cat([f"c{i % 30}" for i in range(50)])}, {"methods": {"t": "jensenshannon"}}))
    cases.append(case("thresholds", {"x": num(x), "c": cat(a * 5)}, {"x": num(y), "c": cat(b * 5)},
                      {"threshold": 0.3, "thresholds": {"c": 0.5}, "methods": {"x": "wasserstein", "c": "psi"}}))
    cases.append(case("drift-share", {"x": num(x), "c": cat(a * 5), "d": cat(a * 5)}, {"x": num(y), "c": cat(b * 5), "d": cat(a * 5)},
                      {"drift_share": 0.3}))
    cases.append(case("target-prediction",
                      {"label": num([0, 1] * 300, True), "score": num(np.round(rng.uniform(0, 1, 600), 4)), "f": num(rng.normal(0, 1, 600))},
                      {"label": num([0, 1, 1] * 200, True), "score": num(np.round(rng.uniform(0.1, 1, 600), 4)), "f": num(rng.normal(0, 1, 600))},
                      {"target": "label", "prediction": "score"}))
    # Type inference: int with ≤10 uniques is categorical, > 10 numerical; an
    # int column with a missing value is float (numerical); strings with more
    # than half distinct are text; bools are categorical.
    ref = {"i10": num(list(range(10)) * 30, True), "i11": num(list(range(11)) * 27 + [0, 1, 2], True),
           "i_nan": num([None] + [1, 2, 3] * 99 + [1, 2], True), "s_cat": cat(["u", "v", "w"] * 100),
           "s_text": cat([f"id{i}" for i in range(300)]), "b": {"kind": "bool", "values": [True, False, True] * 100}}
    cur = {"i10": num(list(range(10)) * 25 + [0] * 50, True), "i11": num(list(range(11)) * 27 + [0, 1, 2], True),
           "i_nan": num([None] + [1, 2, 3, 3] * 74 + [1, 2, 3], True), "s_cat": cat(["u", "v", "w", "w"] * 75),
           "s_text": cat([f"id{i}" for i in range(300)]), "b": {"kind": "bool", "values": [True, False, False] * 100}}
    cases.append(case("type-inference", ref, cur))
    cases += more_method_cases()
    return cases


def more_method_cases():
    """The methods added after the first release: every one on the anchor
    normal samples, small samples (exact branches), ties, unequal sizes and
    columns large enough that mlsec keeps values with counts."""
    cases = []
    numeric = ["anderson", "cramer_von_mises", "mannw", "es", "empirical_mmd"]
    for m in numeric:
        cases.append(case("more-normal-" + m, dataset="normal", ref={"x": num(np.random.default_rng(0).normal(0, 1, 500))},
                          cur={"x": num(np.random.default_rng(0).normal(0, 1, 1000)[500:] + 0.5)}, opts={"method": m}))
    rng = np.random.default_rng(1616)
    for n_ref, n_cur, shift in [(6, 7, 0.4), (15, 20, 0.3), (20, 12, 1.5), (40, 30, 0.2), (120, 150, 0.15), (300, 260, 0.05), (900, 1100, 0.1)]:
        ref = {"f": num(np.round(rng.normal(0, 1, n_ref), 6)), "t": num(rng.integers(0, 6, n_ref).astype(float)),
               "b": cat(rng.choice(["yes", "no"], n_ref, p=[.6, .4])), "c": cat(rng.choice(["a", "b", "c", "d"], n_ref))}
        cur = {"f": num(np.round(rng.normal(shift, 1.1, n_cur), 6)), "t": num(rng.integers(0, 7, n_cur).astype(float)),
               "b": cat(rng.choice(["yes", "no"], n_cur, p=[.5, .5])), "c": cat(rng.choice(["a", "b", "c", "e"], n_cur, p=[.3, .3, .2, .2]))}
        ds = f"more-{n_ref}-{n_cur}"
        for m in numeric:
            if m == "es" and min(n_ref, n_cur) < 5:
                continue
            cases.append(case(f"more-{m}-{n_ref}-{n_cur}", ref, cur, {"methods": {"f": m, "t": m}, "columns": ["f", "t"]}, dataset=ds))
        for m in ["fisher_exact", "g_test", "TVD"]:
            cols = ["b"] if m == "fisher_exact" else ["b", "c"]
            cases.append(case(f"more-{m}-{n_ref}-{n_cur}", ref, cur, {"methods": {k: m for k in cols}, "columns": cols}, dataset=ds))
    # Equal sizes: Evidently 0.7's own g_test and fisher_exact apply as is.
    for m in ["g_test", "fisher_exact", "TVD"]:
        cases.append(case("more-anchor-z-" + m, {"x": num([1] * 30 + [0] * 70, True)}, {"x": num([1] * 45 + [0] * 55, True)}, {"method": m}, dataset="anchor-z"))
    for m in ["g_test", "TVD"]:
        cases.append(case("more-toy-" + m, {"x": cat(["a"] * 25 + ["b"] * 25 + ["c"] * 50)}, {"x": cat(["a"] * 50 + ["b"] * 25 + ["c"] * 25)},
                          {"method": m}, dataset="toy"))
    # Large columns with few distinct values (kept as values with counts).
    ref = {"i": num(rng.integers(0, 40, 3000), True), "f": num(np.round(rng.normal(5, 2, 3000), 1))}
    cur = {"i": num(rng.integers(2, 42, 2500), True), "f": num(np.round(rng.normal(5.1, 2, 2500), 1))}
    for m in ["anderson", "cramer_von_mises", "mannw", "es"]:
        cases.append(case("more-counts-" + m, ref, cur, {"method": m}, dataset="more-counts"))
    return cases


def ks_grid():
    """p-values of ks_2samp(method=auto) and kstwo.sf over a grid."""
    out = []
    for n1, n2 in [(5, 5), (10, 10), (7, 13), (100, 100), (100, 250), (999, 1000), (3000, 4500), (10000, 10000),
                   (9999, 10000), (20000, 20000), (10001, 500), (50000, 200), (1000000, 1000000), (30, 1000000)]:
        g = math.gcd(n1, n2)
        lcm = n1 // g * n2
        for d in [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8]:
            # Make d attainable: a multiple of 1/lcm near d.
            h = max(1, round(d * lcm))
            dd = h / lcm
            if n1 <= 200 and n2 <= 200:
                # Use real samples so the statistic path is exercised too.
                pass
            p = _ks_p(n1, n2, dd)
            out.append({"n1": n1, "n2": n2, "d": dd, "p": p})
    kstwo = []
    for n in [1, 2, 5, 10, 50, 100, 140, 141, 500, 2000, 10000, 100000, 100001, 500000]:
        for x in [0.001, 0.005, 0.01, 0.02, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.45, 0.5, 0.6, 0.9, 0.99]:
            kstwo.append({"n": n, "x": x, "sf": float(stats.kstwo.sf(x, n))})
    return {"ks_2samp": out, "kstwo_sf": kstwo}


def _ks_p(n1, n2, d):
    # ks_2samp's p-value path for a given statistic (mirrors its 'auto').
    from scipy.stats._stats_py import _attempt_exact_2kssamp
    if max(n1, n2) <= 10000:
        ok, d2, p = _attempt_exact_2kssamp(n1, n2, math.gcd(n1, n2), d, "two-sided")
        if ok:
            return float(np.clip(p, 0, 1))
    m, n = sorted([float(n1), float(n2)], reverse=True)
    return float(np.clip(stats.kstwo.sf(d, np.round(m * n / (m + n))), 0, 1))


def adult_cases():
    """UCI Adult train vs test, and train vs a copy of test with shifted columns."""
    tr = pd.read_csv(os.path.join(DATA, "adult-train.csv.gz"), skipinitialspace=True)
    te = pd.read_csv(os.path.join(DATA, "adult-test.csv.gz"), skipinitialspace=True)
    sh = pd.read_csv(os.path.join(DATA, "adult-test-shifted.csv.gz"), skipinitialspace=True)
    out = []
    for name, cur in [("adult-train-vs-test", te), ("adult-train-vs-shifted", sh)]:
        out.append({"name": name, "reference": "adult-train.csv.gz", "current": os.path.basename(name == "adult-train-vs-test" and "adult-test.csv.gz" or "adult-test-shifted.csv.gz"),
                    "options": {}, "expected": drift(tr, cur, {})})
        for m in ["psi", "ks"]:
            opts = {"method": m} if m == "psi" else {"methods": {"age": "ks", "hours_per_week": "ks"}, "columns": ["age", "hours_per_week"]}
            out.append({"name": name + "-" + m, "reference": "adult-train.csv.gz",
                        "current": "adult-test.csv.gz" if name == "adult-train-vs-test" else "adult-test-shifted.csv.gz",
                        "options": opts, "expected": drift(tr, cur, opts)})
    # The later methods on real data (TVD over 48,842 rows with the "?"
    # category; both tables sorted as mlsec lays them out, see t_tvd).
    opts = {"methods": {"age": "anderson", "hours_per_week": "cramer_von_mises", "fnlwgt": "mannw", "education_num": "es",
                        "sex": "fisher_exact", "race": "g_test", "workclass": "TVD"},
            "columns": ["age", "hours_per_week", "fnlwgt", "education_num", "sex", "race", "workclass"]}
    out.append({"name": "adult-train-vs-shifted-more-methods", "reference": "adult-train.csv.gz", "current": "adult-test-shifted.csv.gz",
                "options": opts, "expected": drift(tr, sh, opts)})
    return out


def write(name, obj):
    data = (json.dumps(obj, sort_keys=True, separators=(",", ":")) + "\n").encode()
    if name.endswith(".gz"):
        with gzip.GzipFile(os.path.join(GOLDEN, name), "wb", mtime=0) as f:
            f.write(data)
        return
    with open(os.path.join(GOLDEN, name), "wb") as f:
        f.write(data)


if __name__ == "__main__":
    if sys.argv[1:] == ["adult"]:  # only the real-data golden (a few minutes)
        write("adult.json", {"cases": adult_cases()})
        sys.exit(0)
    write("ks.json", ks_grid())
    cases = synthetic_cases()
    write("cases.json.gz", {"generator": "drift/testdata/gen/evidently_ref.py", "scipy": __import__("scipy").__version__,
                            "numpy": np.__version__, "pandas": pd.__version__, "cases": cases, "datasets": DATASETS})
    if os.path.exists(os.path.join(DATA, "adult-train.csv.gz")):
        write("adult.json", {"cases": adult_cases()})
    print("ok", file=sys.stderr)
