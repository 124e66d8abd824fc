package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"

	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/store"
)

// recoverOptions are token create's flags for working on the database
// directly, without the API: the way back in when the last admin token is
// lost.
type recoverOptions struct {
	database, dataDir, auditKey string
}

func (o recoverOptions) local() bool { return o.database != "" || o.dataDir != "" }

// recoverToken issues t straight into the registry's database, audited as
// token.recover in the same signed log the server keeps: it needs the
// audit key (it never creates one: a new key would not match the log).
func recoverToken(ctx context.Context, o recoverOptions, t registry.Token, stderr io.Writer) (registry.CreatedToken, error) {
	so := serveOptions{dataDir: o.dataDir, database: o.database, auditKey: o.auditKey}
	if so.dataDir == "" {
		so.dataDir = "./mlsec-data"
	}
	if so.database == "" {
		so.database = filepath.Join(so.dataDir, "registry.db")
		if _, err := os.Stat(so.database); err != nil {
			return registry.CreatedToken{}, withCode(ExitUsage, fmt.Errorf("token create: no registry database at %s: %w", so.database, err))
		}
	}
	if _, err := os.Stat(auditKeyPath(so)); err != nil {
		return registry.CreatedToken{}, withCode(ExitUsage, fmt.Errorf("token create: the registry's audit key %s: %w (give --audit-key as serve has it)", auditKeyPath(so), err))
	}
	db, err := store.Open(ctx, so.database)
	if err != nil {
		return registry.CreatedToken{}, withCode(ExitUsage, fmt.Errorf("token create: database: %w", err))
	}
	defer db.Close()
	auditor, err := openAuditLog(ctx, so, db, io.Discard)
	if err != nil {
		return registry.CreatedToken{}, err
	}
	defer auditor.Flush(context.WithoutCancel(ctx), db)
	svc := registry.NewService(db, registry.WithAuditor(auditor))
	tok, secret, err := svc.RecoverToken(ctx, t, operator())
	if err != nil {
		if errors.Is(err, registry.ErrInvalid) || errors.Is(err, registry.ErrExists) {
			return registry.CreatedToken{}, withCode(ExitUsage, fmt.Errorf("token create: %w", err))
		}
		return registry.CreatedToken{}, withCode(1, fmt.Errorf("token create: %w", err))
	}
	fmt.Fprintf(stderr, "Issued on the database directly, audited as token.recover by %s.\n", operator())
	return registry.CreatedToken{Token: tok, Secret: secret}, nil
}

// operator names who ran a recovery and where, for its audit event.
func operator() string {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	host, _ := os.Hostname()
	return name + "@" + host
}
