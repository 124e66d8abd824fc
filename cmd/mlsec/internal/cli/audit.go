package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/audit"
	"github.com/mlsec/mlsec/internal/sqldb"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/client"
	"github.com/mlsec/mlsec/registry/store"
)

func init() { register(newAuditCmd) }

// auditSource is where 'mlsec audit' reads the log: a server, a database
// or an exported file.
type auditSource struct {
	remote
	database, file string
}

func newAuditCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "audit",
		Short: "Verify and export the registry's tamper-evident audit log",
		Long: `The registry appends every state change to an append-only Merkle tree (RFC 6962
hashing) and signs a checkpoint of it (C2SP signed note, Ed25519) in the same
transaction. 'audit verify' recomputes the tree and checks every checkpoint;
'audit export' writes a self-contained file an auditor verifies offline.
See docs/audit.md.`,
		Example: `  mlsec audit verify --server https://registry.example --key audit.key.pub
  mlsec audit export --database registry.db -o audit.json
  mlsec audit verify --file audit.json --key audit.key.pub`,
	}
	c.AddCommand(newAuditVerifyCmd(), newAuditExportCmd())
	return c
}

func newAuditVerifyCmd() *cobra.Command {
	var src auditSource
	var key, format, save string
	var trusted []string
	c := &cobra.Command{
		Use:   "verify [--server URL | --database DSN | --file FILE] [--key PUBKEY]",
		Short: "Recompute the audit log's Merkle tree and check every signed checkpoint",
		Long: `verify reads every log entry and signed checkpoint, recomputes the RFC 6962 tree,
checks each checkpoint's Ed25519 signature and root hash and the consistency
proof between consecutive checkpoints, and names the first altered, inserted
or deleted entry. With --database or --server it then compares the tables a
person reads (history, decisions, approvals, owners, aliases, exceptions,
tokens, webhooks, file lists) with the row images in the verified log and
names each row that disagrees (table, row, field).

--key is the log's public verifier key (the text of audit.key.pub, or that
file's path). Without it the key the log itself states is used, which checks
integrity but not who signed. --checkpoint FILE adds a signed checkpoint you
kept earlier: the log must still contain it (detects truncation and
rewrites since).

Exit codes: 0 the log verifies, 1 tampering detected, 2 usage or I/O error.`,
		Example: `  mlsec audit verify --server https://registry.example --key "$(cat audit.key.pub)"
  mlsec audit verify --database ./mlsec-data/registry.db --key ./mlsec-data/audit.key.pub
  mlsec audit verify --file audit-log.json --key audit.key.pub --checkpoint last-seen.checkpoint`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "text" && format != "json" {
				return withCode(ExitUsage, fmt.Errorf("--format %q: want text or json", format))
			}
			return runAuditVerify(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), src, key, trusted, format, save)
		},
	}
	src.flags(c, true)
	f := c.Flags()
	f.StringVar(&save, "save-checkpoint", "", "after a successful check, write the latest signed checkpoint to `FILE`; pass it with --checkpoint next time to detect entries removed from the end")
	f.StringVar(&key, "key", "", "log verifier `PUBKEY` (note verifier key, or a file holding it)")
	f.StringArrayVar(&trusted, "checkpoint", nil, "signed checkpoint `FILE` kept from earlier that the log must still contain (repeatable)")
	f.StringVar(&format, "format", "text", "output format: text or json")
	return c
}

func newAuditExportCmd() *cobra.Command {
	var src auditSource
	var out string
	c := &cobra.Command{
		Use:   "export [--server URL | --database DSN] -o FILE",
		Short: "Write the audit log (entries, checkpoints, public key) to a self-contained file",
		Long: `export writes every log entry, every signed checkpoint and the log's stated public
key to one JSON file (format mlsec-audit-log/v1, docs/audit.md), which
'mlsec audit verify --file FILE --key PUBKEY' checks offline.`,
		Example: `  mlsec audit export --server https://registry.example -o audit-log.json
  mlsec audit export --database ./mlsec-data/registry.db -o audit-log.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return withCode(ExitUsage, errors.New("audit export: -o FILE is required"))
			}
			l, err := src.read(cmd.Context())
			if err != nil {
				return err
			}
			w, of, err := reportDest(cmd.OutOrStdout(), out)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			defer of.discard()
			if err := l.Write(w); err != nil {
				return withCode(ExitUsage, err)
			}
			if of != nil {
				if err := of.commit(); err != nil {
					return withCode(ExitUsage, fmt.Errorf("audit export: %w", err))
				}
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "exported %d entries and %d checkpoints of %s to %s\n", len(l.Entries), len(l.Checkpoints), l.Origin, out)
			return nil
		},
	}
	src.flags(c, false)
	c.Flags().StringVarP(&out, "output", "o", "", "output `FILE` (- for stdout)")
	return c
}

func (s *auditSource) flags(c *cobra.Command, file bool) {
	s.remote.register(c.Flags(), false)
	c.Flags().StringVar(&s.database, "database", "", "read the registry database directly: postgres:// URL or SQLite file")
	if file {
		c.Flags().StringVar(&s.file, "file", "", "verify an exported log `FILE` offline")
	}
}

// read loads the whole log from the chosen source.
func (s *auditSource) read(ctx context.Context) (*audit.Log, error) {
	n := 0
	for _, v := range []string{s.server, s.database, s.file} {
		if v != "" {
			n++
		}
	}
	if n > 1 {
		return nil, withCode(ExitUsage, errors.New("audit: give one of --server, --database and --file"))
	}
	switch {
	case s.file != "":
		f, err := os.Open(s.file)
		if err != nil {
			return nil, withCode(ExitUsage, fmt.Errorf("audit: %w", err))
		}
		defer f.Close()
		l, err := audit.ReadLog(f)
		if err != nil {
			return nil, withCode(ExitUsage, fmt.Errorf("audit: %s: %w", s.file, err))
		}
		return l, nil
	case s.database != "":
		if !sqldb.IsPostgres(s.database) {
			if _, err := os.Stat(sqldb.SQLitePath(s.database)); err != nil {
				return nil, withCode(ExitUsage, fmt.Errorf("audit: database: %w", err))
			}
		}
		db, err := store.Open(ctx, s.database)
		if err != nil {
			return nil, withCode(ExitUsage, fmt.Errorf("audit: database: %w", err))
		}
		defer db.Close()
		l, err := registry.ReadAuditLog(ctx, db)
		if err != nil {
			return nil, withCode(ExitUsage, fmt.Errorf("audit: read log: %w", err))
		}
		return l, nil
	}
	c, err := s.client()
	if err != nil {
		return nil, err
	}
	l, err := c.ReadAuditLog(ctx)
	if err != nil {
		return nil, remoteErr(c, err)
	}
	return l, nil
}

// loadVerifierKey accepts a verifier key or the path of a file holding one.
func loadVerifierKey(key string) (string, error) {
	if b, err := os.ReadFile(key); err == nil {
		return string(bytes.TrimSpace(b)), nil
	}
	return strings.TrimSpace(key), nil
}

func runAuditVerify(ctx context.Context, stdout, stderr io.Writer, src auditSource, key string, trustedFiles []string, format, save string) error {
	var trusted [][]byte
	for _, p := range trustedFiles {
		b, err := os.ReadFile(p)
		if err != nil {
			return withCode(ExitUsage, fmt.Errorf("audit verify: --checkpoint: %w", err))
		}
		trusted = append(trusted, b)
	}
	l, err := src.read(ctx)
	if err != nil {
		return err
	}
	if key == "" {
		if l.VerifierKey == "" {
			return withCode(ExitUsage, errors.New("audit verify: the log states no key; pass --key PUBKEY"))
		}
		fmt.Fprintf(stderr, "warning: no --key given: using the key the log states (%s); this checks integrity, not who signed\n", l.VerifierKey)
		key = l.VerifierKey
	} else if key, err = loadVerifierKey(key); err != nil {
		return withCode(ExitUsage, err)
	}
	v, err := audit.NewVerifier(key)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("audit verify: --key: %w", err))
	}
	res := audit.Verify(l, v, audit.VerifyOptions{Trusted: trusted})
	if res.OK() && src.file == "" && src.database == "" {
		// Spot-check the server's proof API against the signed roots.
		if c, err := src.client(); err == nil {
			checkServerProofs(ctx, c, l, v, res)
		}
	}
	tables, err := src.checkTables(ctx, l, res)
	if err != nil {
		return err
	}
	if format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(struct {
			OK bool `json:"ok"`
			*audit.Result
			First  *audit.Problem       `json:"first,omitempty"`
			Tables *registry.TableCheck `json:"tables,omitempty"`
		}{res.OK(), res, res.First(), tables})
	} else {
		printAuditResult(stdout, res, v)
		printTableCheck(stdout, stderr, tables)
	}
	if !res.OK() {
		return withCode(ExitFindings, nil)
	}
	if save != "" {
		if err := saveLatestCheckpoint(l, v, res, save); err != nil {
			return withCode(ExitUsage, fmt.Errorf("audit verify: --save-checkpoint: %w", err))
		}
		fmt.Fprintf(stderr, "saved the latest signed checkpoint to %s: pass it with --checkpoint next time\n", save)
	} else if format == "text" {
		// A log cut short at its end still verifies against its own last
		// checkpoint; only a checkpoint kept outside the registry shows it.
		fmt.Fprintln(stderr, "hint: keep the latest checkpoint (--save-checkpoint FILE) and pass it with --checkpoint next time, so entries removed from the end are detected")
	}
	return nil
}

// saveLatestCheckpoint writes the signed note of the latest verified
// checkpoint to path.
func saveLatestCheckpoint(l *audit.Log, v *audit.Verifier, res *audit.Result, path string) error {
	if res.Latest == nil {
		return errors.New("the log has no checkpoint yet")
	}
	for _, n := range l.Checkpoints {
		if c, err := v.Open(n); err == nil && c.Size == res.Latest.Size && bytes.Equal(c.Hash, res.Latest.Hash) {
			return os.WriteFile(path, n, 0o644)
		}
	}
	return errors.New("the latest checkpoint's note was not found")
}

func printAuditResult(w io.Writer, res *audit.Result, v *audit.Verifier) {
	if res.OK() {
		size := uint64(0)
		if res.Latest != nil {
			size = res.Latest.Size
		}
		fmt.Fprintf(w, "audit log OK: %d entries, %d signed checkpoints (latest size %d), root %s\nlog %s, key %s\n",
			res.Entries, res.Checkpoints, size, base64.StdEncoding.EncodeToString(res.Root), v.Origin(), v.Key())
		return
	}
	first := res.First()
	if first.Table != "" {
		// The log verified; a table disagrees with it.
		fmt.Fprintf(w, "TAMPERED: table %s row %s (%s): %s\n", first.Table, first.Row, first.Kind, first.Message)
		for _, p := range res.Problems {
			if p.Message != first.Message {
				fmt.Fprintf(w, "  also: %s: %s\n", p.Kind, p.Message)
			}
		}
		fmt.Fprintf(w, "the log itself verifies (%d entries); the table rows above disagree with it: they were changed outside the registry\n", res.Entries)
		return
	}
	if first.Index >= 0 {
		fmt.Fprintf(w, "TAMPERED: first problem at entry %d (%s): %s\n", first.Index, first.Kind, first.Message)
	} else {
		fmt.Fprintf(w, "TAMPERED: %s: %s\n", first.Kind, first.Message)
	}
	for _, p := range res.Problems {
		if p.Message != first.Message {
			fmt.Fprintf(w, "  also: %s: %s\n", p.Kind, p.Message)
		}
	}
	fmt.Fprintf(w, "%d entries verified in order before the first problem\n", res.Entries)
}

// checkServerProofs verifies the server's consistency proof from the first
// and the previous checkpoint to the latest, and its inclusion proofs of
// the first and last entries, against the signed roots.
func checkServerProofs(ctx context.Context, c *client.Client, l *audit.Log, v *audit.Verifier, res *audit.Result) {
	var cps []audit.Checkpoint
	for _, n := range l.Checkpoints {
		if cp, err := v.Open(n); err == nil {
			cps = append(cps, cp)
		}
	}
	if len(cps) == 0 || res.Latest == nil {
		return
	}
	latest := *res.Latest
	tree := &audit.Tree{}
	for _, e := range l.Entries[:latest.Size] {
		tree.Append(audit.LeafHash(e.Data))
	}
	fail := func(format string, args ...any) {
		res.Problems = append(res.Problems, audit.Problem{Index: -1, Kind: audit.KindInconsistent, Message: fmt.Sprintf(format, args...)})
	}
	for _, from := range []audit.Checkpoint{cps[0], cps[max(0, len(cps)-2)]} {
		if from.Size == 0 || from.Size >= latest.Size {
			continue
		}
		p, err := c.AuditConsistencyProof(ctx, from.Size, latest.Size)
		if err == nil {
			err = audit.VerifyConsistency(from, latest, p)
		}
		if err != nil {
			fail("the server's consistency proof %d..%d does not verify: %v", from.Size, latest.Size, err)
		}
	}
	for _, i := range []uint64{0, latest.Size - 1} {
		p, err := c.AuditInclusionProof(ctx, i, latest.Size)
		if err == nil {
			leaf, _ := tree.LeafHash(i)
			err = audit.VerifyInclusion(i, latest, leaf, p.Hashes)
		}
		if err != nil {
			fail("the server's inclusion proof of entry %d in size %d does not verify: %v", i, latest.Size, err)
		}
	}
}

// auditKeyPath is --audit-key, default DATA_DIR/audit.key.
func auditKeyPath(o serveOptions) string {
	if o.auditKey != "" {
		return o.auditKey
	}
	return filepath.Join(o.dataDir, "audit.key")
}

// openAuditLog loads (or on first start creates) the audit key for serve
// and returns the Merkle auditor, refusing a key that did not sign the
// database's existing log.
func openAuditLog(ctx context.Context, o serveOptions, db registry.Store, stderr io.Writer) (*registry.MerkleAuditor, error) {
	path := auditKeyPath(o)
	origin := o.auditOrigin
	if origin == "" {
		origin = "mlsec-registry/audit"
	}
	s, created, err := audit.LoadOrCreateKey(path, origin)
	if err != nil {
		return nil, withCode(ExitUsage, fmt.Errorf("serve: %w", err))
	}
	m := registry.NewMerkleAuditor(s)
	m.SignEvery = o.auditSignEvery
	if err := m.CheckKey(ctx, db); err != nil {
		return nil, withCode(ExitUsage, fmt.Errorf("serve: %w", err))
	}
	// Entries a killed server appended since its last batch signature are
	// signed now, before anything else is written.
	if err := m.Flush(ctx, db); err != nil {
		return nil, withCode(1, fmt.Errorf("serve: audit log: %w", err))
	}
	// A database from before sealed tables: seal the rows it holds now,
	// before anything else is written (docs/audit.md "Upgrading").
	if n, err := m.Baseline(ctx, db); err != nil {
		return nil, withCode(1, fmt.Errorf("serve: %w", err))
	} else if n > 0 {
		fmt.Fprintf(stderr, "Sealed the %d rows this registry already held into the audit log (baseline).\n", n)
	}
	if created {
		fmt.Fprintf(stderr, "\nNew audit log key %s (keep it; its public key is in %s.pub).\n", path, path)
	}
	fmt.Fprintf(stderr, "Audit log verifier key (give it to auditors): %s\n", s.VerifierKey())
	return m, nil
}
