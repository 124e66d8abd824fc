// Command gen writes the malicious samples under examples/malicious, which
// the README's quickstart scans. The samples are built byte by byte here:
// nothing is produced by Python's pickle module, and the only payload is the
// harmless shell command "echo hi". Never load them with pickle or torch
// anyway: that is exactly what mlsec exists to prevent.
//
// Usage: go run ./examples/gen [-out examples/malicious]
package main

import (
	"archive/zip"
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// osSystem is a protocol-2 pickle of os.system("echo hi"), the way
// CPython writes it on Linux (os.system lives in the posix module).
const osSystem = "\x80\x02cposix\nsystem\nq\x00X\x07\x00\x00\x00echo hiq\x01\x85q\x02Rq\x03."

// brokenAfterPayload runs the same call, then breaks the stream before STOP
// (a BINUNICODE whose length runs past the end), the nullifAI shape: the
// loader executes the call and only then raises.
const brokenAfterPayload = "\x80\x02cposix\nsystem\nq\x00X\x07\x00\x00\x00echo hiq\x01\x85q\x02Rq\x03X\xff\xff"

// Samples returns the sample files by name.
func Samples() (map[string][]byte, error) {
	pt, err := torchZip(osSystem)
	if err != nil {
		return nil, err
	}
	return map[string][]byte{
		"os_system.pkl":         []byte(osSystem),
		"broken_after_call.pkl": []byte(brokenAfterPayload),
		"model.pt":              pt,
	}, nil
}

// torchZip lays the pickle out as torch.save does: a ZIP with stored members
// under one folder. The timestamp is fixed so the bytes are reproducible.
func torchZip(dataPkl string) ([]byte, error) {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	when := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, m := range []struct{ name, body string }{
		{"model/data.pkl", dataPkl},
		{"model/byteorder", "little"},
		{"model/version", "3\n"},
	} {
		f, err := w.CreateHeader(&zip.FileHeader{Name: m.name, Method: zip.Store, Modified: when})
		if err != nil {
			return nil, err
		}
		if _, err := f.Write([]byte(m.body)); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func main() {
	out := flag.String("out", filepath.Join("examples", "malicious"), "folder to write the samples to")
	flag.Parse()
	samples, err := Samples()
	if err == nil {
		err = os.MkdirAll(*out, 0o755)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	names := make([]string, 0, len(samples))
	for n := range samples {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(*out, n)
		if err := os.WriteFile(p, samples[n], 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		fmt.Println("wrote", p)
	}
}
