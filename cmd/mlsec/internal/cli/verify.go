package cli

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/internal/progress"
	"github.com/mlsec/mlsec/internal/version"
	"github.com/mlsec/mlsec/manifest"
	"github.com/mlsec/mlsec/sign"
)

func init() { register(newVerifyCmd) }

func newVerifyCmd() *cobra.Command {
	var (
		ev                                                    evidenceOut
		sigPath, keyPath, identity, issuer, trustRoot, format string
		rootPaths, ignorePaths                                []string
		ignoreUnsigned, ignoreGit                             bool
		workers                                               int
	)
	c := &cobra.Command{
		Use:   "verify MODEL_PATH --signature SIG (--key PUB | --cert-chain ROOTS | --identity ID --issuer URL --trust-root FILE)",
		Short: "Verify an OpenSSF Model Signing (OMS) signature",
		Long: `verify checks an OMS signature (from mlsec, the Python model_signing client or
any OMS v1.0 signer) against MODEL_PATH. You choose the method and the trust:
--key for key signatures, --cert-chain with the root CA(s) you trust for
certificate signatures, or --identity/--issuer/--trust-root for Sigstore
keyless signatures (checked offline against a trusted-root JSON file).

The signature is checked first; then the model is re-hashed with the recorded
parameters and every missing, extra or changed file is listed. mlsec's
attachments (model.sig, *.cdx.json BOMs, evidence documents) are not model files
and may come and go, unless the signature lists them; a file with such a name
and other content is an extra file. --ignore-git-paths=false checks .git,
.gitattributes, .github and .gitignore too, for signers that included them.

Exit codes: 0 verified; 1 verification failed (bad or mismatched signature,
untrusted or expired certificate, model differs); 2 usage or I/O error.`,
		Example: `  mlsec verify ./my-model --signature my-model.sig --key mykey.pub.pem
  mlsec verify ./my-model --signature model.sig --cert-chain root-ca.pem
  mlsec verify ./my-model --signature model.sig --identity me@example.com \
      --issuer https://accounts.google.com --trust-root trusted_root.json
  mlsec verify ./my-model --signature model.sig --key k.pub.pem --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			model := args[0]
			if format != "table" && format != "json" {
				return withCode(ExitUsage, fmt.Errorf("verify: --format must be table or json"))
			}
			v, err := chooseVerifier(keyPath, rootPaths, identity, issuer, trustRoot)
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("verify: %w", err))
			}
			bundle, err := os.ReadFile(sigPath)
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("verify: reading the signature: %w (pass it with --signature)", err))
			}
			ignores, err := resolveIgnores(model, ignorePaths)
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("verify: %w", err))
			}
			resolvedIgnores := slices.Clone(ignores)
			if rel, ok := manifest.Inside(model, sigPath); ok {
				ignores = append(ignores, rel)
			}
			bar := progress.ForTerminal(cmd.ErrOrStderr(), "verifying")
			res, verr := sign.Verify(cmd.Context(), model, bundle, sign.VerifyOptions{
				Verifier: v, IgnorePaths: ignores, IgnoreUnsignedFiles: ignoreUnsigned, KeepGitPaths: !ignoreGit,
				Workers: workers, Progress: bar.UpdateBytes,
			})
			bar.Clear()
			if res != nil {
				for _, w := range res.Warnings {
					fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
				}
			}
			if ev.enabled() {
				var hashed *manifest.Manifest
				if res != nil {
					hashed = res.Actual
				}
				err := ev.write(cmd.Context(), model, resolvedIgnores, nil, hashed, func(subj evidence.Subject, now time.Time) (evidence.Record, error) {
					return sign.VerifyEvidence(subj, v.Method(), res, verr, version.String(), now)
				})
				if err != nil {
					return withCode(ExitUsage, err)
				}
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				writeVerifyJSON(out, model, sigPath, res, verr)
			} else if verr == nil || res != nil {
				writeVerifyTable(out, model, sigPath, res)
			}
			switch {
			case verr == nil:
				return nil
			case sign.IsVerificationFailure(verr):
				return withCode(ExitFindings, fmt.Errorf("verification FAILED for %s with %s: %w\n%s", model, sigPath, verr, advice(verr)))
			default:
				return withCode(ExitUsage, fmt.Errorf("verify %s: %w", model, verr))
			}
		},
	}
	f := c.Flags()
	ev.register(f)
	f.StringVar(&sigPath, "signature", "model.sig", "signature bundle to verify")
	f.StringVar(&keyPath, "key", "", "public key, PEM (key method)")
	f.StringArrayVar(&rootPaths, "cert-chain", nil, "trusted root/intermediate CA certificates, PEM (certificate method; repeatable)")
	f.StringVar(&identity, "identity", "", "expected signer identity, e.g. an e-mail (Sigstore method)")
	f.StringVar(&issuer, "issuer", "", "expected OIDC issuer URL (Sigstore method)")
	f.StringVar(&trustRoot, "trust-root", "", "Sigstore trusted_root.json (Sigstore method; never fetched)")
	f.StringArrayVar(&ignorePaths, "ignore-paths", nil, "path to leave out (repeatable; relative to the model or the working directory)")
	f.BoolVar(&ignoreUnsigned, "ignore-unsigned-files", false, "tolerate files the signature does not list")
	f.BoolVar(&ignoreGit, "ignore-git-paths", true, "leave out .git, .gitattributes, .github and .gitignore at the top of the model")
	f.StringVar(&format, "format", "table", "output format: table or json")
	f.IntVar(&workers, "workers", 0, "parallel readers (0: one per CPU)")
	return c
}

// chooseVerifier enforces that exactly one method was requested.
func chooseVerifier(keyPath string, rootPaths []string, identity, issuer, trustRoot string) (sign.Verifier, error) {
	n := 0
	for _, set := range []bool{keyPath != "", len(rootPaths) > 0, identity != "" || issuer != "" || trustRoot != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, errors.New("give exactly one of --key, --cert-chain, or --identity with --issuer and --trust-root")
	}
	switch {
	case keyPath != "":
		data, err := os.ReadFile(keyPath)
		if err != nil {
			return nil, err
		}
		pub, err := sign.ParsePublicKey(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", keyPath, err)
		}
		return sign.KeyVerifier{Key: pub}, nil
	case len(rootPaths) > 0:
		var v sign.CertificateVerifier
		for _, p := range rootPaths {
			cs, err := readCerts(p)
			if err != nil {
				return nil, err
			}
			v.Roots = append(v.Roots, cs...)
		}
		return v, nil
	}
	if identity == "" || issuer == "" || trustRoot == "" {
		return nil, errors.New("the Sigstore method needs --identity, --issuer and --trust-root")
	}
	return sign.NewSigstoreVerifier(trustRoot, identity, issuer)
}

// advice says what to do about a verification failure.
func advice(err error) string {
	switch {
	case errors.Is(err, sign.ErrModelMismatch):
		return "The model on disk differs from what was signed: restore the listed files, or pass --ignore-paths for files that are not part of the model, or have the model re-signed."
	case errors.Is(err, sign.ErrCertExpired):
		return "The signing certificate is outside its validity period: ask the signer to re-sign with a valid certificate."
	case errors.Is(err, sign.ErrCertificate):
		return "Pass the root CA that issued the signer's certificate with --cert-chain."
	case errors.Is(err, sign.ErrWrongKey):
		return "Use the public key of whoever signed this model (--key)."
	case errors.Is(err, sign.ErrSignature):
		return "The signature does not match: the signature file was altered or made with another key/identity. Do not use this model."
	case errors.Is(err, sign.ErrMethodMismatch):
		return "Choose the verification flags that match how the model was signed."
	case errors.Is(err, sign.ErrBundle):
		return "The --signature file is not an OMS signature bundle; check the path."
	}
	return "The signed statement is not a valid OMS v1.0 statement; do not use this model."
}

func writeVerifyTable(w io.Writer, model, sig string, r *sign.Result) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	status := "VERIFIED"
	if !r.Verified {
		status = "FAILED"
	}
	fmt.Fprintf(tw, "Model:\t%s\nSignature:\t%s\nStatus:\t%s\nMethod:\t%s\nSigner:\t%s\nRoot digest:\tsha256:%s\nHash:\t%s",
		model, sig, status, r.Method, r.Signer, r.RootDigest, r.Algorithm)
	if r.ShardSize > 0 {
		fmt.Fprintf(tw, " (shards of %d bytes)", r.ShardSize)
	}
	fmt.Fprintf(tw, "\nResources:\t%d\n", r.Resources)
	for _, n := range r.Diff.Missing {
		fmt.Fprintf(tw, "MISSING\t%s\n", n)
	}
	for _, n := range r.Diff.Extra {
		fmt.Fprintf(tw, "EXTRA\t%s\n", n)
	}
	for _, c := range r.Diff.Changed {
		fmt.Fprintf(tw, "CHANGED\t%s\t(signed %s, found %s)\n", c.Name, hex.EncodeToString(c.Expected), hex.EncodeToString(c.Actual))
	}
	tw.Flush()
}

type jsonChange struct {
	Name     string `json:"name"`
	Expected string `json:"expected"`
	Actual   string `json:"actual"`
}

func writeVerifyJSON(w io.Writer, model, sig string, r *sign.Result, err error) {
	out := map[string]any{"model": model, "signature": sig, "verified": err == nil}
	if r != nil {
		changed := []jsonChange{}
		for _, c := range r.Diff.Changed {
			changed = append(changed, jsonChange{c.Name, hex.EncodeToString(c.Expected), hex.EncodeToString(c.Actual)})
		}
		out["method"], out["signer"], out["root_digest"] = r.Method, r.Signer, r.RootDigest
		out["hash_type"], out["resources"] = r.Algorithm, r.Resources
		if r.ShardSize > 0 {
			out["shard_size"] = r.ShardSize
		}
		out["missing"], out["extra"], out["changed"] = nonNil(r.Diff.Missing), nonNil(r.Diff.Extra), changed
		out["warnings"] = nonNil(r.Warnings)
	}
	if err != nil {
		out["error"] = err.Error()
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(out)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
