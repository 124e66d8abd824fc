package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/mlsec/mlsec/drift"
	"github.com/mlsec/mlsec/internal/table"
)

// loadReference returns a route's drift reference: the profile file of
// drift.reference, or the profile of the registered dataset drift.dataset.
func (g *Gateway) loadReference(ctx context.Context, rt *route) (*drift.Profile, error) {
	d := rt.cfg.Drift
	if d.Dataset != "" {
		return g.datasetReference(ctx, rt.cfg.Name, d.Dataset)
	}
	f, err := os.Open(d.Reference)
	if err != nil {
		return nil, fmt.Errorf("%w: route %s: drift.reference: %w", ErrConfig, rt.cfg.Name, err)
	}
	defer f.Close()
	ref, err := drift.ReadProfile(f)
	if err != nil {
		return nil, fmt.Errorf("%w: route %s: drift.reference %s: %w", ErrConfig, rt.cfg.Name, d.Reference, err)
	}
	return ref, nil
}

// datasetReference profiles the table of a registered dataset. The table
// is copied to a private file while it is hashed, and the copy is what is
// profiled: the bytes checked against the registered digest are the bytes
// read, even if the file at the URI changes meanwhile. A digest mismatch,
// a URI that is not a local file or an unreadable table refuses to start
// (fail closed: drift against the wrong reference is worse than none).
func (g *Gateway) datasetReference(ctx context.Context, routeName, name string) (*drift.Profile, error) {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("%w: route %s: drift.dataset %s: %s", ErrConfig, routeName, name, fmt.Sprintf(format, a...))
	}
	if g.reg == nil {
		return nil, fail("needs the registry (registry.url)")
	}
	ds, err := g.reg.Dataset(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("%w: route %s: drift.dataset %s: %w", ErrConfig, routeName, name, err)
	}
	path := ds.URI
	if u, err := url.Parse(ds.URI); err == nil && u.Scheme == "file" {
		path = u.Path
	} else if err == nil && u.Scheme != "" && len(u.Scheme) > 1 {
		return nil, fail("its uri %q is not a local file (register it with --uri /path/to/table.csv)", ds.URI)
	}
	if path == "" {
		return nil, fail("has no uri: register it with --uri /path/to/table.csv")
	}
	want := strings.TrimPrefix(strings.ToLower(ds.Digest), "sha256:")
	src, err := os.Open(path)
	if err != nil {
		return nil, fail("%v", err)
	}
	defer src.Close()
	tmp, err := os.MkdirTemp("", "mlsec-gateway-reference-")
	if err != nil {
		return nil, fail("%v", err)
	}
	defer os.RemoveAll(tmp)
	// The copy keeps the extension: the table reader picks the format by it.
	cp := filepath.Join(tmp, "table"+filepath.Ext(path))
	dst, err := os.OpenFile(cp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fail("%v", err)
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(dst, h), src)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fail("reading %s: %v", path, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return nil, fail("%s has sha256:%s, the registry says %s: refusing a reference that is not the registered data", path, got, ds.Digest)
	}
	f, err := table.ReadFrame(cp, table.Options{NullValues: table.PandasNullValues})
	if err != nil {
		return nil, fail("%v", err)
	}
	if f.Rows == 0 {
		return nil, fail("%s has no rows", path)
	}
	return drift.ProfileFrame(name+"@"+ds.Digest, f), nil
}
