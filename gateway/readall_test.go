package gateway

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadAll: whatever the declared length (right, short, long, absent,
// huge, negative), readAll returns exactly the bytes and the error the
// reader gives, and never sizes its buffer past maxReadHint.
func TestReadAll(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("0123456789", 150)
	for _, tc := range []struct {
		name     string
		declared int64
	}{
		{"exact", 1500}, {"short", 10}, {"long", 4000}, {"absent", -1}, {"zero", 0}, {"huge", 1 << 40},
	} {
		for _, half := range []bool{false, true} {
			var r io.Reader = strings.NewReader(body)
			if half {
				r = iotest.HalfReader(r) // short reads
			}
			got, err := readAll(r, tc.declared)
			if err != nil || string(got) != body {
				t.Errorf("%s half=%v: %d bytes, err %v", tc.name, half, len(got), err)
			}
			if tc.declared > 0 && tc.declared <= maxReadHint && tc.declared >= int64(len(body)) && cap(got) != int(tc.declared)+1 {
				t.Errorf("%s: cap %d, want one buffer of %d", tc.name, cap(got), tc.declared+1)
			}
		}
	}
	boom := errors.New("boom")
	got, err := readAll(io.MultiReader(bytes.NewReader([]byte("abc")), iotest.ErrReader(boom)), 100)
	if !errors.Is(err, boom) || string(got) != "abc" {
		t.Errorf("got %q, %v; want abc and the reader's error", got, err)
	}
}
