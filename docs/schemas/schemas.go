// Package schemas holds the JSON Schemas of mlsec's documents, the same
// files the documentation publishes, embedded so that the binary validates
// with exactly what users read (one file, no copy to keep in step).
// Today the binary validates policy data (data.mlsec) at run time; tests
// validate the other documents.
package schemas

import "embed"

// FS holds every *.schema.json file of this folder.
//
//go:embed *.schema.json
var FS embed.FS

// PolicyData is the file name of the data.mlsec schema.
const PolicyData = "policy-data.schema.json"
