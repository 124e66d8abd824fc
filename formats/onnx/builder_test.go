package onnx

import "github.com/mlsec/mlsec/internal/pbtest"

// pb builds protobuf wire bytes field by field (see internal/pbtest).
type pb = pbtest.Msg

// node and graph build ONNX NodeProto and GraphProto bytes.
var (
	node  = pbtest.ONNXNode
	graph = pbtest.ONNXGraph
)

func tensor(name string, raw int) pb {
	return pb{}.V(1, uint64(raw/4)).V(2, 1).S(8, name).S(9, string(make([]byte, raw)))
}

func extTensor(name, loc string) pb {
	return pb{}.V(1, 4).V(2, 1).S(8, name).
		M(13, pb{}.S(1, "location").S(2, loc)).
		M(13, pb{}.S(1, "offset").S(2, "0")).
		M(13, pb{}.S(1, "length").S(2, "16")).
		V(14, DataLocationExternal)
}

func model(g pb, opsets ...pb) pb {
	m := pb{}.V(1, 8).S(2, "mlsec-test").S(3, "1").M(7, g)
	if len(opsets) == 0 {
		opsets = []pb{opset("", 17)}
	}
	for _, o := range opsets {
		m = m.M(8, o)
	}
	return m
}

func opset(domain string, v uint64) pb { return pb{}.S(1, domain).V(2, v) }

func attrGraph(name string, g pb) pb { return pb{}.S(1, name).M(6, g).V(20, 5) }

func attrTensor(name string, t pb) pb { return pb{}.S(1, name).M(5, t).V(20, 4) }

// benignModel is an MLP with a classifier from ai.onnx.ml.
func benignModel() pb {
	g := graph(
		pb{}.M(1, node("Gemm", "", "fc1")),
		pb{}.M(1, node("Relu", "", "relu")),
		pb{}.M(1, node("Gemm", "", "fc2")),
		pb{}.M(1, node("Softmax", "", "softmax")),
		pb{}.M(1, node("LinearClassifier", "ai.onnx.ml", "clf")),
		pb{}.M(5, tensor("W1", 64)),
		pb{}.M(5, tensor("B1", 16)),
	)
	return model(g, opset("", 17), opset("ai.onnx.ml", 3))
}
