package cli

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/s3blob" // s3:// roots for data locate

	"github.com/mlsec/mlsec/dataset"
	"github.com/mlsec/mlsec/evidence"
	pbar "github.com/mlsec/mlsec/internal/progress"
)

func init() { register(newDataCmd) }

func newDataCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "data",
		Short: "Govern training data: what a dataset holds, what it is, where its copies are",
		Long: `Training data as a governed artifact (docs/data.md):

  scan      personal data, secrets and sensitive attributes per column of
            CSV, JSON Lines, Parquet, text, folders, ZIP and tar archives
  manifest  describe a dataset version: its files and digests (hashed as
            'mlsec sign' hashes a model), owner, classification and the
            locations where copies may be stored
  locate    find copies of described datasets under a folder or an S3
            prefix, and report those outside their allowed locations

  register  record a dataset version on the registry (manifest, PII found,
            classification, lawful basis, retention, allowed locations)
  versions  list a registered dataset's versions and their approval
  approve   approve a dataset version (its owner or an admin)
  reject    reject a dataset version
  diff      what changed between two versions: files, rows, schema, drift`,
		Example: `  mlsec data scan adult.csv
  mlsec data scan ./datasets --format sarif -o data.sarif
  mlsec data manifest ./adult --name adult --owner team-risk --classification confidential --allow s3://ml-data/adult/ -o adult.dataset.json
  mlsec data locate /srv/shared --dataset adult.dataset.json
  mlsec data locate 's3://scratch/?region=eu-west-1' --dataset adult.dataset.json
  mlsec data register ./adult --name adult --classification confidential --owner bob
  mlsec data approve adult@1
  mlsec data diff adult@1=./adult-old adult@2=./adult`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	c.AddCommand(newDataScanCmd(), newDataManifestCmd(), newDataLocateCmd(), newDataRegisterCmd(), newDataVersionsCmd(),
		newDataVoteCmd("approve"), newDataVoteCmd("reject"), newDataDiffCmd(), newDataPushCmd(), newDataPullCmd())
	return c
}

type dataScanFlags struct {
	format     string
	output     string
	nulls      []string
	evidence   string
	name       string
	noProgress bool
}

func newDataScanCmd() *cobra.Command {
	var fl dataScanFlags
	c := &cobra.Command{
		Use:   "scan PATH",
		Short: "Report personal data, secrets and sensitive attributes per column of a dataset",
		Long: `Scan PATH (a file, or a folder walked without following links) for
personal data and secrets per column: CSV and TSV, JSON Lines (by JSON path),
Parquet, JSON, plain text, each optionally gzip-compressed, and ZIP and tar
archives of them (within the scanner's archive limits). Columns whose name or values
name a protected characteristic (sex, race, religion, health, age, marital
status, nationality, sexual orientation, postcode) are reported as
sensitive attributes: use them as 'mlsec fairness --sensitive'. Sample
values are shown only redacted. Tables are streamed: memory does not grow
with the file.

Output formats (--format):
  table  one line per column with personal data or a sensitive attribute
  json   the full report, every column (docs/data.md)
  sarif  SARIF 2.1.0: DATA/PII/<TYPE>, DATA/SENSITIVE, DATA/ERROR

Exit codes (docs/exit-codes.md):
  0  no personal data or secret found, every file fully analysed
  1  personal data or a secret found, or a file that could not be fully
     analysed (named, with the reason: fail closed)
  2  usage error, or PATH cannot be read at all`,
		Example: `  mlsec data scan adult.csv --null-values '?'
  mlsec data scan ./datasets --format json -o data.json
  mlsec data scan ./adult --evidence adult.data.json --name adult`,
		Args: exactlyOneFile("data scan"),
		RunE: func(c *cobra.Command, args []string) error { return runDataScan(c, args[0], fl) },
	}
	f := c.Flags()
	f.StringVar(&fl.format, "format", "table", "output `FORMAT`: table, json or sarif")
	f.StringVarP(&fl.output, "output", "o", "", "write the report to `FILE` instead of stdout (replaced atomically)")
	f.StringSliceVar(&fl.nulls, "null-values", nil, "CSV `TEXTS` read as missing besides the empty field (e.g. '?')")
	f.StringVar(&fl.evidence, "evidence", "", "also write a \"data\" evidence record to `FILE`, bound to the dataset's OMS root digest")
	f.StringVar(&fl.name, "name", "", "dataset `NAME` recorded as the evidence subject (default: the path's base name)")
	f.BoolVar(&fl.noProgress, "no-progress", false, "never draw the progress bar (it is drawn only when stderr is a terminal)")
	return c
}

func runDataScan(c *cobra.Command, path string, fl dataScanFlags) error {
	switch fl.format {
	case "table", "json", "sarif":
	default:
		return usageErr("--format %q: use table, json or sarif", fl.format)
	}
	dst, file, err := reportDest(c.OutOrStdout(), fl.output)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	defer file.discard()
	rep, err := scanData(c, path, fl)
	if err != nil {
		return usageErr("cannot scan %s: %w\nCheck the path; nothing was judged", path, err)
	}
	code := ExitOK
	if rep.Found() || len(rep.Errors()) > 0 {
		code = ExitFindings
	}
	if fl.evidence != "" {
		d, err := dataset.Describe(c.Context(), path, cmpOr(fl.name, filepath.Base(filepath.Clean(path))))
		if err != nil {
			return usageErr("--evidence: hashing %s: %w", path, err)
		}
		rec, err := dataset.Evidence(evidence.NewSubject(d.Name, strings.TrimPrefix(d.Digest, "sha256:")), rep, time.Now().UTC())
		if err != nil {
			return usageErr("--evidence: %w", err)
		}
		if err := writeEvidenceFile(fl.evidence, rec); err != nil {
			return usageErr("%w", err)
		}
	}
	switch fl.format {
	case "json":
		err = rep.WriteJSON(dst)
	case "sarif":
		wd, _ := os.Getwd()
		err = rep.WriteSARIF(dst, wd, code)
	default:
		err = rep.WriteTable(dst)
	}
	if err == nil && file != nil {
		err = file.commit()
	}
	if err != nil {
		return usageErr("cannot write the report: %w", err)
	}
	if code != ExitOK {
		return withCode(code, nil)
	}
	return nil
}

// scanData runs the PII scan of PATH with a progress bar on a terminal.
func scanData(c *cobra.Command, path string, fl dataScanFlags) (*dataset.Report, error) {
	opt := dataset.Options{NullValues: fl.nulls}
	var bar *pbar.Bar
	if !fl.noProgress {
		bar = pbar.ForTerminal(c.ErrOrStderr(), "scanning")
	}
	if bar != nil {
		total := treeSize(path)
		opt.Progress = func(done int64) { bar.UpdateBytes(done, total) }
	}
	rep, err := dataset.Scan(c.Context(), path, opt)
	bar.Clear()
	return rep, err
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// treeSize is the bytes under path, for the progress bar only.
func treeSize(path string) int64 {
	var n int64
	filepath.Walk(path, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

type dataManifestFlags struct {
	name, owner, classification, output string
	allow                               []string
}

func newDataManifestCmd() *cobra.Command {
	var fl dataManifestFlags
	c := &cobra.Command{
		Use:   "manifest PATH --name NAME",
		Short: "Describe a dataset version: files and digests, owner, classification, allowed locations",
		Long: `Hash PATH (a file or folder) as OMS model signing hashes a model (files
mode, SHA-256: the same root digest 'mlsec sign' signs and a model
version's trained_on lineage names) and write a dataset descriptor (JSON):
name, root digest, owner, classification (public, internal, confidential,
restricted), the URI prefixes where copies may be stored, and per file its
size, SHA-256 and the SHA-256 of its first 64 KiB ('mlsec data locate'
uses them).`,
		Example: `  mlsec data manifest ./adult --name adult --owner team-risk --classification confidential \
    --allow s3://ml-data/adult/ --allow file:///srv/data/adult/ -o adult.dataset.json`,
		Args: exactlyOneFile("data manifest"),
		RunE: func(c *cobra.Command, args []string) error {
			if fl.name == "" {
				return usageErr("data manifest: --name is required (the dataset's name in the registry)")
			}
			d, err := dataset.Describe(c.Context(), args[0], fl.name)
			if err != nil {
				return usageErr("cannot hash %s: %w", args[0], err)
			}
			d.Owner, d.Classification, d.Allowed = fl.owner, fl.classification, fl.allow
			if err := d.Validate(); err != nil {
				return usageErr("%w", err)
			}
			dst, file, err := reportDest(c.OutOrStdout(), fl.output)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			defer file.discard()
			enc := json.NewEncoder(dst)
			enc.SetIndent("", "  ")
			if err := enc.Encode(d); err != nil {
				return usageErr("%w", err)
			}
			if file != nil {
				return file.commit()
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&fl.name, "name", "", "dataset `NAME` (required)")
	f.StringVar(&fl.owner, "owner", "", "owning `TEAM`")
	f.StringVar(&fl.classification, "classification", "", "`LEVEL`: public, internal, confidential or restricted")
	f.StringSliceVar(&fl.allow, "allow", nil, "`URI` prefix where copies may be stored (repeatable), e.g. s3://ml-data/adult/")
	f.StringVarP(&fl.output, "output", "o", "", "write the descriptor to `FILE` instead of stdout")
	return c
}

type dataLocateFlags struct {
	datasets   []string
	format     string
	all        bool
	registered bool
	r          remote
}

func newDataLocateCmd() *cobra.Command {
	var fl dataLocateFlags
	c := &cobra.Command{
		Use:   "locate ROOT --dataset DESCRIPTOR | --server URL",
		Short: "Find copies of datasets under a folder or S3 prefix, and the ones outside their allowed locations",
		Long: `List every file under ROOT (a folder, or an s3:// URL whose path is the key
prefix) and report those whose content equals a file of a described dataset
('mlsec data manifest'), with the dataset's owner and classification, and
whether the location is one the dataset allows. A copy outside every allowed
location is a stray: how a security team finds training sets duplicated
into unsecured places. With --server (or --registered, the server from
$MLSEC_SERVER or the config file) every dataset version registered on the
registry that your token may see is looked for too ('mlsec data register').

Only what could match is read: an object whose size matches no dataset
file is never opened; one that does has its first 64 KiB hashed, and only
if that matches is the whole object hashed.

Exit codes (docs/exit-codes.md):
  0  no stray copy, every candidate object read
  1  a stray copy found, or an object that could not be read
  2  usage error, or ROOT cannot be listed`,
		Example: `  mlsec data locate /srv/shared --dataset adult.dataset.json
  mlsec data locate 's3://scratch/team-a/?region=eu-west-1' --dataset adult.dataset.json --format json
  mlsec data locate . --dataset a.json --dataset b.json --all
  mlsec data locate /srv/shared --server https://registry.example`,
		Args: exactlyOneFile("data locate"),
		RunE: func(c *cobra.Command, args []string) error { return runDataLocate(c, args[0], &fl) },
	}
	f := c.Flags()
	f.StringSliceVar(&fl.datasets, "dataset", nil, "dataset descriptor `FILE` written by 'mlsec data manifest' (repeatable; required)")
	f.StringVar(&fl.format, "format", "table", "output `FORMAT`: table or json")
	f.BoolVar(&fl.all, "all", false, "list allowed copies too (default: strays only)")
	f.BoolVar(&fl.registered, "registered", false, "look for the registry's registered dataset versions (implied by --server)")
	fl.r.register(f, false)
	return c
}

func runDataLocate(c *cobra.Command, root string, fl *dataLocateFlags) error {
	if fl.format != "table" && fl.format != "json" {
		return usageErr("--format %q: use table or json", fl.format)
	}
	fl.registered = fl.registered || c.Flags().Changed("server")
	if len(fl.datasets) == 0 && !fl.registered {
		return usageErr("data locate: give at least one --dataset descriptor ('mlsec data manifest' writes one), or --server to use the registry's datasets")
	}
	var ds []*dataset.Descriptor
	if fl.registered {
		cl, err := fl.r.client()
		if err != nil {
			return err
		}
		if ds, err = registeredDescriptors(c.Context(), cl); err != nil {
			return remoteErr(cl, err)
		}
	}
	for _, p := range fl.datasets {
		d, err := dataset.ReadDescriptor(p)
		if err != nil {
			return usageErr("--dataset: %w", err)
		}
		ds = append(ds, d)
	}
	b, prefix, base, err := openRoot(c, root)
	if err != nil {
		return usageErr("cannot open %s: %w", root, err)
	}
	defer b.Close()
	stderr := c.ErrOrStderr()
	copies, st, err := dataset.Locate(c.Context(), b, prefix, base, dataset.NewIndex(ds...), func(key string, err error) {
		fmt.Fprintf(stderr, "error: %s%s: %v\n", base, key, err)
	})
	if err != nil {
		return usageErr("%w", err)
	}
	sort.Slice(copies, func(i, j int) bool { return copies[i].Location < copies[j].Location })
	strays := 0
	for _, cp := range copies {
		if !cp.Allowed {
			strays++
		}
	}
	out := c.OutOrStdout()
	if fl.format == "json" {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if copies == nil {
			copies = []dataset.Copy{}
		}
		err = enc.Encode(struct {
			Copies []dataset.Copy      `json:"copies"`
			Stats  dataset.LocateStats `json:"stats"`
		}{copies, st})
	} else {
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "STATUS\tLOCATION\tDATASET\tFILE\tOWNER\tCLASSIFICATION")
		for _, cp := range copies {
			status := "STRAY"
			if cp.Allowed {
				if !fl.all {
					continue
				}
				status = "allowed"
			}
			label := cp.Dataset // a registered version is NAME@V already
			if !strings.Contains(label, "@") {
				label += "@" + short(strings.TrimPrefix(cp.DatasetDigest, "sha256:"))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", status, cp.Location, label, cp.File, cmpOr(cp.Owner, "-"), cmpOr(cp.Classification, "-"))
		}
		tw.Flush()
		fmt.Fprintf(out, "%d objects (%s) listed, %d same size, %d fully hashed, %s read; %d copies, %d stray, %d unreadable\n",
			st.Objects, pbar.HumanBytes(st.Bytes), st.PrefixHashed, st.FullHashed, pbar.HumanBytes(st.BytesRead), len(copies), strays, st.Errors)
	}
	if err != nil {
		return usageErr("%w", err)
	}
	if strays > 0 || st.Errors > 0 {
		return withCode(ExitFindings, nil)
	}
	return nil
}

// openRoot opens a folder or an s3:// URL (its path is the key prefix) as
// a bucket, and returns the URI prefix locations are reported under.
func openRoot(c *cobra.Command, root string) (*blob.Bucket, string, string, error) {
	if strings.HasPrefix(root, "s3://") {
		u, err := url.Parse(root)
		if err != nil {
			return nil, "", "", err
		}
		prefix := strings.TrimPrefix(u.Path, "/")
		u.Path = ""
		b, err := blob.OpenBucket(c.Context(), u.String())
		return b, prefix, "s3://" + u.Host + "/", err
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, "", "", err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, "", "", err
	}
	if !st.IsDir() {
		return nil, "", "", fmt.Errorf("%s is not a folder", root)
	}
	b, err := fileblob.OpenBucket(abs, nil)
	return b, "", "file://" + filepath.ToSlash(abs) + "/", err
}
