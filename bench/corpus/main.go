// Command corpus writes the detection corpus (internal/corpus) to a folder,
// with a manifest.json of {file, expected, section, technique, reference,
// expected_rules}. Nothing in it is ever executed.
//
//	go run ./bench/corpus -out DIR
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/mlsec/mlsec/internal/corpus"
)

func main() {
	out := flag.String("out", "", "folder to write the corpus to (created if missing)")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: go run ./bench/corpus -out DIR")
		os.Exit(2)
	}
	samples, err := corpus.Write(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	mal := 0
	for _, s := range samples {
		if s.Expected == corpus.Malicious {
			mal++
		}
	}
	fmt.Printf("wrote %d samples (%d malicious, %d benign) and %s to %s\n",
		len(samples), mal, len(samples)-mal, corpus.ManifestName, *out)
}
