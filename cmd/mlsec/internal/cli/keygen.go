package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/sign"
)

func init() { register(newKeygenCmd) }

func newKeygenCmd() *cobra.Command {
	var curve, prefix string
	var force bool
	c := &cobra.Command{
		Use:   "keygen",
		Short: "Create an ECDSA key pair for signing models",
		Long: `keygen writes an ECDSA private key (PKCS#8 PEM, mode 0600) and its public key
(PEM) for 'mlsec sign --key' and 'mlsec verify --key'. OMS key signatures use
NIST curves only; the curve fixes the digest (P-256/SHA-256, P-384/SHA-384,
P-521/SHA-512).`,
		Example: `  mlsec keygen                       # writes mlsec-key.pem and mlsec-key.pub.pem
  mlsec keygen --curve P-384 -o release`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, priv, pub, err := sign.GenerateKey(curve)
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("keygen: %w", err))
			}
			privPath, pubPath := prefix+".pem", prefix+".pub.pem"
			flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
			if force {
				flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
			}
			for _, f := range []struct {
				path string
				data []byte
				mode os.FileMode
			}{{privPath, priv, 0o600}, {pubPath, pub, 0o644}} {
				fh, err := os.OpenFile(f.path, flags, f.mode)
				if err != nil {
					return withCode(ExitUsage, fmt.Errorf("keygen: %w (use --force to overwrite, or -o another prefix)", err))
				}
				_, werr := fh.Write(f.data)
				if cerr := fh.Close(); werr == nil {
					werr = cerr
				}
				if werr != nil {
					return withCode(ExitUsage, fmt.Errorf("keygen: writing %s: %w", f.path, werr))
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Wrote private key %s (keep it secret) and public key %s (%s)\n", privPath, pubPath, curve)
			return nil
		},
	}
	c.Flags().StringVar(&curve, "curve", "P-256", "elliptic curve: P-256, P-384 or P-521")
	c.Flags().StringVarP(&prefix, "output", "o", "mlsec-key", "output prefix: writes PREFIX.pem and PREFIX.pub.pem")
	c.Flags().BoolVar(&force, "force", false, "overwrite existing key files")
	return c
}
