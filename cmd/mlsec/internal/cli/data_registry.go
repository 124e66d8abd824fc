package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/dataset"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/client"
)

// Registered datasets (docs/data.md "Registered datasets"): data register,
// versions, approve and reject are thin commands over the registry's
// dataset versions (registry/datasets.go).

type dataRegisterFlags struct {
	r          remote
	in         registry.NewDatasetVersion
	name       string
	nulls      []string
	noProgress bool
}

func newDataRegisterCmd() *cobra.Command {
	var fl dataRegisterFlags
	return dataRegisterCmd(&fl)
}

func dataRegisterCmd(fl *dataRegisterFlags) *cobra.Command {
	c := &cobra.Command{
		Use:   "register PATH --name NAME --classification LEVEL [--lawful-basis TEXT] [--retention DUR] [--allowed-location PREFIX ...] [--derived-from NAME@V]",
		Short: "Register a dataset version in the registry: manifest, PII found, classification, pending approval",
		Long: `Hash PATH (a file or folder) as OMS model signing hashes a model (the root
digest a model version's trained_on lineage names), scan it for personal
data, secrets and sensitive attributes ('mlsec data scan'), and record on the
registry a new version of dataset NAME: its files and digests, the PII
summary, classification, lawful basis or consent reference, retention, the
URI prefixes where copies may be stored, and the version it derives from.
The first version creates the dataset (in --team, default your token's
team; --owner names the person accountable for it, who approves versions).

A new version is pending until approved ('mlsec data approve NAME@V') by the
dataset's owner or an admin, never by who registered it. The default policy
denies promotion of a model version trained on a dataset version that is
not registered, not approved, or holds PII its classification does not
allow (MLSEC-DATA-001..003).

Exit codes: 0 registered; 1 refused by the registry (role, scope, the same
content already registered); 2 usage error, PATH unreadable, registry
unreachable.`,
		Example: `  mlsec data register ./adult --name adult --classification confidential --owner bob \
    --lawful-basis "UCI ML repository, CC BY 4.0" --retention 3y --allowed-location s3://ml-data/adult/
  mlsec data register ./adult --name adult --classification confidential --derived-from adult@1`,
		Args: exactlyOneFile("data register"),
		RunE: func(c *cobra.Command, args []string) error { return runDataRegister(c, args[0], fl) },
	}
	f := c.Flags()
	fl.r.register(f, true)
	f.StringVar(&fl.name, "name", "", "dataset `NAME` in the registry (required)")
	f.StringVar(&fl.in.Classification, "classification", "", "`LEVEL`: public, internal, confidential or restricted (required)")
	f.StringVar(&fl.in.LawfulBasis, "lawful-basis", "", "lawful basis or consent reference (free `TEXT`)")
	f.StringVar(&fl.in.Retention, "retention", "", "how long the data may be kept: `DUR` as 365d, 6m, 3y or 720h")
	f.StringArrayVar(&fl.in.AllowedLocations, "allowed-location", nil, "URI `PREFIX` where copies may be stored (repeatable), e.g. s3://ml-data/adult/")
	f.StringVar(&fl.in.DerivedFrom, "derived-from", "", "the version this one was made from, `NAME@V`")
	f.StringVar(&fl.in.Team, "team", "", "owning `TEAM` when this version creates the dataset (default: your token's team)")
	f.StringVar(&fl.in.Owner, "owner", "", "accountable `PERSON` when this version creates the dataset: approves its versions")
	f.StringVar(&fl.in.Description, "description", "", "what the dataset is, when this version creates it")
	f.IntVar(&fl.in.RequiredApprovals, "required-approvals", 1, "approvals the version needs (`N`, at least 1)")
	f.StringSliceVar(&fl.nulls, "null-values", nil, "extra CSV null `MARKER`s for the PII scan, e.g. '?' (repeatable)")
	f.BoolVar(&fl.noProgress, "no-progress", false, "no progress bar on stderr")
	return c
}

func runDataRegister(c *cobra.Command, path string, fl *dataRegisterFlags) error {
	if fl.name == "" || fl.in.Classification == "" {
		return usageErr("data %s: --name and --classification are required", c.Name())
	}
	d, err := dataset.Describe(c.Context(), path, fl.name)
	if err != nil {
		return usageErr("cannot hash %s: %w", path, err)
	}
	if c.Name() == "push" {
		if err := checkPushSize(path, d.Files); err != nil {
			return err
		}
	}
	rep, err := scanData(c, path, dataScanFlags{nulls: fl.nulls, noProgress: fl.noProgress})
	if err != nil {
		return usageErr("cannot scan %s: %w", path, err)
	}
	summary := dataset.Summary(rep)
	fl.in.Digest, fl.in.Files, fl.in.PII = d.Digest, d.Files, &summary
	cl, err := fl.r.client()
	if err != nil {
		return err
	}
	v, err := cl.RegisterDatasetVersion(c.Context(), fl.name, fl.in)
	if c.Name() == "push" && errors.Is(err, registry.ErrExists) {
		// This content is registered already: upload its bytes (the retry
		// of a push whose upload failed; stored bytes are kept as they are).
		v, err = registeredAs(c.Context(), cl, fl.name, d.Digest)
	}
	if err != nil {
		return remoteErr(cl, err)
	}
	if c.Name() == "push" {
		if err := uploadDataset(c.Context(), cl, path, v); err != nil {
			return fmt.Errorf("dataset %s was registered, but its bytes were not all uploaded (run the same push again to retry): %w", v.Ref(), remoteErr(cl, err))
		}
	}
	if fl.r.format == "json" {
		return writeJSONOut(c.OutOrStdout(), v)
	}
	out := c.OutOrStdout()
	fmt.Fprintf(out, "dataset %s sha256:%s registered (%d files, %s): %s\n", v.Ref(), v.Digest, len(v.Files), v.Classification, describeApproval(v))
	writePIISummary(out, v)
	for _, f := range rep.Errors() {
		fmt.Fprintf(c.ErrOrStderr(), "warning: %s: %s: not fully scanned; the version is recorded as not completely scanned (the policy requires restricted)\n", f.Path, f.Error)
	}
	return nil
}

// registeredAs is the version of dataset name whose root digest is digest.
func registeredAs(ctx context.Context, cl *client.Client, name, digest string) (registry.DatasetVersion, error) {
	vs, err := cl.ListDatasetVersions(ctx, name)
	if err != nil {
		return registry.DatasetVersion{}, err
	}
	for _, v := range vs {
		if v.Digest == strings.TrimPrefix(digest, "sha256:") {
			return v, nil
		}
	}
	return registry.DatasetVersion{}, fmt.Errorf("dataset %s: no version with digest %s: %w", name, digest, registry.ErrNotFound)
}

func describeApproval(v registry.DatasetVersion) string {
	switch v.Status {
	case registry.DatasetPending:
		return fmt.Sprintf("pending approval, %d more needed from %s", v.Required-registry.CountApprovals(v.Approvals), strings.Join(v.Approvers, ", "))
	case registry.DatasetApproved, registry.DatasetRejected:
		return fmt.Sprintf("%s by %s", v.Status, v.DecidedBy)
	}
	return string(v.Status)
}

// writePIISummary prints what the PII scan found, per entity type and
// sensitive attribute.
func writePIISummary(w io.Writer, v registry.DatasetVersion) {
	if v.PII == nil {
		fmt.Fprintln(w, "PII: not scanned")
		return
	}
	var ents []string
	for e, n := range v.PII.Entities {
		if n > 0 {
			ents = append(ents, fmt.Sprintf("%s %d", e, n))
		}
	}
	sort.Strings(ents)
	fmt.Fprintf(w, "PII: %s; sensitive attributes: %s; %d rows", listOrNone(ents), listOrNone(v.PII.SensitiveColumns()), v.PII.Rows)
	if !v.PII.Complete {
		fmt.Fprint(w, "; NOT completely scanned")
	}
	fmt.Fprintln(w)
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}

func newDataVersionsCmd() *cobra.Command {
	var r remote
	c := &cobra.Command{
		Use:   "versions NAME",
		Short: "List a registered dataset's versions: digest, classification, approval, PII",
		Example: `  mlsec data versions adult
  mlsec data versions adult --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			cl, err := r.client()
			if err != nil {
				return err
			}
			vs, err := cl.ListDatasetVersions(c.Context(), args[0])
			if err != nil {
				return remoteErr(cl, err)
			}
			if r.format == "json" {
				if vs == nil {
					vs = []registry.DatasetVersion{}
				}
				return writeJSONOut(c.OutOrStdout(), vs)
			}
			tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tDIGEST\tFILES\tCLASSIFICATION\tSTATUS\tSENSITIVE\tDERIVED FROM\tREGISTERED BY")
			for _, v := range vs {
				sens := "-"
				if v.PII != nil {
					sens = listOrNone(v.PII.SensitiveColumns())
				}
				fmt.Fprintf(tw, "%s\tsha256:%s\t%d\t%s\t%s\t%s\t%s\t%s\n", v.Ref(), short(v.Digest), len(v.Files), v.Classification, v.Status, sens, orDash(v.DerivedFrom), v.CreatedBy)
			}
			return tw.Flush()
		},
	}
	r.register(c.Flags(), true)
	return c
}

func newDataVoteCmd(verdict string) *cobra.Command {
	var r remote
	var comment string
	short := "Approve a dataset version: its owner or an admin, never who registered it"
	if verdict == "reject" {
		short = "Reject a pending dataset version (approvers only)"
	}
	c := &cobra.Command{
		Use:   verdict + " NAME@V [--comment TEXT]",
		Short: short,
		Long: short + `.
A version is approved once enough approvers (the dataset's owner, role:admin)
other than who registered it approve it; one vote per person. Audited as
dataset.` + verdict + `. Exit codes: 0 recorded; 1 refused (not an approver,
separation of duties, already decided); 2 usage error or registry
unreachable.`,
		Example: fmt.Sprintf(`  mlsec data %s adult@2 --comment "row 17 corrected; PII report reviewed"`, verdict),
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			name, n, err := registry.ParseDatasetRef(args[0])
			if err != nil {
				return usageErr("%w", err)
			}
			cl, err := r.client()
			if err != nil {
				return err
			}
			v, err := cl.VoteDatasetVersion(c.Context(), name, n, verdict, comment)
			if err != nil {
				return remoteErr(cl, err)
			}
			if r.format == "json" {
				return writeJSONOut(c.OutOrStdout(), v)
			}
			fmt.Fprintf(c.OutOrStdout(), "dataset %s: %s\n", v.Ref(), describeApproval(v))
			return nil
		},
	}
	r.register(c.Flags(), true)
	c.Flags().StringVar(&comment, "comment", "", "why (`TEXT`, recorded with the vote)")
	return c
}

// registeredDescriptors returns a locate descriptor per registered dataset
// version the token may see.
func registeredDescriptors(ctx context.Context, cl *client.Client) ([]*dataset.Descriptor, error) {
	ds, err := client.All(ctx, 0, func(ctx context.Context, cur string) (client.List[registry.Dataset], error) {
		return cl.ListDatasets(ctx, registry.Page{Limit: registry.MaxLimit, Cursor: cur})
	})
	if err != nil {
		return nil, err
	}
	var out []*dataset.Descriptor
	for _, d := range ds {
		vs, err := cl.ListDatasetVersions(ctx, d.Name)
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			out = append(out, &dataset.Descriptor{Name: v.Ref(), Digest: "sha256:" + v.Digest, Owner: cmpOr(v.Owner, v.Team),
				Classification: v.Classification, Allowed: v.AllowedLocations, Files: v.Files})
		}
	}
	return out, nil
}
