package registry

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Artifact paths must be materialisable: pull writes them to a folder on
// Linux, macOS or Windows, and each file must land where its path says,
// nowhere else, and not on top of another. So a path is refused if it could
// escape the folder ('..', absolute, backslash), if it hides what it is
// (control and invisible format characters such as bidi overrides, which
// make "exe.txt" display for "txt.exe"), or if one of those systems cannot
// create it faithfully (Windows device names, which open a device instead
// of a file, and names ending in '.' or ' ', which Windows trims). A
// version's paths are refused together if two of them would be one file on
// a case-insensitive or normalization-insensitive file system (macOS,
// Windows), or one path is a file and a folder of another ("a" and
// "a/b"), which no file system can hold.
//
// The characters Windows forbids in names (< > : " | ? *) are accepted:
// they are valid on Linux and macOS and real models use them; pull refuses
// such a version on Windows with a clear error (WindowsName).

// MaxPathLen bounds an artifact path.
const MaxPathLen = 1024

// ValidatePath checks one artifact path (see above).
func ValidatePath(p string) error {
	switch {
	case p == "" || len(p) > MaxPathLen:
		return invalidf("artifact path %q: empty or longer than %d bytes", p, MaxPathLen)
	case !utf8.ValidString(p):
		return invalidf("artifact path %q: not UTF-8", p)
	case strings.HasPrefix(p, "/") || strings.ContainsRune(p, '\\'):
		return invalidf("artifact path %q: must be relative and use '/'", p)
	}
	for _, r := range p {
		if unicode.IsControl(r) {
			return invalidf("artifact path %q: control character %U", p, r)
		}
		if unicode.Is(unicode.Cf, r) {
			return invalidf("artifact path %q: invisible format character %U (such as a bidi override) that makes the name display as another", p, r)
		}
	}
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return invalidf("artifact path %q: empty, '.' or '..' segment", p)
		}
		if strings.HasSuffix(seg, ".") || strings.HasSuffix(seg, " ") {
			return invalidf("artifact path %q: %q ends with '.' or a space, which Windows drops from file names", p, seg)
		}
		if isWindowsDevice(seg) {
			return invalidf("artifact path %q: %q is a Windows device name: on Windows it would open the device, not a file", p, seg)
		}
	}
	return nil
}

// isWindowsDevice reports whether a name is a reserved DOS device name,
// with or without an extension (NUL, nul.txt, COM1.bin, CONIN$).
func isWindowsDevice(seg string) bool {
	base, _, _ := strings.Cut(seg, ".")
	base = strings.ToUpper(strings.TrimRight(base, " "))
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	for _, dev := range []string{"COM", "LPT"} {
		if n, ok := strings.CutPrefix(base, dev); ok && len(n) > 0 && strings.Contains("0123456789¹²³", n) && utf8.RuneCountInString(n) == 1 {
			return true
		}
	}
	return false
}

// foldKey is the name macOS and Windows see: case folded, NFC. A Caser
// may keep state and must not be shared between goroutines, so each call
// makes its own (cheap: its tables are static).
func foldKey(p string) string { return cases.Fold().String(norm.NFC.String(p)) }

// ValidatePaths checks a version's paths one by one (ValidatePath) and
// together: no two are one file on macOS or Windows, and no path is both a
// file and a folder of another.
func ValidatePaths(paths []string) error {
	files := make(map[string]string, len(paths))
	dirs := map[string]string{}
	for _, p := range paths {
		if err := ValidatePath(p); err != nil {
			return err
		}
		k := foldKey(p)
		if o, ok := files[k]; ok {
			if o == p {
				return invalidf("artifact path %q listed twice", p)
			}
			return invalidf("artifact paths %q and %q differ only in case or Unicode normalization: they are one file on macOS and Windows", o, p)
		}
		if o, ok := dirs[k]; ok {
			return invalidf("artifact path %q is a file, and a folder of %q", p, o)
		}
		files[k] = p
		for i := strings.IndexByte(p, '/'); i >= 0; i = nextSlash(p, i) {
			dk := foldKey(p[:i])
			if o, ok := files[dk]; ok {
				return invalidf("artifact path %q is a file, and a folder of %q", o, p)
			}
			if _, ok := dirs[dk]; !ok {
				dirs[dk] = p
			}
		}
	}
	return nil
}

func nextSlash(p string, i int) int {
	j := strings.IndexByte(p[i+1:], '/')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// WindowsName reports why path cannot be created on Windows ("" if it
// can): a character Windows forbids in file names.
func WindowsName(p string) string {
	if i := strings.IndexAny(p, `<>:"|?*`); i >= 0 {
		return fmt.Sprintf("%q contains %q, which Windows does not allow in file names", p, p[i])
	}
	return ""
}
