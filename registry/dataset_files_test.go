package registry_test

import (
	"errors"
	"testing"

	"github.com/mlsec/mlsec/internal/pgtest"
	"github.com/mlsec/mlsec/registry"
)

// TestDatasetFileTarget pins who may upload or download which file of a
// pushed dataset version: a write needs PermWrite and a read PermRead, both
// in the dataset's scope; only a path the version lists resolves; and an
// upload is refused once the version's files add up to more than
// MaxPushedDataset (exactly the limit is still kept), while a download of
// such a version is not. SQLite and PostgreSQL.
func TestDatasetFileTarget(t *testing.T) {
	for name, dsn := range pgtest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			s := govService(t, dsn(t))
			ctx := t.Context()
			setup(t, s)
			reg := func(ds string, sizes ...int64) {
				t.Helper()
				in := datasetVersionIn("x")
				in.Files = nil
				for i, n := range sizes {
					in.Files = append(in.Files, registry.DatasetFile{Path: string(rune('a'+i)) + ".csv", Size: n, SHA256: sum(ds + string(rune('a'+i)))})
				}
				if _, err := s.RegisterDatasetVersion(ctx, maintainer, ds, in); err != nil {
					t.Fatalf("register %s: %v", ds, err)
				}
			}
			reg("small", 3, 4)
			reg("limit", registry.MaxPushedDataset-10, 10)
			reg("over", registry.MaxPushedDataset-10, 11)

			f, err := s.DatasetFileTarget(ctx, maintainer, "small", 1, "b.csv", true)
			if err != nil || f.Path != "b.csv" || f.Size != 4 || f.SHA256 != sum("smallb") {
				t.Errorf("maintainer uploads b.csv: %+v %v", f, err)
			}
			if f, err := s.DatasetFileTarget(ctx, reviewer, "small", 1, "a.csv", false); err != nil || f.Path != "a.csv" || f.Size != 3 {
				t.Errorf("reviewer downloads a.csv: %+v %v", f, err)
			}
			for _, tc := range []struct {
				who    registry.Actor
				ds     string
				path   string
				upload bool
				want   error
			}{
				{reviewer, "small", "a.csv", true, registry.ErrForbidden},
				{auditor, "small", "a.csv", true, registry.ErrForbidden},
				{otherTeam, "small", "a.csv", true, registry.ErrForbidden},
				{otherTeam, "small", "a.csv", false, registry.ErrForbidden},
				{maintainer, "small", "c.csv", true, registry.ErrNotFound},
				{maintainer, "small", "c.csv", false, registry.ErrNotFound},
				{maintainer, "over", "a.csv", true, registry.ErrTooLarge},
			} {
				if _, err := s.DatasetFileTarget(ctx, tc.who, tc.ds, 1, tc.path, tc.upload); !errors.Is(err, tc.want) {
					t.Errorf("%s %s/%s upload=%v: %v, want %v", tc.who.Name, tc.ds, tc.path, tc.upload, err, tc.want)
				}
			}
			if _, err := s.DatasetFileTarget(ctx, maintainer, "limit", 1, "a.csv", true); err != nil {
				t.Errorf("upload to a version of exactly MaxPushedDataset: %v", err)
			}
			if _, err := s.DatasetFileTarget(ctx, maintainer, "over", 1, "b.csv", false); err != nil {
				t.Errorf("download from a version over the limit: %v", err)
			}
		})
	}
}
