// Package savedmodel reads the ops of TensorFlow graphs: SavedModel
// saved_model.pb files, frozen GraphDef .pb files, and the Keras metadata
// (keras_metadata.pb) that Keras 2 stores beside a SavedModel.
//
// We wrote our own reader instead of depending on TensorFlow or its
// generated protobuf code because a scanner must never load a model, and
// TensorFlow is hundreds of megabytes of native code that runs graphs. The
// reader walks the protobuf wire format in place (package pbwalk): it lists
// every NodeDef of every graph and function library, reads the few
// attributes that explain a dangerous op (a PyFunc's token, a PrintV2's
// output stream), skips constant tensors without reading them, and fails on
// any malformed length instead of guessing. It also works out which nodes
// belong to the SavedModel's own saver, whose checkpoint ops (SaveV2,
// RestoreV2, MergeV2Checkpoints) every SavedModel contains.
package savedmodel
