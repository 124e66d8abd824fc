package keras

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// safeFunctions are the built-in activations, losses and metrics a
// class_name "function" reference may name.
var safeFunctions = set(
	// activations
	"relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "sigmoid", "hard_sigmoid",
	"hard_silu", "hard_swish", "softmax", "log_softmax", "softplus", "softsign", "tanh", "exponential",
	"linear", "mish", "celu", "glu", "sparse_plus", "squareplus", "tanh_shrink", "hard_tanh",
	"soft_shrink", "hard_shrink", "threshold", "sparsemax", "log_sigmoid", "sparse_sigmoid",
	// losses
	"mean_squared_error", "mse", "MSE", "mean_absolute_error", "mae", "MAE", "mean_absolute_percentage_error",
	"mape", "MAPE", "mean_squared_logarithmic_error", "msle", "MSLE", "binary_crossentropy",
	"categorical_crossentropy", "sparse_categorical_crossentropy", "binary_focal_crossentropy",
	"categorical_focal_crossentropy", "hinge", "squared_hinge", "categorical_hinge", "kl_divergence",
	"kld", "KLD", "kullback_leibler_divergence", "poisson", "log_cosh", "logcosh", "huber", "huber_loss",
	"cosine_similarity", "ctc", "dice", "tversky", "circle",
	// metrics
	"accuracy", "acc", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
	"top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "crossentropy", "ce",
	"binary_crossentropy_metric", "root_mean_squared_error", "r2_score",
)

// builtinClasses are class names of Keras 2 and Keras 3 built-in layers,
// models, initialisers, regularisers, constraints, optimisers, schedules,
// losses, metrics, policies and serialisation markers. Keras 2 configs name
// classes without a module; anything else there is a custom object.
var builtinClasses = set(
	// models
	"Sequential", "Functional", "Model",
	// core and input
	"InputLayer", "Input", "Dense", "EinsumDense", "Activation", "Embedding", "Masking", "Identity",
	"Wrapper", "TFOpLambda", "SlicingOpLambda", "InputSpec",
	// convolution
	"Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
	"SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D", "DepthwiseConv2D", "Convolution1D",
	"Convolution2D", "Convolution3D", "Convolution2DTranspose", "Convolution3DTranspose",
	"SeparableConvolution1D", "SeparableConvolution2D", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D",
	"LocallyConnected1D", "LocallyConnected2D",
	// pooling
	"MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
	"AveragePooling3D", "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
	"GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "GlobalAveragePooling1D",
	"GlobalAveragePooling2D", "GlobalAveragePooling3D", "GlobalMaxPool1D", "GlobalMaxPool2D",
	"GlobalMaxPool3D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D",
	// recurrent
	"RNN", "SimpleRNN", "SimpleRNNCell", "GRU", "GRUCell", "LSTM", "LSTMCell", "StackedRNNCells",
	"Bidirectional", "TimeDistributed", "CuDNNGRU", "CuDNNLSTM", "AbstractRNNCell", "GRUV2", "LSTMV2",
	// normalization and regularization
	"BatchNormalization", "LayerNormalization", "GroupNormalization", "UnitNormalization",
	"SpectralNormalization", "RMSNormalization", "SyncBatchNormalization", "Normalization",
	"Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianDropout",
	"GaussianNoise", "AlphaDropout", "ActivityRegularization",
	// attention
	"Attention", "AdditiveAttention", "MultiHeadAttention", "GroupedQueryAttention",
	// reshaping
	"Reshape", "Flatten", "RepeatVector", "Permute", "Cropping1D", "Cropping2D", "Cropping3D",
	"UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
	// merging
	"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
	// activations as layers
	"ReLU", "LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax",
	// preprocessing
	"Rescaling", "Resizing", "CenterCrop", "RandomCrop", "RandomFlip", "RandomRotation", "RandomZoom",
	"RandomTranslation", "RandomContrast", "RandomBrightness", "RandomHeight", "RandomWidth",
	"CategoryEncoding", "Discretization", "Hashing", "HashedCrossing", "IntegerLookup", "StringLookup",
	"TextVectorization", "AutoContrast", "Solarization", "RandomGrayscale", "RandomColorJitter",
	"RandomShear", "RandomSaturation", "RandomHue", "RandomPosterization", "RandomSharpness",
	"Equalization", "MelSpectrogram", "STFTSpectrogram", "Pipeline", "MixUp", "CutMix", "AugMix",
	"RandAugment", "RandomErasing", "RandomGaussianBlur", "RandomInvert", "RandomPerspective",
	"RandomElasticTransform", "RandomColorDegeneration", "MaxNumBoundingBoxes",
	// initializers
	"Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform", "TruncatedNormal", "VarianceScaling",
	"Orthogonal", "Identity", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "LecunNormal",
	"LecunUniform", "IdentityInitializer", "OrthogonalInitializer", "STFTInitializer", "Initializer",
	"zeros", "ones", "constant", "random_normal", "random_uniform", "truncated_normal", "orthogonal",
	"identity", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "lecun_normal",
	"lecun_uniform", "variance_scaling",
	// regularizers and constraints
	"L1", "L2", "L1L2", "OrthogonalRegularizer", "Regularizer", "l1", "l2", "l1_l2",
	"MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "RadialConstraint", "Constraint",
	"max_norm", "min_max_norm", "non_neg", "unit_norm",
	// optimizers and schedules
	"Adam", "AdamW", "Adadelta", "Adafactor", "Adagrad", "Adamax", "Ftrl", "Lion", "Nadam", "RMSprop",
	"SGD", "LossScaleOptimizer", "Muon", "LAMB", "Optimizer", "ExponentialDecay", "PiecewiseConstantDecay",
	"PolynomialDecay", "InverseTimeDecay", "CosineDecay", "CosineDecayRestarts", "LearningRateSchedule",
	// losses
	"Loss", "LossFunctionWrapper", "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
	"MeanSquaredLogarithmicError", "BinaryCrossentropy", "BinaryFocalCrossentropy",
	"CategoricalCrossentropy", "CategoricalFocalCrossentropy", "SparseCategoricalCrossentropy",
	"Hinge", "SquaredHinge", "CategoricalHinge", "KLDivergence", "Poisson", "LogCosh", "Huber",
	"CosineSimilarity", "CTC", "Dice", "Tversky", "Circle", "ReductionV2",
	// metrics
	"Metric", "Mean", "Sum", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy", "CategoricalAccuracy",
	"SparseCategoricalAccuracy", "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "AUC",
	"Precision", "Recall", "PrecisionAtRecall", "RecallAtPrecision", "SensitivityAtSpecificity",
	"SpecificityAtSensitivity", "TruePositives", "TrueNegatives", "FalsePositives", "FalseNegatives",
	"MeanIoU", "IoU", "BinaryIoU", "OneHotIoU", "OneHotMeanIoU", "RootMeanSquaredError",
	"MeanRelativeError", "LogCoshError", "R2Score", "F1Score", "FBetaScore", "Hinge", "KLDivergence",
	"MeanTensor", "SumOverBatchSize", "SumOverBatchSizeMetricWrapper", "Reduce", "CompileMetrics",
	"CompileLoss",
	// dtype policies and serialisation markers
	"DTypePolicy", "FloatDTypePolicy", "QuantizedDTypePolicy", "QuantizedFloat8DTypePolicy",
	"DTypePolicyMap", "Policy", "__tensor__", "__numpy__", "__bytes__", "__typespec__",
	"__keras_tensor__", "__ellipsis__", "__slice__", "__complex__", "__ragged_tensor__",
	"__sparse_tensor__", "__dtype__", "__tuple__", "TensorShape", "TensorSpec", "KerasTensor",
	// tf.keras 2 wrappers
	"TFOpLambda", "Functional", "SequenceFeatures", "DenseFeatures", "LinearModel", "WideDeepModel",
)
