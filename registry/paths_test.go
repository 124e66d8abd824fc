package registry_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mlsec/mlsec/registry"
)

// TestMaterialisablePaths is R5: a version whose files cannot all be
// written faithfully on Linux, macOS and Windows is refused.
func TestMaterialisablePaths(t *testing.T) {
	t.Parallel()
	refused := map[string][]string{
		"file and folder":        {"a", "a/b"},
		"folder then file":       {"a/b", "a"},
		"deep file and folder":   {"x/y/z.bin", "x/y"},
		"case collision":         {"Weights.bin", "weights.bin"},
		"case collision in dir":  {"Sub/w.bin", "sub/w.bin"},
		"normalization":          {"caf\u00e9.txt", "cafe\u0301.txt"},
		"file vs folder by case": {"A", "a/b"},
		"device":                 {"CON"},
		"device with extension":  {"nul.txt"},
		"device in a folder":     {"sub/COM1.bin"},
		"superscript device":     {"LPT\u00b9"},
		"device with spaces":     {"aux .txt"},
		"bidi override":          {"report\u202etxt.exe"},
		"bidi isolate":           {"\u2066a"},
		"zero width":             {"\u200bw.bin"},
		"trailing dot":           {"model."},
		"trailing space":         {"dir /w.bin"},
		"c1 control":             {"a\u0085b"},
		"not utf-8":              {"a\xffb"},
		"twice":                  {"a", "a"},
		"traversal":              {"../x"},
	}
	for name, paths := range refused {
		if err := registry.ValidatePaths(paths); !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("%s %q: %v, want ErrInvalid", name, paths, err)
		}
	}
	accepted := []string{"a b.bin", "ü.txt", "100%.txt", "#1.bin", "what?.bin", "sub dir/x#y?.bin", "a/b", "a/c", "COMx.bin", "console.txt",
		"con2.txt", "LPT10", ".hidden", "dir.d/file", "日本語/モデル.bin"}
	if err := registry.ValidatePaths(accepted); err != nil {
		t.Errorf("accepted paths refused: %v", err)
	}
	if registry.WindowsName("what?.bin") == "" || registry.WindowsName("a b.bin") != "" {
		t.Error("WindowsName")
	}
}

func FuzzValidatePaths(f *testing.F) {
	for _, s := range []string{"a", "a/b", "a\x00b", "CON", "A|a", "a/b|a", "x/../y", "é|é", "nul.txt|x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, joined string) {
		paths := strings.Split(joined, "|")
		if registry.ValidatePaths(paths) != nil {
			return
		}
		for _, p := range paths {
			if !utf8.ValidString(p) || strings.HasPrefix(p, "/") || strings.Contains("/"+p+"/", "/../") || strings.ContainsRune(p, '\\') {
				t.Fatalf("accepted a path that escapes: %q", p)
			}
		}
	})
}
