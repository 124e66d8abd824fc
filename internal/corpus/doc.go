// Package corpus generates the detection corpus: malicious and benign model
// artifacts, as bytes, covering every bypass technique catalogued in the
// scanner survey (docs/detection.md) and the survey's sample matrix.
//
// Every sample is built here in Go from bytes (pickle assembler, archive
// writers, byte patches), so the corpus needs no Python, no framework and no
// download, and nothing in it is ever loaded or executed. Payloads are inert
// strings such as "echo hi". Two fixtures that Go cannot write without a
// dependency (an HDF5 Keras file and a bzip2 stream) are embedded from
// testdata/, made once by testdata/gen_fixtures.py.
//
// The corpus is consumed by scan/corpus_test.go, bench/detect.sh and
// bench/corpus.
package corpus
