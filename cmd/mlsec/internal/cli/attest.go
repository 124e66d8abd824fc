package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/sign"
)

func init() { register(newAttestCmd) }

func newAttestCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "attest",
		Short: "Sign and verify evidence attestations (in-toto in DSSE)",
		Long: `attest wraps an evidence record (from 'mlsec scan/verify/bom --evidence') in an
in-toto Statement v1 inside a DSSE envelope signed with the same ECDSA keys as
'mlsec sign', and verifies such attestations. See docs/evidence.md.`,
		Example: `  mlsec scan ./model --evidence scan.json
  mlsec attest sign --key mlsec-key.pem scan.json -o scan.att.json
  mlsec attest verify --key mlsec-key.pub.pem scan.att.json`,
	}
	c.AddCommand(newAttestSignCmd(), newAttestVerifyCmd())
	return c
}

func newAttestSignCmd() *cobra.Command {
	var keyPath, out string
	c := &cobra.Command{
		Use:     "sign --key KEY EVIDENCE -o OUT",
		Short:   "Sign one evidence record as a DSSE attestation",
		Example: `  mlsec attest sign --key mlsec-key.pem scan.json -o scan.att.json`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if keyPath == "" || out == "" {
				return withCode(ExitUsage, errors.New("attest sign: --key and -o are required"))
			}
			pem, err := os.ReadFile(keyPath)
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("attest sign: %w", err))
			}
			key, err := sign.ParsePrivateKey(pem)
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("attest sign: %w", err))
			}
			f, err := os.Open(args[0])
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("attest sign: %w", err))
			}
			recs, err := evidence.Read(f)
			f.Close()
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("attest sign: %s: %w", args[0], err))
			}
			if len(recs) != 1 {
				return withCode(ExitUsage, fmt.Errorf("attest sign: %s holds %d records; sign one record per attestation", args[0], len(recs)))
			}
			env, err := evidence.Attest(recs[0], key)
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("attest sign: %w", err))
			}
			fh, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("attest sign: %w", err))
			}
			werr := evidence.WriteEnvelope(fh, env)
			if cerr := fh.Close(); werr == nil {
				werr = cerr
			}
			if werr != nil {
				return withCode(ExitUsage, fmt.Errorf("attest sign: writing %s: %w", out, werr))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Signed %s evidence for %s with key %s -> %s\n", recs[0].Type, recs[0].Subject, *env.Signatures[0].KeyID, out)
			return nil
		},
	}
	c.Flags().StringVar(&keyPath, "key", "", "ECDSA private key (PEM), as written by 'mlsec keygen'")
	c.Flags().StringVarP(&out, "output", "o", "", "attestation file to write")
	return c
}

func newAttestVerifyCmd() *cobra.Command {
	var keyPaths []string
	c := &cobra.Command{
		Use:   "verify --key PUB FILE",
		Short: "Verify an evidence attestation",
		Long: `verify checks that FILE is an evidence attestation signed by one of the given
public keys and that its statement subject matches the evidence.

Exit codes: 0 verified; 1 not signed by a given key, or tampered; 2 usage
error or malformed file.`,
		Example: `  mlsec attest verify --key mlsec-key.pub.pem scan.att.json`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(keyPaths) == 0 {
				return withCode(ExitUsage, errors.New("attest verify: --key PUB is required"))
			}
			var keys []evidence.TrustedKey
			for _, p := range keyPaths {
				pem, err := os.ReadFile(p)
				if err != nil {
					return withCode(ExitUsage, fmt.Errorf("attest verify: %w", err))
				}
				k, err := sign.ParseTrustedKey(pem)
				if err != nil {
					return withCode(ExitUsage, fmt.Errorf("attest verify: %s: %w", p, err))
				}
				keys = append(keys, k)
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("attest verify: %w", err))
			}
			rec, signer, err := evidence.VerifyAttestation(data, keys)
			switch {
			case errors.Is(err, evidence.ErrUntrusted):
				return withCode(ExitFindings, fmt.Errorf("attest verify: %s: %w", args[0], err))
			case err != nil:
				return withCode(ExitUsage, fmt.Errorf("attest verify: %s: %w", args[0], err))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Verified %s evidence for %s (%s), signed by key %s\n", rec.Type, rec.Subject.Name, rec.Subject.SHA256(), signer)
			return nil
		},
	}
	c.Flags().StringArrayVar(&keyPaths, "key", nil, "trusted public key (PEM); repeatable")
	return c
}
