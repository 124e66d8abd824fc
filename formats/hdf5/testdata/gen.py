#!/usr/bin/python3
"""Generates the HDF5 fixtures in this folder with h5py (Debian python3-h5py).

h5py only writes groups, datasets and attributes here: no model is built or
loaded. Run from this folder: /usr/bin/python3 gen.py
"""
import codecs
import json
import struct

import h5py
import numpy as np

# A realistic Keras 2 (tf.keras 2.x) model_config, as Model.to_json() writes it.
KERAS2_CONFIG = {
    "class_name": "Sequential",
    "config": {
        "name": "sequential",
        "layers": [
            {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 28, 28, 1], "dtype": "float32", "sparse": False, "ragged": False, "name": "conv2d_input"}},
            {"class_name": "Conv2D", "config": {"name": "conv2d", "trainable": True, "dtype": "float32", "filters": 32, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid", "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1, "activation": "relu", "use_bias": True,
                "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
                "bias_initializer": {"class_name": "Zeros", "config": {}},
                "kernel_regularizer": {"class_name": "L2", "config": {"l2": 0.0005}},
                "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}},
            {"class_name": "BatchNormalization", "config": {"name": "batch_normalization", "trainable": True, "dtype": "float32", "axis": [3], "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True,
                "beta_initializer": {"class_name": "Zeros", "config": {}}, "gamma_initializer": {"class_name": "Ones", "config": {}},
                "moving_mean_initializer": {"class_name": "Zeros", "config": {}}, "moving_variance_initializer": {"class_name": "Ones", "config": {}},
                "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None, "gamma_constraint": None}},
            {"class_name": "MaxPooling2D", "config": {"name": "max_pooling2d", "trainable": True, "dtype": "float32", "pool_size": [2, 2], "padding": "valid", "strides": [2, 2], "data_format": "channels_last"}},
            {"class_name": "Flatten", "config": {"name": "flatten", "trainable": True, "dtype": "float32", "data_format": "channels_last"}},
            {"class_name": "Dropout", "config": {"name": "dropout", "trainable": True, "dtype": "float32", "rate": 0.5, "noise_shape": None, "seed": None}},
            {"class_name": "Dense", "config": {"name": "dense", "trainable": True, "dtype": "float32", "units": 10, "activation": "softmax", "use_bias": True,
                "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}}, "bias_initializer": {"class_name": "Zeros", "config": {}},
                "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}},
        ],
    },
}
TRAINING_CONFIG = {"loss": "categorical_crossentropy", "metrics": [[{"class_name": "MeanMetricWrapper", "config": {"name": "accuracy", "dtype": "float32", "fn": "categorical_accuracy"}}]],
                   "weighted_metrics": None, "loss_weights": None,
                   "optimizer_config": {"class_name": "Adam", "config": {"name": "Adam", "learning_rate": 0.001, "decay": 0.0, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False}}}


def keras2(f, config=KERAS2_CONFIG):
    # As tf.keras save_model_to_hdf5 does: dicts as JSON bytes (fixed-length
    # strings), plain str values as variable-length strings.
    f.attrs["backend"] = "tensorflow"
    f.attrs["keras_version"] = "2.12.0"
    f.attrs["model_config"] = json.dumps(config).encode("utf8")
    f.attrs["training_config"] = json.dumps(TRAINING_CONFIG).encode("utf8")
    mw = f.create_group("model_weights")
    names = [l["config"]["name"] for l in config["config"]["layers"]]
    mw.attrs["layer_names"] = np.array([n.encode() for n in names])
    mw.attrs["backend"] = "tensorflow"
    mw.attrs["keras_version"] = "2.12.0"
    for n in names:
        g = mw.create_group(n)
        if n in ("conv2d", "dense"):
            g.attrs["weight_names"] = np.array([(n + "/kernel:0").encode(), (n + "/bias:0").encode()])
            sub = g.create_group(n)
            sub.create_dataset("kernel:0", data=np.zeros((3, 4), dtype="float32"))
            sub.create_dataset("bias:0", data=np.zeros((4,), dtype="float32"))
        else:
            g.attrs["weight_names"] = np.array([], dtype="S1")


def main():
    with h5py.File("keras2_v0.h5", "w", libver="earliest") as f:
        keras2(f)
    with h5py.File("keras2_v2.h5", "w", libver=("v108", "v108")) as f:
        keras2(f)
    with h5py.File("keras2_v3.h5", "w", libver="latest") as f:
        keras2(f)
    with h5py.File("keras2_userblock.h5", "w", libver="earliest", userblock_size=1024) as f:
        keras2(f)
    # Many attributes and links with the 1.8+ format: dense storage (fractal
    # heap + v2 B-tree name index).
    with h5py.File("dense.h5", "w", libver="latest") as f:
        for i in range(40):
            f.attrs["attr%02d" % i] = "value %d" % i
        f.attrs["model_config"] = json.dumps(KERAS2_CONFIG).encode("utf8")
        g = f.create_group("many")
        for i in range(300):
            g.create_group("g%03d" % i)
        g["g150"].attrs["model_config"] = b'{"class_name": "Sequential", "config": {"layers": []}}'
    # A model_config larger than the 64 KiB an object header message holds.
    big = {"class_name": "Sequential", "config": {"name": "big", "layers": [
        {"class_name": "Dense", "config": {"name": "dense_%d" % i, "units": 8, "activation": "relu"}} for i in range(1500)]}}
    with h5py.File("bigattr.h5", "w", libver="latest") as f:
        f.attrs["model_config"] = json.dumps(big).encode("utf8")
    # 4-byte offsets and lengths.
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    fcpl.set_sizes(4, 4)
    fid = h5py.h5f.create(b"small_offsets.h5", h5py.h5f.ACC_TRUNC, fcpl=fcpl)
    with h5py.File(fid) as f:
        keras2(f)
    # A Keras 2 model whose Lambda carries marshalled bytecode (CVE-2024-3660,
    # CVE-2025-9905). The "bytecode" is a synthetic marshal header, not code.
    fake_code = b"\xe3" + struct.pack("<6i", 1, 0, 0, 1, 2, 67) + b"\x00" * 40
    evil = json.loads(json.dumps(KERAS2_CONFIG))
    evil["config"]["layers"].insert(5, {"class_name": "Lambda", "config": {
        "name": "lambda", "trainable": True, "dtype": "float32",
        "function": [codecs.encode(fake_code, "base64").decode("ascii"), None, None],
        "function_type": "lambda", "module": "__main__", "output_shape": None,
        "output_shape_type": "raw", "output_shape_module": None, "arguments": {}}})
    with h5py.File("keras2_lambda.h5", "w") as f:
        keras2(f, evil)
    # model_config as a fixed-length string (numpy bytes), as older Keras wrote it.
    with h5py.File("keras2_fixed.h5", "w") as f:
        f.attrs["keras_version"] = np.bytes_(b"2.2.4")
        f.attrs["backend"] = np.bytes_(b"tensorflow")
        f.attrs["model_config"] = np.bytes_(json.dumps(KERAS2_CONFIG).encode("utf8"))
    # A plain HDF5 data file.
    with h5py.File("plain.h5", "w") as f:
        f.create_dataset("x", data=np.arange(10))
        f.attrs["description"] = "some data"
        f.create_group("a/b/c").attrs["n"] = 3


if __name__ == "__main__":
    main()
