#!/usr/bin/env python3
"""Generate benign model fixtures for mlsec with the real libraries.

Every file under this folder (except this script and README.md) is written
by this script. The scanner must report NO finding on any of them.

Run from anywhere (Debian bookworm packages, no PyPI):

    apt-get install -y python3-torch python3-sklearn python3-joblib \
        python3-h5py python3-onnx python3-numpy
    /usr/bin/python3 scan/testdata/gen_benign.py

The script writes the fixtures next to itself, then loads every one of them
back with its own library (self-check), then rewrites README.md with the file
list, sizes, sha256 and the library versions that made them.

These are files we make ourselves, so loading them back here is fine; the
scanner itself never loads model files.
"""

import bz2
import collections
import datetime
import gzip
import hashlib
import io
import json
import lzma
import os
import pickle
import platform
import random
import shutil
import struct
import sys
import warnings
import zipfile

warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "benign")
SEED = 1234

# Fixed timestamp for archives we assemble ourselves (Keras 3 zip, metadata).
FIXED_DATE = (2024, 5, 20, 12, 0, 0)
FIXED_DATE_STR = "2024-05-20@12:00:00"

# path (relative to OUT) -> description of what made it; filled as we go.
MADE = collections.OrderedDict()
# path -> how the self-check loaded it
CHECKED = collections.OrderedDict()
# notes for README (things that could not be done the "ideal" way)
NOTES = []


def path(*parts):
    p = os.path.join(OUT, *parts)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def made(rel, by):
    MADE[rel] = by


def checked(rel, how):
    CHECKED[rel] = how


def seed_all():
    random.seed(SEED)
    np.random.seed(SEED)
    try:
        import torch

        torch.manual_seed(SEED)
    except ImportError:
        pass


def versions():
    import h5py
    import joblib
    import onnx
    import sklearn
    import torch

    return collections.OrderedDict(
        [
            ("python", platform.python_version()),
            ("torch", torch.__version__),
            ("scikit-learn", sklearn.__version__),
            ("joblib", joblib.__version__),
            ("numpy", np.__version__),
            ("h5py", h5py.__version__),
            ("HDF5", h5py.version.hdf5_version),
            ("onnx", onnx.__version__),
        ]
    )


# --------------------------------------------------------------------------
# torch
# --------------------------------------------------------------------------


def gen_torch():
    import torch
    import torch.nn as nn

    seed_all()
    tv = torch.__version__

    class TinyNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 4, kernel_size=3)
            self.bn = nn.BatchNorm2d(4)
            self.fc1 = nn.Linear(4 * 6 * 6, 16)
            self.fc2 = nn.Linear(16, 3)

        def forward(self, x):
            x = torch.relu(self.bn(self.conv(x)))
            x = torch.flatten(x, 1)
            x = torch.relu(self.fc1(x))
            return self.fc2(x)

    net = TinyNet()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.randn(5, 1, 8, 8)
    y = torch.tensor([0, 1, 2, 1, 0])
    for _ in range(2):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
    net.eval()
    sd = net.state_dict()

    torch.save(sd, path("torch", "model.pt"))
    made("torch/model.pt", f"torch {tv}: torch.save(state_dict) default zip serialization")
    torch.save(sd, path("torch", "pytorch_model.bin"))
    made("torch/pytorch_model.bin", f"torch {tv}: torch.save(state_dict) default zip serialization")
    torch.save(sd, path("torch", "legacy.pt"), _use_new_zipfile_serialization=False)
    made("torch/legacy.pt", f"torch {tv}: torch.save(state_dict, _use_new_zipfile_serialization=False) (legacy non-zip)")
    NOTES.append(
        "torch/legacy.pt: the legacy (non-zip) torch format keys storages by their "
        "memory address, so its bytes change on every regeneration."
    )

    osd = opt.state_dict()
    torch.save(osd, path("torch", "optim.pt"))
    made("torch/optim.pt", f"torch {tv}: torch.save(torch.optim.Adam(...).state_dict()) after 2 steps")

    ckpt = {
        "epoch": 3,
        "global_step": 120,
        "best_val_loss": 0.4213,
        "arch": "TinyNet",
        "model_state_dict": sd,
        "optimizer_state_dict": osd,
        "config": {
            "lr": 1e-3,
            "batch_size": 5,
            "layers": [4, 16, 3],
            "nested": {"scheduler": {"name": "cosine", "warmup": 10, "milestones": [30, 60]}},
        },
        "history": [0.91, 0.73, 0.52],
        "tags": ("baseline", "tiny"),
        "use_amp": False,
        "notes": None,
        "input_shape": torch.Size([1, 1, 8, 8]),
        "dtype": torch.float32,
        "device": torch.device("cpu"),
        "half_tensor": torch.randn(4, 4).half(),
        "bf16_tensor": torch.randn(4, 4).bfloat16(),
        "int_tensor": torch.arange(6, dtype=torch.int64).reshape(2, 3),
        "bool_tensor": torch.tensor([True, False, True]),
        "rng_state": torch.get_rng_state(),
    }
    torch.save(ckpt, path("torch", "checkpoint.pt"))
    made(
        "torch/checkpoint.pt",
        f"torch {tv}: torch.save(dict) with epoch/int/float/str/None/bool/tuple/nested dicts/lists, "
        "torch.Size, torch.float32 dtype, torch.device, state dicts, half/bfloat16/int64/bool tensors, CPU RNG state",
    )

    half_sd = collections.OrderedDict(
        (k, (v.half() if i % 2 == 0 else v.bfloat16()) if v.is_floating_point() else v)
        for i, (k, v) in enumerate(sd.items())
    )
    torch.save(half_sd, path("torch", "half_bf16.pt"))
    made("torch/half_bf16.pt", f"torch {tv}: torch.save(state_dict) with float16 and bfloat16 tensors")

    try:
        qa = torch.quantize_per_tensor(torch.randn(4, 4), scale=0.05, zero_point=2, dtype=torch.quint8)
        qb = torch.quantize_per_channel(
            torch.randn(3, 4),
            scales=torch.tensor([0.1, 0.05, 0.2], dtype=torch.float64),
            zero_points=torch.tensor([0, 0, 0], dtype=torch.int64),
            axis=0,
            dtype=torch.qint8,
        )
        torch.save(collections.OrderedDict(per_tensor=qa, per_channel=qb), path("torch", "quantized.pt"))
        made(
            "torch/quantized.pt",
            f"torch {tv}: torch.save of quantize_per_tensor (quint8) and quantize_per_channel (qint8) tensors",
        )
    except Exception as e:  # pragma: no cover - depends on torch build
        NOTES.append(f"torch/quantized.pt not produced: {e!r}")

    class ScriptNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(4, 8)
            self.fc2 = nn.Linear(8, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            h = torch.relu(self.fc1(x))
            if h.sum() > 0:
                h = h * 2.0
            return torch.softmax(self.fc2(h), dim=1)

    scripted = torch.jit.script(ScriptNet().eval())
    torch.jit.save(scripted, path("torch", "scripted.pt"))
    made("torch/scripted.pt", f"torch {tv}: torch.jit.script(nn.Module) saved with torch.jit.save")

    # What the Hugging Face Trainer writes next to checkpoints (rng_state.pth).
    rng = {
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        "cpu": torch.random.get_rng_state(),
    }
    torch.save(rng, path("torch", "rng_state.pth"))
    made(
        "torch/rng_state.pth",
        f"torch {tv}: torch.save of python/numpy/torch RNG states, as the Hugging Face Trainer writes rng_state.pth",
    )


def check_torch():
    import torch

    for rel in ["torch/model.pt", "torch/pytorch_model.bin", "torch/legacy.pt", "torch/half_bf16.pt"]:
        sd = torch.load(os.path.join(OUT, rel), weights_only=True)
        assert isinstance(sd, collections.OrderedDict) and "fc2.weight" in sd, rel
        checked(rel, "torch.load(weights_only=True)")
    assert torch.load(os.path.join(OUT, "torch/half_bf16.pt"), weights_only=True)["conv.weight"].dtype in (
        torch.float16,
        torch.bfloat16,
    )
    # torch 1.13's weights_only unpickler has no BINFLOAT opcode (any python
    # float) and no torch.device / quantized tensors, so these need a full
    # load in 1.13; newer torch loads them with weights_only=True.
    for rel in ["torch/optim.pt", "torch/checkpoint.pt", "torch/quantized.pt", "torch/rng_state.pth"]:
        p = os.path.join(OUT, rel)
        if not os.path.exists(p):
            continue
        try:
            obj = torch.load(p, weights_only=True)
            how = "torch.load(weights_only=True)"
        except Exception:
            obj = torch.load(p, weights_only=False)
            how = "torch.load(weights_only=False) (torch 1.13 weights_only cannot unpickle python floats/devices/qtensors)"
        assert isinstance(obj, dict), rel
        checked(rel, how)
    ck = torch.load(os.path.join(OUT, "torch/checkpoint.pt"))
    assert ck["epoch"] == 3 and ck["device"] == torch.device("cpu") and ck["bf16_tensor"].dtype == torch.bfloat16
    m = torch.jit.load(os.path.join(OUT, "torch/scripted.pt"))
    out = m(torch.randn(2, 4))
    assert tuple(out.shape) == (2, 3)
    checked("torch/scripted.pt", "torch.jit.load + forward")


# --------------------------------------------------------------------------
# scikit-learn / joblib / pickle
# --------------------------------------------------------------------------


def sk_models():
    from sklearn.cluster import KMeans
    from sklearn.compose import ColumnTransformer
    from sklearn.datasets import make_classification
    from sklearn.ensemble import IsolationForest, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from sklearn.svm import SVC

    X, y = make_classification(
        n_samples=60, n_features=4, n_informative=3, n_redundant=0, n_classes=3, random_state=SEED
    )
    models = collections.OrderedDict()
    models["logreg"] = LogisticRegression(max_iter=200, random_state=SEED).fit(X, y)
    models["random_forest"] = RandomForestClassifier(n_estimators=3, max_depth=3, random_state=SEED).fit(X, y)
    models["svc_pipeline"] = Pipeline([("scaler", StandardScaler()), ("svc", SVC(C=1.0, kernel="rbf"))]).fit(X, y)
    models["isolation_forest"] = IsolationForest(n_estimators=5, max_samples=32, random_state=SEED).fit(X)
    models["kmeans"] = KMeans(n_clusters=3, n_init=3, random_state=SEED).fit(X)

    rng = np.random.RandomState(SEED)
    colors = np.array(["red", "green", "blue"], dtype=object)[rng.randint(0, 3, size=60)]
    sizes = np.array(["S", "M", "L"], dtype=object)[rng.randint(0, 3, size=60)]
    Xmix = np.empty((60, 4), dtype=object)
    Xmix[:, 0] = colors
    Xmix[:, 1] = sizes
    Xmix[:, 2] = X[:, 0]
    Xmix[:, 3] = X[:, 1]
    ct = ColumnTransformer(
        [
            ("onehot", OneHotEncoder(handle_unknown="ignore"), [0, 1]),
            ("scale", StandardScaler(), [2, 3]),
        ]
    )
    models["column_transformer"] = Pipeline(
        [("prep", ct), ("clf", LogisticRegression(max_iter=200, random_state=SEED))]
    ).fit(Xmix, y)
    return X, Xmix, y, models


def gen_sklearn():
    import joblib
    import sklearn

    seed_all()
    X, Xmix, y, models = sk_models()
    sv, jv = sklearn.__version__, joblib.__version__
    for name, m in models.items():
        rel = f"sklearn/{name}.joblib"
        joblib.dump(m, path(rel))
        made(rel, f"scikit-learn {sv} {type(m).__name__}, joblib {jv} joblib.dump (uncompressed)")

    rf = models["random_forest"]
    for method, suffix in [("zlib", "zlib3"), ("gzip", "gzip3"), ("bz2", "bz2_3"), ("lzma", "lzma3"), ("xz", "xz3")]:
        rel = f"sklearn/random_forest_{suffix}.joblib"
        joblib.dump(rf, path(rel), compress=(method, 3))
        made(rel, f"scikit-learn {sv} RandomForestClassifier, joblib {jv} joblib.dump(compress=('{method}', 3))")

    pipe = models["svc_pipeline"]
    for proto in (0, 2, 4):
        rel = f"sklearn/svc_pipeline_p{proto}.pkl"
        with open(path(rel), "wb") as f:
            pickle.dump(pipe, f, protocol=proto)
        made(rel, f"scikit-learn {sv} Pipeline(StandardScaler, SVC), pickle.dump protocol {proto}")


def check_sklearn():
    import joblib

    X, Xmix, y, models = sk_models()
    for rel in MADE:
        if not rel.startswith("sklearn/"):
            continue
        p = os.path.join(OUT, rel)
        if rel.endswith(".joblib"):
            m = joblib.load(p)
            how = "joblib.load + predict"
        else:
            with open(p, "rb") as f:
                m = pickle.load(f)
            how = "pickle.load + predict"
        data = Xmix if "column_transformer" in rel else X
        if hasattr(m, "predict"):
            m.predict(data[:5])
        checked(rel, how)


# --------------------------------------------------------------------------
# numpy
# --------------------------------------------------------------------------


def np_arrays():
    rng = np.random.RandomState(SEED)
    f32 = rng.standard_normal((8, 4)).astype(np.float32)
    i64 = np.arange(24, dtype=np.int64).reshape(2, 3, 4)
    st_dtype = np.dtype([("id", "<i4"), ("score", "<f8"), ("label", "S8"), ("vec", "<f4", (3,))])
    st = np.zeros(4, dtype=st_dtype)
    st["id"] = [1, 2, 3, 4]
    st["score"] = [0.5, 0.25, 0.125, 1.0]
    st["label"] = [b"cat", b"dog", b"bird", b"fish"]
    st["vec"] = rng.standard_normal((4, 3)).astype(np.float32)
    fort = np.asfortranarray(rng.standard_normal((5, 3)))
    return f32, i64, st, fort


def gen_numpy():
    seed_all()
    nv = np.__version__
    f32, i64, st, fort = np_arrays()
    for name, arr, what in [
        ("float32", f32, "float32 (8,4)"),
        ("int64", i64, "int64 (2,3,4)"),
        ("structured", st, "structured dtype (i4, f8, S8, f4[3])"),
        ("fortran", fort, "float64 Fortran-ordered (5,3)"),
    ]:
        rel = f"numpy/{name}.npy"
        np.save(path(rel), arr)
        made(rel, f"numpy {nv} np.save {what}")
    assert np.isfortran(fort)

    np.savez(path("numpy/arrays.npz"), weights=f32, idx=i64, table=st)
    made("numpy/arrays.npz", f"numpy {nv} np.savez (stored zip of .npy)")
    np.savez_compressed(path("numpy/arrays_compressed.npz"), weights=f32, idx=i64, fortran=fort)
    made("numpy/arrays_compressed.npz", f"numpy {nv} np.savez_compressed (deflated zip of .npy)")
    NOTES.append(
        "numpy/*.npz: np.savez stamps zip entries with the current local time, so these bytes "
        "change on every regeneration."
    )

    d = collections.OrderedDict(weights=f32, idx=i64, table=st)
    for proto in (2, 4, 5):
        rel = f"numpy/array_p{proto}.pkl"
        with open(path(rel), "wb") as f:
            pickle.dump(f32, f, protocol=proto)
        made(rel, f"numpy {nv} ndarray, pickle.dump protocol {proto}")
        rel = f"numpy/dict_of_arrays_p{proto}.pkl"
        with open(path(rel), "wb") as f:
            pickle.dump(dict(d), f, protocol=proto)
        made(rel, f"numpy {nv} dict of ndarrays (float32, int64, structured), pickle.dump protocol {proto}")


def check_numpy():
    f32, i64, st, fort = np_arrays()
    for name, arr in [("float32", f32), ("int64", i64), ("structured", st), ("fortran", fort)]:
        rel = f"numpy/{name}.npy"
        got = np.load(os.path.join(OUT, rel), allow_pickle=False)
        assert got.dtype == arr.dtype and np.array_equal(got, arr), rel
        checked(rel, "np.load(allow_pickle=False)")
    assert np.isfortran(np.load(os.path.join(OUT, "numpy/fortran.npy")))
    for rel in ["numpy/arrays.npz", "numpy/arrays_compressed.npz"]:
        with np.load(os.path.join(OUT, rel), allow_pickle=False) as z:
            for k in z.files:
                z[k]
        checked(rel, "np.load(allow_pickle=False), every member read")
    for proto in (2, 4, 5):
        for rel in [f"numpy/array_p{proto}.pkl", f"numpy/dict_of_arrays_p{proto}.pkl"]:
            with open(os.path.join(OUT, rel), "rb") as f:
                obj = pickle.load(f)
            if isinstance(obj, dict):
                assert np.array_equal(obj["weights"], f32)
            else:
                assert np.array_equal(obj, f32)
            checked(rel, "pickle.load")


# --------------------------------------------------------------------------
# HDF5: Keras 2 .h5 and a plain data file
# --------------------------------------------------------------------------

KERAS2_VERSION = "2.10.0"


def k2_init(name, config=None):
    return {"class_name": name, "config": config if config is not None else {}}


def keras2_model_config():
    glorot = k2_init("GlorotUniform", {"seed": None})
    zeros = k2_init("Zeros")
    ones = k2_init("Ones")
    layers = [
        {
            "class_name": "InputLayer",
            "config": {
                "batch_input_shape": [None, 8, 8, 1],
                "dtype": "float32",
                "sparse": False,
                "ragged": False,
                "name": "conv2d_input",
            },
        },
        {
            "class_name": "Conv2D",
            "config": {
                "name": "conv2d",
                "trainable": True,
                "batch_input_shape": [None, 8, 8, 1],
                "dtype": "float32",
                "filters": 4,
                "kernel_size": [3, 3],
                "strides": [1, 1],
                "padding": "valid",
                "data_format": "channels_last",
                "dilation_rate": [1, 1],
                "groups": 1,
                "activation": "relu",
                "use_bias": True,
                "kernel_initializer": glorot,
                "bias_initializer": zeros,
                "kernel_regularizer": None,
                "bias_regularizer": None,
                "activity_regularizer": None,
                "kernel_constraint": None,
                "bias_constraint": None,
            },
        },
        {
            "class_name": "BatchNormalization",
            "config": {
                "name": "batch_normalization",
                "trainable": True,
                "dtype": "float32",
                "axis": [3],
                "momentum": 0.99,
                "epsilon": 0.001,
                "center": True,
                "scale": True,
                "beta_initializer": zeros,
                "gamma_initializer": ones,
                "moving_mean_initializer": zeros,
                "moving_variance_initializer": ones,
                "beta_regularizer": None,
                "gamma_regularizer": None,
                "beta_constraint": None,
                "gamma_constraint": None,
            },
        },
        {
            "class_name": "Flatten",
            "config": {"name": "flatten", "trainable": True, "dtype": "float32", "data_format": "channels_last"},
        },
        {
            "class_name": "Dense",
            "config": {
                "name": "dense",
                "trainable": True,
                "dtype": "float32",
                "units": 16,
                "activation": "relu",
                "use_bias": True,
                "kernel_initializer": glorot,
                "bias_initializer": zeros,
                "kernel_regularizer": None,
                "bias_regularizer": None,
                "activity_regularizer": None,
                "kernel_constraint": None,
                "bias_constraint": None,
            },
        },
        {
            "class_name": "Dropout",
            "config": {"name": "dropout", "trainable": True, "dtype": "float32", "rate": 0.5, "noise_shape": None, "seed": None},
        },
        {
            "class_name": "Dense",
            "config": {
                "name": "dense_1",
                "trainable": True,
                "dtype": "float32",
                "units": 3,
                "activation": "softmax",
                "use_bias": True,
                "kernel_initializer": glorot,
                "bias_initializer": zeros,
                "kernel_regularizer": None,
                "bias_regularizer": None,
                "activity_regularizer": None,
                "kernel_constraint": None,
                "bias_constraint": None,
            },
        },
    ]
    return {"class_name": "Sequential", "config": {"name": "sequential", "layers": layers}}


def keras2_training_config():
    return {
        "loss": "categorical_crossentropy",
        "metrics": [
            [
                {
                    "class_name": "MeanMetricWrapper",
                    "config": {"name": "accuracy", "dtype": "float32", "fn": "categorical_accuracy"},
                }
            ]
        ],
        "weighted_metrics": None,
        "loss_weights": None,
        "optimizer_config": {
            "class_name": "Adam",
            "config": {
                "name": "Adam",
                "learning_rate": 0.0010000000474974513,
                "decay": 0.0,
                "beta_1": 0.8999999761581421,
                "beta_2": 0.9990000128746033,
                "epsilon": 1e-07,
                "amsgrad": False,
            },
        },
    }


def keras2_weights():
    """Layer name -> list of (weight name, value), in Keras 2 order."""
    rng = np.random.RandomState(SEED)

    def f(*shape):
        return (rng.standard_normal(shape) * 0.1).astype(np.float32)

    return collections.OrderedDict(
        [
            ("conv2d", [("conv2d/kernel:0", f(3, 3, 1, 4)), ("conv2d/bias:0", f(4))]),
            (
                "batch_normalization",
                [
                    ("batch_normalization/gamma:0", np.ones(4, np.float32)),
                    ("batch_normalization/beta:0", np.zeros(4, np.float32)),
                    ("batch_normalization/moving_mean:0", f(4)),
                    ("batch_normalization/moving_variance:0", np.abs(f(4)) + 1.0),
                ],
            ),
            ("flatten", []),
            ("dense", [("dense/kernel:0", f(144, 16)), ("dense/bias:0", f(16))]),
            ("dropout", []),
            ("dense_1", [("dense_1/kernel:0", f(16, 3)), ("dense_1/bias:0", f(3))]),
        ]
    )


def write_weight_group(g, names_values):
    # keras save_attributes_to_hdf5_group: np.asarray(list of bytes); an empty
    # list becomes an empty float64 array, exactly as Keras stores it.
    g.attrs["weight_names"] = np.asarray([n.encode("utf8") for n, _ in names_values])
    for name, val in names_values:
        d = g.create_dataset(name, val.shape, dtype=val.dtype)
        if not val.shape:
            d[()] = val
        else:
            d[:] = val


def gen_h5():
    import h5py

    hv = h5py.__version__
    weights = keras2_weights()
    with h5py.File(path("keras", "keras2_model.h5"), "w") as f:
        # keras.saving.legacy.hdf5_format.save_model_to_hdf5 (Keras 2.x)
        f.attrs["keras_version"] = KERAS2_VERSION
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(keras2_model_config()).encode("utf8")
        # save_weights_to_hdf5_group(model_weights_group, model)
        mw = f.create_group("model_weights")
        mw.attrs["backend"] = "tensorflow".encode("utf8")
        mw.attrs["keras_version"] = KERAS2_VERSION.encode("utf8")
        mw.attrs["layer_names"] = np.asarray([n.encode("utf8") for n in weights])
        for lname, nv in weights.items():
            write_weight_group(mw.create_group(lname), nv)
        write_weight_group(mw.create_group("top_level_model_weights"), [])
        # training config + optimizer weights (OptimizerV2 Adam names)
        f.attrs["training_config"] = json.dumps(keras2_training_config()).encode("utf8")
        opt = [("Adam/iter:0", np.array(40, dtype=np.int64))]
        for lname, nv in weights.items():
            for wname, val in nv:
                if "moving_" in wname:
                    continue
                base = wname[: -len(":0")]
                opt.append((f"Adam/{base}/m:0", np.zeros_like(val)))
        for lname, nv in weights.items():
            for wname, val in nv:
                if "moving_" in wname:
                    continue
                base = wname[: -len(":0")]
                opt.append((f"Adam/{base}/v:0", np.zeros_like(val)))
        write_weight_group(f.create_group("optimizer_weights"), opt)
    made(
        "keras/keras2_model.h5",
        f"h5py {hv}: laid out as Keras {KERAS2_VERSION} save_model_to_hdf5 writes a compiled Sequential "
        "(Conv2D/BatchNormalization/Flatten/Dense/Dropout/Dense, Adam optimizer weights)",
    )

    rng = np.random.RandomState(SEED)
    with h5py.File(path("keras", "data.h5"), "w") as f:
        f.attrs["title"] = "benign sensor readings"
        f.attrs["created_by"] = "mlsec gen_benign.py"
        f.attrs["sample_rate_hz"] = 100.0
        f.attrs["channels"] = np.array([1, 2, 3], dtype=np.int32)
        g = f.create_group("train")
        d = g.create_dataset("features", data=rng.standard_normal((64, 8)).astype(np.float32))
        d.attrs["units"] = "volts"
        g.create_dataset("labels", data=rng.randint(0, 3, size=64).astype(np.int64))
        g2 = f.create_group("test")
        g2.create_dataset(
            "features",
            data=rng.standard_normal((32, 8)).astype(np.float32),
            chunks=(16, 8),
            compression="gzip",
            compression_opts=4,
            shuffle=True,
        )
        g2.create_dataset("names", data=np.array([b"alpha", b"beta", b"gamma"]))
        f.create_dataset("meta/description", data="Plain HDF5 data file, no model inside.", dtype=h5py.string_dtype())
        f.create_dataset("scalar", data=np.float64(3.5))
    made("keras/data.h5", f"h5py {hv}: plain HDF5 data file (groups, attributes, gzip+shuffle chunked dataset, strings)")


def check_h5():
    import h5py

    with h5py.File(os.path.join(OUT, "keras/keras2_model.h5"), "r") as f:
        cfg = json.loads(f.attrs["model_config"])
        assert cfg["class_name"] == "Sequential"
        json.loads(f.attrs["training_config"])
        names = [n.decode() for n in f["model_weights"].attrs["layer_names"]]
        n = 0
        for ln in names:
            for wn in f["model_weights"][ln].attrs["weight_names"]:
                f["model_weights"][ln][wn.decode()][()]
                n += 1
        assert n == 10, n
        for wn in f["optimizer_weights"].attrs["weight_names"]:
            f["optimizer_weights"][wn.decode()][()]
    checked("keras/keras2_model.h5", "h5py read-back: attrs parsed as JSON, every weight/optimizer dataset read")
    with h5py.File(os.path.join(OUT, "keras/data.h5"), "r") as f:
        f.visititems(lambda name, obj: obj[()] if isinstance(obj, h5py.Dataset) else None)
    checked("keras/data.h5", "h5py read-back: every dataset read")


# --------------------------------------------------------------------------
# Keras 3 .keras zip
# --------------------------------------------------------------------------

KERAS3_VERSION = "3.3.3"


def k3(module, class_name, config, registered_name=None, **extra):
    d = {"module": module, "class_name": class_name, "config": config, "registered_name": registered_name}
    d.update(extra)
    return d


def k3_dtype():
    return k3("keras", "DTypePolicy", {"name": "float32"})


def k3_init(class_name, config=None):
    return k3("keras.initializers", class_name, config if config is not None else {})


def k3_tensor(shape, history):
    return {"class_name": "__keras_tensor__", "config": {"shape": shape, "dtype": "float32", "keras_history": history}}


def keras3_config():
    glorot = k3_init("GlorotUniform", {"seed": None})
    zeros = k3_init("Zeros")
    reg_none = {
        "kernel_regularizer": None,
        "bias_regularizer": None,
        "kernel_constraint": None,
        "bias_constraint": None,
    }

    def node(shape, history):
        return [{"args": [k3_tensor(shape, history)], "kwargs": {}}]

    layers = [
        k3(
            "keras.layers",
            "InputLayer",
            {"batch_shape": [None, 8, 8, 1], "dtype": "float32", "sparse": False, "name": "input_layer"},
            name="input_layer",
            inbound_nodes=[],
        ),
        k3(
            "keras.layers",
            "Conv2D",
            dict(
                {
                    "name": "conv2d",
                    "trainable": True,
                    "dtype": k3_dtype(),
                    "filters": 4,
                    "kernel_size": [3, 3],
                    "strides": [1, 1],
                    "padding": "valid",
                    "data_format": "channels_last",
                    "dilation_rate": [1, 1],
                    "groups": 1,
                    "activation": "relu",
                    "use_bias": True,
                    "kernel_initializer": glorot,
                    "bias_initializer": zeros,
                    "activity_regularizer": None,
                },
                **reg_none,
            ),
            build_config={"input_shape": [None, 8, 8, 1]},
            name="conv2d",
            inbound_nodes=node([None, 8, 8, 1], ["input_layer", 0, 0]),
        ),
        k3(
            "keras.layers",
            "Flatten",
            {"name": "flatten", "trainable": True, "dtype": k3_dtype(), "data_format": "channels_last"},
            build_config={"input_shape": [None, 6, 6, 4]},
            name="flatten",
            inbound_nodes=node([None, 6, 6, 4], ["conv2d", 0, 0]),
        ),
        k3(
            "keras.layers",
            "Dense",
            dict(
                {
                    "name": "dense",
                    "trainable": True,
                    "dtype": k3_dtype(),
                    "units": 16,
                    "activation": "relu",
                    "use_bias": True,
                    "kernel_initializer": glorot,
                    "bias_initializer": zeros,
                },
                **reg_none,
            ),
            build_config={"input_shape": [None, 144]},
            name="dense",
            inbound_nodes=node([None, 144], ["flatten", 0, 0]),
        ),
        k3(
            "keras.layers",
            "Dropout",
            {"name": "dropout", "trainable": True, "dtype": k3_dtype(), "rate": 0.5, "seed": None, "noise_shape": None},
            build_config={"input_shape": [None, 16]},
            name="dropout",
            inbound_nodes=node([None, 16], ["dense", 0, 0]),
        ),
        k3(
            "keras.layers",
            "Dense",
            dict(
                {
                    "name": "dense_1",
                    "trainable": True,
                    "dtype": k3_dtype(),
                    "units": 3,
                    "activation": "softmax",
                    "use_bias": True,
                    "kernel_initializer": glorot,
                    "bias_initializer": zeros,
                },
                **reg_none,
            ),
            build_config={"input_shape": [None, 16]},
            name="dense_1",
            inbound_nodes=node([None, 16], ["dropout", 0, 0]),
        ),
    ]
    optimizer = k3(
        "keras.optimizers",
        "Adam",
        {
            "name": "adam",
            "learning_rate": 0.0010000000474974513,
            "weight_decay": None,
            "clipnorm": None,
            "global_clipnorm": None,
            "clipvalue": None,
            "use_ema": False,
            "ema_momentum": 0.99,
            "ema_overwrite_frequency": None,
            "loss_scale_factor": None,
            "gradient_accumulation_steps": None,
            "beta_1": 0.9,
            "beta_2": 0.999,
            "epsilon": 1e-07,
            "amsgrad": False,
        },
    )
    return k3(
        "keras.src.models.functional",
        "Functional",
        {
            "name": "functional",
            "trainable": True,
            "layers": layers,
            "input_layers": [["input_layer", 0, 0]],
            "output_layers": [["dense_1", 0, 0]],
        },
        registered_name="Functional",
        build_config={"input_shape": None},
        compile_config={
            "optimizer": optimizer,
            "loss": "sparse_categorical_crossentropy",
            "loss_weights": None,
            "metrics": ["accuracy"],
            "weighted_metrics": None,
            "run_eagerly": False,
            "steps_per_execution": 1,
            "jit_compile": False,
        },
    )


def keras3_weights_h5():
    """model.weights.h5 bytes laid out as keras.src.saving.saving_lib.H5IOStore writes it."""
    import h5py

    rng = np.random.RandomState(SEED + 3)

    def f(*shape):
        return (rng.standard_normal(shape) * 0.1).astype(np.float32)

    layer_vars = collections.OrderedDict(
        [
            ("input_layer", []),
            ("conv2d", [f(3, 3, 1, 4), f(4)]),
            ("flatten", []),
            ("dense", [f(144, 16), f(16)]),
            ("dropout", []),
            ("dense_1", [f(16, 3), f(3)]),
        ]
    )
    bio = io.BytesIO()
    h = h5py.File(bio, mode="w")
    # saving_lib walks the model first (root "vars"), then "layers/<snake_case class name>",
    # then the optimizer.
    h.create_group("vars")
    for lname, vals in layer_vars.items():
        g = h.create_group(f"layers/{lname}").create_group("vars")
        for i, v in enumerate(vals):
            g[str(i)] = v
    og = h.create_group("optimizer").create_group("vars")
    og["0"] = np.array(40, dtype=np.int64)  # iterations
    og["1"] = np.array(0.001, dtype=np.float32)  # learning_rate
    i = 2
    for vals in layer_vars.values():
        for v in vals:
            og[str(i)] = np.zeros_like(v)  # momentum
            og[str(i + 1)] = np.zeros_like(v)  # velocity
            i += 2
    h.close()
    return bio.getvalue()


def gen_keras3():
    import h5py

    metadata = json.dumps({"keras_version": KERAS3_VERSION, "date_saved": FIXED_DATE_STR})
    config = json.dumps(keras3_config())
    weights = keras3_weights_h5()
    with zipfile.ZipFile(path("keras", "keras3_model.keras"), "w") as zf:  # ZIP_STORED, as Keras does
        for name, data in [("metadata.json", metadata.encode()), ("config.json", config.encode()), ("model.weights.h5", weights)]:
            zi = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            zi.compress_type = zipfile.ZIP_STORED
            zf.writestr(zi, data)
    made(
        "keras/keras3_model.keras",
        f"zipfile + h5py {h5py.__version__}: laid out as Keras {KERAS3_VERSION} saving_lib writes a compiled "
        "Functional model (metadata.json, config.json, model.weights.h5)",
    )


def check_keras3():
    import h5py

    with zipfile.ZipFile(os.path.join(OUT, "keras/keras3_model.keras")) as zf:
        assert zf.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        assert zf.testzip() is None
        meta = json.loads(zf.read("metadata.json"))
        cfg = json.loads(zf.read("config.json"))
        assert meta["keras_version"].startswith("3.") and cfg["class_name"] == "Functional"
        with h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r") as h:
            assert h["layers/dense/vars/0"].shape == (144, 16)
            h.visititems(lambda name, obj: obj[()] if isinstance(obj, h5py.Dataset) else None)
    checked("keras/keras3_model.keras", "zipfile.testzip, JSON parse, h5py read-back of model.weights.h5")


# --------------------------------------------------------------------------
# ONNX
# --------------------------------------------------------------------------

ONNX_IR = 8
ONNX_OPSET = 17


def onnx_mlp(name):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.RandomState(SEED)
    w1 = numpy_helper.from_array((rng.standard_normal((4, 32)) * 0.1).astype(np.float32), "fc1.weight")
    b1 = numpy_helper.from_array(np.zeros(32, np.float32), "fc1.bias")
    w2 = numpy_helper.from_array((rng.standard_normal((32, 3)) * 0.1).astype(np.float32), "fc2.weight")
    b2 = numpy_helper.from_array(np.zeros(3, np.float32), "fc2.bias")
    nodes = [
        helper.make_node("Gemm", ["input", "fc1.weight", "fc1.bias"], ["h1"], name="Gemm_0", alpha=1.0, beta=1.0),
        helper.make_node("Relu", ["h1"], ["h1_relu"], name="Relu_1"),
        helper.make_node("Gemm", ["h1_relu", "fc2.weight", "fc2.bias"], ["logits"], name="Gemm_2", alpha=1.0, beta=1.0),
        helper.make_node("Softmax", ["logits"], ["probabilities"], name="Softmax_3", axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 3])],
        initializer=[w1, b1, w2, b2],
    )
    model = helper.make_model(
        graph,
        producer_name="mlsec-gen_benign",
        producer_version="1.0",
        opset_imports=[helper.make_opsetid("", ONNX_OPSET)],
    )
    model.ir_version = ONNX_IR
    model.doc_string = "Benign MLP fixture: Gemm -> Relu -> Gemm -> Softmax"
    helper.set_model_props(model, {"author": "mlsec", "license": "apache-2.0"})
    onnx.checker.check_model(model)
    return model


def gen_onnx():
    import onnx
    from onnx import TensorProto, helper

    ov = onnx.__version__
    onnx.save_model(onnx_mlp("tiny_mlp"), path("onnx", "mlp.onnx"))
    made("onnx/mlp.onnx", f"onnx {ov} onnx.helper: Gemm+Relu+Gemm+Softmax, ir_version {ONNX_IR}, opset {ONNX_OPSET}")

    # ai.onnx.ml domain: Scaler -> LinearClassifier (as skl2onnx emits for a scaled logistic regression)
    rng = np.random.RandomState(SEED + 1)
    coefs = (rng.standard_normal(3 * 4) * 0.5).astype(np.float32).tolist()
    nodes = [
        helper.make_node(
            "Scaler", ["input"], ["scaled"], name="Scaler", domain="ai.onnx.ml",
            offset=[0.1, -0.2, 0.0, 0.3], scale=[1.5, 0.7, 1.0, 2.0],
        ),
        helper.make_node(
            "LinearClassifier", ["scaled"], ["label", "probabilities"], name="LinearClassifier", domain="ai.onnx.ml",
            coefficients=coefs, intercepts=[0.0, 0.1, -0.1], classlabels_ints=[0, 1, 2],
            multi_class=1, post_transform="SOFTMAX",
        ),
    ]
    graph = helper.make_graph(
        nodes,
        "scaled_linear_classifier",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 4])],
        [
            helper.make_tensor_value_info("label", TensorProto.INT64, ["batch"]),
            helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 3]),
        ],
    )
    model = helper.make_model(
        graph,
        producer_name="mlsec-gen_benign",
        producer_version="1.0",
        opset_imports=[helper.make_opsetid("", ONNX_OPSET), helper.make_opsetid("ai.onnx.ml", 3)],
    )
    model.ir_version = ONNX_IR
    onnx.checker.check_model(model)
    onnx.save_model(model, path("onnx", "ml_linear_classifier.onnx"))
    made(
        "onnx/ml_linear_classifier.onnx",
        f"onnx {ov} onnx.helper: ai.onnx.ml Scaler+LinearClassifier, opsets ''={ONNX_OPSET} ai.onnx.ml=3",
    )

    ext_dir = os.path.join(OUT, "onnx", "external")
    if os.path.isdir(ext_dir):
        shutil.rmtree(ext_dir)
    onnx.save_model(
        onnx_mlp("tiny_mlp_external"),
        path("onnx", "external", "model.onnx"),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location="weights.bin",
        size_threshold=0,
    )
    made(
        "onnx/external/model.onnx",
        f"onnx {ov} onnx.save_model(save_as_external_data=True, location='weights.bin', size_threshold=0)",
    )
    made("onnx/external/weights.bin", f"onnx {ov}: external tensor data of onnx/external/model.onnx")


def check_onnx():
    import onnx

    for rel in ["onnx/mlp.onnx", "onnx/ml_linear_classifier.onnx"]:
        p = os.path.join(OUT, rel)
        onnx.checker.check_model(onnx.load(p), full_check=True)
        checked(rel, "onnx.load + onnx.checker.check_model(full_check=True)")
    p = os.path.join(OUT, "onnx/external/model.onnx")
    onnx.checker.check_model(p)
    m = onnx.load(p)  # loads external data from weights.bin
    from onnx import numpy_helper

    assert numpy_helper.to_array(m.graph.initializer[0]).shape == (4, 32)
    checked("onnx/external/model.onnx", "onnx.checker.check_model(path) + onnx.load with external data")
    checked("onnx/external/weights.bin", "read through onnx.load of onnx/external/model.onnx")


# --------------------------------------------------------------------------
# safetensors (by hand, per the spec) and the Hugging Face folder
# --------------------------------------------------------------------------

ST_DTYPES = {np.dtype("float32"): "F32", np.dtype("float16"): "F16", np.dtype("int64"): "I64", np.dtype("int32"): "I32"}


def write_safetensors(p, tensors, metadata):
    """safetensors format: u64 LE header size, JSON header, raw little-endian data.

    Tensors are laid out the way the reference (Rust) writer does: sorted by
    dtype alignment (largest first), then by name; the header is padded with
    spaces to a multiple of 8 bytes.
    """
    items = sorted(tensors.items(), key=lambda kv: (-kv[1].dtype.itemsize, kv[0]))
    header = collections.OrderedDict()
    header["__metadata__"] = metadata
    offset = 0
    blobs = []
    for name, arr in items:
        arr = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<"))
        b = arr.tobytes()
        header[name] = {"dtype": ST_DTYPES[np.dtype(arr.dtype.str.replace(">", "<"))], "shape": list(arr.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    hb = json.dumps(header, separators=(",", ":")).encode("utf8")
    hb += b" " * ((8 - len(hb) % 8) % 8)
    with open(p, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for b in blobs:
            f.write(b)


def read_safetensors(p):
    inv = {v: k for k, v in ST_DTYPES.items()}
    with open(p, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8 : 8 + n])
    data = buf[8 + n :]
    out = {}
    end = 0
    for name, info in sorted(((k, v) for k, v in header.items() if k != "__metadata__"), key=lambda kv: kv[1]["data_offsets"][0]):
        s, e = info["data_offsets"]
        assert s == end, (name, s, end)
        end = e
        dt = inv[info["dtype"]]
        out[name] = np.frombuffer(data[s:e], dtype=dt).reshape(info["shape"])
    assert end == len(data)
    return header.get("__metadata__"), out


HF_TRANSFORMERS_VERSION = "4.38.2"

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

LLAMA3_TEMPLATE = (
    "{% set loop_messages = messages %}"
    "{% for message in loop_messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
    "+ message['content'] | trim + '<|eot_id|>' %}"
    "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}"
    "{{ content }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}"
)


def bert_vocab():
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    unused = [f"[unused{i}]" for i in range(5)]
    words = (
        "the of and to in a is that for it was on with as be by at this are from or an not "
        "model data scan safe file weight tensor layer"
    ).split()
    pieces = ["##s", "##ing", "##ed", "##er", "##ly", ".", ",", "!", "?", "'", "-", "0", "1", "2"]
    return special + unused + words + pieces


def bert_tensors(vocab_size, hidden, inter, layers, max_pos):
    rng = np.random.RandomState(SEED + 2)

    def w(*shape):
        return (rng.standard_normal(shape) * 0.02).astype(np.float32)

    t = collections.OrderedDict()
    t["embeddings.word_embeddings.weight"] = w(vocab_size, hidden)
    t["embeddings.position_embeddings.weight"] = w(max_pos, hidden)
    t["embeddings.token_type_embeddings.weight"] = w(2, hidden)
    t["embeddings.LayerNorm.weight"] = np.ones(hidden, np.float32)
    t["embeddings.LayerNorm.bias"] = np.zeros(hidden, np.float32)
    for i in range(layers):
        p = f"encoder.layer.{i}."
        for n in ("query", "key", "value"):
            t[p + f"attention.self.{n}.weight"] = w(hidden, hidden)
            t[p + f"attention.self.{n}.bias"] = np.zeros(hidden, np.float32)
        t[p + "attention.output.dense.weight"] = w(hidden, hidden)
        t[p + "attention.output.dense.bias"] = np.zeros(hidden, np.float32)
        t[p + "attention.output.LayerNorm.weight"] = np.ones(hidden, np.float32)
        t[p + "attention.output.LayerNorm.bias"] = np.zeros(hidden, np.float32)
        t[p + "intermediate.dense.weight"] = w(inter, hidden)
        t[p + "intermediate.dense.bias"] = np.zeros(inter, np.float32)
        t[p + "output.dense.weight"] = w(hidden, inter)
        t[p + "output.dense.bias"] = np.zeros(hidden, np.float32)
        t[p + "output.LayerNorm.weight"] = np.ones(hidden, np.float32)
        t[p + "output.LayerNorm.bias"] = np.zeros(hidden, np.float32)
    t["pooler.dense.weight"] = w(hidden, hidden)
    t["pooler.dense.bias"] = np.zeros(hidden, np.float32)
    # BertModel registers position_ids as a persistent buffer in older transformers.
    t["embeddings.position_ids"] = np.arange(max_pos, dtype=np.int64).reshape(1, max_pos)
    return t


def write_json(p, obj):
    with open(p, "w", encoding="utf8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def gen_hf():
    d = "hf-bert-tiny"
    vocab = bert_vocab()
    hidden, inter, layers, heads, max_pos = 16, 32, 2, 2, 64
    config = collections.OrderedDict(
        [
            ("_name_or_path", "mlsec/bert-tiny-benign"),
            ("architectures", ["BertModel"]),
            ("attention_probs_dropout_prob", 0.1),
            ("classifier_dropout", None),
            ("hidden_act", "gelu"),
            ("hidden_dropout_prob", 0.1),
            ("hidden_size", hidden),
            ("initializer_range", 0.02),
            ("intermediate_size", inter),
            ("layer_norm_eps", 1e-12),
            ("max_position_embeddings", max_pos),
            ("model_type", "bert"),
            ("num_attention_heads", heads),
            ("num_hidden_layers", layers),
            ("pad_token_id", 0),
            ("position_embedding_type", "absolute"),
            ("torch_dtype", "float32"),
            ("transformers_version", HF_TRANSFORMERS_VERSION),
            ("type_vocab_size", 2),
            ("use_cache", True),
            ("vocab_size", len(vocab)),
        ]
    )
    write_json(path(d, "config.json"), config)
    made(f"{d}/config.json", f"json: BertConfig as transformers {HF_TRANSFORMERS_VERSION} writes it")

    added = collections.OrderedDict()
    for i, tok in enumerate(vocab[:5]):
        added[str(i)] = collections.OrderedDict(
            [("content", tok), ("lstrip", False), ("normalized", False), ("rstrip", False), ("single_word", False), ("special", True)]
        )
    tok_cfg = collections.OrderedDict(
        [
            ("added_tokens_decoder", added),
            ("chat_template", CHATML_TEMPLATE),
            ("clean_up_tokenization_spaces", True),
            ("cls_token", "[CLS]"),
            ("do_basic_tokenize", True),
            ("do_lower_case", True),
            ("mask_token", "[MASK]"),
            ("model_max_length", 512),
            ("never_split", None),
            ("pad_token", "[PAD]"),
            ("sep_token", "[SEP]"),
            ("strip_accents", None),
            ("tokenize_chinese_chars", True),
            ("tokenizer_class", "BertTokenizer"),
            ("unk_token", "[UNK]"),
        ]
    )
    write_json(path(d, "tokenizer_config.json"), tok_cfg)
    made(f"{d}/tokenizer_config.json", "json: BertTokenizer config with a ChatML-style Jinja chat_template")
    write_json(
        path(d, "special_tokens_map.json"),
        collections.OrderedDict(
            [("cls_token", "[CLS]"), ("mask_token", "[MASK]"), ("pad_token", "[PAD]"), ("sep_token", "[SEP]"), ("unk_token", "[UNK]")]
        ),
    )
    made(f"{d}/special_tokens_map.json", "json")
    with open(path(d, "vocab.txt"), "w", encoding="utf8") as f:
        f.write("\n".join(vocab) + "\n")
    made(f"{d}/vocab.txt", f"text: WordPiece vocabulary, {len(vocab)} tokens")
    write_json(
        path(d, "generation_config.json"),
        collections.OrderedDict([("_from_model_config", True), ("pad_token_id", 0), ("transformers_version", HF_TRANSFORMERS_VERSION)]),
    )
    made(f"{d}/generation_config.json", "json")

    readme = """---
language:
- en
license: apache-2.0
library_name: transformers
tags:
- bert
- feature-extraction
datasets:
- bookcorpus
- wikipedia
base_model: google-bert/bert-base-uncased
pipeline_tag: feature-extraction
metrics:
- accuracy
- f1
---

# bert-tiny-benign

A very small BERT encoder (2 layers, hidden size 16) with random weights.
It exists only as a benign test fixture for a model-artifact scanner.

## Usage

```python
from transformers import AutoModel, AutoTokenizer

tokenizer = AutoTokenizer.from_pretrained("path/to/hf-bert-tiny")
model = AutoModel.from_pretrained("path/to/hf-bert-tiny")
inputs = tokenizer("the model is safe", return_tensors="pt")
outputs = model(**inputs)
```

## Training data

None: the weights are random. The `datasets` entry above is illustrative.

## License

Apache-2.0
"""
    with open(path(d, "README.md"), "w", encoding="utf8") as f:
        f.write(readme)
    made(f"{d}/README.md", "text: model card with YAML front matter")

    tensors = bert_tensors(len(vocab), hidden, inter, layers, max_pos)
    write_safetensors(path(d, "model.safetensors"), tensors, {"format": "pt"})
    made(f"{d}/model.safetensors", "hand-written per the safetensors spec (struct + json + numpy), BertModel tensor names")


def check_hf():
    import torch

    d = "hf-bert-tiny"
    for name in ["config.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"]:
        with open(os.path.join(OUT, d, name), encoding="utf8") as f:
            json.load(f)
        checked(f"{d}/{name}", "json.load")
    cfg = json.load(open(os.path.join(OUT, d, "config.json")))
    meta, t = read_safetensors(os.path.join(OUT, d, "model.safetensors"))
    assert meta == {"format": "pt"}
    assert t["embeddings.word_embeddings.weight"].shape == (cfg["vocab_size"], cfg["hidden_size"])
    # And through torch, as transformers would hold it.
    torch.from_numpy(t["pooler.dense.weight"].copy())
    checked(f"{d}/model.safetensors", "header parsed, offsets contiguous and cover the data, tensors read with numpy")
    vocab = open(os.path.join(OUT, d, "vocab.txt"), encoding="utf8").read().split("\n")[:-1]
    assert len(vocab) == cfg["vocab_size"]
    checked(f"{d}/vocab.txt", "line count == vocab_size")
    text = open(os.path.join(OUT, d, "README.md"), encoding="utf8").read()
    assert text.startswith("---\n") and "\n---\n" in text[4:]
    try:
        import yaml

        fm = yaml.safe_load(text.split("---\n")[1])
        assert fm["license"] == "apache-2.0"
        checked(f"{d}/README.md", "front matter parsed with yaml.safe_load")
    except ImportError:
        checked(f"{d}/README.md", "front matter delimiters present (PyYAML not installed)")


# --------------------------------------------------------------------------
# MLflow model folder
# --------------------------------------------------------------------------

MLFLOW_VERSION = "2.9.2"


def gen_mlflow():
    import sklearn
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    d = "mlflow-sklearn"
    X, y = make_classification(n_samples=40, n_features=4, n_informative=3, n_redundant=0, random_state=SEED)
    model = LogisticRegression(random_state=SEED).fit(X, y)
    # mlflow.sklearn.save_model(serialization_format="pickle") -> pickle.dump(model, f)
    with open(path(d, "model.pkl"), "wb") as f:
        pickle.dump(model, f)
    size = os.path.getsize(path(d, "model.pkl"))
    made(f"{d}/model.pkl", f"scikit-learn {sklearn.__version__} LogisticRegression, pickle.dump (default protocol {pickle.DEFAULT_PROTOCOL})")
    pyv = platform.python_version()
    sv = sklearn.__version__
    mlmodel = f"""artifact_path: model
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: {pyv}
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: pickle
    sklearn_version: {sv}
mlflow_version: {MLFLOW_VERSION}
model_size_bytes: {size}
model_uuid: 5c1f8a7e2b3d4c6e9f0a1b2c3d4e5f60
run_id: 0a1b2c3d4e5f60718293a4b5c6d7e8f9
signature:
  inputs: '[{{"type": "tensor", "tensor-spec": {{"dtype": "float64", "shape": [-1,
    4]}}}}]'
  outputs: '[{{"type": "tensor", "tensor-spec": {{"dtype": "int64", "shape": [-1]}}}}]'
  params: null
utc_time_created: '2024-05-20 12:00:00.000000'
"""
    with open(path(d, "MLmodel"), "w") as f:
        f.write(mlmodel)
    made(f"{d}/MLmodel", f"YAML as MLflow {MLFLOW_VERSION} mlflow.sklearn.save_model(serialization_format='pickle') writes it")
    conda = f"""channels:
- conda-forge
dependencies:
- python={pyv}
- pip<=23.0.1
- pip:
  - mlflow=={MLFLOW_VERSION}
  - scikit-learn=={sv}
name: mlflow-env
"""
    with open(path(d, "conda.yaml"), "w") as f:
        f.write(conda)
    made(f"{d}/conda.yaml", "YAML")
    penv = f"""python: {pyv}
build_dependencies:
- pip==23.0.1
- setuptools==66.1.1
- wheel==0.38.4
dependencies:
- -r requirements.txt
"""
    with open(path(d, "python_env.yaml"), "w") as f:
        f.write(penv)
    made(f"{d}/python_env.yaml", "YAML")
    with open(path(d, "requirements.txt"), "w") as f:
        f.write(f"mlflow=={MLFLOW_VERSION}\nscikit-learn=={sv}\n")
    made(f"{d}/requirements.txt", "text")


def check_mlflow():
    d = "mlflow-sklearn"
    with open(os.path.join(OUT, d, "model.pkl"), "rb") as f:
        m = pickle.load(f)
    m.predict(np.zeros((2, 4)))
    checked(f"{d}/model.pkl", "pickle.load + predict")
    try:
        import yaml

        for name in ["MLmodel", "conda.yaml", "python_env.yaml"]:
            with open(os.path.join(OUT, d, name)) as f:
                doc = yaml.safe_load(f)
            if name == "MLmodel":
                assert doc["flavors"]["python_function"]["loader_module"] == "mlflow.sklearn"
                json.loads(doc["signature"]["inputs"])
            checked(f"{d}/{name}", "yaml.safe_load")
    except ImportError:
        for name in ["MLmodel", "conda.yaml", "python_env.yaml"]:
            checked(f"{d}/{name}", "not parsed (PyYAML not installed)")
    checked(f"{d}/requirements.txt", "present")


# --------------------------------------------------------------------------
# GGUF v3 (by hand, per the spec)
# --------------------------------------------------------------------------

GGUF_UINT8, GGUF_INT8, GGUF_UINT16, GGUF_INT16, GGUF_UINT32, GGUF_INT32 = 0, 1, 2, 3, 4, 5
GGUF_FLOAT32, GGUF_BOOL, GGUF_STRING, GGUF_ARRAY, GGUF_UINT64, GGUF_INT64, GGUF_FLOAT64 = 6, 7, 8, 9, 10, 11, 12
GGUF_SCALAR = {
    GGUF_UINT8: "<B", GGUF_INT8: "<b", GGUF_UINT16: "<H", GGUF_INT16: "<h", GGUF_UINT32: "<I", GGUF_INT32: "<i",
    GGUF_FLOAT32: "<f", GGUF_BOOL: "<?", GGUF_UINT64: "<Q", GGUF_INT64: "<q", GGUF_FLOAT64: "<d",
}
GGML_TYPE_F32 = 0


def gguf_str(s):
    b = s.encode("utf8")
    return struct.pack("<Q", len(b)) + b


def gguf_value(vtype, value, elem_type=None):
    if vtype == GGUF_STRING:
        return gguf_str(value)
    if vtype == GGUF_ARRAY:
        out = struct.pack("<IQ", elem_type, len(value))
        for v in value:
            out += gguf_value(elem_type, v)
        return out
    return struct.pack(GGUF_SCALAR[vtype], value)


def gen_gguf():
    alignment = 32
    tokens = ["<unk>", "<s>", "</s>", "\u2581the", "\u2581model", "\u2581is", "\u2581safe", "\u2581file", "s", "."]
    types = [2, 3, 3] + [1] * (len(tokens) - 3)  # 2=unknown, 3=control, 1=normal
    scores = [0.0, 0.0, 0.0] + [-float(i) for i in range(1, len(tokens) - 2)]
    n_embd = 8
    kv = [
        ("general.architecture", GGUF_STRING, "llama", None),
        ("general.name", GGUF_STRING, "tiny-llama-benign", None),
        ("general.file_type", GGUF_UINT32, 0, None),  # ALL_F32
        ("general.alignment", GGUF_UINT32, alignment, None),
        ("general.license", GGUF_STRING, "apache-2.0", None),
        ("general.tags", GGUF_ARRAY, ["text-generation", "test-fixture"], GGUF_STRING),
        ("llama.context_length", GGUF_UINT32, 128, None),
        ("llama.embedding_length", GGUF_UINT32, n_embd, None),
        ("llama.block_count", GGUF_UINT32, 1, None),
        ("llama.feed_forward_length", GGUF_UINT32, 16, None),
        ("llama.rope.dimension_count", GGUF_UINT32, 4, None),
        ("llama.attention.head_count", GGUF_UINT32, 2, None),
        ("llama.attention.head_count_kv", GGUF_UINT32, 2, None),
        ("llama.attention.layer_norm_rms_epsilon", GGUF_FLOAT32, 1e-5, None),
        ("llama.rope.freq_base", GGUF_FLOAT32, 10000.0, None),
        ("tokenizer.ggml.model", GGUF_STRING, "llama", None),
        ("tokenizer.ggml.tokens", GGUF_ARRAY, tokens, GGUF_STRING),
        ("tokenizer.ggml.scores", GGUF_ARRAY, scores, GGUF_FLOAT32),
        ("tokenizer.ggml.token_type", GGUF_ARRAY, types, GGUF_INT32),
        ("tokenizer.ggml.bos_token_id", GGUF_UINT32, 1, None),
        ("tokenizer.ggml.eos_token_id", GGUF_UINT32, 2, None),
        ("tokenizer.ggml.unknown_token_id", GGUF_UINT32, 0, None),
        ("tokenizer.ggml.add_bos_token", GGUF_BOOL, True, None),
        ("tokenizer.ggml.add_eos_token", GGUF_BOOL, False, None),
        ("tokenizer.chat_template", GGUF_STRING, LLAMA3_TEMPLATE, None),
    ]
    rng = np.random.RandomState(SEED + 4)
    # ggml dims are listed fastest-varying first: token_embd is [n_embd, n_vocab].
    tensors = [
        ("token_embd.weight", [n_embd, len(tokens)], (rng.standard_normal((len(tokens), n_embd)) * 0.02).astype("<f4")),
        ("output_norm.weight", [n_embd], np.ones(n_embd, dtype="<f4")),
    ]
    out = bytearray()
    out += b"GGUF"
    out += struct.pack("<IQQ", 3, len(tensors), len(kv))
    for key, vtype, value, elem in kv:
        out += gguf_str(key) + struct.pack("<I", vtype) + gguf_value(vtype, value, elem)
    offset = 0
    datas = []
    for name, dims, arr in tensors:
        out += gguf_str(name) + struct.pack("<I", len(dims))
        for dim in dims:
            out += struct.pack("<Q", dim)
        out += struct.pack("<IQ", GGML_TYPE_F32, offset)
        b = arr.tobytes()
        pad = (alignment - len(b) % alignment) % alignment
        datas.append(b + b"\x00" * pad)
        offset += len(b) + pad
    out += b"\x00" * ((alignment - len(out) % alignment) % alignment)
    for b in datas:
        out += b
    with open(path("gguf", "tiny.gguf"), "wb") as f:
        f.write(bytes(out))
    made("gguf/tiny.gguf", "hand-written per the GGUF v3 spec (struct): llama metadata, Llama-3-style chat_template, 2 F32 tensors, alignment 32")


def read_gguf(p):
    with open(p, "rb") as f:
        buf = f.read()
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from(fmt, buf, pos)
        pos += struct.calcsize(fmt)
        return v if len(v) > 1 else v[0]

    def rstr():
        nonlocal pos
        n = take("<Q")
        s = buf[pos : pos + n].decode("utf8")
        pos += n
        return s

    def rval(t):
        if t == GGUF_STRING:
            return rstr()
        if t == GGUF_ARRAY:
            et, n = take("<I"), take("<Q")
            return [rval(et) for _ in range(n)]
        return take(GGUF_SCALAR[t])

    assert buf[:4] == b"GGUF"
    pos = 4
    version, nt, nkv = take("<I"), take("<Q"), take("<Q")
    assert version == 3
    kv = {}
    for _ in range(nkv):
        k = rstr()
        kv[k] = rval(take("<I"))
    infos = []
    for _ in range(nt):
        name = rstr()
        nd = take("<I")
        dims = [take("<Q") for _ in range(nd)]
        typ, off = take("<I"), take("<Q")
        infos.append((name, dims, typ, off))
    align = kv.get("general.alignment", 32)
    data_start = pos + (align - pos % align) % align
    out = {}
    for name, dims, typ, off in infos:
        assert typ == GGML_TYPE_F32 and off % align == 0
        n = int(np.prod(dims))
        s = data_start + off
        assert s + 4 * n <= len(buf)
        out[name] = np.frombuffer(buf, dtype="<f4", count=n, offset=s).reshape(list(reversed(dims)))
    return kv, out


def check_gguf():
    kv, t = read_gguf(os.path.join(OUT, "gguf/tiny.gguf"))
    assert kv["general.architecture"] == "llama" and len(kv["tokenizer.ggml.tokens"]) == 10
    assert t["token_embd.weight"].shape == (10, 8)
    checked("gguf/tiny.gguf", "parsed back with an independent GGUF v3 reader in this script; tensor data in bounds and aligned")


# --------------------------------------------------------------------------
# README
# --------------------------------------------------------------------------


def sha256(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def write_readme(vers):
    lines = []
    lines.append("# Benign model fixtures")
    lines.append("")
    lines.append(
        "Ordinary, benign model artifacts made by the real libraries (or, for formats whose writer "
        "is not packaged in Debian, written by hand to the published spec). **mlsec must report no "
        "finding on any file in this folder.** Nothing here was downloaded."
    )
    lines.append("")
    lines.append("## Regenerate")
    lines.append("")
    lines.append("```sh")
    lines.append("apt-get install -y python3-torch python3-sklearn python3-joblib python3-h5py python3-onnx python3-numpy python3-yaml")
    lines.append("/usr/bin/python3 scan/testdata/gen_benign.py")
    lines.append("```")
    lines.append("")
    lines.append(
        "The script writes every fixture, loads each back with its own library (self-check), and "
        "rewrites this README. Run it with Debian's `/usr/bin/python3` (the Debian packages are "
        "installed for it, not for any other Python on the PATH)."
    )
    lines.append("")
    lines.append("## Library versions at generation time")
    lines.append("")
    lines.append("| library | version |")
    lines.append("| --- | --- |")
    for k, v in vers.items():
        lines.append(f"| {k} | {v} |")
    lines.append(f"| Keras (layout mimicked, not installed) | {KERAS2_VERSION} (.h5), {KERAS3_VERSION} (.keras) |")
    lines.append(f"| transformers (layout mimicked, not installed) | {HF_TRANSFORMERS_VERSION} |")
    lines.append(f"| MLflow (layout mimicked, not installed) | {MLFLOW_VERSION} |")
    lines.append("")
    lines.append("## Files")
    lines.append("")
    lines.append("| file | bytes | made by | self-check | sha256 (first 16) |")
    lines.append("| --- | ---: | --- | --- | --- |")
    total = 0
    for rel, by in MADE.items():
        p = os.path.join(OUT, rel)
        sz = os.path.getsize(p)
        total += sz
        lines.append(f"| `{rel}` | {sz} | {by} | {CHECKED.get(rel, 'not checked')} | `{sha256(p)[:16]}` |")
    lines.append("")
    lines.append(f"Total: {len(MADE)} files, {total} bytes.")
    lines.append("")
    lines.append("## Notes")
    lines.append("")
    notes = list(NOTES) + [
        "Keras/TensorFlow, transformers, safetensors, MLflow and gguf are not packaged in Debian "
        "bookworm, so those files are laid out by this script to match what those libraries write: "
        "the Keras files with h5py and zipfile, safetensors and GGUF with struct, MLflow and Hugging "
        "Face metadata as text.",
        "A whole pickled `nn.Module` (`torch.save(model)`) is deliberately absent: it is not benign "
        "by policy.",
        "torch 1.13's `weights_only=True` unpickler cannot read python floats (BINFLOAT), "
        "`torch.device` or quantized tensors, so `optim.pt`, `checkpoint.pt`, `quantized.pt` and "
        "`rng_state.pth` are checked with a full load here; newer torch reads most of them with "
        "`weights_only=True`.",
        "`torch/rng_state.pth` and the numpy pickles contain numpy globals "
        "(`numpy.core.multiarray._reconstruct`, `numpy.dtype`, `numpy.random` state) as every real "
        "numpy pickle does; the sklearn pickles/joblib files reference sklearn classes. Protocol 0/2 "
        "pickles of numpy data also use `_codecs.encode`, `copy_reg._reconstructor` and "
        "`__builtin__.object`, exactly as CPython and numpy write them.",
        "`hf-bert-tiny/README.md` is a fixture (a model card), not documentation of this folder.",
        "Everything else is seeded (the script re-runs itself with PYTHONHASHSEED=0 for "
        "torch.jit.save) and byte-for-byte reproducible with the same library versions.",
    ]
    for n in notes:
        lines.append(f"- {n}")
    lines.append("")
    with open(os.path.join(OUT, "README.md"), "w", encoding="utf8") as f:
        f.write("\n".join(lines))
    return total


def main():
    # torch.jit.save writes module __constants__ (a set) in hash order; pin the
    # string hash seed so scripted.pt is reproducible.
    if os.environ.get("PYTHONHASHSEED") != "0":
        env = dict(os.environ, PYTHONHASHSEED="0")
        os.execve(sys.executable, [sys.executable, os.path.abspath(__file__)] + sys.argv[1:], env)
    vers = versions()
    for k, v in vers.items():
        print(f"{k} {v}")
    gen_torch()
    gen_sklearn()
    gen_numpy()
    gen_h5()
    gen_keras3()
    gen_onnx()
    gen_hf()
    gen_mlflow()
    gen_gguf()

    check_torch()
    check_sklearn()
    check_numpy()
    check_h5()
    check_keras3()
    check_onnx()
    check_hf()
    check_mlflow()
    check_gguf()

    missing = [r for r in MADE if r not in CHECKED]
    assert not missing, f"not self-checked: {missing}"
    big = [r for r in MADE if os.path.getsize(os.path.join(OUT, r)) >= 1 << 20]
    assert not big, f"over 1 MiB: {big}"
    total = write_readme(vers)
    assert total < 5 * (1 << 20), total
    for rel in MADE:
        print(f"{os.path.getsize(os.path.join(OUT, rel)):>9}  {rel}")
    print(f"{total:>9}  total, {len(MADE)} files; self-check passed")


if __name__ == "__main__":
    sys.exit(main())
