package corpus

import (
	"fmt"
	"sort"
	"strings"
)

// Verdicts a sample is expected to get.
const (
	Malicious = "malicious"
	Benign    = "benign"
)

// A Sample is one file of the corpus.
type Sample struct {
	// File is the path to write the sample to, relative to the corpus
	// root, slash-separated. Some samples sit in their own folder because
	// the analyser keys on the file name (config.json, MLmodel, ...).
	File string `json:"file"`
	// Expected is Malicious or Benign.
	Expected string `json:"expected"`
	// Section is the survey section the technique comes from ("5.1", "9", ...).
	Section string `json:"section"`
	// Technique says in a few words what the sample does.
	Technique string `json:"technique"`
	// Reference is the CVE, GHSA, issue or write-up the technique comes from.
	Reference string `json:"reference,omitempty"`
	// ExpectedRules lists rule ids of which at least one must be reported
	// at medium or above for a malicious sample to count as detected.
	ExpectedRules []string `json:"expected_rules,omitempty"`
	// Data is the file content.
	Data []byte `json:"-"`
}

// All returns every sample, malicious and benign, sorted by file name. It
// is deterministic: two calls return the same bytes.
func All() []Sample {
	var out []Sample
	out = append(out, matrixSamples()...)
	out = append(out, containerSamples()...)
	out = append(out, vmSamples()...)
	out = append(out, gadgetSamples()...)
	out = append(out, kerasSamples()...)
	out = append(out, templateSamples()...)
	out = append(out, hfSamples()...)
	out = append(out, otherFormatSamples()...)
	out = append(out, probeSamples()...)
	out = append(out, formatProbeSamples()...)
	out = append(out, benignSamples()...)
	out = append(out, benignProbeSamples()...)
	out = append(out, issue12Samples()...)
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out
}

// Validate checks the invariants every consumer relies on: unique file
// names, known verdicts, rules on every malicious sample, non-empty data.
func Validate(samples []Sample) error {
	seen := map[string]bool{}
	for _, s := range samples {
		switch {
		case seen[s.File]:
			return fmt.Errorf("duplicate sample file %q", s.File)
		case s.Expected != Malicious && s.Expected != Benign:
			return fmt.Errorf("%s: unknown verdict %q", s.File, s.Expected)
		case s.Expected == Malicious && len(s.ExpectedRules) == 0:
			return fmt.Errorf("%s: malicious sample without expected rules", s.File)
		case len(s.Data) == 0:
			return fmt.Errorf("%s: empty sample", s.File)
		case strings.HasPrefix(s.File, "/") || strings.Contains(s.File, ".."):
			return fmt.Errorf("%s: file must be a relative path inside the corpus", s.File)
		case s.Technique == "" || s.Section == "":
			return fmt.Errorf("%s: technique and section are required", s.File)
		}
		seen[s.File] = true
	}
	return nil
}

// mal and ben shorten the sample tables.
func mal(file, section, technique, ref string, data []byte, rules ...string) Sample {
	return Sample{File: file, Expected: Malicious, Section: section, Technique: technique,
		Reference: ref, ExpectedRules: rules, Data: data}
}

func ben(file, section, technique string, data []byte) Sample {
	return Sample{File: file, Expected: Benign, Section: section, Technique: technique, Data: data}
}
