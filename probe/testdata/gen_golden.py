#!/usr/bin/python3
"""Write probe/testdata/golden/permutation_importance.json: scikit-learn's
permutation_importance on the models examples/sklearn-server/serve.py
serves, with the exact row permutations it used, so the Go tests can
replay them and compare number for number.

Run from the repository root with Debian's Python (never in CI):
    /usr/bin/python3 probe/testdata/gen_golden.py

How the permutations are recovered: sklearn 1.2's permutation_importance
draws one seed, random_state.randint(2**31), and gives every column a
fresh RandomState(seed); each repeat shuffles an index array in place and
sets X[:, col] = X[shuffled, col] on the already permuted copy. We replay
that and assert the replay reproduces sklearn's own importances exactly
before writing anything.
"""

import json
import os
import sys

import numpy as np
import sklearn
from sklearn.inspection import permutation_importance
from sklearn.utils import check_random_state

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "examples", "sklearn-server"))
import serve  # noqa: E402  (trains the served models from the committed CSVs)


def replay_permutations(n_rows, n_repeats, random_state):
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max + 1)
    rs = np.random.RandomState(seed)
    idx = np.arange(n_rows)
    out = []
    for _ in range(n_repeats):
        rs.shuffle(idx)
        out.append(idx.copy())
    return out


def replay_scores(model, X, y, perms):
    base = model.score(X, y)
    imp = np.empty((X.shape[1], len(perms)))
    for col in range(X.shape[1]):
        Xp = X.copy()
        for r, idx in enumerate(perms):
            Xp[:, col] = Xp[idx, col]
            imp[col, r] = base - model.score(Xp, y)
    return base, imp


def golden(name, label, n_repeats, scoring):
    md = serve.train()[name]
    cols, X, y = serve.load(name.replace("-", "_") + ".csv", label)
    if md.classifier:
        y = y.astype(int)
    res = permutation_importance(md.estimator, X, y, n_repeats=n_repeats, random_state=0, scoring=scoring)
    perms = replay_permutations(X.shape[0], n_repeats, 0)
    base, imp = replay_scores(md.estimator, X, y, perms)
    assert np.array_equal(imp, res.importances), "replayed permutations do not reproduce sklearn"
    assert np.array_equal(imp.mean(axis=1), res.importances_mean)
    assert np.array_equal(imp.std(axis=1), res.importances_std)
    out = {
        "columns": cols,
        "label": label,
        "scoring": scoring,
        "n_repeats": n_repeats,
        "random_state": 0,
        "baseline": float(base),
        "importances": imp.tolist(),
        "importances_mean": res.importances_mean.tolist(),
        "importances_std": res.importances_std.tolist(),
        "permutations": [p.tolist() for p in perms],
        "predictions": [float(v) for v in md.predict(X)],
    }
    if md.classifier:
        out["linear"] = md.linear()
    else:
        out["linear"] = {"w": md.estimator.coef_.tolist(), "b": float(md.estimator.intercept_), "columns": cols}
    return out


def main():
    doc = {
        "generator": "probe/testdata/gen_golden.py",
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "note": "every column of a model uses the same permutations (sklearn seeds each column alike)",
        "models": {
            "breast-cancer": golden("breast-cancer", "benign", 5, "accuracy"),
            "diabetes": golden("diabetes", "progression", 30, "r2"),
        },
    }
    d = doc["models"]["diabetes"]
    top = sorted(zip(d["importances_mean"], d["importances_std"], d["columns"]), reverse=True)[:4]
    sys.stderr.write("diabetes top 4: %s\n" % ", ".join("%s %.4f±%.4f" % (c, m, s) for m, s, c in top))
    path = os.path.join(ROOT, "probe", "testdata", "golden", "permutation_importance.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    sys.stderr.write("wrote %s\n" % path)


if __name__ == "__main__":
    main()
