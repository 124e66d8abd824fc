package npy

import (
	"encoding/binary"
	"strings"
	"testing"
)

// file builds a .npy header for the given dict literal and version.
func file(major byte, dict string) []byte {
	pre := 10
	if major > 1 {
		pre = 12
	}
	h := dict + " "
	for (pre+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	b := []byte(Magic + string([]byte{major, 0}))
	if major == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(h)))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(h)))
	}
	return append(b, h...)
}

func TestParseHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		major    byte
		dict     string
		item     int64
		size     int64
		obj      bool
		fortran  bool
		shapeLen int
	}{
		{1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 4, 24, false, false, 2},
		{2, "{'descr': '<i8', 'fortran_order': True, 'shape': (5,), }", 8, 40, false, true, 1},
		{3, "{'descr': '<U3', 'fortran_order': False, 'shape': (), }", 12, 12, false, false, 0},
		{1, "{'descr': '|O', 'fortran_order': False, 'shape': (3,), }", 8, 24, true, false, 1},
		{1, "{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (0,), }", 8, 0, false, false, 1},
		{1, "{'descr': [('a', '<f4'), ('b', '|O')], 'fortran_order': False, 'shape': (2,), }", 12, 24, true, false, 1},
		{1, "{'descr': [(('t', 'x'), '<i2', (2, 2)), ('', '|V4'), ('n', [('c', '<c16')])], 'fortran_order': False, 'shape': (1,), }", 28, 28, false, false, 1},
		{1, `{"descr": "|b1", "fortran_order": False, "shape": (7L,)}`, 1, 7, false, false, 1},
	}
	for _, tc := range tests {
		b := file(tc.major, tc.dict)
		h, err := ParseHeader(b)
		if err != nil {
			t.Fatalf("%s: %v", tc.dict, err)
		}
		if h.ItemSize != tc.item || h.DataSize != tc.size || h.HasObject != tc.obj || h.FortranOrder != tc.fortran ||
			len(h.Shape) != tc.shapeLen || h.DataOffset != int64(len(b)) || h.Major != int(tc.major) {
			t.Errorf("%s: got %+v", tc.dict, h)
		}
	}
}

func TestParseHeaderRejects(t *testing.T) {
	t.Parallel()
	bad := []string{
		"{'descr': '<f4', 'shape': (2,), }",
		"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}",
		"{'descr': '<f4', 'fortran_order': False, 'shape': [2]}",
		"{'descr': '<f4', 'fortran_order': False, 'shape': (2)}",
		"{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}",
		"{'descr': '<f3', 'fortran_order': False, 'shape': (1,)}",
		"{'descr': '<q8', 'fortran_order': False, 'shape': (1,)}",
		"{'descr': '<f8', 'fortran_order': 0, 'shape': (1,)}",
		"{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296)}",
		"{'descr': '<f8', 'fortran_order': False, 'shape': (1,)} junk",
		"{'descr': '<f8, 'fortran_order': False, 'shape': (1,)}",
		"{'descr': '<f8', 'descr': '<f8', 'shape': (1,)}",
		"['descr']",
		strings.Repeat("[", 100) + strings.Repeat("]", 100),
		"{'descr': __import__('os').system('x'), 'fortran_order': False, 'shape': (1,)}",
	}
	for _, d := range bad {
		if h, err := ParseHeader(file(1, d)); err == nil {
			t.Errorf("accepted %s: %+v", d, h)
		}
	}
	for _, b := range [][]byte{nil, []byte("\x93NUMPZ\x01\x00\x00\x00"), []byte(Magic + "\x04\x00\x00\x00"),
		[]byte(Magic + "\x01\x00\xff\x00{"), []byte(Magic + "\x02\x00\xff\xff\xff\xff")} {
		if _, err := ParseHeader(b); err == nil {
			t.Errorf("accepted %q", b)
		}
	}
}

func FuzzNpyHeader(f *testing.F) {
	f.Add(file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"))
	f.Add(file(2, "{'descr': [('a', '<f4'), ('b', '|O', (2,))], 'fortran_order': False, 'shape': (2,), }"))
	f.Add(file(3, "{'descr': '|O', 'fortran_order': True, 'shape': (), }"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		if err != nil {
			return
		}
		if h.DataSize < 0 || h.ItemSize < 0 || h.DataOffset > int64(len(b)) {
			t.Fatalf("inconsistent header %+v", h)
		}
	})
}
