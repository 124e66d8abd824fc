package cli

import (
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/internal/progress"
	"github.com/mlsec/mlsec/manifest"
	"github.com/mlsec/mlsec/sign"
)

func init() { register(newSignCmd) }

func newSignCmd() *cobra.Command {
	var (
		keyPath, sigPath, hashAlg, certPath string
		chainPaths, ignorePaths             []string
		shardSize                           int64
		allowSymlinks                       bool
		workers                             int
	)
	c := &cobra.Command{
		Use:   "sign MODEL_PATH --key KEY",
		Short: "Sign a model in the OpenSSF Model Signing (OMS v1.0) format",
		Long: `sign hashes every file of MODEL_PATH (a folder or a single file) and writes an
OMS v1.0 signature: a Sigstore bundle with a DSSE-signed in-toto statement that
the Python model_signing client also verifies.

.git, .gitattributes, .github and .gitignore at the top of the model, and the
signature file itself, are never signed. Every other file is, including
dotfiles and .cache/huggingface (add --ignore-paths .cache to skip it).
Symbolic links are an error unless --allow-symlinks is given.

With --signing-cert the bundle carries the certificate chain (certificate
method); otherwise only a hint of the public key (key method). Keyless
Sigstore signing is not supported by mlsec; such bundles can be verified.`,
		Example: `  mlsec keygen -o mykey
  mlsec sign ./my-model --key mykey.pem --signature my-model.sig
  mlsec sign ./my-model --key signer.pem --signing-cert signer.crt --cert-chain intermediate.crt
  mlsec sign ./big-model --key mykey.pem --shard-size 1000000000 --ignore-paths .cache`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			model := args[0]
			if keyPath == "" {
				return withCode(ExitUsage, fmt.Errorf("sign: --key is required (create one with 'mlsec keygen')"))
			}
			if len(chainPaths) > 0 && certPath == "" {
				return withCode(ExitUsage, fmt.Errorf("sign: --cert-chain needs --signing-cert"))
			}
			signer, err := loadSigner(keyPath, certPath, chainPaths)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			ignores, err := resolveIgnores(model, append(ignorePaths, sigPath))
			if err != nil {
				return withCode(ExitUsage, err)
			}
			bar := progress.ForTerminal(cmd.ErrOrStderr(), "hashing")
			b, m, err := signer.Sign(cmd.Context(), model, sign.SignOptions{Hash: manifest.Options{
				Algorithm: hashAlg, ShardSize: shardSize, IgnorePaths: ignores,
				AllowSymlinks: allowSymlinks, Workers: workers, Progress: bar.UpdateBytes,
			}})
			bar.Clear()
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("sign %s: %w", model, err))
			}
			data, err := b.Marshal()
			if err != nil {
				return withCode(ExitUsage, err)
			}
			if err := os.WriteFile(sigPath, data, 0o644); err != nil {
				return withCode(ExitUsage, fmt.Errorf("sign: writing the signature: %w", err))
			}
			var total int64
			for _, it := range m.Items {
				total += it.Size
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Signed %s (%d resources, %s, %s) with the %s method.\nSignature: %s\nRoot digest: sha256:%x\n",
				model, len(m.Items), progress.HumanBytes(total), m.Algorithm, signer.Method(), sigPath, m.RootDigest())
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&keyPath, "key", "", "ECDSA private key, PEM (required)")
	f.StringVar(&sigPath, "signature", "model.sig", "where to write the signature bundle")
	f.StringArrayVar(&ignorePaths, "ignore-paths", nil, "path to leave out (repeatable; relative to the model or the working directory)")
	f.StringVar(&hashAlg, "hash", "sha256", "file hash: sha256, blake2b or blake3")
	f.Int64Var(&shardSize, "shard-size", 0, "hash files in shards of this many bytes (0: whole files)")
	f.StringVar(&certPath, "signing-cert", "", "certificate of the signing key, PEM (certificate method)")
	f.StringArrayVar(&chainPaths, "cert-chain", nil, "intermediate certificates to embed, PEM (repeatable, leaf to root)")
	f.BoolVar(&allowSymlinks, "allow-symlinks", false, "hash the targets of symbolic links (deprecated by the spec)")
	f.IntVar(&workers, "workers", 0, "parallel readers (0: one per CPU)")
	return c
}

func loadSigner(keyPath, certPath string, chainPaths []string) (*sign.Signer, error) {
	data, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, fmt.Errorf("sign: reading --key: %w", err)
	}
	key, err := sign.ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("sign: %s: %w", keyPath, err)
	}
	if certPath == "" {
		return sign.NewKeySigner(key)
	}
	leaf, err := readCerts(certPath)
	if err != nil {
		return nil, err
	}
	var chain []*x509.Certificate
	for _, p := range chainPaths {
		cs, err := readCerts(p)
		if err != nil {
			return nil, err
		}
		chain = append(chain, cs...)
	}
	s, err := sign.NewCertificateSigner(key, leaf[0], chain)
	if err != nil {
		return nil, fmt.Errorf("sign: %s and %s: %w", keyPath, certPath, err)
	}
	return s, nil
}

func readCerts(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cs, err := sign.ParseCertificates(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cs, nil
}

// resolveIgnores turns user paths into model-relative slash paths. A path
// that exists relative to the working directory (or is absolute) is taken
// from there, as the reference CLI does; otherwise it is read as relative to
// the model. Paths outside the model cannot match and are dropped.
func resolveIgnores(model string, paths []string) ([]string, error) {
	st, err := os.Stat(model)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, nil
	}
	root, err := filepath.Abs(model)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range paths {
		if p == "" {
			continue
		}
		abs := p
		if !filepath.IsAbs(p) {
			if _, err := os.Lstat(p); err == nil {
				abs, _ = filepath.Abs(p)
			} else {
				abs = filepath.Join(root, p)
			}
		}
		rel, err := filepath.Rel(root, filepath.Clean(abs))
		if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		rel = filepath.ToSlash(rel)
		if err := manifest.ValidateIgnorePath(rel); err != nil {
			return nil, err
		}
		out = append(out, rel)
	}
	return out, nil
}
