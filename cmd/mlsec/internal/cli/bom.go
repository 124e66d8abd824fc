package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mlsec/mlsec/bom"
	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/internal/version"
)

func init() { register(newBomCmd) }

func newBomCmd() *cobra.Command {
	var (
		ev                       evidenceOut
		format, specVersion, out string
		noScan, allowSymlinks    bool
		minScore                 int
		ignorePaths              []string
		decl                     declaredFlags
	)
	c := &cobra.Command{
		Use:   "bom MODEL_PATH",
		Short: "Write a CycloneDX ML-BOM of a model",
		Long: `bom describes MODEL_PATH (a folder or a single file) as a CycloneDX 1.6 JSON
ML-BOM (1.7 with --spec-version 1.7): a machine-learning-model component whose
hash is the OpenSSF Model Signing root digest, every file with the same SHA-256
digest a signature lists, the model card read from README.md, config.json,
MLmodel and GGUF metadata, datasets, the base model, Python dependencies,
chat templates, and the mlsec scan findings as vulnerabilities.

What the model files declare is used where the card is silent: an ONNX
graph's inputs, outputs, opsets and producer, a TorchScript archive's root
module, format version and extra files, safetensors metadata and dtypes.
What the folder lacks can be given: --license (replaces the card's),
--dataset NAME@sha256:DIGEST (added, with the digest on the dataset
component), --model-card FILE (a README.md-style card, or its front matter
as YAML, kept outside the folder; it replaces README.md). The BOM says which
fields were declared (property mlsec:model:declared).

Nothing is loaded or executed. A present but malformed metadata file is an
error. The completeness score (0-100) and the missing fields are printed to
stderr and recorded in the BOM; --min-score makes a low score exit 1.

SOURCE_DATE_EPOCH, when set, fixes the timestamp and derives the serial number
from the model's digest, so the same model gives the same bytes. See
docs/bom.md for the field mapping.`,
		Example: `  mlsec bom ./my-model -o my-model.cdx.json
  mlsec bom model.gguf --spec-version 1.7
  mlsec bom ./my-model --no-scan --min-score 70 -o bom.json
  mlsec bom model.onnx --license apache-2.0 --dataset reviews@sha256:4f2c... --model-card card.md
  mlsec bom ./my-model --evidence bom.json -o my-model.cdx.json   # evidence for 'mlsec gate --evidence'
  SOURCE_DATE_EPOCH=0 mlsec bom ./my-model   # reproducible output`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := bom.SpecVersion(specVersion); err != nil {
				return withCode(ExitUsage, fmt.Errorf("bom: --spec-version: %w", err))
			}
			if format != bom.FormatCycloneDX && format != bom.FormatSPDX {
				return withCode(ExitUsage, fmt.Errorf("bom: --format %q: want %s or %s", format, bom.FormatCycloneDX, bom.FormatSPDX))
			}
			if format == bom.FormatSPDX { // refuse before the (possibly long) hashing
				return withCode(ExitUsage, bom.Encode(&bytes.Buffer{}, nil, format, specVersion))
			}
			if minScore < 0 || minScore > 100 {
				return withCode(ExitUsage, fmt.Errorf("bom: --min-score %d: want 0..100", minScore))
			}
			ignores, err := resolveIgnores(args[0], ignorePaths)
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("bom: --ignore-paths: %w", err))
			}
			declared, err := decl.parse()
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("bom: %w", err))
			}
			opts := bom.Options{NoScan: noScan, IgnorePaths: ignores, AllowSymlinks: allowSymlinks, Declared: declared}
			if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
				sec, err := strconv.ParseInt(s, 10, 64)
				if err != nil {
					return withCode(ExitUsage, fmt.Errorf("bom: SOURCE_DATE_EPOCH %q: %w", s, err))
				}
				opts.Timestamp, opts.Reproducible = time.Unix(sec, 0), true
			}
			res, err := bom.Generate(cmd.Context(), args[0], opts)
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("bom %s: %w", args[0], err))
			}
			var buf bytes.Buffer
			if err := bom.Encode(&buf, res.BOM, format, specVersion); err != nil {
				return withCode(ExitUsage, err)
			}
			if out == "" || out == "-" {
				_, err = cmd.OutOrStdout().Write(buf.Bytes())
			} else {
				var f *outFile
				if f, err = createOutFile(out); err == nil {
					err = f.writeWith(func(w io.Writer) error {
						_, err := w.Write(buf.Bytes())
						return err
					})
				}
			}
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("bom: writing the BOM: %w", err))
			}
			if ev.enabled() {
				err := ev.write(cmd.Context(), args[0], ignores, res.RootDigest, nil, func(subj evidence.Subject, now time.Time) (evidence.Record, error) {
					return bom.Evidence(subj, res.BOM, version.String(), now)
				})
				if err != nil {
					return withCode(ExitUsage, err)
				}
			}
			fmt.Fprintln(cmd.ErrOrStderr(), res.Score)
			if res.Score.Score < minScore {
				fmt.Fprintf(cmd.ErrOrStderr(), "completeness %d is below --min-score %d\n", res.Score.Score, minScore)
				return withCode(ExitFindings, nil)
			}
			return nil
		},
	}
	f := c.Flags()
	ev.register(f)
	decl.register(f)
	f.StringVar(&format, "format", bom.FormatCycloneDX, "output format: cyclonedx-json or spdx-json (not supported yet)")
	f.StringVar(&specVersion, "spec-version", "1.6", "CycloneDX spec version: 1.6 or 1.7")
	f.StringVarP(&out, "output", "o", "", "write the BOM to this file instead of stdout")
	f.BoolVar(&noScan, "no-scan", false, "do not scan the model (the BOM records that no scan ran)")
	f.IntVar(&minScore, "min-score", 0, "exit 1 when the completeness score is below this (0-100)")
	f.StringSliceVar(&ignorePaths, "ignore-paths", nil, "paths left out of the model's files, as for 'mlsec sign' (relative to the working directory, else to the model)")
	f.BoolVar(&allowSymlinks, "allow-symlinks", false, "hash the targets of symbolic links (e.g. a Hugging Face cache snapshot), as 'mlsec sign' does")
	return c
}

// declaredFlags are what a user states about a model its folder lacks
// (bom and gate share them).
type declaredFlags struct {
	licenses, datasets []string
	card               string
}

func (d *declaredFlags) register(f *pflag.FlagSet) {
	f.StringArrayVar(&d.licenses, "license", nil, "the model's licence, an SPDX `ID` (any case) or a name; replaces the model card's (repeatable)")
	f.StringArrayVar(&d.datasets, "dataset", nil, "a training dataset, `NAME@sha256:DIGEST` (or NAME), added to the card's (repeatable)")
	f.StringVar(&d.card, "model-card", "", "model card `FILE` kept outside the folder (Markdown with front matter, or YAML); replaces README.md")
}

func (d *declaredFlags) parse() (bom.Declared, error) {
	out := bom.Declared{Licenses: d.licenses, ModelCard: d.card}
	for _, s := range d.datasets {
		ds, err := bom.ParseDataset(s)
		if err != nil {
			return out, fmt.Errorf("--dataset: %w", err)
		}
		out.Datasets = append(out.Datasets, ds)
	}
	return out, nil
}
