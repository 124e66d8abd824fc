#!/usr/bin/python3
"""Serve real scikit-learn models on loopback for mlsec's tests, bench
scripts and README walkthroughs (`mlsec probe`, `mlsec gateway`).

Trains three models at start-up (deterministic, a second or two; nothing is
downloaded and no model file is ever loaded) and serves them with the
standard library's http.server:

  breast-cancer  StandardScaler + LogisticRegression on the 30 features of
                 data/breast_cancer.csv (label column "benign": 1 benign,
                 0 malignant). Linear in its inputs, so the exact distance
                 of a point to the decision boundary is |w.x + b| / ||w||.
  diabetes       LinearRegression on data/diabetes.csv (label
                 "progression").
  iris           LogisticRegression(max_iter=1000, random_state=0) on
                 scikit-learn's bundled iris data (sklearn.datasets.
                 load_iris); columns sepal_length, sepal_width,
                 petal_length, petal_width; label "species" (0, 1, 2).

Protocols (POST bodies are JSON):

  KServe v2 / Open Inference Protocol
    GET  /v2/health/live, /v2/health/ready, /v2/models/{name}
    POST /v2/models/{name}[/versions/1]/infer
         one input tensor [n, d] (FP64, FP32 or INT*; flat or nested data),
         or d tensors of shape [n] named by column. Outputs: "predict"
         (INT64 labels, or FP64 values for the regressor) first and, for
         the classifiers, "predict_proba" (FP64 [n, classes]); a request's
         "outputs" list selects them.
  MLflow scoring server
    GET  /ping, /health
    POST /invocations   dataframe_split, dataframe_records (extra keys are
         ignored), inputs or instances; answers {"predictions": [...]} with
         the labels of --mlflow-model (or its probabilities with
         --mlflow-proba).
  TensorFlow Serving REST
    GET  /v1/models/{name}
    POST /v1/models/{name}[/versions/1]:predict   "instances" (rows) or
         "inputs"; answers {"predictions": [...]}: probability rows for the
         classifiers, values for the regressor.
  Custom JSON (for mlsec's json protocol template)
    POST /custom/{name}   {"rows": [[...], ...]} ->
         {"result": {"labels": [...], "probs": [[...], ...]}}
  Test helper
    GET  /mlsec-test/linear/{name}   a binary linear classifier's w and b in
         input units (breast-cancer), for checking attacks against the
         exact optimum.

A request that is not understood gets 400 with a JSON error (MLflow's
{"error_code", "message"} on /invocations, {"error"} elsewhere), an unknown
model or route 404; the server never evaluates anything it receives.

Flags:
  --port N            port on --host (default 8501; 0 picks a free one)
  --host ADDR         default 127.0.0.1
  --port-file FILE    write the port to FILE (atomically) once listening
  --mlflow-model NAME the model /invocations serves (default breast-cancer)
  --mlflow-proba      /invocations answers probabilities, not labels
  --verbose           log every request to stderr
  --model NAME        the model --export-train and --export-model write
                      (default iris)
  --export DIR        write DIR/{breast-cancer,diabetes,iris}/model.joblib
                      and a README.md model card, then exit: the served
                      models' artifacts, for mlsec scan, push and the
                      evidence's --model PATH
  --export-train FILE write --model's training table (CSV, label last),
                      then exit
  --export-model DIR  write --model's fitted coefficients as DIR/model.json
                      (no pickle: a model directory for mlsec push), then
                      exit

Ready signal: once listening it prints "listening PORT" on stdout (one
line, flushed), writes --port-file if given, and says what it serves on
stderr. Training is deterministic, so the served models equal the exported
ones.

Usage:
  /usr/bin/python3 examples/sklearn-server/serve.py --port 8501
  /usr/bin/python3 examples/sklearn-server/serve.py --port 8081 --mlflow-model iris
  /usr/bin/python3 examples/sklearn-server/serve.py --port 0 --port-file FILE
  /usr/bin/python3 examples/sklearn-server/serve.py --export models
  /usr/bin/python3 examples/sklearn-server/serve.py --export-train iris-train.csv
  /usr/bin/python3 examples/sklearn-server/serve.py --export-model iris-model

Needs Debian's python3-sklearn (apt-get install python3-sklearn).
"""

import argparse
import csv
import json
import os
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
from sklearn.datasets import load_iris
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))


def load(name, label):
    with open(os.path.join(HERE, "data", name), newline="") as f:
        rows = list(csv.reader(f))
    header, data = rows[0], np.array(rows[1:], dtype=float)
    i = header.index(label)
    return [h for h in header if h != label], np.delete(data, i, axis=1), data[:, i]


class Model:
    def __init__(self, name, estimator, columns, classifier, label, X, y, source):
        self.name, self.estimator, self.columns = name, estimator, columns
        self.classifier = classifier
        # The training table, for --export-train and the model card.
        self.label, self.X, self.y, self.source = label, X, y, source

    def classes(self):
        return [int(c) for c in self.estimator.classes_] if self.classifier else []

    def predict(self, X):
        return self.estimator.predict(X)

    def proba(self, X):
        return self.estimator.predict_proba(X)

    def folded(self):
        """The last step's coef and intercept in input units: a
        StandardScaler in front is folded into them (the one place that
        does, for linear() and --export-model)."""
        est = self.estimator
        last = est[-1] if hasattr(est, "steps") else est
        coef, intercept = np.asarray(last.coef_, dtype=float), np.asarray(last.intercept_, dtype=float)
        if hasattr(est, "steps"):
            scaler = est[0]
            intercept = intercept - np.sum(coef * scaler.mean_ / scaler.scale_, axis=-1)
            coef = coef / scaler.scale_
        return coef, intercept

    def linear(self):
        """w and b of the decision function in input units."""
        if not (self.classifier and hasattr(self.estimator, "steps") and len(self.classes()) == 2):
            raise LookupError("%s is not a binary scaled linear classifier" % self.name)
        coef, intercept = self.folded()
        return {"w": [float(v) for v in coef[0]], "b": float(intercept[0]), "columns": self.columns}


IRIS_COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def train():
    cols, X, y = load("breast_cancer.csv", "benign")
    y = y.astype(int)
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X, y)
    cols2, X2, y2 = load("diabetes.csv", "progression")
    reg = LinearRegression().fit(X2, y2)
    # Iris comes from the copy bundled with scikit-learn: no download.
    iris = load_iris()
    X3, y3 = iris.data, iris.target
    iris_clf = LogisticRegression(max_iter=1000, random_state=0).fit(X3, y3)
    return {
        "breast-cancer": Model("breast-cancer", clf, cols, True, "benign", X, y, "examples/sklearn-server/data/breast_cancer.csv"),
        "diabetes": Model("diabetes", reg, cols2, False, "progression", X2, y2, "examples/sklearn-server/data/diabetes.csv"),
        "iris": Model("iris", iris_clf, IRIS_COLUMNS, True, "species", X3, y3,
                      "scikit-learn's bundled iris data, sklearn.datasets.load_iris()"),
    }


class BadRequest(Exception):
    pass


def matrix(rows, d):
    try:
        X = np.array(rows, dtype=float)
    except (TypeError, ValueError) as e:
        raise BadRequest("inputs are not a matrix of numbers: %s" % e)
    if X.ndim != 2 or X.shape[1] != d:
        raise BadRequest("inputs have shape %s, the model takes [n, %d]" % (list(X.shape), d))
    if not np.all(np.isfinite(X)):
        raise BadRequest("inputs hold NaN or infinity")
    return X


def floats(values):
    """A flat float array of a tensor's data, or BadRequest (never a crash)."""
    try:
        return np.array(values, dtype=float).reshape(-1)
    except (TypeError, ValueError) as e:
        raise BadRequest("tensor data are not numbers: %s" % e)


def plain(values):
    return [v.item() if hasattr(v, "item") else v for v in values]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    models = {}
    mlflow_model = "breast-cancer"
    mlflow_proba = False
    verbose = False

    def log_message(self, fmt, *args):
        if self.verbose:
            sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def reply(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        try:
            return json.loads(self.rfile.read(n) or b"null")
        except ValueError as e:
            raise BadRequest("body is not JSON: %s" % e)

    def model(self, name):
        m = self.models.get(name)
        if m is None:
            raise LookupError("no model named %r (serving %s)" % (name, ", ".join(sorted(self.models))))
        return m

    def do_GET(self):
        p = self.path.split("?")[0]
        try:
            if p in ("/v2/health/live", "/v2/health/ready", "/ping", "/health"):
                return self.reply(200, {"live": True, "ready": True})
            m = re.fullmatch(r"/v2/models/([^/]+)", p)
            if m:
                md = self.model(m.group(1))
                outs = [{"name": "predict", "datatype": "INT64" if md.classifier else "FP64", "shape": [-1]}]
                if md.classifier:
                    outs.append({"name": "predict_proba", "datatype": "FP64", "shape": [-1, len(md.classes())]})
                return self.reply(200, {"name": md.name, "versions": ["1"], "platform": "sklearn",
                                        "inputs": [{"name": "input-0", "datatype": "FP64", "shape": [-1, len(md.columns)]}],
                                        "outputs": outs})
            m = re.fullmatch(r"/v1/models/([^/:]+)", p)
            if m:
                self.model(m.group(1))
                return self.reply(200, {"model_version_status": [{"version": "1", "state": "AVAILABLE"}]})
            m = re.fullmatch(r"/mlsec-test/linear/([^/]+)", p)
            if m:
                return self.reply(200, self.model(m.group(1)).linear())
            return self.reply(404, {"error": "no route for GET %s" % p})
        except LookupError as e:
            return self.reply(404, {"error": str(e)})

    def do_POST(self):
        p = self.path.split("?")[0]
        try:
            m = re.fullmatch(r"/v2/models/([^/]+)(?:/versions/[^/]+)?/infer", p)
            if m:
                return self.kserve(self.model(m.group(1)))
            if p == "/invocations":
                return self.mlflow(self.model(self.mlflow_model))
            m = re.fullmatch(r"/v1/models/([^/:]+)(?:/versions/[^/:]+)?:predict", p)
            if m:
                return self.tfserving(self.model(m.group(1)))
            m = re.fullmatch(r"/custom/([^/]+)", p)
            if m:
                return self.custom(self.model(m.group(1)))
            return self.reply(404, {"error": "no route for POST %s" % p})
        except LookupError as e:
            return self.reply(404, {"error": str(e)})
        except BadRequest as e:
            if p == "/invocations":
                return self.reply(400, {"error_code": "BAD_REQUEST", "message": str(e)})
            return self.reply(400, {"error": str(e)})
        except (TypeError, ValueError, AttributeError, KeyError, IndexError) as e:
            # A body of an unexpected shape the checks above missed: still a
            # 400 with a reason, never a dropped connection.
            msg = "bad request: %s: %s" % (type(e).__name__, e)
            if p == "/invocations":
                return self.reply(400, {"error_code": "BAD_REQUEST", "message": msg})
            return self.reply(400, {"error": msg})

    def kserve(self, md):
        req = self.body()
        if not isinstance(req, dict) or not isinstance(req.get("inputs"), list) or not req["inputs"]:
            raise BadRequest('want {"inputs": [tensor, ...]}')
        ins = req["inputs"]
        d = len(md.columns)
        if len(ins) == 1:
            t = ins[0]
            shape = t.get("shape")
            if not isinstance(shape, list) or len(shape) != 2 or shape[1] != d:
                raise BadRequest("input shape %s, the model takes [n, %d]" % (shape, d))
            data = floats(t.get("data"))
            if data.size != shape[0] * shape[1]:
                raise BadRequest("input has shape %s but %d values" % (shape, data.size))
            X = matrix(data.reshape(shape), d)
        else:
            by = {t.get("name"): t.get("data") for t in ins}
            missing = [c for c in md.columns if c not in by]
            if missing:
                raise BadRequest("missing input tensors %s" % missing)
            cols = [floats(by[c]) for c in md.columns]
            if len({len(c) for c in cols}) != 1:
                raise BadRequest("input tensors of different lengths")
            X = matrix(np.array(cols).T, d)
        wanted = [o.get("name") for o in req.get("outputs") or []]
        n = X.shape[0]
        outs = []
        if not wanted or "predict" in wanted:
            y = md.predict(X)
            if md.classifier:
                outs.append({"name": "predict", "shape": [n], "datatype": "INT64", "data": [int(v) for v in y]})
            else:
                outs.append({"name": "predict", "shape": [n], "datatype": "FP64", "data": plain(y)})
        if md.classifier and (not wanted or "predict_proba" in wanted):
            P = md.proba(X)
            outs.append({"name": "predict_proba", "shape": list(P.shape), "datatype": "FP64", "data": plain(P.reshape(-1))})
        unknown = [w for w in wanted if w not in ("predict", "predict_proba")]
        if unknown:
            raise BadRequest("unknown outputs %s" % unknown)
        return self.reply(200, {"model_name": md.name, "model_version": "1", "outputs": outs})

    def mlflow(self, md):
        req = self.body()
        if not isinstance(req, dict):
            raise BadRequest("want a JSON object with dataframe_split, dataframe_records, inputs or instances")
        if "dataframe_split" in req:
            s = req["dataframe_split"]
            cols = s.get("columns") or md.columns
            if sorted(cols) != sorted(md.columns):
                raise BadRequest("columns %s, the model takes %s" % (cols, md.columns))
            data = matrix(s.get("data"), len(cols))
            X = data[:, [cols.index(c) for c in md.columns]]
        elif "dataframe_records" in req:
            try:
                X = matrix([[r[c] for c in md.columns] for r in req["dataframe_records"]], len(md.columns))
            except (KeyError, TypeError) as e:
                raise BadRequest("record without column %s" % e)
        elif "inputs" in req or "instances" in req:
            X = matrix(req.get("inputs", req.get("instances")), len(md.columns))
        else:
            raise BadRequest("want dataframe_split, dataframe_records, inputs or instances")
        if self.mlflow_proba and md.classifier:
            return self.reply(200, {"predictions": md.proba(X).tolist()})
        y = md.predict(X)
        return self.reply(200, {"predictions": [int(v) for v in y] if md.classifier else plain(y)})

    def tfserving(self, md):
        req = self.body()
        if not isinstance(req, dict) or ("instances" not in req and "inputs" not in req):
            raise BadRequest('want {"instances": [...]} or {"inputs": [...]}')
        X = matrix(req.get("instances", req.get("inputs")), len(md.columns))
        out = md.proba(X).tolist() if md.classifier else plain(md.predict(X))
        return self.reply(200, {"predictions" if "instances" in req else "outputs": out})

    def custom(self, md):
        req = self.body()
        if not isinstance(req, dict) or "rows" not in req:
            raise BadRequest('want {"rows": [[...], ...]}')
        X = matrix(req["rows"], len(md.columns))
        res = {"labels": [int(v) for v in md.predict(X)] if md.classifier else plain(md.predict(X))}
        if md.classifier:
            res["probs"] = md.proba(X).tolist()
        return self.reply(200, {"result": res})


CARD = """---
license: bsd-3-clause
library_name: scikit-learn
tags: [tabular-classification]
datasets: [%(data)s]
---
# %(name)s

%(what)s, trained by examples/sklearn-server/serve.py on
%(source)s (scikit-learn %(version)s).
Inputs: %(cols)s. Output: %(label)s.
"""

# What each model's card says it is, answers and was trained on.
CARDS = {
    "breast-cancer": ("StandardScaler + LogisticRegression", "benign (1) or malignant (0)", "breast_cancer.csv"),
    "diabetes": ("LinearRegression", "disease progression after one year", "diabetes.csv"),
    "iris": ("LogisticRegression", "species (0 setosa, 1 versicolor, 2 virginica)", "iris"),
}


def export(models, root):
    import joblib
    import sklearn
    for name, md in sorted(models.items()):
        d = os.path.join(root, name)
        os.makedirs(d, exist_ok=True)
        joblib.dump(md.estimator, os.path.join(d, "model.joblib"))
        what, label, data = CARDS[name]
        with open(os.path.join(d, "README.md"), "w") as f:
            f.write(CARD % {"name": name, "what": what, "data": data,
                            "source": md.source, "version": sklearn.__version__,
                            "cols": ", ".join(md.columns), "label": label})
        sys.stderr.write("wrote %s\n" % d)


def export_train(md, path):
    """The training table as CSV: the feature columns, then the label."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(md.columns + [md.label])
        for row, label in zip(md.X, md.y):
            w.writerow([repr(float(v)) for v in row] + [int(label) if md.classifier else repr(float(label))])


def export_model(md, root):
    """The fitted coefficients as JSON (DIR/model.json): a model directory
    without any pickle, for mlsec push. A StandardScaler in front is folded
    into the coefficients, so they apply to raw inputs."""
    est = md.estimator
    last = est[-1] if hasattr(est, "steps") else est
    coef, intercept = md.folded()
    out = {"type": "sklearn.linear_model." + type(last).__name__, "columns": md.columns}
    if hasattr(est, "steps"):
        out["scaler"] = "folded into coef and intercept"
    if md.classifier:
        out["classes"] = md.classes()
    out["coef"], out["intercept"] = coef.tolist(), intercept.tolist()
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "model.json"), "w") as f:
        json.dump(out, f, indent=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8501, help="0 picks a free port")
    ap.add_argument("--port-file", help="write the port here once listening")
    ap.add_argument("--mlflow-model", default="breast-cancer", help="the model /invocations serves")
    ap.add_argument("--mlflow-proba", action="store_true", help="/invocations answers probabilities")
    ap.add_argument("--verbose", action="store_true", help="log every request to stderr")
    ap.add_argument("--export", metavar="DIR", help="write the models' artifacts to DIR and exit")
    ap.add_argument("--model", default="iris", help="the model --export-train and --export-model write")
    ap.add_argument("--export-train", metavar="FILE", help="write --model's training table (CSV) and exit")
    ap.add_argument("--export-model", metavar="DIR", help="write --model's coefficients as DIR/model.json and exit")
    a = ap.parse_args()
    # Check model names before the second or two of training.
    if a.model not in CARDS:
        ap.error("--model: one of %s" % sorted(CARDS))
    if a.mlflow_model not in CARDS:
        ap.error("--mlflow-model: one of %s" % sorted(CARDS))
    Handler.models = train()
    if a.export:
        return export(Handler.models, a.export)
    if a.export_train or a.export_model:
        if a.export_train:
            export_train(Handler.models[a.model], a.export_train)
        if a.export_model:
            export_model(Handler.models[a.model], a.export_model)
        return
    Handler.mlflow_model, Handler.mlflow_proba, Handler.verbose = a.mlflow_model, a.mlflow_proba, a.verbose
    srv = ThreadingHTTPServer((a.host, a.port), Handler)
    srv.daemon_threads = True
    port = srv.server_address[1]
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(port))
        os.replace(tmp, a.port_file)
    # The ready signal on stdout, for callers that read it instead of a file.
    print("listening %d" % port, flush=True)
    sys.stderr.write("serving %s on http://%s:%d (KServe v2, MLflow, TF Serving, custom JSON)\n"
                     % (", ".join(sorted(Handler.models)), a.host, port))
    sys.stderr.flush()
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
