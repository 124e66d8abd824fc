package bom

import (
	"crypto/rand"
	"crypto/sha256"
	_ "embed" // the SPDX licence id list
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/mlsec/mlsec/internal/lazyre"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/mlsec/mlsec/manifest"
)

//go:embed spdx_ids.txt
var spdxIDList string

// spdxIDs maps lowercased SPDX licence ids to their canonical spelling; the
// Hugging Face Hub writes ids in lower case ("apache-2.0").
// Built on first use, not at start-up: every mlsec command links bom.
var spdxIDs = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, id := range strings.Fields(spdxIDList) {
		m[strings.ToLower(id)] = id
	}
	return m
})

// SPDXID returns the canonical SPDX licence id for s (case-insensitive).
func SPDXID(s string) (string, bool) {
	id, ok := spdxIDs()[strings.ToLower(strings.TrimSpace(s))]
	return id, ok
}

// Bom-ref prefixes; refs are stable, readable and unique within a BOM.
const (
	refFile     = "file:"
	refDataset  = "dataset:"
	refTemplate = "chat-template:"
	refBase     = "base-model:"
)

// HFPURL returns the purl of a Hugging Face model id, with the revision when known.
func HFPURL(id, rev string) string {
	ns, name, _ := strings.Cut(id, "/")
	p := "pkg:huggingface/" + url.PathEscape(ns) + "/" + url.PathEscape(name)
	if rev != "" {
		p += "@" + strings.ToLower(rev)
	}
	return p
}

func props(m map[string]string, prefix string) *[]cdx.Property {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]cdx.Property, len(keys))
	for i, k := range keys {
		out[i] = cdx.Property{Name: prefix + k, Value: m[k]}
	}
	return &out
}

func sha256Hash(hexDigest string) *[]cdx.Hash {
	return &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: hexDigest}}
}

// licenses maps the card's license values. "other" uses license_name and
// license_link; "unknown" and an empty "other" say nothing and are dropped.
func (m *modelInfo) licenses() *cdx.Licenses {
	var out cdx.Licenses
	for _, l := range m.License {
		link := iriOrEmpty(m.LicenseLink)
		switch id, ok := SPDXID(l); {
		case ok:
			out = append(out, cdx.LicenseChoice{License: &cdx.License{ID: id}})
		case strings.EqualFold(l, "unknown"):
		case strings.EqualFold(l, "other"):
			if m.LicenseName != "" || link != "" {
				name := m.LicenseName
				if name == "" {
					name = "other"
				}
				out = append(out, cdx.LicenseChoice{License: &cdx.License{Name: name, URL: link}})
			}
		default: // a Hub licence that is not an SPDX id, e.g. llama3, openrail
			out = append(out, cdx.LicenseChoice{License: &cdx.License{Name: l, URL: link}})
		}
	}
	if len(out) == 0 {
		return nil
	}
	return &out
}

// hfNamePattern matches a Hub dataset name without a namespace ("imdb").
var hfNamePattern = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$`)

// iriOrEmpty returns s when it can stand in an iri-reference field (the
// schema checks the format), else "".
func iriOrEmpty(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\r\n<>\"{}|\\^`") {
		return ""
	}
	if _, err := url.Parse(s); err != nil {
		return ""
	}
	return s
}

// newBOM builds the components, model card and dependency graph.
func newBOM(m *modelInfo, man *manifest.Manifest, rootDigest []byte, dir bool, root string) *cdx.BOM {
	model := cdx.Component{Type: cdx.ComponentTypeMachineLearningModel, Name: m.Name,
		Description: m.Description, Hashes: sha256Hash(hex.EncodeToString(rootDigest)), Licenses: m.licenses()}
	if m.HFID != "" {
		ns, _, _ := strings.Cut(m.HFID, "/")
		model.Group, model.Version = ns, m.Version
		model.PackageURL = HFPURL(m.HFID, m.Version)
		model.BOMRef = model.PackageURL
		model.Supplier = &cdx.OrganizationalEntity{Name: ns, URL: &[]string{"https://huggingface.co/" + url.PathEscape(ns)}}
		model.ExternalReferences = &[]cdx.ExternalReference{{Type: cdx.ERTypeModelCard,
			URL: "https://huggingface.co/" + m.HFID}}
	} else {
		model.BOMRef = "model:" + m.Name
	}
	if len(m.Tags) > 0 {
		tags := append([]string(nil), m.Tags...)
		model.Tags = &tags
	}
	if m.Props["parameters"] == "" {
		delete(m.Props, "parameters")
	}
	model.Properties = props(m.Props, "mlsec:model:")

	// Files, with the signature manifest's digests.
	files := make([]cdx.Component, 0, len(man.Items))
	for _, it := range man.Items {
		files = append(files, cdx.Component{Type: cdx.ComponentTypeFile, BOMRef: refFile + it.Name, Name: it.Name,
			Hashes: sha256Hash(hex.EncodeToString(it.Digest)), Properties: fileProps(m.FileProps[it.Name], it.Size)})
	}
	model.Components = &files
	if dir && slices.Contains(man.Attachments, manifest.Attachment{Path: SignatureFile, Kind: manifest.KindSignature}) {
		if d, err := fileDigest(root, SignatureFile); err == nil {
			refs := []cdx.ExternalReference{}
			if model.ExternalReferences != nil {
				refs = *model.ExternalReferences
			}
			refs = append(refs, cdx.ExternalReference{Type: cdx.ERTypeAttestation, URL: SignatureFile,
				Comment: "OpenSSF Model Signing bundle", Hashes: sha256Hash(d)})
			model.ExternalReferences = &refs
		}
	}

	// Base models.
	if len(m.BaseModels) > 0 {
		var anc []cdx.Component
		for _, id := range uniqueSorted(m.BaseModels) {
			c := cdx.Component{Type: cdx.ComponentTypeMachineLearningModel, BOMRef: refBase + id, Name: id}
			if isHFID(id) {
				ns, name, _ := strings.Cut(id, "/")
				c.Group, c.Name, c.PackageURL = ns, name, HFPURL(id, "")
			}
			anc = append(anc, c)
		}
		model.Pedigree = &cdx.Pedigree{Ancestors: &anc}
	}

	var comps []cdx.Component
	var dependsOn []string

	// Datasets.
	params := &cdx.MLModelParameters{Task: m.Task, ArchitectureFamily: m.Family, ModelArchitecture: m.Arch}
	var dsRefs []cdx.MLDatasetChoice
	for _, ds := range uniqueSorted(m.Datasets) {
		ref := refDataset + ds
		data := cdx.ComponentData{Type: cdx.ComponentDataTypeDataset, Name: ds}
		digest := m.DatasetDigests[ds]
		if digest == "" && (isHFID(ds) || hfNamePattern.MatchString(ds)) {
			// A Hub name from the card; a dataset the user declared with a
			// digest is their own data, not a Hub link.
			data.Contents = &cdx.ComponentDataContents{URL: "https://huggingface.co/datasets/" + ds}
		}
		c := cdx.Component{Type: cdx.ComponentTypeData, BOMRef: ref, Name: ds, Data: &[]cdx.ComponentData{data}}
		if digest != "" {
			c.Hashes = sha256Hash(digest)
		}
		comps = append(comps, c)
		dsRefs = append(dsRefs, cdx.MLDatasetChoice{Ref: ref})
		dependsOn = append(dependsOn, ref)
	}
	if len(dsRefs) > 0 {
		params.Datasets = &dsRefs
	}
	params.Inputs, params.Outputs = ioFormats(m.Inputs), ioFormats(m.Outputs)
	card := &cdx.MLModelCard{}
	if *params != (cdx.MLModelParameters{}) {
		card.ModelParameters = params
	}
	if len(m.Metrics) > 0 {
		pm := make([]cdx.MLPerformanceMetric, len(m.Metrics))
		for i, x := range m.Metrics {
			pm[i] = cdx.MLPerformanceMetric{Type: x.Type, Value: x.Value, Slice: x.Slice}
		}
		card.QuantitativeAnalysis = &cdx.MLQuantitativeAnalysis{PerformanceMetrics: &pm}
	}
	if len(m.Limitations)+len(m.UseCases) > 0 {
		c := &cdx.MLModelCardConsiderations{}
		if len(m.Limitations) > 0 {
			c.TechnicalLimitations = &m.Limitations
		}
		if len(m.UseCases) > 0 {
			c.UseCases = &m.UseCases
		}
		card.Considerations = c
	}
	if *card != (cdx.MLModelCard{}) {
		model.ModelCard = card
	}

	// Libraries.
	for _, d := range mergeDeps(m.Deps) {
		c := cdx.Component{Type: cdx.ComponentTypeLibrary, BOMRef: d.PURL(), Name: d.Name, Version: d.Version,
			PackageURL: d.PURL(), Properties: &[]cdx.Property{{Name: "mlsec:dependency:source", Value: strings.Join(d.Sources, ",")}}}
		if d.URL != "" {
			// Installed from a URL or path, not an index release: say where.
			*c.Properties = append(*c.Properties, cdx.Property{Name: "mlsec:dependency:direct-reference", Value: d.URL})
		}
		comps = append(comps, c)
		dependsOn = append(dependsOn, c.BOMRef)
	}

	// Chat templates: data components of type configuration (a template in
	// GGUF metadata or tokenizer_config.json is not a file of its own).
	seen := map[string]int{}
	for _, t := range m.Templates {
		ref := refTemplate + t.Source + "#" + t.Name
		if seen[ref]++; seen[ref] > 1 { // two templates of the same name in one list
			ref += fmt.Sprintf("#%d", seen[ref])
		}
		sum := sha256.Sum256([]byte(t.Text))
		comps = append(comps, cdx.Component{Type: cdx.ComponentTypeData, BOMRef: ref, Name: templateName(t),
			Hashes: sha256Hash(hex.EncodeToString(sum[:])),
			Data:   &[]cdx.ComponentData{{Type: cdx.ComponentDataTypeConfiguration, Name: t.Name, Description: "Jinja chat template from " + t.Source}},
			Properties: &[]cdx.Property{{Name: "mlsec:template:source", Value: t.Source}, {Name: "mlsec:template:name", Value: t.Name},
				{Name: "mlsec:template:bytes", Value: fmt.Sprint(len(t.Text))}}})
		dependsOn = append(dependsOn, ref)
	}

	b := cdx.NewBOM()
	all := append([]cdx.Component{model}, comps...)
	b.Components = &all
	deps := []cdx.Dependency{{Ref: model.BOMRef}}
	if len(dependsOn) > 0 {
		deps[0].Dependencies = &dependsOn
	}
	b.Dependencies = &deps
	return b
}

func fileProps(m map[string]string, size int64) *[]cdx.Property {
	all := map[string]string{"size": fmt.Sprint(size)}
	for k, v := range m {
		all[k] = v
	}
	return props(all, "mlsec:file:")
}

func ioFormats(in []string) *[]cdx.MLInputOutputParameters {
	if len(in) == 0 {
		return nil
	}
	out := make([]cdx.MLInputOutputParameters, len(in))
	for i, f := range in {
		out[i] = cdx.MLInputOutputParameters{Format: f}
	}
	return &out
}

func uniqueSorted(in []string) []string {
	s := append([]string(nil), in...)
	sort.Strings(s)
	return dedupSorted(s)
}

// reproducibleSerial derives a version-5-shaped UUID from the root digest and
// the timestamp.
func reproducibleSerial(rootDigest []byte, timestamp string) string {
	h := sha256.New()
	h.Write([]byte("mlsec-bom\x00"))
	h.Write(rootDigest)
	h.Write([]byte(timestamp))
	return formatUUID(h.Sum(nil)[:16], 5)
}

func randomSerial() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return formatUUID(b[:], 4)
}

func formatUUID(b []byte, ver byte) string {
	b[6] = b[6]&0x0f | ver<<4
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b)
	return "urn:uuid:" + x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

func templateName(t chatTemplate) string {
	if t.Name == "default" {
		return "chat template (" + t.Source + ")"
	}
	return "chat template " + t.Name + " (" + t.Source + ")"
}
