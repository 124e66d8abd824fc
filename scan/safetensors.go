package scan

import (
	"errors"
	"regexp"

	"github.com/mlsec/mlsec/formats/safetensors"
)

func init() { registerHandler(FormatSafetensors, scanSafetensors) }

// codeLike matches metadata values that look like URLs or code. Loaders
// never execute metadata, so these are informational.
var codeLike = regexp.MustCompile(`(?i)https?://|ftp://|__import__|\beval\(|\bexec\(|os\.system|subprocess|<script|\{\{.*\}\}|\{%`)

// scanSafetensors validates the header only; tensor data is never read.
// A malformed header is an ST001 finding (fail closed, not a pass).
func scanSafetensors(fs *fileScan, b *blob) error {
	h, err := safetensors.Parse(b.r, b.size)
	if err != nil {
		var se *safetensors.Error
		off := int64(0)
		if errors.As(err, &se) {
			off = se.Offset
		}
		fs.emit(b, Finding{RuleID: "ST001", Offset: off, Message: err.Error()})
		fs.markError(err)
		return nil
	}
	for _, p := range h.Problems {
		rule := "ST001"
		if p.Kind == safetensors.KindOffsets {
			rule = "ST002"
		}
		fs.emit(b, Finding{RuleID: rule, Offset: p.Offset, Message: "safetensors: " + p.Msg})
	}
	for _, k := range h.MetadataKeys {
		if v := h.Metadata[k]; codeLike.MatchString(v) {
			fs.emitf(b, "ST003", 8, "__metadata__[%q] contains a URL or code-like text: %s", k, clip(v, 120))
		}
	}
	return nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
