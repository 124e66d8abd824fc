// Package sklearnserver starts examples/sklearn-server/serve.py, the one
// real scikit-learn model server of the repository (breast-cancer,
// diabetes and iris; KServe v2, MLflow, TensorFlow Serving and a custom
// JSON API on loopback), for the tests that need a real model: probe's
// quality tests and the CLI's gateway walkthroughs. It also runs the
// script's exports (--export-train, --export-model, --export).
//
// The script runs with Debian's /usr/bin/python3 and python3-sklearn,
// never the python3 on PATH. Under CI=true a missing Python or
// scikit-learn fails the test (.ci/run installs them); elsewhere the test
// is skipped with what to install.
//
// Limits: one process per Start; the caller closes it (StartT registers
// the cleanup). It reads the script's "listening PORT" line on stdout, so
// a script that never prints it times out after StartTimeout.
package sklearnserver
