package bom

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/mlsec/mlsec/internal/version"
	"github.com/mlsec/mlsec/manifest"
	"github.com/mlsec/mlsec/scan"
)

// Property names written by the generator (documented in docs/bom.md).
const (
	PropCompleteness = "mlsec:bom:completeness"
	PropMissing      = "mlsec:bom:missing"
	PropScanResult   = "mlsec:scan:result" // clean, findings or not-run
	PropScanFiles    = "mlsec:scan:files"
	PropScanFindings = "mlsec:scan:findings"
	PropRootDigest   = "mlsec:oms:root-digest"
)

// SignatureFile is the OMS signature's conventional name. Like every mlsec
// attachment it is not one of the model's files (manifest.IsAttachment)
// and is referenced as an attestation when present.
const SignatureFile = manifest.SignatureFile

// Options control Generate. The zero value scans the model, stamps the
// current time and a random serial number.
type Options struct {
	// NoScan skips the mlsec scan; the BOM then says so in a property.
	NoScan bool
	// Scanner runs the scan; nil means scan.New(scan.Options{}).
	Scanner *scan.Scanner
	// Report, if set, is used instead of running a scan (tests, or a caller
	// that already scanned).
	Report *scan.Report
	// Timestamp is metadata.timestamp; zero means now.
	Timestamp time.Time
	// SerialNumber ("urn:uuid:...") is used verbatim when set; otherwise
	// Reproducible derives one from the model digest, else it is random.
	SerialNumber string
	// Reproducible makes the serial number a function of the model's root
	// digest and the timestamp, so the same inputs give the same bytes.
	Reproducible bool
	// ToolVersion overrides the mlsec version in metadata.tools ("" = build version).
	ToolVersion string
	// IgnorePaths are excluded from hashing, as for an OMS signature
	// (attachments are always excluded).
	IgnorePaths []string
	// Manifest, if set, is the model's files already hashed in this run
	// (files mode, SHA-256, as manifest.Identity hashes them): Generate
	// then reads no model byte twice. IgnorePaths and AllowSymlinks are
	// those it was made with.
	Manifest *manifest.Manifest
	// AllowSymlinks hashes a symlinked file's target under the link's name,
	// as mlsec sign --allow-symlinks does (the Hugging Face hub cache is
	// made of such links); otherwise a symlink is an error.
	AllowSymlinks bool
	// Declared is what the user states about the model where its folder
	// says nothing ('mlsec bom --license/--dataset/--model-card').
	Declared Declared
}

// Result is a generated BOM with its completeness score.
type Result struct {
	BOM   *cdx.BOM
	Score Completeness
	// RootDigest is the OMS root digest (SHA-256) of the model.
	RootDigest []byte
}

// Generate describes the model at root (a folder or a single file) as a
// CycloneDX ML-BOM. The BOM is spec-neutral; Encode writes it for 1.6 or 1.7.
func Generate(ctx context.Context, root string, opts Options) (*Result, error) {
	st, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("model path: %w", err)
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("model path: %w", err)
	}
	man := opts.Manifest
	if man == nil {
		man, err = manifest.Hash(ctx, root, manifest.Options{Algorithm: manifest.SHA256,
			IgnorePaths: opts.IgnorePaths, AllowSymlinks: opts.AllowSymlinks})
		if err != nil {
			return nil, fmt.Errorf("hash model: %w", err)
		}
	} else if man.Algorithm != manifest.SHA256 || man.ShardSize != 0 {
		return nil, fmt.Errorf("hash model: the manifest given is %s (shards %d), a BOM needs files mode with sha256", man.Algorithm, man.ShardSize)
	}
	if err := opts.Declared.Validate(); err != nil {
		return nil, err
	}
	info := &modelInfo{Props: map[string]string{}, FileProps: map[string]map[string]string{}, DatasetDigests: map[string]string{}}
	if err := info.collect(root, st.IsDir(), man, opts.Declared.ModelCard); err != nil {
		return nil, err
	}
	info.useDeclared(opts.Declared)
	info.useWeights()
	if info.HFID == "" && st.IsDir() {
		info.HFID, info.Version = hubCachePath(abs)
	}
	if info.Name == "" {
		info.Name = defaultName(abs, st.IsDir(), info.HFID)
	}
	rootDigest := man.RootDigest()

	b := newBOM(info, man, rootDigest, st.IsDir(), root)
	if opts.Timestamp.IsZero() {
		opts.Timestamp = time.Now()
	}
	tv := opts.ToolVersion
	if tv == "" {
		tv = version.String()
	}
	b.Metadata = &cdx.Metadata{
		Timestamp: opts.Timestamp.UTC().Format(time.RFC3339),
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type: cdx.ComponentTypeApplication, Name: "mlsec", Version: tv,
			ExternalReferences: &[]cdx.ExternalReference{{Type: cdx.ERTypeVCS, URL: "https://github.com/mlsec/mlsec"}},
		}}},
	}
	switch {
	case opts.SerialNumber != "":
		b.SerialNumber = opts.SerialNumber
	case opts.Reproducible:
		b.SerialNumber = reproducibleSerial(rootDigest, b.Metadata.Timestamp)
	default:
		b.SerialNumber = randomSerial()
	}

	meta := []cdx.Property{{Name: PropRootDigest, Value: hex.EncodeToString(rootDigest)}}
	switch {
	case opts.NoScan:
		meta = append(meta, cdx.Property{Name: PropScanResult, Value: "not-run"})
	default:
		rep := opts.Report
		if rep == nil {
			s := opts.Scanner
			if s == nil {
				if s, err = scan.New(scan.Options{}); err != nil {
					return nil, fmt.Errorf("scan: %w", err)
				}
			}
			if rep, err = s.Scan(ctx, root); err != nil {
				return nil, fmt.Errorf("scan: %w", err)
			}
		}
		meta = append(meta, addScan(b, rep, root, st.IsDir())...)
	}
	b.Metadata.Properties = &meta

	score := Score(b)
	meta = append(meta, cdx.Property{Name: PropCompleteness, Value: fmt.Sprint(score.Score)},
		cdx.Property{Name: PropMissing, Value: strings.Join(score.Missing, ",")})
	b.Metadata.Properties = &meta
	return &Result{BOM: b, Score: score, RootDigest: rootDigest}, nil
}

// defaultName names a model the folder says nothing about: the HF name, the
// folder name, or the file name without its extension.
func defaultName(abs string, dir bool, hfID string) string {
	if hfID != "" {
		return path.Base(hfID)
	}
	base := filepath.Base(abs)
	if !dir {
		if ext := filepath.Ext(base); ext != "" && len(ext) < len(base) {
			base = strings.TrimSuffix(base, ext)
		}
	}
	return base
}

// collect reads every metadata file the generator understands. A model
// card given by path (card) replaces the folder's README.md.
func (m *modelInfo) collect(root string, dir bool, man *manifest.Manifest, card string) error {
	if card != "" {
		if err := m.readCardFile(card); err != nil {
			return err
		}
	}
	if dir {
		readme := m.readReadme
		if card != "" {
			readme = func([]byte) error { return nil }
		}
		readers := []struct {
			name string
			fn   func([]byte) error
		}{
			{"README.md", readme},
			{"config.json", m.readConfig},
			{"tokenizer_config.json", func(b []byte) error { return m.readTokenizerConfig("tokenizer_config.json", b) }},
			{"chat_template.json", func(b []byte) error { return m.readTokenizerConfig("chat_template.json", b) }},
			{"chat_template.jinja", func(b []byte) error {
				m.Templates = append(m.Templates, chatTemplate{Source: "chat_template.jinja", Name: "default", Text: string(b)})
				return nil
			}},
			{"MLmodel", m.readMLmodel},
			{"requirements.txt", func(b []byte) error {
				m.Deps = append(m.Deps, parseRequirementsTxt(b, "requirements.txt")...)
				return nil
			}},
			{"pyproject.toml", func(b []byte) error {
				d, err := parsePyproject(b, "pyproject.toml")
				m.Deps = append(m.Deps, d...)
				return err
			}},
			{"conda.yaml", func(b []byte) error {
				d, py, err := parseCondaYAML(b, "conda.yaml")
				m.Deps = append(m.Deps, d...)
				if m.Props["python_version"] == "" {
					m.prop("python_version", py)
				}
				return err
			}},
			{"python_env.yaml", func(b []byte) error {
				d, py, err := parsePythonEnv(b, "python_env.yaml")
				m.Deps = append(m.Deps, d...)
				if m.Props["python_version"] == "" {
					m.prop("python_version", py)
				}
				return err
			}},
		}
		for _, r := range readers {
			data, err := readMeta(filepath.Join(root, r.name))
			if err != nil {
				return err
			}
			if data != nil {
				if err := r.fn(data); err != nil {
					return err
				}
			}
		}
		// Newer transformers write extra named templates as separate files.
		for _, it := range man.Items {
			if strings.HasPrefix(it.Name, "additional_chat_templates/") && strings.HasSuffix(it.Name, ".jinja") {
				data, err := readMeta(filepath.Join(root, filepath.FromSlash(it.Name)))
				if err != nil {
					return err
				}
				m.Templates = append(m.Templates, chatTemplate{Source: it.Name,
					Name: strings.TrimSuffix(path.Base(it.Name), ".jinja"), Text: string(data)})
			}
		}
	}
	for _, it := range man.Items {
		p := root
		if dir {
			p = filepath.Join(root, filepath.FromSlash(it.Name))
		}
		switch strings.ToLower(path.Ext(it.Name)) {
		case ".gguf":
			if err := m.readGGUFFile(p, it.Name); err != nil {
				return err
			}
		case ".safetensors":
			if err := m.readSafetensorsFile(p, it.Name); err != nil {
				return err
			}
		case ".onnx":
			m.readONNXFile(p, it.Name)
		case ".pt", ".pth", ".ptl", ".torchscript":
			m.readTorchZip(p, it.Name)
		}
	}
	return nil
}

func (m *modelInfo) readGGUFFile(p, name string) error {
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("gguf: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("gguf: %w", err)
	}
	kv, err := ggufMeta(f, st.Size())
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	m.readGGUFMeta(name, kv)
	return nil
}
