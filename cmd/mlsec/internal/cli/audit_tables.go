package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/mlsec/mlsec/audit"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/store"
)

// checkTables cross-checks the registry's sealed tables (who did what, as
// a person reads it) against the verified log, when the source has tables:
// --database reads them directly, --server asks the server to compare its
// own. An exported file has no tables. Problems are added to res, so a
// disagreeing row makes verify exit 1.
func (s *auditSource) checkTables(ctx context.Context, l *audit.Log, res *audit.Result) (*registry.TableCheck, error) {
	if !res.OK() || s.file != "" {
		return nil, nil
	}
	var tc *registry.TableCheck
	switch {
	case s.database != "":
		db, err := store.Open(ctx, s.database)
		if err != nil {
			return nil, withCode(ExitUsage, fmt.Errorf("audit: database: %w", err))
		}
		defer db.Close()
		// Only the entries the signed checkpoints cover are trusted.
		if tc, err = registry.CheckTables(ctx, l.Entries[:res.Entries], db); err != nil {
			return nil, withCode(ExitUsage, fmt.Errorf("audit: check tables: %w", err))
		}
	default:
		c, err := s.client()
		if err != nil {
			return nil, err
		}
		if tc, err = c.AuditTableCheck(ctx); err != nil {
			return nil, withCode(ExitUsage, remoteErr(c, err))
		}
	}
	res.Problems = append(res.Problems, tc.Problems...)
	return tc, nil
}

func printTableCheck(stdout, stderr io.Writer, tc *registry.TableCheck) {
	switch {
	case tc == nil:
	case !tc.Sealed:
		fmt.Fprintln(stderr, "warning: this log does not seal the registry's tables yet (written before sealing; start the server once to write the baseline): tables were not cross-checked")
	case len(tc.Problems) == 0:
		fmt.Fprintf(stdout, "tables OK: %d rows of the sealed tables match the log\n", tc.Rows)
	}
}
