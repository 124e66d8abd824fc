package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommittedSamplesMatchGenerator keeps examples/malicious reproducible:
// the committed bytes are exactly what this generator writes.
func TestCommittedSamplesMatchGenerator(t *testing.T) {
	samples, err := Samples()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range samples {
		got, err := os.ReadFile(filepath.Join("..", "malicious", name))
		if err != nil {
			t.Errorf("%v (run: go run ./examples/gen)", err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("examples/malicious/%s differs from the generator (run: go run ./examples/gen)", name)
		}
		if !bytes.Contains(got, []byte("echo hi")) {
			t.Errorf("%s: payload is not the harmless echo", name)
		}
	}
	entries, _ := os.ReadDir(filepath.Join("..", "malicious"))
	for _, e := range entries {
		if _, ok := samples[e.Name()]; !ok && !strings.HasSuffix(e.Name(), ".md") {
			t.Errorf("examples/malicious/%s is not produced by the generator", e.Name())
		}
	}
}
