package pickle

import (
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// parseIntText parses a protocol-0 INT or LONG operand the way CPython
// does (strtol, then int(s, 0): sign, spaces, 0x/0o/0b, underscores).
func parseIntText(s string) (v Value, ok bool) {
	t := strings.TrimSpace(s)
	if t == "" {
		return Value{}, false
	}
	if n, err := strconv.ParseInt(t, 0, 64); err == nil {
		return Value{Kind: KindInt, Int: n}, true
	}
	if len(t) > 4300 { // CPython's default int max str digits
		return Value{}, false
	}
	b, ok := new(big.Int).SetString(t, 0)
	if !ok {
		return Value{}, false
	}
	if b.IsInt64() {
		return Value{Kind: KindInt, Int: b.Int64()}, true
	}
	return Value{Kind: KindInt, Big: true, Str: b.String()}, true
}

// longBytes decodes LONG1/LONG4 little-endian two's complement bytes.
func longBytes(p []byte) Value {
	if len(p) == 0 {
		return Value{Kind: KindInt}
	}
	if len(p) <= 8 {
		var u uint64
		for i := len(p) - 1; i >= 0; i-- {
			u = u<<8 | uint64(p[i])
		}
		shift := uint(64 - 8*len(p))
		return Value{Kind: KindInt, Int: int64(u<<shift) >> shift}
	}
	v := Value{Kind: KindInt, Big: true}
	if len(p) <= 256 {
		be := make([]byte, len(p))
		for i := range p {
			be[len(p)-1-i] = p[i]
		}
		b := new(big.Int).SetBytes(be)
		if p[len(p)-1]&0x80 != 0 {
			b.Sub(b, new(big.Int).Lsh(big.NewInt(1), uint(8*len(p))))
		}
		v.Str = b.String()
	}
	return v
}

// unquote checks and decodes a protocol-0 STRING operand: it must be
// quoted with the same quote at both ends, and escapes are decoded as
// Python's bytes literal escapes. head may be a prefix of the operand.
func unquote(head []byte, last byte, n int64) (string, bool) {
	if n < 2 || (head[0] != '\'' && head[0] != '"') || last != head[0] {
		return "", false
	}
	body := head[1:]
	if int64(len(head)) == n {
		body = head[1 : len(head)-1]
	}
	return decodeEscapes(body, false), true
}

// decodeEscapes decodes Python bytes escapes, or with raw set the
// raw-unicode-escape codec's \uXXXX and \UXXXXXXXX only.
func decodeEscapes(b []byte, raw bool) string {
	if strings.IndexByte(string(b), '\\') < 0 {
		return string(b)
	}
	var sb strings.Builder
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' || i+1 >= len(b) {
			sb.WriteByte(c)
			continue
		}
		e := b[i+1]
		if raw {
			width := map[byte]int{'u': 4, 'U': 8}[e]
			if width > 0 && i+2+width <= len(b) {
				if r, err := strconv.ParseUint(string(b[i+2:i+2+width]), 16, 32); err == nil && r <= utf8.MaxRune {
					sb.WriteRune(rune(r))
					i += 1 + width
					continue
				}
			}
			sb.WriteByte(c)
			continue
		}
		i++
		switch e {
		case '\n':
		case '\\', '\'', '"':
			sb.WriteByte(e)
		case 'a':
			sb.WriteByte(7)
		case 'b':
			sb.WriteByte(8)
		case 'f':
			sb.WriteByte(12)
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 't':
			sb.WriteByte('\t')
		case 'v':
			sb.WriteByte(11)
		case 'x':
			if i+2 < len(b) {
				if v, err := strconv.ParseUint(string(b[i+1:i+3]), 16, 8); err == nil {
					sb.WriteByte(byte(v))
					i += 2
					continue
				}
			}
			sb.WriteString("\\x")
		default:
			if e >= '0' && e <= '7' {
				v, k := 0, 0
				for k < 3 && i+k < len(b) && b[i+k] >= '0' && b[i+k] <= '7' {
					v = v*8 + int(b[i+k]-'0')
					k++
				}
				sb.WriteByte(byte(v))
				i += k - 1
				continue
			}
			sb.WriteByte('\\')
			sb.WriteByte(e)
		}
	}
	return sb.String()
}

// validDotted reports whether s is a dotted path of Python identifiers
// (ASCII subset, plus non-ASCII letters), as module and class names are.
func validDotted(s string) bool {
	if s == "" || len(s) > 1024 {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if part == "" {
			return false
		}
		for i, r := range part {
			switch {
			case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r > 127 && r != utf8.RuneError:
			case r >= '0' && r <= '9' && i > 0:
			default:
				return false
			}
		}
	}
	return true
}

// compat maps Python 2 module names to their Python 3 homes, as
// Unpickler.find_class does with fix_imports for protocols below 3
// (_compat_pickle.IMPORT_MAPPING; "exceptions" covers the exception
// classes NAME_MAPPING moves to builtins one by one).
var compat = map[string]string{
	"BaseHTTPServer": "http.server", "CGIHTTPServer": "http.server", "ConfigParser": "configparser", "Cookie": "http.cookies",
	"Dialog": "tkinter.dialog", "DocXMLRPCServer": "xmlrpc.server", "FileDialog": "tkinter.filedialog", "HTMLParser": "html.parser",
	"Queue": "queue", "ScrolledText": "tkinter.scrolledtext", "SimpleDialog": "tkinter.simpledialog", "SimpleHTTPServer": "http.server",
	"SimpleXMLRPCServer": "xmlrpc.server", "SocketServer": "socketserver", "StringIO": "io", "Tix": "tkinter.tix",
	"Tkconstants": "tkinter.constants", "Tkdnd": "tkinter.dnd", "Tkinter": "tkinter", "UserDict": "collections",
	"UserList": "collections", "UserString": "collections", "__builtin__": "builtins", "_abcoll": "collections.abc",
	"_elementtree": "xml.etree.ElementTree", "_winreg": "winreg", "anydbm": "dbm", "cPickle": "pickle", "cStringIO": "io",
	"commands": "subprocess", "cookielib": "http.cookiejar", "copy_reg": "copyreg", "dbhash": "dbm.bsd", "dbm": "dbm.ndbm",
	"dumbdbm": "dbm.dumb", "dummy_thread": "_dummy_thread", "exceptions": "builtins", "gdbm": "dbm.gnu", "htmlentitydefs": "html.entities",
	"httplib": "http.client", "markupbase": "_markupbase", "repr": "reprlib", "robotparser": "urllib.robotparser",
	"test.test_support": "test.support", "thread": "_thread", "tkColorChooser": "tkinter.colorchooser", "tkCommonDialog": "tkinter.commondialog",
	"tkFileDialog": "tkinter.filedialog", "tkFont": "tkinter.font", "tkMessageBox": "tkinter.messagebox",
	"tkSimpleDialog": "tkinter.simpledialog", "ttk": "tkinter.ttk", "urllib2": "urllib.request", "urlparse": "urllib.parse",
	"whichdb": "dbm", "xmlrpclib": "xmlrpc.client",
}

// compatNames maps Python 2 (module, name) pairs to their Python 3 homes,
// as _compat_pickle.NAME_MAPPING does before the module mapping: a
// protocol 0-2 pickle written by Python 3 names builtins.range as
// __builtin__.xrange and builtins.map as itertools.imap.
var compatNames = map[[2]string][2]string{
	{"UserDict", "IterableUserDict"}:            {"collections", "UserDict"},
	{"UserDict", "UserDict"}:                    {"collections", "UserDict"},
	{"UserList", "UserList"}:                    {"collections", "UserList"},
	{"UserString", "UserString"}:                {"collections", "UserString"},
	{"__builtin__", "basestring"}:               {"builtins", "str"},
	{"__builtin__", "intern"}:                   {"sys", "intern"},
	{"__builtin__", "long"}:                     {"builtins", "int"},
	{"__builtin__", "reduce"}:                   {"functools", "reduce"},
	{"__builtin__", "unichr"}:                   {"builtins", "chr"},
	{"__builtin__", "unicode"}:                  {"builtins", "str"},
	{"__builtin__", "xrange"}:                   {"builtins", "range"},
	{"_multiprocessing", "Connection"}:          {"multiprocessing.connection", "Connection"},
	{"_socket", "fromfd"}:                       {"socket", "fromfd"},
	{"exceptions", "ArithmeticError"}:           {"builtins", "ArithmeticError"},
	{"exceptions", "AssertionError"}:            {"builtins", "AssertionError"},
	{"exceptions", "AttributeError"}:            {"builtins", "AttributeError"},
	{"exceptions", "BaseException"}:             {"builtins", "BaseException"},
	{"exceptions", "BufferError"}:               {"builtins", "BufferError"},
	{"exceptions", "BytesWarning"}:              {"builtins", "BytesWarning"},
	{"exceptions", "DeprecationWarning"}:        {"builtins", "DeprecationWarning"},
	{"exceptions", "EOFError"}:                  {"builtins", "EOFError"},
	{"exceptions", "EnvironmentError"}:          {"builtins", "EnvironmentError"},
	{"exceptions", "Exception"}:                 {"builtins", "Exception"},
	{"exceptions", "FloatingPointError"}:        {"builtins", "FloatingPointError"},
	{"exceptions", "FutureWarning"}:             {"builtins", "FutureWarning"},
	{"exceptions", "GeneratorExit"}:             {"builtins", "GeneratorExit"},
	{"exceptions", "IOError"}:                   {"builtins", "IOError"},
	{"exceptions", "ImportError"}:               {"builtins", "ImportError"},
	{"exceptions", "ImportWarning"}:             {"builtins", "ImportWarning"},
	{"exceptions", "IndentationError"}:          {"builtins", "IndentationError"},
	{"exceptions", "IndexError"}:                {"builtins", "IndexError"},
	{"exceptions", "KeyError"}:                  {"builtins", "KeyError"},
	{"exceptions", "KeyboardInterrupt"}:         {"builtins", "KeyboardInterrupt"},
	{"exceptions", "LookupError"}:               {"builtins", "LookupError"},
	{"exceptions", "MemoryError"}:               {"builtins", "MemoryError"},
	{"exceptions", "NameError"}:                 {"builtins", "NameError"},
	{"exceptions", "NotImplementedError"}:       {"builtins", "NotImplementedError"},
	{"exceptions", "OSError"}:                   {"builtins", "OSError"},
	{"exceptions", "OverflowError"}:             {"builtins", "OverflowError"},
	{"exceptions", "PendingDeprecationWarning"}: {"builtins", "PendingDeprecationWarning"},
	{"exceptions", "ReferenceError"}:            {"builtins", "ReferenceError"},
	{"exceptions", "RuntimeError"}:              {"builtins", "RuntimeError"},
	{"exceptions", "RuntimeWarning"}:            {"builtins", "RuntimeWarning"},
	{"exceptions", "StandardError"}:             {"builtins", "Exception"},
	{"exceptions", "StopIteration"}:             {"builtins", "StopIteration"},
	{"exceptions", "SyntaxError"}:               {"builtins", "SyntaxError"},
	{"exceptions", "SyntaxWarning"}:             {"builtins", "SyntaxWarning"},
	{"exceptions", "SystemError"}:               {"builtins", "SystemError"},
	{"exceptions", "SystemExit"}:                {"builtins", "SystemExit"},
	{"exceptions", "TabError"}:                  {"builtins", "TabError"},
	{"exceptions", "TypeError"}:                 {"builtins", "TypeError"},
	{"exceptions", "UnboundLocalError"}:         {"builtins", "UnboundLocalError"},
	{"exceptions", "UnicodeDecodeError"}:        {"builtins", "UnicodeDecodeError"},
	{"exceptions", "UnicodeEncodeError"}:        {"builtins", "UnicodeEncodeError"},
	{"exceptions", "UnicodeError"}:              {"builtins", "UnicodeError"},
	{"exceptions", "UnicodeTranslateError"}:     {"builtins", "UnicodeTranslateError"},
	{"exceptions", "UnicodeWarning"}:            {"builtins", "UnicodeWarning"},
	{"exceptions", "UserWarning"}:               {"builtins", "UserWarning"},
	{"exceptions", "ValueError"}:                {"builtins", "ValueError"},
	{"exceptions", "Warning"}:                   {"builtins", "Warning"},
	{"exceptions", "ZeroDivisionError"}:         {"builtins", "ZeroDivisionError"},
	{"itertools", "ifilter"}:                    {"builtins", "filter"},
	{"itertools", "ifilterfalse"}:               {"itertools", "filterfalse"},
	{"itertools", "imap"}:                       {"builtins", "map"},
	{"itertools", "izip"}:                       {"builtins", "zip"},
	{"itertools", "izip_longest"}:               {"itertools", "zip_longest"},
	{"multiprocessing", "AuthenticationError"}:  {"multiprocessing.context", "AuthenticationError"},
	{"multiprocessing", "BufferTooShort"}:       {"multiprocessing.context", "BufferTooShort"},
	{"multiprocessing", "ProcessError"}:         {"multiprocessing.context", "ProcessError"},
	{"multiprocessing", "TimeoutError"}:         {"multiprocessing.context", "TimeoutError"},
	{"multiprocessing.forking", "Popen"}:        {"multiprocessing.popen_fork", "Popen"},
	{"multiprocessing.process", "Process"}:      {"multiprocessing.context", "Process"},
	{"socket", "_socketobject"}:                 {"socket", "SocketType"},
	{"urllib", "ContentTooShortError"}:          {"urllib.error", "ContentTooShortError"},
	{"urllib", "getproxies"}:                    {"urllib.request", "getproxies"},
	{"urllib", "pathname2url"}:                  {"urllib.request", "pathname2url"},
	{"urllib", "quote"}:                         {"urllib.parse", "quote"},
	{"urllib", "quote_plus"}:                    {"urllib.parse", "quote_plus"},
	{"urllib", "unquote"}:                       {"urllib.parse", "unquote"},
	{"urllib", "unquote_plus"}:                  {"urllib.parse", "unquote_plus"},
	{"urllib", "url2pathname"}:                  {"urllib.request", "url2pathname"},
	{"urllib", "urlcleanup"}:                    {"urllib.request", "urlcleanup"},
	{"urllib", "urlencode"}:                     {"urllib.parse", "urlencode"},
	{"urllib", "urlopen"}:                       {"urllib.request", "urlopen"},
	{"urllib", "urlretrieve"}:                   {"urllib.request", "urlretrieve"},
	{"urllib2", "HTTPError"}:                    {"urllib.error", "HTTPError"},
	{"urllib2", "URLError"}:                     {"urllib.error", "URLError"},
	{"whichdb", "whichdb"}:                      {"dbm", "whichdb"},
}
