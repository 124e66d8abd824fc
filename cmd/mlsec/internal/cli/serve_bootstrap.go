package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/mlsec/mlsec/registry"
)

// bootstrap issues the first admin token of an empty registry: the one
// supplied (MLSEC_BOOTSTRAP_TOKEN or an existing --bootstrap-token-file),
// or a new one written to --bootstrap-token-file, or, on a laptop with
// neither, a new one printed to stderr once.
func bootstrap(ctx context.Context, svc *registry.Service, o serveOptions, stderr io.Writer, log *slog.Logger) error {
	secret, source := strings.TrimSpace(o.bootstrapToken), "MLSEC_BOOTSTRAP_TOKEN"
	wrote := false
	if o.bootstrapFile != "" {
		if secret != "" {
			return withCode(ExitUsage, errors.New("serve: give the bootstrap token in MLSEC_BOOTSTRAP_TOKEN or --bootstrap-token-file, not both"))
		}
		source = o.bootstrapFile
		raw, err := os.ReadFile(o.bootstrapFile)
		switch {
		case err == nil:
			if secret = strings.TrimSpace(string(raw)); secret == "" {
				return withCode(ExitUsage, fmt.Errorf("serve: --bootstrap-token-file %s is empty: put a token in it (mlsec_ and 32+ letters or digits) or remove it to have one written", o.bootstrapFile))
			}
		case errors.Is(err, os.ErrNotExist):
			if secret, err = registry.NewTokenSecret(); err != nil {
				return withCode(1, fmt.Errorf("serve: %w", err))
			}
			if err := writeSecretFile(o.bootstrapFile, secret); err != nil {
				return withCode(ExitUsage, fmt.Errorf("serve: --bootstrap-token-file: %w", err))
			}
			wrote = true
		default:
			return withCode(ExitUsage, fmt.Errorf("serve: --bootstrap-token-file: %w", err))
		}
	}
	if secret != "" {
		if err := registry.ValidateTokenSecret(secret); err != nil {
			return withCode(ExitUsage, fmt.Errorf("serve: bootstrap token from %s: %w", source, err))
		}
	}
	secret, created, err := svc.BootstrapWith(ctx, secret)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("serve: bootstrap token: %w", err))
	}
	supplied := o.bootstrapFile != "" || o.bootstrapToken != ""
	switch {
	case !created && wrote:
		// The registry has tokens: the file we just wrote holds nothing valid.
		os.Remove(o.bootstrapFile)
		log.Info("the registry already has API tokens: no bootstrap token issued", "file", o.bootstrapFile)
	case !created && supplied:
		log.Info("the registry already has API tokens: the supplied bootstrap token was not used", "from", source)
	case created && wrote:
		fmt.Fprintf(stderr, "Bootstrap admin token written to %s (0600); use it as MLSEC_TOKEN.\n", o.bootstrapFile)
	case created && supplied:
		fmt.Fprintf(stderr, "Bootstrap admin token taken from %s.\n", source)
	case created:
		fmt.Fprintf(stderr, "\nBootstrap admin token (shown once, store it now):\n\n  %s\n\nexport MLSEC_TOKEN=%s\n\n", secret, secret)
	}
	return nil
}

// writeSecretFile creates path 0600 with secret; it never replaces a file.
func writeSecretFile(path, secret string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(secret + "\n"); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}
