package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// Attachment kinds: documents mlsec keeps next to a model that are about
// the model, not part of it. The registry stores them under the same names.
const (
	KindSignature = "signature" // SignatureFile at the top of the folder
	KindBOM       = "bom"       // *.cdx.json
	KindEvidence  = "evidence"  // *.evidence.json, *.att.json, *.dsse.json, *.intoto.json
)

// SignatureFile is the conventional name of an OMS signature bundle inside
// a model folder (the reference CLI's default --signature).
const SignatureFile = "model.sig"

// maxAttachment bounds the size of a file that can be an attachment: a
// larger file is a model file and is hashed like any other.
const maxAttachment = 64 << 20

// sigstoreMediaType prefixes the mediaType of every Sigstore bundle.
const sigstoreMediaType = "application/vnd.dev.sigstore.bundle"

// Attachment is a file of a model folder that is left out of the model's
// files because it is an mlsec attachment.
type Attachment struct {
	Path string // slash path relative to the model root
	Kind string // KindSignature, KindBOM or KindEvidence
}

// AttachmentName returns the kind a file at rel (a slash path relative to
// the model root) has by its name alone, or "" for a model file name. Name
// alone never makes an attachment: see IsAttachment.
func AttachmentName(rel string) string {
	base := strings.ToLower(path.Base(rel))
	switch {
	case rel == SignatureFile:
		return KindSignature
	case strings.HasSuffix(base, ".cdx.json"):
		return KindBOM
	case strings.HasSuffix(base, ".evidence.json"), strings.HasSuffix(base, ".att.json"),
		strings.HasSuffix(base, ".dsse.json"), strings.HasSuffix(base, ".intoto.json"):
		return KindEvidence
	}
	return ""
}

// IsAttachment reports the attachment kind of the file at osPath, named rel
// in a model folder, or "" when it is a model file. A file is an attachment
// only when its name says so (AttachmentName) and its content is a document
// of that kind no larger than 64 MiB: model.sig a Sigstore bundle, *.cdx.json
// a CycloneDX BOM, evidence a JSON object or array. So a file cannot leave
// the signature by its name alone: a weights file or a pickle named
// model.sig or x.cdx.json is a model file and is signed.
func IsAttachment(rel, osPath string) (string, error) {
	kind := AttachmentName(rel)
	if kind == "" {
		return "", nil
	}
	f, err := os.Open(osPath)
	if err != nil {
		return "", fmt.Errorf("%s: %w", rel, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("%s: %w", rel, err)
	}
	if !st.Mode().IsRegular() || st.Size() > maxAttachment {
		return "", nil
	}
	if !attachmentContent(kind, io.LimitReader(f, maxAttachment+1)) {
		return "", nil
	}
	return kind, nil
}

// attachmentContent checks that r holds exactly one JSON document of the
// attachment kind.
func attachmentContent(kind string, r io.Reader) bool {
	key := ""
	switch kind {
	case KindSignature:
		key = "mediaType"
	case KindBOM:
		key = "bomFormat"
	}
	top, val, err := sniffJSON(r, key)
	if err != nil {
		return false
	}
	switch kind {
	case KindSignature:
		return top == '{' && strings.HasPrefix(val, sigstoreMediaType)
	case KindBOM:
		return top == '{' && val == "CycloneDX"
	}
	return top == '{' || top == '['
}

var errNotOneDocument = errors.New("not exactly one JSON object or array")

// sniffJSON streams one JSON document token by token (so memory stays small
// whatever the file size) and returns its opening delimiter and the string
// value of the top-level member key, if any. Anything but exactly one
// well-formed object or array is an error.
func sniffJSON(r io.Reader, key string) (top byte, val string, err error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	depth := 0
	wantKey := false // at depth 1 of an object, the next token is a key
	member := ""
	done := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if !done {
				return 0, "", errNotOneDocument
			}
			return top, val, nil
		}
		if err != nil {
			return 0, "", err
		}
		if done {
			return 0, "", errNotOneDocument // a second top-level value
		}
		d, isDelim := tok.(json.Delim)
		if depth == 0 {
			if !isDelim {
				return 0, "", errNotOneDocument
			}
			top = byte(d)
			depth = 1
			wantKey = d == '{'
			continue
		}
		if isDelim {
			if d == '{' || d == '[' {
				depth++
			} else if depth--; depth == 0 {
				done = true
			} else if depth == 1 {
				wantKey = true // a composite member value ended
			}
			continue
		}
		if depth != 1 || top != '{' {
			continue
		}
		if wantKey {
			member, _ = tok.(string)
			wantKey = false
			continue
		}
		if s, ok := tok.(string); ok && key != "" && member == key {
			val = s
		}
		wantKey = true
	}
}
