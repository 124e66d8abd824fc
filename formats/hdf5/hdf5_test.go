package hdf5

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func openBytes(t testing.TB, b []byte) (*File, error) {
	t.Helper()
	return Open(bytes.NewReader(b), int64(len(b)))
}

func openFixture(t *testing.T, name string) *File {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	f, err := openBytes(t, b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return f
}

func rootString(t *testing.T, f *File, name string) string {
	t.Helper()
	root, err := f.Root()
	if err != nil {
		t.Fatal(err)
	}
	a := root.Attr(name)
	if a == nil {
		t.Fatalf("root has no attribute %q", name)
	}
	s, err := a.String()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestKerasFixtures reads the attributes h5py writes for a Keras 2 model,
// across superblock versions, a user block and 4-byte offsets.
func TestKerasFixtures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file    string
		sb      int
		version string
	}{
		{"keras2_v0.h5", 0, "2.12.0"},
		{"keras2_v2.h5", 2, "2.12.0"},
		{"keras2_v3.h5", 3, "2.12.0"},
		{"keras2_userblock.h5", 0, "2.12.0"},
		{"small_offsets.h5", 0, "2.12.0"},
		{"keras2_fixed.h5", 0, "2.2.4"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f := openFixture(t, tc.file)
			if f.SuperblockVersion != tc.sb {
				t.Errorf("superblock version %d, want %d", f.SuperblockVersion, tc.sb)
			}
			if got := rootString(t, f, "keras_version"); got != tc.version {
				t.Errorf("keras_version %q, want %q", got, tc.version)
			}
			if got := rootString(t, f, "backend"); got != "tensorflow" {
				t.Errorf("backend %q", got)
			}
			var cfg struct {
				ClassName string `json:"class_name"`
				Config    struct {
					Layers []any `json:"layers"`
				} `json:"config"`
			}
			if err := json.Unmarshal([]byte(rootString(t, f, "model_config")), &cfg); err != nil {
				t.Fatal(err)
			}
			if cfg.ClassName != "Sequential" || len(cfg.Config.Layers) != 7 {
				t.Errorf("model_config: %s with %d layers", cfg.ClassName, len(cfg.Config.Layers))
			}
			if tc.file == "keras2_fixed.h5" {
				return
			}
			var paths []string
			var layerNames []string
			err := f.Walk(func(o *Object) error {
				paths = append(paths, o.Path)
				if a := o.Attr("layer_names"); a != nil && o.Path == "/model_weights" {
					var err error
					layerNames, err = a.Strings()
					return err
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(paths) != 15 || !slices.Contains(paths, "/model_weights/dense/dense/kernel:0") {
				t.Errorf("walk found %d objects: %v", len(paths), paths)
			}
			want := []string{"conv2d_input", "conv2d", "batch_normalization", "max_pooling2d", "flatten", "dropout", "dense"}
			if !slices.Equal(layerNames, want) {
				t.Errorf("layer_names %q", layerNames)
			}
		})
	}
}

// TestDense reads dense attribute storage and dense links (fractal heap and
// v2 B-tree), and finds a model_config below the root.
func TestDense(t *testing.T) {
	t.Parallel()
	f := openFixture(t, "dense.h5")
	if got := rootString(t, f, "attr37"); got != "value 37" {
		t.Errorf("attr37 = %q", got)
	}
	if !strings.Contains(rootString(t, f, "model_config"), `"Sequential"`) {
		t.Error("model_config not read from dense storage")
	}
	root, _ := f.Root()
	if len(root.Attrs) != 41 {
		t.Errorf("%d root attributes, want 41", len(root.Attrs))
	}
	n := 0
	var nested []string
	err := f.Walk(func(o *Object) error {
		n++
		if o.Attr("model_config") != nil {
			nested = append(nested, o.Path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 302 || !slices.Equal(nested, []string{"/", "/many/g150"}) {
		t.Errorf("walked %d objects, model_config on %v", n, nested)
	}
}

func TestBigVlenAttribute(t *testing.T) {
	t.Parallel()
	f := openFixture(t, "bigattr.h5")
	if s := rootString(t, f, "model_config"); len(s) < 64<<10 || !json.Valid([]byte(s)) {
		t.Errorf("model_config of %d bytes, valid JSON %v", len(s), json.Valid([]byte(s)))
	}
}

func TestPlainFile(t *testing.T) {
	t.Parallel()
	f := openFixture(t, "plain.h5")
	var paths []string
	err := f.Walk(func(o *Object) error {
		paths = append(paths, o.Path)
		if o.Attr("model_config") != nil {
			t.Errorf("%s: unexpected model_config", o.Path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(paths, []string{"/", "/a", "/a/b", "/a/b/c", "/x"}) {
		t.Errorf("paths %v", paths)
	}
	root, _ := f.Root()
	if a := root.Attr("description"); a == nil {
		t.Error("description missing")
	}
}

// TestWriter covers layouts h5py does not write: superblock v1, a 512-byte
// user block, padding types and continuation blocks.
func TestWriter(t *testing.T) {
	t.Parallel()
	attrs := []h5attr{
		{name: "model_config", value: `{"class_name": "Sequential"}`, padding: 1, width: 40},
		{name: "keras_version", value: "2.1.6", padding: 2, width: 10},
		{name: "backend", value: "theano", padding: 0},
	}
	for _, w := range []h5w{
		{sbVersion: 0, attrs: attrs},
		{sbVersion: 1, attrs: attrs},
		{sbVersion: 0, userblock: 512, attrs: attrs},
		{sbVersion: 1, userblock: 2048, attrs: attrs, cont: true},
	} {
		f, err := openBytes(t, w.bytes())
		if err != nil {
			t.Fatalf("%+v: %v", w, err)
		}
		if f.SuperblockVersion != w.sbVersion {
			t.Errorf("version %d", f.SuperblockVersion)
		}
		if got := rootString(t, f, "model_config"); got != `{"class_name": "Sequential"}` {
			t.Errorf("model_config %q", got)
		}
		if got := rootString(t, f, "keras_version"); got != "2.1.6" {
			t.Errorf("keras_version %q (space padding)", got)
		}
		if got := rootString(t, f, "backend"); got != "theano" {
			t.Errorf("backend %q", got)
		}
	}
}

func TestMalformed(t *testing.T) {
	t.Parallel()
	attrs := []h5attr{{name: "model_config", value: "{}"}}
	good := h5w{attrs: attrs}.bytes()
	truncate := func(b []byte, n int) []byte { return b[:len(b)-n] }
	bigLen := slices.Clone(good)
	// Attribute name length far beyond its message.
	copy(bigLen[128+16+8+2:], []byte{0xff, 0x7f})
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"continuation loop", h5w{attrs: attrs, contLoop: true}.bytes(), "continuation loop"},
		{"truncated", truncate(good, 4), "truncated"},
		{"not hdf5", []byte("hello world, this is not hdf5 at all"), "no superblock"},
		{"name overrun", bigLen, "past the end"},
		{"bad version", func() []byte { b := slices.Clone(good); b[8] = 9; return b }(), "superblock version 9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := openBytes(t, tc.data)
			if err == nil {
				err = f.Walk(func(*Object) error { return nil })
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	// Unsupported features are marked so callers can tell them apart.
	b := slices.Clone(good)
	b[8] = 7
	if _, err := openBytes(t, b); !errors.Is(err, ErrUnsupported) {
		t.Errorf("superblock v7: %v, want ErrUnsupported", err)
	}
}

// TestCorruptFixtures flips bytes all over real files: the reader must
// return (an error or not) quickly and never panic. Version 2+ metadata is
// checksummed, so flips inside it must be errors.
func TestCorruptFixtures(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"keras2_v0.h5", "keras2_v3.h5", "dense.h5"} {
		orig, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		errs := 0
		for i := 0; i < min(len(orig), 6000); i += 7 {
			b := slices.Clone(orig)
			b[i] ^= 0x5a
			f, err := openBytes(t, b)
			if err == nil {
				err = f.Walk(func(o *Object) error {
					for _, a := range o.Attrs {
						if a.IsString() {
							a.Strings()
						}
					}
					return nil
				})
			}
			if err != nil {
				errs++
			}
		}
		if errs == 0 {
			t.Errorf("%s: no corruption detected", name)
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("%s: corruption pass took %v", name, d)
		}
	}
}

func TestLookup3(t *testing.T) {
	t.Parallel()
	// Known values of hashlittle from Bob Jenkins' lookup3.c driver.
	if got := lookup3([]byte(""), 0); got != 0xdeadbeef {
		t.Errorf("empty: %#x", got)
	}
	if got := lookup3([]byte("Four score and seven years ago"), 0); got != 0x17770551 {
		t.Errorf("four score: %#x", got)
	}
	if got := lookup3([]byte("Four score and seven years ago"), 1); got != 0xcd628161 {
		t.Errorf("four score, 1: %#x", got)
	}
}
