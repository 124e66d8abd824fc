#!/usr/bin/python3
"""A real scikit-learn model server on loopback, for the gateway's tests and
README (Debian's python3-sklearn; run with /usr/bin/python3).

Trains a LogisticRegression on scikit-learn's bundled iris data at start-up
(deterministic, well under a second) and serves it with http.server:

  KServe v2 / Open Inference Protocol
    GET  /v2/health/ready
    POST /v2/models/iris/infer   one input tensor [n, 4] (flat or nested
         data, FP32/FP64), answers the "predict" tensor (INT64 labels).
  MLflow scoring server
    GET  /ping
    POST /invocations   dataframe_split, dataframe_records, instances or
         inputs; answers {"predictions": [...]}.

Columns: sepal_length, sepal_width, petal_length, petal_width; the label is
species (0, 1, 2).

  iris_server.py [--port N]           serve; prints "listening PORT" when ready
  iris_server.py --export-train FILE  write the training table (CSV) and exit
  iris_server.py --export-model DIR   write the fitted coefficients as JSON
                                      (DIR/model.json) and exit

A request that is not understood gets 400 with {"error": ...}; the server
never evaluates anything it receives.
"""
import argparse
import csv
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]

data = load_iris()
X, y = data.data, data.target
model = LogisticRegression(max_iter=1000, random_state=0).fit(X, y)


def predict(rows):
    arr = np.asarray(rows, dtype=float)
    if arr.ndim != 2 or arr.shape[1] != len(COLUMNS):
        raise ValueError("want rows of %d features" % len(COLUMNS))
    return [int(v) for v in model.predict(arr)]


def rows_from_mlflow(body):
    if "dataframe_split" in body:
        ds = body["dataframe_split"]
        idx = [ds["columns"].index(c) for c in COLUMNS]
        return [[r[i] for i in idx] for r in ds["data"]]
    for key in ("dataframe_records", "instances", "inputs"):
        if key in body:
            rows = body[key]
            return [[r[c] for c in COLUMNS] if isinstance(r, dict) else r for r in rows]
    raise ValueError("want dataframe_split, dataframe_records, instances or inputs")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet: the gateway logs requests
        pass

    def answer(self, code, obj):
        b = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def do_GET(self):
        if self.path in ("/v2/health/ready", "/v2/health/live", "/ping", "/health"):
            self.answer(200, {"ready": True})
        else:
            self.answer(404, {"error": "not found"})

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(n) or b"null")
            if self.path.rstrip("/") == "/v2/models/iris/infer":
                t = body["inputs"][0]
                flat = np.asarray(t["data"], dtype=float).reshape(-1)
                rows = flat.reshape(t["shape"][0], len(COLUMNS))
                out = predict(rows)
                self.answer(200, {"model_name": "iris", "outputs": [
                    {"name": "predict", "shape": [len(out)], "datatype": "INT64", "data": out}]})
            elif self.path == "/invocations":
                self.answer(200, {"predictions": predict(rows_from_mlflow(body))})
            else:
                self.answer(404, {"error": "not found"})
        except (ValueError, KeyError, IndexError, TypeError) as e:
            self.answer(400, {"error": "bad request: %s" % type(e).__name__})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--export-train")
    ap.add_argument("--export-model")
    a = ap.parse_args()
    if a.export_train:
        with open(a.export_train, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(COLUMNS + ["species"])
            for row, label in zip(X, y):
                w.writerow([repr(float(v)) for v in row] + [int(label)])
        return
    if a.export_model:
        os.makedirs(a.export_model, exist_ok=True)
        with open(os.path.join(a.export_model, "model.json"), "w") as f:
            json.dump({"type": "sklearn.linear_model.LogisticRegression", "columns": COLUMNS,
                       "classes": [int(c) for c in model.classes_],
                       "coef": model.coef_.tolist(), "intercept": model.intercept_.tolist()}, f, indent=1)
        return
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    print("listening %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
