package savedmodel

import "github.com/mlsec/mlsec/internal/pbtest"

// pb builds protobuf wire bytes field by field (see internal/pbtest).
type pb = pbtest.Msg

// nodeDef builds a NodeDef; attrs are map entries from strAttr/funcAttr.
func nodeDef(name, op string, attrs ...pb) pb {
	n := pb{}.S(1, name).S(2, op).S(3, "input:0").S(4, "/device:CPU:0")
	for _, a := range attrs {
		n = n.M(5, a)
	}
	return n
}

func strAttr(key, val string) pb { return pb{}.S(1, key).M(2, pb{}.S(2, val)) }

func funcAttr(key, fn string) pb { return pb{}.S(1, key).M(2, pb{}.M(10, pb{}.S(1, fn))) }

func typeAttr(key string) pb { return pb{}.S(1, key).M(2, pb{}.V(6, 1)) }

func tensorAttr(key string, n int) pb {
	return pb{}.S(1, key).M(2, pb{}.M(8, pb{}.V(1, 1).S(4, string(make([]byte, n)))))
}

func function(name string, nodes ...pb) pb {
	f := pb{}.M(1, pb{}.S(1, name).M(2, pb{}.S(1, "x").V(3, 1)))
	for _, n := range nodes {
		f = f.M(3, n)
	}
	return f.M(4, pb{}.S(1, "out").S(2, "identity:output:0"))
}

func graphDef(nodes []pb, funcs ...pb) pb {
	g := pb{}
	for _, n := range nodes {
		g = g.M(1, n)
	}
	if len(funcs) > 0 {
		lib := pb{}
		for _, f := range funcs {
			lib = lib.M(1, f)
		}
		g = g.M(2, lib)
	}
	return g.M(4, pb{}.V(1, 1205).V(2, 12))
}

func saverDef(filename, save, restore string) pb {
	return pb{}.S(1, filename).S(2, save).S(3, restore).V(4, 5).V(5, 1).V(7, 2)
}

func metaGraph(g, saver pb) pb {
	mg := pb{}.M(1, pb{}.S(4, "serve").S(5, "2.15.0"))
	mg = mg.M(2, g)
	if saver != nil {
		mg = mg.M(3, saver)
	}
	return mg.M(5, pb{}.S(1, "serving_default").M(2, pb{}.S(3, "tensorflow/serving/predict")))
}

func savedModel(mgs ...pb) pb {
	b := pb{}.V(1, 1)
	for _, mg := range mgs {
		b = b.M(2, mg)
	}
	return b
}

// tf2Model is a realistic TF2 SavedModel: a dense layer served through a
// signature function, and the traced save/restore functions every
// SavedModel carries, with their checkpoint ops.
func tf2Model(extraFuncs ...pb) pb {
	main := []pb{
		nodeDef("serving_default_x", "Placeholder", typeAttr("dtype")),
		nodeDef("dense/kernel", "VarHandleOp", strAttr("shared_name", "dense/kernel")),
		nodeDef("saver_filename", "Placeholder", typeAttr("dtype")),
		nodeDef("StatefulPartitionedCall", "StatefulPartitionedCall", funcAttr("f", "__inference_signature_wrapper_100")),
		nodeDef("StatefulPartitionedCall_1", "StatefulPartitionedCall", funcAttr("f", "__inference__traced_save_200")),
		nodeDef("StatefulPartitionedCall_2", "StatefulPartitionedCall", funcAttr("f", "__inference__traced_restore_300")),
	}
	funcs := []pb{
		function("__inference_signature_wrapper_100",
			nodeDef("PartitionedCall", "StatefulPartitionedCall", funcAttr("f", "__inference_call_50"))),
		function("__inference_call_50",
			nodeDef("MatMul/ReadVariableOp", "ReadVariableOp", typeAttr("dtype")),
			nodeDef("MatMul", "MatMul", typeAttr("T")),
			nodeDef("Relu", "Relu", typeAttr("T")),
			nodeDef("Const", "Const", tensorAttr("value", 4096))),
		function("__inference__traced_save_200",
			nodeDef("StaticRegexFullMatch", "StaticRegexFullMatch", strAttr("pattern", "^s3://.*")),
			nodeDef("Const", "Const", tensorAttr("value", 8)),
			nodeDef("Select", "Select"),
			nodeDef("StringJoin", "StringJoin"),
			nodeDef("num_shards", "Const"),
			nodeDef("ShardedFilename", "ShardedFilename"),
			nodeDef("SaveV2", "SaveV2"),
			nodeDef("MergeV2Checkpoints/checkpoint_prefixes", "Pack"),
			nodeDef("MergeV2Checkpoints", "MergeV2Checkpoints"),
			nodeDef("Identity", "Identity"),
			nodeDef("NoOp", "NoOp")),
		function("__inference__traced_restore_300",
			nodeDef("RestoreV2/tensor_names", "Const"),
			nodeDef("RestoreV2", "RestoreV2"),
			nodeDef("AssignVariableOp", "AssignVariableOp"),
			nodeDef("NoOp_1", "NoOp"),
			nodeDef("Identity_1", "Identity")),
	}
	funcs = append(funcs, extraFuncs...)
	return savedModel(metaGraph(graphDef(main, funcs...),
		saverDef("saver_filename:0", "StatefulPartitionedCall_1:0", "StatefulPartitionedCall_2")))
}

// tf1Model is a TF1 SavedModel whose saver lives in the "save/" scope.
func tf1Model(extra ...pb) pb {
	main := []pb{
		nodeDef("x", "Placeholder"),
		nodeDef("w", "VariableV2"),
		nodeDef("MatMul", "MatMul"),
		nodeDef("save/Const", "Const"),
		nodeDef("save/StringJoin", "StringJoin"),
		nodeDef("save/ShardedFilename", "ShardedFilename"),
		nodeDef("save/SaveV2", "SaveV2"),
		nodeDef("save/MergeV2Checkpoints", "MergeV2Checkpoints"),
		nodeDef("save/control_dependency", "Identity"),
		nodeDef("save/RestoreV2", "RestoreV2"),
		nodeDef("save/Assign", "Assign"),
		nodeDef("save/restore_all", "NoOp"),
	}
	main = append(main, extra...)
	return savedModel(metaGraph(graphDef(main), saverDef("save/Const:0", "save/control_dependency:0", "save/restore_all")))
}
