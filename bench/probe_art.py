#!/usr/bin/python3
"""Compare mlsec's HopSkipJump with ART's on the same inputs of the same model.

Reads an `mlsec probe robustness --format json` report made against
examples/sklearn-server/serve.py's breast-cancer model, trains the same
model in process (serve.train(): same data, same code), and runs ART's
HopSkipJump (from a source checkout on PYTHONPATH) on the same rows, in the
same range-scaled space (clip_values 0..1), starting from the same kind of
point (ART's x_adv_init: the nearest sample row the model answers
differently). Prints, for mlsec and for ART at several max_iter, the median
of found/exact L2 distance (exact = |w.x+b|/||w|| in range units) and the
queries per input. ART has no query budget, so we report what each
max_iter costs.

    git --git-dir=$MIRROR/Trusted-AI+adversarial-robustness-toolbox/repo archive HEAD art | tar -x -C /tmp/art
    mlsec probe robustness ... --attack hsj --rows 20 --seed 1 --format json -o /tmp/hsj.json
    PYTHONPATH=/tmp/art /usr/bin/python3 bench/probe_art.py /tmp/hsj.json

Never run in CI; ART is not part of mlsec.
"""

import json
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "examples", "sklearn-server"))
import serve  # noqa: E402

from art.attacks.evasion import HopSkipJump  # noqa: E402
from art.estimators.classification import BlackBoxClassifier  # noqa: E402


def main():
    rep = json.load(open(sys.argv[1]))
    iters = [int(v) for v in (sys.argv[2].split(",") if len(sys.argv) > 2 else ["10", "15", "20", "50"])]
    md = serve.train()["breast-cancer"]
    feats = rep["sample"]["features"]
    lo = np.array([f["min"] for f in feats])
    wd = np.array([f["max"] - f["min"] if f["max"] > f["min"] else 1.0 for f in feats])
    lin = md.linear()
    w, b = np.array(lin["w"]), lin["b"]
    wu, bu = w * wd, b + w @ lo

    hsj = next(a for a in rep["attacks"] if a["name"] == "hsj")
    ex = hsj["examples"]
    X = np.array([e["original"] for e in ex])
    U = (X - lo) / wd
    exact = np.abs(U @ wu + bu) / np.linalg.norm(wu)
    ours = np.array([e["l2_range"] if e["status"] == "adversarial" else np.nan for e in ex])
    our_q = np.array([e["queries"] for e in ex])

    # Starting points: the nearest row of the whole table the model answers
    # differently (mlsec offers the nearest sample rows; both are x_adv_init).
    cols, Xall, _ = serve.load("breast_cancer.csv", "benign")
    Uall = (Xall - lo) / wd
    pall = md.predict(Xall)
    p = md.predict(X)
    init = np.array([Uall[pall != p[i]][np.argmin(np.linalg.norm(Uall[pall != p[i]] - U[i], axis=1))] for i in range(len(U))])

    counter = {"n": 0}

    def predict(u):
        counter["n"] += len(u)
        y = md.predict(lo + np.asarray(u, dtype=float) * wd).astype(int)
        return np.eye(2)[y]

    clf = BlackBoxClassifier(predict, input_shape=(U.shape[1],), nb_classes=2, clip_values=(0.0, 1.0))
    print("inputs: %d rows of %s (seed %d)" % (len(U), rep["sample"]["name"], rep["seed"]))
    print("mlsec hsj: median found/exact %.4f, queries per input median %d (budget %d)"
          % (np.nanmedian(ours / exact), np.median(our_q), rep["budget_per_input"]))
    for k in iters:
        np.random.seed(0)
        atk = HopSkipJump(clf, targeted=False, norm=2, max_iter=k, max_eval=10000, init_eval=100, init_size=100, verbose=False)
        qs, found, searched = [], [], []
        t0 = time.time()
        for i in range(len(U)):
            counter["n"] = 0
            adv = atk.generate(U[i:i + 1].astype(np.float32), x_adv_init=init[i:i + 1].astype(np.float32))
            qs.append(counter["n"])
            ok = md.predict(lo + adv.astype(float) * wd)[0] != p[i]
            found.append(np.linalg.norm(adv[0].astype(float) - U[i]) if ok else np.nan)
            # ART returns the point after its last geometric step, past the
            # boundary; its own binary search brings that point back to it
            # (what mlsec's result is), for a like-for-like figure.
            b = atk._binary_search(current_sample=adv[0], original_sample=U[i].astype(np.float32), target=p[i],
                                   norm=2, clip_min=0.0, clip_max=1.0)
            searched.append(np.linalg.norm(b.astype(float) - U[i]) if ok else np.nan)
        found, searched = np.array(found), np.array(searched)
        print("ART hsj max_iter=%d: median found/exact %.4f (min %.4f, max %.4f), %d/%d adversarial, queries per input median %d (%.1f s); "
              "after one more binary search %.4f"
              % (k, np.nanmedian(found / exact), np.nanmin(found / exact), np.nanmax(found / exact),
                 np.sum(~np.isnan(found)), len(found), np.median(qs), time.time() - t0, np.nanmedian(searched / exact)))


if __name__ == "__main__":
    main()
