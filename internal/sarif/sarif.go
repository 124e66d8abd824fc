package sarif

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"path"
	"path/filepath"
	"strings"
)

// SchemaURI is the $schema of every log we write.
const SchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// SrcRoot is the uriBaseId of artifact URIs relative to the checkout.
const SrcRoot = "%SRCROOT%"

// Result levels.
const (
	LevelError   = "error"
	LevelWarning = "warning"
	LevelNote    = "note"
)

// Log is a SARIF log, the top-level object.
type Log struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []Run  `json:"runs"`
}

// Run is one run of one tool.
type Run struct {
	Tool Tool `json:"tool"`
	// AutomationDetails.ID keeps apart alerts of different analyses
	// uploaded from the same repository.
	AutomationDetails *Automation    `json:"automationDetails,omitempty"`
	Invocations       []Invocation   `json:"invocations"`
	Results           []Result       `json:"results"`
	Properties        map[string]any `json:"properties,omitempty"`
}

// Automation identifies the analysis a run belongs to.
type Automation struct {
	ID string `json:"id"`
}

// Tool describes the analysis tool.
type Tool struct {
	Driver Driver `json:"driver"`
}

// Driver is the tool component: its identity and rule catalogue.
type Driver struct {
	Name           string `json:"name"`
	Version        string `json:"version,omitempty"`
	InformationURI string `json:"informationUri"`
	Rules          []Rule `json:"rules"`
}

// Text is a message: plain text and, optionally, Markdown.
type Text struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

// Rule is a reporting descriptor. Properties hold what SARIF has no field
// for, such as GitHub's "security-severity" and "tags"; a map encodes its
// keys sorted.
type Rule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     Text           `json:"shortDescription"`
	FullDescription      Text           `json:"fullDescription"`
	Help                 Text           `json:"help"`
	HelpURI              string         `json:"helpUri"`
	DefaultConfiguration Config         `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties"`
}

// Config is a rule's default configuration.
type Config struct {
	Level string `json:"level"`
}

// Invocation records how the run ended.
type Invocation struct {
	ExecutionSuccessful bool `json:"executionSuccessful"`
	ExitCode            int  `json:"exitCode"`
}

// Result is one finding. Properties is any JSON object: a struct where the
// key order is fixed by the writer, or a map (keys sorted).
type Result struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             Text              `json:"message"`
	Locations           []Location        `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Suppressions        []Suppression     `json:"suppressions,omitempty"`
	Properties          any               `json:"properties"`
}

// Suppression marks a result as accepted or under review.
type Suppression struct {
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	Justification string `json:"justification"`
}

// Location is where a result was found.
type Location struct {
	PhysicalLocation Physical `json:"physicalLocation"`
}

// Physical is a location in an artifact.
type Physical struct {
	ArtifactLocation Artifact `json:"artifactLocation"`
	Region           Region   `json:"region"`
}

// Artifact is an artifact's URI, relative to URIBaseID when that is set.
type Artifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

// Region is a part of an artifact.
type Region struct {
	StartLine int `json:"startLine"`
}

// FileLocations locates a result in a whole (binary) file. GitHub needs
// region.startLine to show an alert, so it is line 1.
func FileLocations(uri, uriBaseID string) []Location {
	return []Location{{PhysicalLocation: Physical{
		ArtifactLocation: Artifact{URI: uri, URIBaseID: uriBaseID},
		Region:           Region{StartLine: 1},
	}}}
}

// Help is a rule's help: its description, what to do, and a closing
// paragraph given as text and as Markdown.
func Help(desc, remediation, moreText, moreMarkdown string) Text {
	return Text{
		Text:     desc + "\n\nWhat to do: " + remediation + "\n\n" + moreText,
		Markdown: desc + "\n\n**What to do:** " + remediation + "\n\n" + moreMarkdown,
	}
}

// Write encodes a SARIF 2.1.0 log of runs to w, indented, with HTML
// characters left unescaped.
func Write(w io.Writer, runs ...Run) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(Log{Schema: SchemaURI, Version: "2.1.0", Runs: runs})
}

// Fingerprint is a stable hash of what identifies a result across runs,
// for partialFingerprints: 32 hex digits of SHA-256 over the fields.
// Callers leave out offsets and messages that change when a file is
// re-saved, so a dismissed alert stays dismissed.
func Fingerprint(rule, uri, member, callable string) string {
	h := sha256.Sum256([]byte(rule + "\x00" + uri + "\x00" + member + "\x00" + callable))
	return hex.EncodeToString(h[:16])
}

// ArtifactURI turns a path into a SARIF artifact URI: relative paths (and
// absolute ones under baseDir) become URI-escaped paths relative to
// %SRCROOT%; other absolute paths become file:// URIs.
func ArtifactURI(p, baseDir string) (uri, uriBaseID string) {
	if filepath.IsAbs(p) && baseDir != "" {
		if rel, err := filepath.Rel(baseDir, p); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			p = rel
		}
	}
	if filepath.IsAbs(p) {
		slash := filepath.ToSlash(p)
		if !strings.HasPrefix(slash, "/") {
			slash = "/" + slash // C:/x -> /C:/x
		}
		return (&url.URL{Scheme: "file", Path: slash}).String(), ""
	}
	segs := strings.Split(path.Clean(filepath.ToSlash(p)), "/")
	for i, s := range segs {
		// PathEscape leaves ':' alone, but a colon in the first segment of
		// a relative reference would read as a URI scheme.
		segs[i] = strings.ReplaceAll(url.PathEscape(s), ":", "%3A")
	}
	return strings.Join(segs, "/"), SrcRoot
}

// Rules returns r, or an empty list for nil: SARIF requires the rules
// array even when a run found nothing.
func Rules(r []Rule) []Rule {
	if r == nil {
		return []Rule{}
	}
	return r
}

// RuleName turns an identifier such as PHONE_NUMBER or DATA_PII_SECRET into
// a rule name in upper camel case (PhoneNumber), as SARIF suggests.
func RuleName(id string) string {
	var b strings.Builder
	for _, w := range strings.Split(strings.ToLower(id), "_") {
		if w != "" {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}
