#!/usr/bin/env python3
"""Write many benign models with the real libraries, for bench/benign.sh.

    /usr/bin/python3 bench/benign/gen_models.py OUT_DIR

Every file is written by a mainstream library's own save function
(torch.save, pickle.dump of library objects, joblib.dump, the libraries'
save methods). Nothing here is committed: the models are big, so the
script runs on demand and bench/benign.sh scans what it wrote. The small
committed fixtures come from scan/testdata/gen_benign.py.

Large torchvision/torchaudio models keep their full object graph (that is
what the scanner reads) but have their parameters and buffers replaced by
one-element tensors before torch.save, so the run costs minutes and a few
hundred megabytes instead of tens of gigabytes. The pickle opcodes, globals
and layout are those torch.save writes for the real model.

OUT_DIR/manifest.json lists every file with its library.
"""

import argparse
import collections
import copy
import io
import json
import os
import pickle
import sys
import traceback
import warnings

warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402

MADE = []  # (library, relative path, what)
FAILED = []  # (library, what, error)


def out(root, lib, name):
    p = os.path.join(root, lib, name)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def record(root, lib, path, what):
    MADE.append({"library": lib, "file": os.path.relpath(path, root), "what": what})


def attempt(lib, what, fn):
    try:
        fn()
    except Exception as e:  # a model that cannot be built here is reported, not fatal
        FAILED.append({"library": lib, "what": what, "error": f"{type(e).__name__}: {e}"})
        if os.environ.get("VERBOSE"):
            traceback.print_exc()


def shrink(model):
    """Replace every parameter and buffer by a one-element tensor (same dtype)."""
    import torch

    for m in model.modules():
        for k, p in list(m._parameters.items()):
            if p is not None:
                m._parameters[k] = torch.nn.Parameter(torch.zeros(1, dtype=p.dtype), requires_grad=p.requires_grad)
        for k, b in list(m._buffers.items()):
            if b is not None and not b.is_quantized:
                m._buffers[k] = torch.zeros(1, dtype=b.dtype)
    return model


def gen_torchvision(root, quick):
    import torch
    import torchvision

    names = torchvision.models.list_models()
    huge = {"vit_h_14", "regnet_y_128gf", "vit_l_16", "vit_l_32", "regnet_y_32gf", "regnet_x_32gf"}
    full = {"squeezenet1_1", "mobilenet_v3_small", "mnasnet0_5"}
    if quick:
        names = ["resnet18", "mobilenet_v2", "squeezenet1_1", "vit_b_16", "swin_t", "efficientnet_b0",
                 "quantized_resnet18", "fasterrcnn_mobilenet_v3_large_320_fpn", "raft_small"]
    for n in names:
        if n in huge:
            continue

        def one(n=n):
            kw = {}
            if n.startswith("quantized_"):
                kw = {"quantize": False}
            elif any(n.startswith(x) for x in ("deeplab", "fcn", "lraspp", "fasterrcnn", "fcos", "keypointrcnn", "maskrcnn", "retinanet", "ssd")):
                kw = {"weights_backbone": None}  # nothing is downloaded
            m = torchvision.models.get_model(n, weights=None, **kw)
            m.eval()
            if n not in full:
                shrink(m)
            p = out(root, "torchvision", n + ".pt")
            torch.save(m, p)
            record(root, "torchvision", p, f"torch.save(torchvision.models.{n}())")

        attempt("torchvision", n, one)
    # Quantized models: real quantized tensors (torch.qint8/quint8 dtypes).
    for n in (["quantized_shufflenet_v2_x0_5"] if quick else ["quantized_mobilenet_v2", "quantized_resnet18", "quantized_shufflenet_v2_x0_5"]):
        def q(n=n):
            from torchvision.models import quantization as tq

            fn = getattr(tq, n.replace("quantized_", ""))
            m = fn(weights=None, quantize=False)
            m.eval()
            m.fuse_model()
            m.qconfig = torch.ao.quantization.get_default_qconfig("fbgemm")
            torch.ao.quantization.prepare(m, inplace=True)
            m(torch.randn(1, 3, 64, 64))
            torch.ao.quantization.convert(m, inplace=True)
            p = out(root, "torchvision", n + "_int8.pt")
            torch.save(m, p)
            record(root, "torchvision", p, f"torch.save(quantized {n}, converted to int8)")

        attempt("torchvision", n + "_int8", q)


def gen_torchaudio(root, quick):
    import torch
    import torchaudio

    builders = ["conv_tasnet_base", "wav2letter", "wav2vec2_base", "hubert_base", "deepspeech", "wavernn",
                "tacotron2", "emformer_rnnt_base", "hdemucs_low", "conformer"]
    if quick:
        builders = builders[:2]
    args = {
        "wav2letter": {"num_classes": 10},
        "deepspeech": {"n_feature": 40},
        "wavernn": {"upsample_scales": [5, 5, 11], "n_classes": 256, "hop_length": 275},
        "emformer_rnnt_base": {"num_symbols": 64},
        "hdemucs_low": {"sources": ["drums", "bass"]},
        "conformer": {"input_dim": 80, "num_heads": 4, "ffn_dim": 128, "num_layers": 2, "depthwise_conv_kernel_size": 31},
    }
    for n in builders:
        def one(n=n):
            cls = {"wav2letter": "Wav2Letter", "deepspeech": "DeepSpeech", "wavernn": "WaveRNN", "tacotron2": "Tacotron2", "conformer": "Conformer"}
            fn = getattr(torchaudio.models, cls.get(n, n))
            m = fn(**args.get(n, {}))
            shrink(m)
            p = out(root, "torchaudio", n + ".pt")
            torch.save(m, p)
            record(root, "torchaudio", p, f"torch.save(torchaudio.models.{n}())")

        attempt("torchaudio", n, one)


def gen_torch(root, quick):
    import argparse as ap
    import torch
    import torch.nn as nn

    class_free = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.1), nn.Linear(8, 2), nn.LogSoftmax(dim=1))
    items = {}
    items["sequential_full.pt"] = (class_free, "torch.save(nn.Sequential)")
    items["state_dict.pt"] = (class_free.state_dict(), "state_dict")
    opt = torch.optim.AdamW(class_free.parameters(), lr=1e-3)
    loss = class_free(torch.randn(3, 4)).sum()
    loss.backward()
    opt.step()
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    ns = ap.Namespace(lr=1e-3, epochs=3, arch="mlp", seed=1, data="/data/train", amp=False)
    items["fairseq_style_checkpoint.pt"] = ({"args": ns, "model": class_free.state_dict(), "optimizer_history": [{"criterion_name": "CrossEntropyCriterion", "optimizer_name": "AdamW", "lr_scheduler_state": sched.state_dict(), "num_updates": 1}], "extra_state": {"epoch": 1}}, "fairseq-style checkpoint with argparse.Namespace")
    items["trainer_checkpoint.pt"] = ({"epoch": 3, "model_state_dict": class_free.state_dict(), "optimizer_state_dict": opt.state_dict(), "scheduler": sched.state_dict(), "rng": torch.get_rng_state(), "args": vars(ns), "hparams": ns}, "training checkpoint with optimizer, scheduler, RNG state")
    items["optimizer.pt"] = (opt.state_dict(), "AdamW state_dict")
    items["tensors.pt"] = ({"f16": torch.randn(3).half(), "bf16": torch.randn(3).bfloat16(), "i8": torch.arange(4, dtype=torch.int8), "bool": torch.tensor([True, False]), "c64": torch.randn(2, dtype=torch.complex64), "sparse": torch.eye(3).to_sparse(), "size": torch.Size([2, 3]), "dtype": torch.float16, "device": torch.device("cpu")}, "tensors of many dtypes, sparse, Size, dtype, device")
    qlin = torch.ao.quantization.quantize_dynamic(nn.Sequential(nn.Linear(4, 4), nn.LSTM(4, 4)), {nn.Linear, nn.LSTM}, dtype=torch.qint8)
    items["dynamic_quantized.pt"] = (qlin, "torch.save(quantize_dynamic(Linear+LSTM, qint8))")
    items["quantized_tensors.pt"] = ({"q8": torch.quantize_per_tensor(torch.randn(4), 0.1, 0, torch.qint8), "qu8": torch.quantize_per_tensor(torch.randn(4), 0.1, 10, torch.quint8), "qch": torch.quantize_per_channel(torch.randn(2, 3), torch.tensor([0.1, 0.2]), torch.tensor([0, 1]), 0, torch.qint8), "dtypes": [torch.qint8, torch.quint8, torch.qint32, torch.quint4x2]}, "quantized tensors and quantized dtypes")
    rnn = nn.ModuleDict({"gru": nn.GRU(4, 4, batch_first=True), "emb": nn.Embedding(10, 4), "tr": nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 1), "bn": nn.BatchNorm1d(4), "conv": nn.Conv2d(1, 2, 3)})
    items["module_dict_full.pt"] = (rnn, "torch.save(ModuleDict of GRU, Embedding, TransformerEncoder, BatchNorm, Conv)")
    items["amp_scaler.pt"] = ({"scaler": torch.cuda.amp.GradScaler(enabled=False).state_dict()}, "GradScaler state")
    for name, (obj, what) in items.items():
        def one(name=name, obj=obj, what=what):
            p = out(root, "torch", name)
            torch.save(obj, p)
            record(root, "torch", p, what)

        attempt("torch", name, one)
    for proto in (2, 4, 5):
        def legacy(proto=proto):
            p = out(root, "torch", f"legacy_p{proto}.pt")
            torch.save(class_free, p, _use_new_zipfile_serialization=False, pickle_protocol=proto)
            record(root, "torch", p, f"legacy torch.save, protocol {proto}")

        attempt("torch", f"legacy_p{proto}", legacy)
    def scripted():
        p = out(root, "torch", "scripted.pt")
        torch.jit.save(torch.jit.script(class_free), p)
        record(root, "torch", p, "torch.jit.script + save")

    attempt("torch", "scripted", scripted)


def sk_models():
    from sklearn import (calibration, cluster, compose, decomposition, discriminant_analysis, dummy, ensemble,
                         feature_extraction, feature_selection, gaussian_process, impute, isotonic, kernel_approximation,
                         kernel_ridge, linear_model, manifold, mixture, multiclass, naive_bayes, neighbors,
                         neural_network, pipeline, preprocessing, random_projection, semi_supervised, svm, tree)
    from sklearn.experimental import enable_hist_gradient_boosting  # noqa: F401

    return {
        "logreg": linear_model.LogisticRegression(max_iter=200),
        "ridge_cv": linear_model.RidgeClassifierCV(),
        "sgd": linear_model.SGDClassifier(),
        "perceptron": linear_model.Perceptron(),
        "lasso": ("reg", linear_model.LassoCV()),
        "elastic": ("reg", linear_model.ElasticNet()),
        "huber": ("reg", linear_model.HuberRegressor()),
        "quantile": ("reg", linear_model.QuantileRegressor(solver="highs")),
        "poisson": ("pos-reg", linear_model.PoissonRegressor()),
        "tweedie": ("reg", linear_model.TweedieRegressor()),
        "ransac": ("reg", linear_model.RANSACRegressor()),
        "svc": svm.SVC(probability=True),
        "linear_svc": svm.LinearSVC(),
        "svr": ("reg", svm.SVR()),
        "one_class_svm": ("unsup", svm.OneClassSVM()),
        "tree": tree.DecisionTreeClassifier(),
        "extra_tree": tree.ExtraTreeClassifier(),
        "tree_reg": ("reg", tree.DecisionTreeRegressor()),
        "random_forest": ensemble.RandomForestClassifier(n_estimators=5),
        "extra_trees": ensemble.ExtraTreesClassifier(n_estimators=5),
        "gbc": ensemble.GradientBoostingClassifier(n_estimators=5),
        "gbr": ("reg", ensemble.GradientBoostingRegressor(n_estimators=5)),
        "hgb": ensemble.HistGradientBoostingClassifier(max_iter=5),
        "hgb_reg": ("reg", ensemble.HistGradientBoostingRegressor(max_iter=5)),
        "adaboost": ensemble.AdaBoostClassifier(n_estimators=5),
        "bagging": ensemble.BaggingClassifier(n_estimators=3),
        "voting": ensemble.VotingClassifier([("a", linear_model.LogisticRegression()), ("b", naive_bayes.GaussianNB())], voting="soft"),
        "stacking": ensemble.StackingClassifier([("a", tree.DecisionTreeClassifier()), ("b", naive_bayes.GaussianNB())]),
        "isolation_forest": ("unsup", ensemble.IsolationForest(n_estimators=5)),
        "calibrated_sigmoid": calibration.CalibratedClassifierCV(svm.LinearSVC(), method="sigmoid", cv=3),
        "calibrated_isotonic": calibration.CalibratedClassifierCV(naive_bayes.GaussianNB(), method="isotonic", cv=3),
        "knn": neighbors.KNeighborsClassifier(),
        "knn_kd": neighbors.KNeighborsClassifier(algorithm="kd_tree"),
        "knn_ball": neighbors.KNeighborsClassifier(algorithm="ball_tree"),
        "radius": neighbors.RadiusNeighborsClassifier(radius=10.0),
        "nearest_centroid": neighbors.NearestCentroid(),
        "lof": ("unsup", neighbors.LocalOutlierFactor(novelty=True)),
        "kde": ("unsup", neighbors.KernelDensity()),
        "gnb": naive_bayes.GaussianNB(),
        "mnb": ("pos", naive_bayes.MultinomialNB()),
        "bnb": naive_bayes.BernoulliNB(),
        "cnb": ("pos", naive_bayes.ComplementNB()),
        "mlp": neural_network.MLPClassifier(max_iter=20),
        "mlp_reg": ("reg", neural_network.MLPRegressor(max_iter=20)),
        "lda": discriminant_analysis.LinearDiscriminantAnalysis(),
        "qda": discriminant_analysis.QuadraticDiscriminantAnalysis(),
        "gpc": gaussian_process.GaussianProcessClassifier(),
        "gpr": ("reg", gaussian_process.GaussianProcessRegressor()),
        "kernel_ridge": ("reg", kernel_ridge.KernelRidge()),
        "isotonic": ("reg1", isotonic.IsotonicRegression()),
        "ovr": multiclass.OneVsRestClassifier(linear_model.LogisticRegression()),
        "ovo": multiclass.OneVsOneClassifier(svm.LinearSVC()),
        "label_spreading": semi_supervised.LabelSpreading(),
        "dummy": dummy.DummyClassifier(),
        "kmeans": ("unsup", cluster.KMeans(n_clusters=3, n_init=2)),
        "minibatch_kmeans": ("unsup", cluster.MiniBatchKMeans(n_clusters=3, n_init=2)),
        "birch": ("unsup", cluster.Birch()),
        "dbscan": ("unsup", cluster.DBSCAN()),
        "agglomerative": ("unsup", cluster.AgglomerativeClustering()),
        "gmm": ("unsup", mixture.GaussianMixture(2)),
        "bgmm": ("unsup", mixture.BayesianGaussianMixture(n_components=2)),
        "pca": ("unsup", decomposition.PCA(2)),
        "kpca": ("unsup", decomposition.KernelPCA(2)),
        "nmf": ("pos-unsup", decomposition.NMF(2, max_iter=50)),
        "tsvd": ("unsup", decomposition.TruncatedSVD(2)),
        "ica": ("unsup", decomposition.FastICA(2)),
        "isomap": ("unsup", manifold.Isomap(n_components=2)),
        "rbf_sampler": ("unsup", kernel_approximation.RBFSampler()),
        "nystroem": ("unsup", kernel_approximation.Nystroem(n_components=5)),
        "grp": ("unsup", random_projection.GaussianRandomProjection(2)),
        "pipeline_scaler_svc": pipeline.make_pipeline(preprocessing.StandardScaler(), svm.SVC()),
        "pipeline_poly": pipeline.make_pipeline(preprocessing.PolynomialFeatures(2), preprocessing.MinMaxScaler(), linear_model.LogisticRegression()),
        "function_transformer": ("pos", pipeline.make_pipeline(preprocessing.FunctionTransformer(np.log1p, inverse_func=np.expm1), preprocessing.FunctionTransformer(np.abs), linear_model.LogisticRegression())),
        "function_transformer_sqrt": ("pos", pipeline.make_pipeline(preprocessing.FunctionTransformer(np.sqrt), naive_bayes.GaussianNB())),
        "quantile_transformer": pipeline.make_pipeline(preprocessing.QuantileTransformer(n_quantiles=10), preprocessing.PowerTransformer(), linear_model.LogisticRegression()),
        "kbins_robust": pipeline.make_pipeline(preprocessing.RobustScaler(), preprocessing.KBinsDiscretizer(3), linear_model.LogisticRegression()),
        "imputer_select": pipeline.make_pipeline(impute.SimpleImputer(), impute.KNNImputer(), feature_selection.SelectKBest(k=2), linear_model.LogisticRegression()),
        "rfe": feature_selection.RFE(linear_model.LogisticRegression(), n_features_to_select=2),
        "select_model": pipeline.make_pipeline(feature_selection.SelectFromModel(ensemble.RandomForestClassifier(n_estimators=3)), svm.SVC()),
        "mutual_info": pipeline.make_pipeline(feature_selection.SelectKBest(feature_selection.mutual_info_classif, k=2), naive_bayes.GaussianNB()),
        "column_transformer": ("df", None),
        "text_tfidf": ("text", pipeline.make_pipeline(feature_extraction.text.TfidfVectorizer(), linear_model.LogisticRegression())),
        "text_count_nb": ("text", pipeline.make_pipeline(feature_extraction.text.CountVectorizer(ngram_range=(1, 2)), naive_bayes.MultinomialNB())),
        "text_hashing": ("text", pipeline.make_pipeline(feature_extraction.text.HashingVectorizer(n_features=64), linear_model.SGDClassifier())),
        "dict_vectorizer": ("dict", pipeline.make_pipeline(feature_extraction.DictVectorizer(), tree.DecisionTreeClassifier())),
        "grid_search": ("grid", None),
        "iterative_imputer": ("iter", None),
    }


def gen_sklearn(root, quick):
    import joblib
    import pandas as pd
    from sklearn import compose, datasets, linear_model, model_selection, pipeline, preprocessing, svm

    X, y = datasets.make_classification(n_samples=60, n_features=4, n_informative=3, n_redundant=0, n_classes=3, random_state=0)
    Xr, yr = datasets.make_regression(n_samples=60, n_features=4, random_state=0)
    texts = ["the cat sat", "a dog ran", "the bird flew", "cats and dogs", "a fish swam", "birds sing"] * 5
    tlabels = [0, 1, 0, 1, 0, 1] * 5
    models = sk_models()
    if quick:
        keep = {"logreg", "calibrated_sigmoid", "hgb", "function_transformer", "knn_kd", "column_transformer", "random_forest", "svc"}
        models = {k: v for k, v in models.items() if k in keep}
    for name, spec in models.items():
        def one(name=name, spec=spec):
            kind, est = (spec if isinstance(spec, tuple) else ("clf", spec))
            if kind == "clf":
                est.fit(X, y)
            elif kind == "reg":
                est.fit(Xr, yr)
            elif kind == "pos-reg":
                est.fit(Xr, np.abs(yr))
            elif kind == "reg1":
                est.fit(Xr[:, 0], yr)
            elif kind == "unsup":
                est.fit(X)
            elif kind == "pos":
                est.fit(np.abs(X), y)
            elif kind == "pos-unsup":
                est.fit(np.abs(X))
            elif kind == "text":
                est.fit(texts, tlabels)
            elif kind == "dict":
                est.fit([{"a": float(r[0]), "b": str(int(r[1] > 0))} for r in X], y)
            elif kind == "df":
                from sklearn.impute import SimpleImputer

                df = pd.DataFrame({"num": X[:, 0], "num2": X[:, 1], "cat": np.where(X[:, 2] > 0, "hi", "lo")})
                ct = compose.ColumnTransformer([("n", pipeline.make_pipeline(SimpleImputer(), preprocessing.StandardScaler()), ["num", "num2"]), ("c", preprocessing.OneHotEncoder(handle_unknown="ignore"), ["cat"])])
                est = pipeline.make_pipeline(ct, linear_model.LogisticRegression())
                est.fit(df, y)
            elif kind == "grid":
                est = model_selection.GridSearchCV(svm.SVC(), {"C": [0.1, 1.0]}, cv=3)
                est.fit(X, y)
            elif kind == "iter":
                from sklearn.experimental import enable_iterative_imputer  # noqa: F401
                from sklearn.impute import IterativeImputer

                est = IterativeImputer(max_iter=3).fit(X)
            joblib.dump(est, out(root, "sklearn", name + ".joblib"))
            record(root, "sklearn", out(root, "sklearn", name + ".joblib"), f"joblib.dump({type(est).__name__})")
            for proto in (0, 2):
                if name in ("logreg", "random_forest", "hgb", "calibrated_sigmoid", "function_transformer", "knn_kd", "column_transformer"):
                    p = out(root, "sklearn", f"{name}_p{proto}.pkl")
                    with open(p, "wb") as f:
                        pickle.dump(est, f, protocol=proto)
                    record(root, "sklearn", p, f"pickle.dump({type(est).__name__}, protocol={proto})")

        attempt("sklearn", name, one)


def gen_statsmodels(root, quick):
    import pandas as pd
    import statsmodels.api as sm
    import statsmodels.formula.api as smf
    from statsmodels.tsa.arima.model import ARIMA
    from statsmodels.tsa.holtwinters import ExponentialSmoothing
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    rng = np.random.default_rng(0)
    n = 80
    x = rng.normal(size=(n, 2))
    yv = x @ [1.0, -2.0] + rng.normal(size=n)
    yb = (yv > 0).astype(int)
    yc = rng.poisson(2, size=n)
    df = pd.DataFrame({"y": yv, "a": x[:, 0], "b": x[:, 1], "g": np.where(x[:, 0] > 0, "u", "v")})
    ts = pd.Series(np.cumsum(rng.normal(size=n)) + 10, index=pd.date_range("2020-01-01", periods=n, freq="D"))
    X = sm.add_constant(x)
    fits = {
        "ols": lambda: sm.OLS(yv, X).fit(),
        "wls": lambda: sm.WLS(yv, X, weights=np.ones(n)).fit(),
        "glm_poisson": lambda: sm.GLM(yc, X, family=sm.families.Poisson()).fit(),
        "logit": lambda: sm.Logit(yb, X).fit(disp=0),
        "probit": lambda: sm.Probit(yb, X).fit(disp=0),
        "mnlogit": lambda: sm.MNLogit(np.clip(yc, 0, 2), X).fit(disp=0),
        "rlm": lambda: sm.RLM(yv, X).fit(),
        "quantreg": lambda: sm.QuantReg(yv, X).fit(q=0.5),
        "formula_ols": lambda: smf.ols("y ~ a + b + C(g)", data=df).fit(),
        "mixedlm": lambda: smf.mixedlm("y ~ a", df, groups=df["g"]).fit(),
        "arima": lambda: ARIMA(ts, order=(1, 0, 1)).fit(),
        "sarimax": lambda: SARIMAX(ts, order=(1, 0, 0), seasonal_order=(0, 0, 0, 0)).fit(disp=0),
        "holtwinters": lambda: ExponentialSmoothing(ts, trend="add").fit(),
        "ar": lambda: sm.tsa.AutoReg(ts, lags=2).fit(),
        "var": lambda: sm.tsa.VAR(pd.DataFrame({"a": ts.values, "b": ts.values[::-1].copy()}, index=ts.index)).fit(1),
        "lowess": lambda: {"lowess": sm.nonparametric.lowess(yv, x[:, 0])},
    }
    if quick:
        fits = {k: v for k, v in fits.items() if k in ("ols", "logit", "arima")}
    for name, fit in fits.items():
        def one(name=name, fit=fit):
            res = fit()
            p = out(root, "statsmodels", name + ".pickle")
            if hasattr(res, "save"):
                res.save(p)  # statsmodels' own save: pickle.dump of the results
                how = f"{type(res).__name__}.save()"
            else:
                with open(p, "wb") as f:
                    pickle.dump(res, f)
                how = f"pickle.dump({type(res).__name__})"
            record(root, "statsmodels", p, how)
            if name in ("ols", "arima", "logit"):
                p2 = out(root, "statsmodels", name + "_removedata.pickle")
                res.save(p2, remove_data=True)
                record(root, "statsmodels", p2, f"{type(res).__name__}.save(remove_data=True)")

        attempt("statsmodels", name, one)


def gen_gensim(root, quick):
    from gensim import corpora, models
    from gensim.models import Doc2Vec, FastText, KeyedVectors, LdaModel, LsiModel, TfidfModel, Word2Vec
    from gensim.models.doc2vec import TaggedDocument

    sents = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "ran", "in", "the", "park"], ["birds", "fly", "over", "the", "park"]] * 20
    dictionary = corpora.Dictionary(sents)
    bow = [dictionary.doc2bow(s) for s in sents]
    builders = {
        "word2vec": lambda: Word2Vec(sents, vector_size=8, min_count=1, epochs=2, workers=1),
        "fasttext": lambda: FastText(sents, vector_size=8, min_count=1, epochs=2, workers=1, bucket=1000),
        "doc2vec": lambda: Doc2Vec([TaggedDocument(s, [i]) for i, s in enumerate(sents)], vector_size=8, min_count=1, epochs=2, workers=1),
        "dictionary": lambda: dictionary,
        "tfidf": lambda: TfidfModel(bow),
        "lda": lambda: LdaModel(bow, num_topics=2, id2word=dictionary, passes=1),
        "lsi": lambda: LsiModel(bow, num_topics=2, id2word=dictionary),
        "phrases": lambda: models.Phrases(sents, min_count=1, threshold=1),
    }
    if quick:
        builders = {k: v for k, v in builders.items() if k in ("word2vec", "dictionary", "tfidf")}
    for name, build in builders.items():
        def one(name=name, build=build):
            m = build()
            p = out(root, "gensim", name + ".model")
            m.save(p)  # gensim's SaveLoad: pickle, plus .npy sidecars for large arrays
            record(root, "gensim", p, f"{type(m).__name__}.save()")
            if name == "word2vec":
                kv = m.wv
                p2 = out(root, "gensim", "word2vec.kv")
                kv.save(p2)
                record(root, "gensim", p2, "KeyedVectors.save()")
                p3 = out(root, "gensim", "word2vec_pickle.pkl")
                with open(p3, "wb") as f:
                    pickle.dump(m, f)
                record(root, "gensim", p3, "pickle.dump(Word2Vec)")

        attempt("gensim", name, one)


def gen_xgboost(root, quick):
    import joblib
    import xgboost as xgb
    from sklearn import datasets

    X, y = datasets.make_classification(n_samples=60, n_features=4, random_state=0)
    for name, m in {"xgb_clf": xgb.XGBClassifier(n_estimators=3, max_depth=2), "xgb_reg": xgb.XGBRegressor(n_estimators=3, max_depth=2), "xgb_rf": xgb.XGBRFClassifier(n_estimators=3, max_depth=2)}.items():
        def one(name=name, m=m):
            m.fit(X, y)
            p = out(root, "xgboost", name + ".pkl")
            with open(p, "wb") as f:
                pickle.dump(m, f)
            record(root, "xgboost", p, f"pickle.dump({type(m).__name__})")
            p2 = out(root, "xgboost", name + ".joblib")
            joblib.dump(m, p2)
            record(root, "xgboost", p2, f"joblib.dump({type(m).__name__})")
            booster = m.get_booster()
            p3 = out(root, "xgboost", name + "_booster.pkl")
            with open(p3, "wb") as f:
                pickle.dump(booster, f)
            record(root, "xgboost", p3, "pickle.dump(Booster)")

        attempt("xgboost", name, one)


def gen_pandas_numpy(root, quick):
    import pandas as pd
    import scipy.sparse as sp

    df = pd.DataFrame({"i": np.arange(5), "f": np.linspace(0, 1, 5), "s": list("abcde"),
                       "c": pd.Categorical(list("xyxyx")), "t": pd.date_range("2021-01-01", periods=5, tz="UTC"),
                       "d": pd.to_timedelta(np.arange(5), unit="s"), "b": [True, False, True, False, True]})
    objs = {
        "pandas_dataframe.pkl": (df, "DataFrame.to_pickle"),
        "pandas_series_period.pkl": (pd.Series([1, 2, 3], index=pd.period_range("2020-01", periods=3, freq="M")), "Series with PeriodIndex"),
        "pandas_multiindex.pkl": (df.set_index(["s", "c"]), "DataFrame with MultiIndex"),
        "pandas_interval.pkl": (pd.Series(pd.interval_range(0, 3)), "IntervalIndex series"),
        "pandas_sparse.pkl": (pd.Series(pd.arrays.SparseArray([0, 0, 1, 0])), "SparseArray series"),
        "numpy_arrays.pkl": ({"f": np.ones(3), "o": np.array([1, "a", None], dtype=object), "rec": np.zeros(2, dtype=[("a", "i4"), ("b", "f8")]), "m": np.ma.masked_array([1, 2], mask=[0, 1]), "dt": np.datetime64("2020-01-01"), "ufunc": np.add, "rng": np.random.default_rng(0), "legacy_rng": np.random.RandomState(0)}, "numpy arrays, masked, datetime, ufunc, generators"),
        "scipy_sparse.pkl": ({"csr": sp.random(5, 5, density=0.3, format="csr"), "coo": sp.eye(3).tocoo(), "csc": sp.eye(3).tocsc()}, "scipy sparse matrices"),
    }
    for name, (obj, what) in objs.items():
        def one(name=name, obj=obj, what=what):
            p = out(root, "pandas-numpy", name)
            if hasattr(obj, "to_pickle"):
                obj.to_pickle(p)
            else:
                with open(p, "wb") as f:
                    pickle.dump(obj, f, protocol=4)
            record(root, "pandas-numpy", p, what)

        attempt("pandas-numpy", name, one)


def gen_stdlib(root, quick):
    import argparse as ap
    import collections.abc as cabc
    import datetime
    import __future__

    objs = {
        "namespace.pkl": (ap.Namespace(lr=0.1, layers=[1, 2], name="x"), "argparse.Namespace"),
        "builtins.pkl": ({"len": len, "range": range(3), "set": {1, 2}, "frozenset": frozenset([1]), "slice": slice(1, 5, 2), "complex": 1 + 2j, "bytearray": bytearray(b"ab"), "abc": [cabc.Mapping, cabc.Sequence, cabc.Iterable], "future": __future__.annotations, "feature": __future__.division, "od": collections.OrderedDict(a=1), "dd": collections.defaultdict(list), "counter": collections.Counter("aab"), "deque": collections.deque([1]), "dt": datetime.datetime(2020, 1, 1)}, "harmless builtins, collections.abc, __future__"),
    }
    for name, (obj, what) in objs.items():
        for proto in (0, 2, 4):
            def one(name=name, obj=obj, what=what, proto=proto):
                p = out(root, "stdlib", name.replace(".pkl", f"_p{proto}.pkl"))
                with open(p, "wb") as f:
                    pickle.dump(obj, f, protocol=proto)
                record(root, "stdlib", p, f"{what}, protocol {proto}")

            attempt("stdlib", f"{name} p{proto}", one)


# The committed fixtures (scan/testdata/benign/libs/): one or two files per
# library and shape the scanner once misjudged, a few MB in all.
FIXTURES = [
    "torchvision/resnet18.pt", "torchvision/vit_b_16.pt", "torchvision/swin_t.pt",
    "torchvision/efficientnet_b0.pt", "torchvision/fasterrcnn_mobilenet_v3_large_320_fpn.pt",
    "torchvision/quantized_shufflenet_v2_x0_5_int8.pt", "torchaudio/wav2letter.pt",
    "torch/fairseq_style_checkpoint.pt", "torch/trainer_checkpoint.pt", "torch/dynamic_quantized.pt",
    "torch/quantized_tensors.pt", "torch/legacy_p2.pt",
    "sklearn/calibrated_sigmoid.joblib", "sklearn/calibrated_sigmoid_p0.pkl", "sklearn/hgb.joblib",
    "sklearn/function_transformer.joblib", "sklearn/knn_kd.joblib", "sklearn/column_transformer_p2.pkl",
    "statsmodels/ols_removedata.pickle", "statsmodels/logit_removedata.pickle", "statsmodels/arima_removedata.pickle",
    "gensim/word2vec.model", "gensim/dictionary.model", "gensim/tfidf.model",
    "xgboost/xgb_clf.pkl", "pandas-numpy/pandas_dataframe.pkl", "pandas-numpy/numpy_arrays.pkl",
    "stdlib/namespace_p0.pkl", "stdlib/namespace_p2.pkl", "stdlib/builtins_p0.pkl", "stdlib/builtins_p2.pkl",
    "stdlib/builtins_p4.pkl",
]


def write_fixtures(dest):
    """Generate the quick set in a temp folder, copy FIXTURES to dest, load
    every copy back with its own library, and write dest/README.md."""
    import hashlib
    import shutil
    import tempfile

    tmp = tempfile.mkdtemp(prefix="mlsec-benign-")
    for lib, g in GENS.items():
        g(tmp, True)
    if os.path.isdir(dest):
        shutil.rmtree(dest)
    rows = []
    for rel in FIXTURES:
        src = os.path.join(tmp, rel)
        if not os.path.exists(src):
            raise SystemExit(f"fixture {rel} was not generated: {[f for f in FAILED]}")
        dst = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(src, dst)
        load_back(dst)
        what = next(m["what"] for m in MADE if m["file"] == rel)
        data = open(dst, "rb").read()
        rows.append(f"| `{rel}` | {what} | {len(data)} | `{hashlib.sha256(data).hexdigest()[:16]}` |")
    vers = ", ".join(f"{k} {v}" for k, v in library_versions().items() if v)
    with open(os.path.join(dest, "README.md"), "w") as f:
        f.write("# Benign models made by real libraries\n\n"
                "Written by `bench/benign/gen_models.py --fixtures scan/testdata/benign/libs` with Debian "
                f"bookworm's Python {sys.version.split()[0]} and {vers}. Each file was loaded back with its own "
                "library after writing (we made them ourselves). Large torchvision and torchaudio models have "
                "their parameters replaced by one-element tensors before `torch.save`: the object graph, and so "
                "the pickle the scanner reads, is the real model's. The scanner must report nothing at medium "
                "or above on any of them (`TestCorpusDetection`, `bench/detect.sh`).\n\n"
                "| File | Made by | Bytes | sha256 (first 16) |\n|---|---|---|---|\n")
        f.write("\n".join(rows) + "\n")
    shutil.rmtree(tmp)


def load_back(p):
    """Self-check: each fixture loads with the library that wrote it."""
    import joblib
    import torch

    if p.endswith(".pt"):
        torch.load(p, weights_only=False) if "weights_only" in torch.load.__code__.co_varnames else torch.load(p)
    elif p.endswith(".joblib"):
        joblib.load(p)
    elif p.endswith(".model"):
        from gensim.utils import SaveLoad
        SaveLoad.load(p)
    else:
        with open(p, "rb") as f:
            pickle.load(f)


def library_versions():
    out = {}
    for mod in ["torch", "torchvision", "torchaudio", "sklearn", "statsmodels", "gensim", "xgboost", "pandas", "numpy", "scipy"]:
        try:
            out[mod] = __import__(mod).__version__
        except Exception:
            out[mod] = None
    return out


GENS = {"torch": gen_torch, "torchvision": gen_torchvision, "torchaudio": gen_torchaudio, "sklearn": gen_sklearn,
        "statsmodels": gen_statsmodels, "gensim": gen_gensim, "xgboost": gen_xgboost,
        "pandas-numpy": gen_pandas_numpy, "stdlib": gen_stdlib}


def main():
    ap_ = argparse.ArgumentParser()
    ap_.add_argument("out")
    ap_.add_argument("--quick", action="store_true", help="a few models per library")
    ap_.add_argument("--only", default="", help="comma-separated libraries")
    ap_.add_argument("--fixtures", action="store_true", help="write the committed fixtures to OUT (scan/testdata/benign/libs)")
    a = ap_.parse_args()
    if a.fixtures:
        write_fixtures(a.out)
        return
    only = [x for x in a.only.split(",") if x]
    for lib, g in GENS.items():
        if only and lib not in only:
            continue
        try:
            g(a.out, a.quick)
        except ImportError as e:
            FAILED.append({"library": lib, "what": "(import)", "error": str(e)})
        print(f"{lib}: {sum(1 for m in MADE if m['library'] == lib)} files", file=sys.stderr)
    versions = library_versions()
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump({"python": sys.version.split()[0], "versions": versions, "files": MADE, "failed": FAILED}, f, indent=1)
    for x in FAILED:
        print(f"could not build {x['library']}/{x['what']}: {x['error']}", file=sys.stderr)


if __name__ == "__main__":
    main()
