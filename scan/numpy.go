package scan

import (
	"fmt"
	"io"

	"github.com/mlsec/mlsec/formats/npy"
)

func init() { registerHandler(FormatNumPy, scanNumPy) }

// scanNumPy checks a .npy header without reading the array data. Object
// arrays are a pickle after the header (np.load with allow_pickle=True
// unpickles it), so that pickle goes back to the engine.
func scanNumPy(fs *fileScan, b *blob) error {
	head, err := readHead(b, 12)
	if err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	n, err := npy.PrefixLen(head)
	if err != nil {
		return err
	}
	if n > b.size {
		return &npy.Error{Offset: b.size, Msg: fmt.Sprintf("header needs %d bytes, the file has %d", n, b.size)}
	}
	buf := make([]byte, n)
	if _, err := b.r.ReadAt(buf, 0); err != nil && err != io.EOF {
		return fmt.Errorf("npy: %w", err)
	}
	h, err := npy.ParseHeader(buf)
	if err != nil {
		return err
	}
	if h.HasObject {
		fs.emit(b, Finding{RuleID: "NPY001", Offset: h.DataOffset, Message: fmt.Sprintf(
			"array of shape %v has an object dtype (%v): its data is a pickle, loaded only with allow_pickle=True", h.Shape, h.Descr)})
		rest := b.size - h.DataOffset
		if rest <= 0 {
			return &npy.Error{Offset: h.DataOffset, Msg: "object array has no pickle after the header"}
		}
		fs.analyze(fs.child(b, "<object array pickle>", io.NewSectionReader(b.r, h.DataOffset, rest), rest))
		return nil
	}
	if got := b.size - h.DataOffset; got != h.DataSize {
		fs.emitf(b, "FMT001", h.DataOffset, "array data is %d bytes but shape %v of %d-byte items needs %d", got, h.Shape, h.ItemSize, h.DataSize)
	}
	return nil
}
