package scan

import (
	"fmt"
	"regexp"
)

func init() { registerHandler(FormatPython, scanPython) }

// dangerousPy matches calls that a model repository's code has no reason
// to make. It is a review pointer, not an analysis: every .py file is
// reported (HF004), and these raise it to high.
var dangerousPy = regexp.MustCompile(`\bos\.(?:system|popen|exec[lv]p?e?|spawn[lv]p?e?)\s*\(|\bsubprocess\.[A-Za-z_]+\s*\(|(?:^|[^.\w])(?:eval|exec)\s*\(|__import__\s*\(|\brequests\.(?:get|post|put|request)\s*\(|\burllib(?:\.request)?\.(?:urlopen|urlretrieve)\s*\(|\bbase64\.b64decode\s*\(|\bmarshal\.loads\s*\(|\bctypes\.CDLL\s*\(`)

// scanPython reports Python source that loaders may import.
func scanPython(fs *fileScan, b *blob) error {
	n := b.size
	if lim := fs.s.opts.Limits.MaxJSONBytes; n > lim {
		n = lim
	}
	src := make([]byte, n)
	if _, err := b.r.ReadAt(src, 0); err != nil && int64(len(src)) != n {
		return fmt.Errorf("reading %s: %w", b.name, err)
	}
	f := Finding{RuleID: "HF004", Offset: -1, Message: fmt.Sprintf("repository ships Python source %s, imported by trust_remote_code loaders", b.name)}
	if loc := dangerousPy.FindIndex(src); loc != nil {
		call := string(regexp.MustCompile(`\s*\($`).ReplaceAll(src[loc[0]:loc[1]], nil))
		call = regexp.MustCompile(`^[^A-Za-z_]`).ReplaceAllString(call, "")
		f.Severity = SeverityHigh
		f.Callable = call
		f.Offset = int64(loc[0])
		f.Message = fmt.Sprintf("repository ships Python source %s that calls %s", b.name, call)
	}
	if n < b.size {
		f.Message += fmt.Sprintf(" (first %d bytes searched)", n)
	}
	fs.emit(b, f)
	return nil
}
