package onnx

import "google.golang.org/protobuf/encoding/protowire"

// pb builds protobuf bytes field by field, for crafting test models.
type pb []byte

func (b pb) v(n int, x uint64) pb {
	b = protowire.AppendTag(b, protowire.Number(n), protowire.VarintType)
	return protowire.AppendVarint(b, x)
}

func (b pb) s(n int, s string) pb {
	b = protowire.AppendTag(b, protowire.Number(n), protowire.BytesType)
	return protowire.AppendString(b, s)
}

func (b pb) m(n int, sub pb) pb {
	b = protowire.AppendTag(b, protowire.Number(n), protowire.BytesType)
	return protowire.AppendBytes(b, sub)
}

func node(op, domain, name string, attrs ...pb) pb {
	n := pb{}.s(1, "x").s(2, "y").s(3, name).s(4, op)
	for _, a := range attrs {
		n = n.m(5, a)
	}
	if domain != "" {
		n = n.s(7, domain)
	}
	return n
}

func tensor(name string, raw int) pb {
	return pb{}.v(1, uint64(raw/4)).v(2, 1).s(8, name).s(9, string(make([]byte, raw)))
}

func extTensor(name, loc string) pb {
	return pb{}.v(1, 4).v(2, 1).s(8, name).
		m(13, pb{}.s(1, "location").s(2, loc)).
		m(13, pb{}.s(1, "offset").s(2, "0")).
		m(13, pb{}.s(1, "length").s(2, "16")).
		v(14, DataLocationExternal)
}

func graph(parts ...pb) pb {
	g := pb{}.s(2, "g")
	for _, p := range parts {
		g = append(g, p...)
	}
	return g
}

func model(g pb, opsets ...pb) pb {
	m := pb{}.v(1, 8).s(2, "mlsec-test").s(3, "1").m(7, g)
	if len(opsets) == 0 {
		opsets = []pb{opset("", 17)}
	}
	for _, o := range opsets {
		m = m.m(8, o)
	}
	return m
}

func opset(domain string, v uint64) pb { return pb{}.s(1, domain).v(2, v) }

func attrGraph(name string, g pb) pb { return pb{}.s(1, name).m(6, g).v(20, 5) }

func attrTensor(name string, t pb) pb { return pb{}.s(1, name).m(5, t).v(20, 4) }

// benignModel is an MLP with a classifier from ai.onnx.ml.
func benignModel() pb {
	g := graph(
		pb{}.m(1, node("Gemm", "", "fc1")),
		pb{}.m(1, node("Relu", "", "relu")),
		pb{}.m(1, node("Gemm", "", "fc2")),
		pb{}.m(1, node("Softmax", "", "softmax")),
		pb{}.m(1, node("LinearClassifier", "ai.onnx.ml", "clf")),
		pb{}.m(5, tensor("W1", 64)),
		pb{}.m(5, tensor("B1", 16)),
	)
	return model(g, opset("", 17), opset("ai.onnx.ml", 3))
}
