package registry_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/mlsec/mlsec/audit"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/store"
)

// BenchmarkWrite measures one small audited write (a lineage edge) on
// SQLite with the plain audit table and with the Merkle audit log.
func BenchmarkWrite(b *testing.B) {
	for _, merkle := range []bool{false, true} {
		b.Run(fmt.Sprintf("merkle=%v", merkle), func(b *testing.B) {
			db, err := store.Open(b.Context(), filepath.Join(b.TempDir(), "r.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			var opts []registry.Option
			if merkle {
				skey, _, _ := audit.GenerateKey("bench/audit")
				s, _ := audit.NewSigner(skey)
				opts = append(opts, registry.WithAuditor(registry.NewMerkleAuditor(s)))
			}
			s := registry.NewService(db, opts...)
			ctx := b.Context()
			s.CreateModel(ctx, admin, registry.Model{Name: "m"})
			v, _, _ := s.CreateVersion(ctx, admin, "m", registry.NewVersion{SourceURI: "s3://x", Artifacts: []registry.Artifact{{Path: "w", Size: 1, SHA256: sum("w")}}})
			b.ResetTimer()
			for i := range b.N {
				if _, err := s.AddLineage(ctx, admin, "m", v.Number, registry.LineageEdge{Kind: registry.ProducedBy, Target: fmt.Sprintf("https://ci/%d", i)}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
