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

type signFlags struct {
	keyPath, sigPath, hashAlg, certPath, compat, format string
	chainPaths, ignorePaths                             []string
	shardSize                                           int64
	allowSymlinks, ignoreGit                            bool
	workers                                             int
}

func newSignCmd() *cobra.Command {
	var fl signFlags
	c := &cobra.Command{
		Use:   "sign MODEL_PATH --key KEY",
		Short: "Sign a model in the OpenSSF Model Signing (OMS v1.0) format",
		Long: `sign hashes every file of MODEL_PATH (a folder or a single file) and writes an
OMS v1.0 signature: a Sigstore bundle with a DSSE-signed in-toto statement that
the Python model_signing client also verifies.

What is signed is the model's files, the same set that bom, gate, push and the
registry use: every regular file except .git, .gitattributes, .github and
.gitignore at the top of the model (unless --ignore-git-paths=false), the
--ignore-paths, the signature file when it lies inside the model, and mlsec's
attachments: model.sig at the top when it is a Sigstore bundle, *.cdx.json
CycloneDX BOMs and *.evidence.json, *.att.json, *.dsse.json, *.intoto.json
evidence documents. A file with such a name and other content is a model file
and is signed. Everything left out is recorded in the bundle's ignore_paths so
other OMS verifiers leave it out too. Dotfiles and .cache/huggingface are
signed (add --ignore-paths .cache to skip it). Symbolic links are an error
unless --allow-symlinks is given; a MODEL_PATH that is itself a link is
followed.

--signature is resolved from the working directory, never from the model.

With --signing-cert the bundle carries the certificate chain (certificate
method); otherwise only a hint of the public key (key method). Keyless
Sigstore signing is not supported by mlsec; such bundles can be verified.

--compat python writes shard resources as sha256-sharded-<N> and a single-file
model as ".", which the Python reference (model-signing <= 1.1) and the Go port
compare; the default (oms) follows the OMS v1.0 spec. See docs/signing.md.`,
		Example: `  mlsec keygen -o mykey
  mlsec sign ./my-model --key mykey.pem --signature my-model/model.sig
  mlsec sign ./my-model --key signer.pem --signing-cert signer.crt --cert-chain intermediate.crt
  mlsec sign ./big-model --key mykey.pem --shard-size 1000000000 --compat python --ignore-paths .cache`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runSign(cmd, args[0], fl) },
	}
	f := c.Flags()
	f.StringVar(&fl.keyPath, "key", "", "ECDSA private key, PEM (required)")
	f.StringVar(&fl.sigPath, "signature", "model.sig", "where to write the signature bundle (relative to the working directory)")
	f.StringArrayVar(&fl.ignorePaths, "ignore-paths", nil, "path to leave out (repeatable; relative to the working directory, else to the model)")
	f.BoolVar(&fl.ignoreGit, "ignore-git-paths", true, "leave out .git, .gitattributes, .github and .gitignore at the top of the model")
	f.StringVar(&fl.hashAlg, "hash", "sha256", "file hash: sha256, blake2b or blake3")
	f.Int64Var(&fl.shardSize, "shard-size", 0, "hash files in shards of this many bytes (0: whole files)")
	f.StringVar(&fl.compat, "compat", string(sign.CompatSpec), "statement form: oms (the spec) or python (what the reference clients compare)")
	f.StringVar(&fl.certPath, "signing-cert", "", "certificate of the signing key, PEM (certificate method)")
	f.StringArrayVar(&fl.chainPaths, "cert-chain", nil, "intermediate certificates to embed, PEM (repeatable, leaf to root)")
	f.BoolVar(&fl.allowSymlinks, "allow-symlinks", false, "hash the targets of symbolic links (deprecated by the spec)")
	f.StringVar(&fl.format, "format", "table", "output format: table or json")
	f.IntVar(&fl.workers, "workers", 0, "parallel readers (0: one per CPU)")
	return c
}

func runSign(cmd *cobra.Command, model string, fl signFlags) error {
	if fl.keyPath == "" {
		return withCode(ExitUsage, fmt.Errorf("sign: --key is required (create one with 'mlsec keygen')"))
	}
	if len(fl.chainPaths) > 0 && fl.certPath == "" {
		return withCode(ExitUsage, fmt.Errorf("sign: --cert-chain needs --signing-cert"))
	}
	if fl.format != "table" && fl.format != "json" {
		return withCode(ExitUsage, fmt.Errorf("sign: --format must be table or json"))
	}
	compat, err := sign.ParseCompat(fl.compat)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("sign: --compat: %w", err))
	}
	signer, err := loadSigner(fl.keyPath, fl.certPath, fl.chainPaths)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	ignores, err := resolveIgnores(model, fl.ignorePaths)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	// The signature is left out only where it really is: inside the model.
	if rel, ok := manifest.Inside(model, fl.sigPath); ok {
		ignores = append(ignores, rel)
	}
	bar := progress.ForTerminal(cmd.ErrOrStderr(), "hashing")
	b, m, err := signer.Sign(cmd.Context(), model, sign.SignOptions{Compat: compat, Hash: manifest.Options{
		Algorithm: fl.hashAlg, ShardSize: fl.shardSize, IgnorePaths: ignores, KeepGitPaths: !fl.ignoreGit,
		AllowSymlinks: fl.allowSymlinks, Workers: fl.workers, Progress: bar.UpdateBytes,
	}})
	bar.Clear()
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("sign %s: %w", model, err))
	}
	data, err := b.Marshal()
	if err != nil {
		return withCode(ExitUsage, err)
	}
	if err := os.WriteFile(fl.sigPath, data, 0o644); err != nil {
		return withCode(ExitUsage, fmt.Errorf("sign: writing the signature: %w", err))
	}
	for _, w := range m.Warnings {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
	}
	out := cmd.OutOrStdout()
	if fl.format == "json" {
		return writeJSONOut(out, signJSON(model, fl.sigPath, signer.Method(), m))
	}
	var total int64
	for _, it := range m.Items {
		total += it.Size
	}
	fmt.Fprintf(out, "Signed %s (%d resources, %s, %s) with the %s method.\nSignature: %s\nRoot digest: sha256:%x\n",
		model, len(m.Items), progress.HumanBytes(total), m.Algorithm, signer.Method(), fl.sigPath, m.RootDigest())
	if len(m.Attachments) > 0 {
		names := make([]string, len(m.Attachments))
		for i, a := range m.Attachments {
			names[i] = a.Path + " (" + a.Kind + ")"
		}
		fmt.Fprintf(out, "Not signed, mlsec attachments (recorded in ignore_paths): %s\n", strings.Join(names, ", "))
	}
	return nil
}

// signJSON is the --format json result of sign.
func signJSON(model, sigPath, method string, m *manifest.Manifest) map[string]any {
	att := []map[string]string{}
	for _, a := range m.Attachments {
		att = append(att, map[string]string{"path": a.Path, "kind": a.Kind})
	}
	out := map[string]any{
		"model": model, "signature": sigPath, "method": method, "resources": len(m.Items),
		"hash_type": m.Algorithm, "root_digest": fmt.Sprintf("%x", m.RootDigest()),
		"ignore_paths": nonNil(m.IgnorePaths), "attachments": att, "warnings": nonNil(m.Warnings),
	}
	if m.ShardSize > 0 {
		out["shard_size"] = m.ShardSize
	}
	return out
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

// resolveIgnores turns --ignore-paths into model-relative slash paths. A
// path that exists relative to the working directory (or is absolute) is
// taken from there, as the reference CLI does; otherwise it is read as
// relative to the model. Paths outside the model cannot match and are
// dropped. The signature path never goes through here: it is resolved
// from the working directory only (manifest.Inside).
func resolveIgnores(model string, paths []string) ([]string, error) {
	st, err := os.Stat(model)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, nil
	}
	var out []string
	for _, p := range paths {
		if p == "" {
			continue
		}
		rel, ok := "", false
		if _, err := os.Lstat(p); err == nil || filepath.IsAbs(p) {
			rel, ok = manifest.Inside(model, p)
		} else if clean := filepath.ToSlash(filepath.Clean(p)); clean != "." && clean != ".." && !strings.HasPrefix(clean, "../") {
			rel, ok = clean, true
		}
		if !ok {
			continue
		}
		if err := manifest.ValidateIgnorePath(rel); err != nil {
			return nil, err
		}
		out = append(out, rel)
	}
	return out, nil
}
