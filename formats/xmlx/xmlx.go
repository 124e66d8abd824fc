package xmlx

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Kind classifies an Issue.
type Kind int

// Kinds of issues, each mapped to one rule by the caller.
const (
	// External: an external entity, a parameter entity or an external
	// DTD, which a resolving parser fetches (XML001).
	External Kind = iota
	// XInclude: an xi:include element (XML002).
	XInclude
	// Expansion: internal entities that expand past the limits, or refer
	// to themselves (XML003).
	Expansion
)

// An Issue is one dangerous construct.
type Issue struct {
	Kind   Kind
	Offset int64  // byte offset of the construct (the DOCTYPE for declarations)
	Name   string // entity name, or the included href
	Detail string
}

// Limits bound the work on one document. Zero fields take the defaults.
type Limits struct {
	MaxDoctype   int   // bytes of the DOCTYPE directive (default 1 MiB)
	MaxEntities  int   // entities declared (default 10,000)
	MaxDepth     int   // element nesting (default 10,000)
	MaxTokens    int64 // tokens in the document (default 50,000,000)
	MaxExpansion int64 // characters an entity may expand to before it is an issue (default 1 MiB)
}

func (l Limits) withDefaults() Limits {
	if l.MaxDoctype <= 0 {
		l.MaxDoctype = 1 << 20
	}
	if l.MaxEntities <= 0 {
		l.MaxEntities = 10_000
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = 10_000
	}
	if l.MaxTokens <= 0 {
		l.MaxTokens = 50_000_000
	}
	if l.MaxExpansion <= 0 {
		l.MaxExpansion = 1 << 20
	}
	return l
}

// A Doc is what Check found in a document.
type Doc struct {
	Root   string // local name of the root element: "PMML", "net", ...
	Issues []Issue
}

// ErrLimit is wrapped by errors for documents that exceed a limit.
var ErrLimit = errors.New("xml limit reached")

// XIncludeNS is the XInclude namespace.
const XIncludeNS = "http://www.w3.org/2001/XInclude"

// Check reads a whole document. size is its length in bytes, used to judge
// entity expansion against it. The error is nil for a well-formed
// document within the limits; Doc is returned in every case.
func Check(r io.Reader, size int64, lim Limits) (*Doc, error) {
	lim = lim.withDefaults()
	doc := &Doc{}
	entities := map[string]string{}
	d := xml.NewDecoder(bufio.NewReaderSize(r, 64<<10))
	d.Strict = true
	d.Entity = entities
	d.CharsetReader = asciiCompatible
	depth := 0
	var tokens int64
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			if doc.Root == "" {
				return doc, fmt.Errorf("xml: no root element")
			}
			return doc, nil
		}
		if err != nil {
			return doc, fmt.Errorf("xml: %w", err)
		}
		if tokens++; tokens > lim.MaxTokens {
			return doc, fmt.Errorf("%w: more than %d tokens at offset %d", ErrLimit, lim.MaxTokens, off)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth++; depth > lim.MaxDepth {
				return doc, fmt.Errorf("%w: elements nest deeper than %d at offset %d", ErrLimit, lim.MaxDepth, off)
			}
			if doc.Root == "" {
				doc.Root = t.Name.Local
			}
			// Token translates bound prefixes to their namespace; an
			// unbound xi: prefix stays as is.
			if t.Name.Local == "include" && (t.Name.Space == XIncludeNS || t.Name.Space == "xi") {
				href := attr(t, "href")
				doc.Issues = append(doc.Issues, Issue{Kind: XInclude, Offset: off, Name: href,
					Detail: fmt.Sprintf("xi:include of %q: a parser with XInclude processing inlines that file or URL", href)})
			}
		case xml.EndElement:
			depth--
		case xml.Directive:
			if len(t) > lim.MaxDoctype {
				return doc, fmt.Errorf("%w: a directive of %d bytes at offset %d", ErrLimit, len(t), off)
			}
			if bytes.HasPrefix(t, []byte("DOCTYPE")) {
				dt, err := parseDoctype(string(t), lim.MaxEntities)
				doc.Issues = append(doc.Issues, dt.issues(off, size, lim)...)
				for name := range dt.general {
					entities[name] = "" // accept references, never expand them
				}
				if err != nil {
					return doc, fmt.Errorf("xml: DOCTYPE at offset %d: %w", off, err)
				}
			}
		}
	}
}

func attr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// asciiCompatible lets documents declared in Latin-1 or Windows-1252 be
// read: the constructs checked here are ASCII, and non-ASCII text is not
// interpreted.
func asciiCompatible(label string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252", "utf8":
		return r, nil
	}
	return nil, fmt.Errorf("encoding %q is not supported", label)
}

// Looks reports whether head (the start of a file) is an XML document:
// an XML declaration, a DOCTYPE that is not HTML's, or a PMML root.
func Looks(head []byte) bool {
	t := bytes.TrimLeft(head, " \t\r\n\ufeff")
	switch {
	case bytes.HasPrefix(t, []byte("<?xml")) && len(t) > 5 && (t[5] == ' ' || t[5] == '\t' || t[5] == '\r' || t[5] == '\n' || t[5] == '?'):
		return true
	case bytes.HasPrefix(t, []byte("<!DOCTYPE")):
		rest := bytes.TrimLeft(t[9:], " \t\r\n")
		return !bytes.HasPrefix(bytes.ToLower(rest), []byte("html"))
	case bytes.HasPrefix(t, []byte("<PMML")):
		return true
	}
	return false
}
