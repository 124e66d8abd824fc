// Package s3test forwards to internal/s3test, where the helper moved so
// tests outside the registry (mlsec data locate) can use it too.
package s3test

import (
	"testing"

	s3 "github.com/mlsec/mlsec/internal/s3test"
)

// Env names the variable holding the base s3:// URL.
const Env = s3.Env

// Bucket is a throwaway bucket.
type Bucket = s3.Bucket

// Fresh is s3test.Fresh.
func Fresh(t *testing.T) *Bucket { t.Helper(); return s3.Fresh(t) }

// Maybe is s3test.Maybe.
func Maybe(t *testing.T) *Bucket { t.Helper(); return s3.Maybe(t) }
