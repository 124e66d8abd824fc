#!/usr/bin/python3
"""Writes the two corpus fixtures Go cannot produce with the standard library
or the modules in go.mod: an HDF5 Keras 2 model with a Lambda layer
(lambda.h5, needs h5py) and a bzip2 stream (Go has no bzip2 writer).

Run once with Debian's /usr/bin/python3 (apt-get install python3-h5py) from
this folder. Nothing is ever loaded or executed: the "bytecode" is a fake
marshal header and the pickle is a constant byte string.
"""
import base64
import bz2
import json
import struct

import h5py
import numpy as np

# protocol-2 os.system("echo hi"), the same bytes as corpus.MaliciousP2.
PICKLE = b"\x80\x02cposix\nsystem\nq\x00X\x07\x00\x00\x00echo hiq\x01\x85q\x02Rq\x03."

with open("evil_bz2.joblib", "wb") as f:
    f.write(bz2.compress(PICKLE, 9))

fake_code = b"\xe3" + struct.pack("<6i", 1, 0, 0, 1, 2, 67) + b"\x00" * 24
config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
    {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 4], "dtype": "float32",
                                            "sparse": False, "ragged": False, "name": "input_1"}},
    {"class_name": "Lambda", "config": {
        "name": "lambda", "trainable": True, "dtype": "float32",
        "function": [base64.b64encode(fake_code).decode("ascii") + "\n", None, None],
        "function_type": "lambda", "module": "__main__", "output_shape": None,
        "output_shape_type": "raw", "output_shape_module": None, "arguments": {}}},
    {"class_name": "Dense", "config": {"name": "dense", "trainable": True, "dtype": "float32",
                                       "units": 2, "activation": "linear", "use_bias": True}},
]}}

with h5py.File("lambda.h5", "w") as f:
    f.attrs["keras_version"] = "2.10.0"
    f.attrs["backend"] = "tensorflow"
    f.attrs["model_config"] = json.dumps(config)
    w = f.create_group("model_weights")
    w.attrs["layer_names"] = np.array([b"lambda", b"dense"])
    d = w.create_group("dense").create_group("dense")
    d.create_dataset("kernel:0", data=np.zeros((4, 2), dtype="float32"))
    d.create_dataset("bias:0", data=np.zeros((2,), dtype="float32"))
