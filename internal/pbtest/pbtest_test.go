package pbtest

import (
	"bytes"
	"testing"
)

func TestMsg(t *testing.T) {
	t.Parallel()
	// Field 1 varint 150, field 2 string "hi", field 3 message {1: 1}.
	got := Msg{}.V(1, 150).S(2, "hi").M(3, Msg{}.V(1, 1))
	want := []byte{0x08, 0x96, 0x01, 0x12, 0x02, 'h', 'i', 0x1a, 0x02, 0x08, 0x01}
	if !bytes.Equal(got, want) {
		t.Fatalf("got % x, want % x", got, want)
	}
}

func TestONNXNode(t *testing.T) {
	t.Parallel()
	// input "x", output "y", name "n", op_type "Relu"; the domain only when set.
	plain := Msg{}.S(1, "x").S(2, "y").S(3, "n").S(4, "Relu")
	if got := ONNXNode("Relu", "", "n"); !bytes.Equal(got, plain) {
		t.Errorf("no domain: % x", got)
	}
	attr := Msg{}.S(1, "a")
	withDomain := plain.M(5, attr).S(7, "d")
	if got := ONNXNode("Relu", "d", "n", attr); !bytes.Equal(got, withDomain) {
		t.Errorf("domain and attribute: % x, want % x", got, withDomain)
	}
	want := Msg{}.S(2, "g").M(1, plain)
	if got := ONNXGraph(Msg{}.M(1, plain)); !bytes.Equal(got, want) {
		t.Errorf("graph: % x, want % x", got, want)
	}
}
