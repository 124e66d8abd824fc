package pbtest

// ONNXNode is an onnx.proto NodeProto that reads "x" and writes "y":
// op_type op in domain (omitted when "", the default ai.onnx domain),
// named name, with the given AttributeProto messages.
func ONNXNode(op, domain, name string, attrs ...Msg) Msg {
	n := Msg{}.S(1, "x").S(2, "y").S(3, name).S(4, op)
	for _, a := range attrs {
		n = n.M(5, a)
	}
	if domain != "" {
		n = n.S(7, domain)
	}
	return n
}

// ONNXGraph is a GraphProto named "g" followed by parts, each one or more
// encoded fields (nodes as field 1, initializers as field 5, ...).
func ONNXGraph(parts ...Msg) Msg {
	g := Msg{}.S(2, "g")
	for _, p := range parts {
		g = append(g, p...)
	}
	return g
}
