package bom

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/mlsec/mlsec/formats/gguf"
	"github.com/mlsec/mlsec/internal/testfs"
)

// fixedOpts gives deterministic output: fixed time, derived serial, fixed tool version.
func fixedOpts() Options {
	return Options{NoScan: true, Timestamp: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Reproducible: true, ToolVersion: "test"}
}

func generate(t *testing.T, root string, opts Options) *Result {
	t.Helper()
	r, err := Generate(context.Background(), root, opts)
	if err != nil {
		t.Fatalf("Generate(%s): %v", root, err)
	}
	return r
}

func encode(t *testing.T, b *cdx.BOM, spec string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, b, FormatCycloneDX, spec); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeTree writes files (slash paths) under a new temp dir.
func writeTree(t *testing.T, files map[string]string) string { return testfs.Tree(t, files) }

// schemaCache holds compiled schemas; tests run in parallel, so it is
// guarded by schemaMu.
var (
	schemaMu    sync.Mutex
	schemaCache = map[string]*jsonschema.Schema{}
)

// schemaFor compiles the vendored CycloneDX schema, offline.
func schemaFor(t *testing.T, spec string) *jsonschema.Schema {
	t.Helper()
	schemaMu.Lock()
	defer schemaMu.Unlock()
	sch := schemaCache[spec]
	if sch == nil {
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		files := []string{"spdx", "jsf-0.82", "cryptography-defs", "bom-1.6", "bom-1.7"}
		for _, f := range files {
			raw, err := os.ReadFile(filepath.Join("testdata", "schema", f+".schema.json"))
			if err != nil {
				t.Fatal(err)
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			if err := c.AddResource("http://cyclonedx.org/schema/"+f+".schema.json", doc); err != nil {
				t.Fatal(err)
			}
		}
		var err error
		if sch, err = c.Compile("http://cyclonedx.org/schema/bom-" + spec + ".schema.json"); err != nil {
			t.Fatal(err)
		}
		schemaCache[spec] = sch
	}
	return sch
}

// validate checks a JSON BOM against the vendored CycloneDX schema.
func validate(t *testing.T, data []byte, spec string) {
	t.Helper()
	sch := schemaFor(t, spec)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("BOM does not validate against CycloneDX %s: %v", spec, err)
	}
}

// decoded is a generic view of an encoded BOM for assertions.
func decoded(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func model(r *Result) cdx.Component { return (*r.BOM.Components)[0] }

func component(r *Result, ref string) (cdx.Component, bool) {
	for _, c := range *r.BOM.Components {
		if c.BOMRef == ref {
			return c, true
		}
	}
	return cdx.Component{}, false
}

func prop(ps *[]cdx.Property, name string) string {
	v, _ := hasProp(ps, name)
	return v
}

// ggufBuilder writes GGUF v3 bytes for tests.
type ggufBuilder struct{ bytes.Buffer }

func (g *ggufBuilder) u32(v uint32) { _ = binary.Write(g, binary.LittleEndian, v) }
func (g *ggufBuilder) u64(v uint64) { _ = binary.Write(g, binary.LittleEndian, v) }
func (g *ggufBuilder) str(s string) { g.u64(uint64(len(s))); g.WriteString(s) }

func newGGUF(nkv uint64) *ggufBuilder {
	g := &ggufBuilder{}
	g.WriteString("GGUF")
	g.u32(3)
	g.u64(0)
	g.u64(nkv)
	return g
}

func (g *ggufBuilder) kvStr(k, v string) { g.str(k); g.u32(uint32(gguf.TypeString)); g.str(v) }
func (g *ggufBuilder) kvU32(k string, v uint32) {
	g.str(k)
	g.u32(uint32(gguf.TypeUint32))
	g.u32(v)
}
