package pbtest

import "google.golang.org/protobuf/encoding/protowire"

// Msg is the wire encoding of a protobuf message under construction. Each
// method appends one field and returns the longer message; field numbers
// are those of the .proto the test targets.
type Msg []byte

// V appends varint field n (int32/int64/uint64/bool/enum) with value x.
func (b Msg) V(n int, x uint64) Msg {
	return protowire.AppendVarint(protowire.AppendTag(b, protowire.Number(n), protowire.VarintType), x)
}

// S appends length-delimited field n holding the string (or bytes) s.
func (b Msg) S(n int, s string) Msg {
	return protowire.AppendString(protowire.AppendTag(b, protowire.Number(n), protowire.BytesType), s)
}

// M appends length-delimited field n holding the embedded message sub.
func (b Msg) M(n int, sub Msg) Msg {
	return protowire.AppendBytes(protowire.AppendTag(b, protowire.Number(n), protowire.BytesType), sub)
}
