package scan

import (
	"errors"

	"github.com/mlsec/mlsec/formats/gguf"
)

func init() { registerHandler(FormatGGUF, scanGGUF) }

// scanGGUF parses the metadata and tensor table (never tensor data) and
// checks every chat template stored in the metadata.
func scanGGUF(fs *fileScan, b *blob) error {
	f, err := gguf.Parse(b.r, b.size)
	if err != nil {
		var ge *gguf.Error
		off := int64(-1)
		if errors.As(err, &ge) {
			off = ge.Offset
		}
		fs.emit(b, Finding{RuleID: "GGUF001", Offset: off, Message: err.Error()})
		fs.markError(err)
		return nil
	}
	for _, p := range f.Problems {
		fs.emit(b, Finding{RuleID: "GGUF001", Offset: p.Offset, Message: "gguf: " + p.Msg})
	}
	for _, t := range f.ChatTemplates() {
		checkTemplate(fs, b, t.Key, t.Template, t.Offset)
	}
	return nil
}
