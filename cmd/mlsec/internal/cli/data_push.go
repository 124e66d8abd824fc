package cli

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/client"
)

// data push and data pull (docs/data.md "Pushing small datasets"): a
// registered dataset version whose bytes the registry also keeps.

func newDataPushCmd() *cobra.Command {
	var fl dataRegisterFlags
	c := dataRegisterCmd(&fl)
	c.Use = "push PATH --name NAME --classification LEVEL [register flags]"
	c.Short = "Register a small dataset version and upload its files to the registry"
	c.Long = `Register PATH as 'mlsec data register' does (manifest, PII scan,
classification, pending approval) and upload every file's bytes to the
registry's blob store, where 'mlsec data pull NAME@V DIR' gets them back.
The registry accepts only the bytes the registered manifest lists (each
file's size and SHA-256 are checked before anything is stored) and keeps
datasets of up to 1 GiB in total, each file within the blob store's limit
(as model files); register larger data with 'mlsec data register': its
bytes stay where they are, at the allowed locations. Pushing content that
is already registered uploads its bytes to that version (the retry of a
push whose upload failed).

Exit codes: 0 registered and uploaded; 1 refused by the registry (role,
scope, the same content already registered, bytes that do not match the
manifest); 2 usage error, PATH unreadable or too large, registry
unreachable.`
	c.Example = `  mlsec data push ./adult --name adult --classification confidential --owner bob \
    --lawful-basis "UCI ML repository, CC BY 4.0"
  mlsec data pull adult@1 ./adult-v1`
	return c
}

// checkPushSize refuses, before anything is registered, data the registry
// would not keep.
func checkPushSize(path string, files []registry.DatasetFile) error {
	var total int64
	for _, f := range files {
		total += f.Size
	}
	if total > registry.MaxPushedDataset {
		return usageErr("%s is %d bytes; the registry keeps the bytes of datasets up to %d bytes (1 GiB): register it with 'mlsec data register' instead (its bytes stay where they are)",
			path, total, registry.MaxPushedDataset)
	}
	return nil
}

// uploadDataset uploads each file of v from path (a folder, or the one
// file v lists).
func uploadDataset(ctx context.Context, cl *client.Client, path string, v registry.DatasetVersion) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	for _, f := range v.Files {
		local := path
		if fi.IsDir() {
			local = filepath.Join(path, filepath.FromSlash(f.Path))
		}
		if err := uploadOne(ctx, cl, v, f, local); err != nil {
			return fmt.Errorf("%s: %w", f.Path, err)
		}
	}
	return nil
}

func uploadOne(ctx context.Context, cl *client.Client, v registry.DatasetVersion, f registry.DatasetFile, local string) error {
	r, err := os.Open(local)
	if err != nil {
		return err
	}
	defer r.Close()
	return cl.PutDatasetFile(ctx, v.Dataset, v.Number, f.Path, f.Size, r)
}

type dataPullFlags struct {
	r remote
}

func newDataPullCmd() *cobra.Command {
	var fl dataPullFlags
	c := &cobra.Command{
		Use:   "pull NAME@V DIR",
		Short: "Download a pushed dataset version's files, verifying every digest",
		Long: `Download every file of dataset version NAME@V (pushed with 'mlsec data
push') into DIR. Each file is hashed as it streams and checked against the
registered size and SHA-256, and the files must give the version's root
digest; only then are they moved into DIR, so a failed pull leaves nothing.
Paths from the registry are checked before anything is written (no '..',
no absolute paths, nothing that would land outside DIR).

Exit codes: 0 pulled; 1 refused by the registry (role, scope) or a file
that does not verify; 2 usage error, a version registered without its
bytes (not found), registry unreachable.`,
		Example: `  mlsec data pull adult@1 ./adult-v1
  mlsec data pull adult@2 ./data --format json`,
		Args: cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			name, n, err := registry.ParseDatasetRef(args[0])
			if err != nil {
				return usageErr("%v", err)
			}
			cl, err := fl.r.client()
			if err != nil {
				return err
			}
			v, files, bytes, err := cl.PullDataset(c.Context(), name, n, args[1], client.PullOptions{})
			if client.StatusOf(err) == http.StatusNotFound { // not a model: remoteErr's hint would mislead
				hint := "\n'mlsec data versions " + name + "' lists the dataset's versions."
				return withCode(ExitUsage, fmt.Errorf("%w%s", err, hint))
			}
			if err != nil {
				return remoteErr(cl, err)
			}
			if fl.r.format == "json" {
				return writeJSONOut(c.OutOrStdout(), map[string]any{"dataset": v.Ref(), "digest": v.Digest, "dir": args[1], "files": files, "bytes": bytes})
			}
			fmt.Fprintf(c.OutOrStdout(), "dataset %s sha256:%s pulled into %s (%d files, %d bytes, every digest verified)\n", v.Ref(), v.Digest, args[1], files, bytes)
			return nil
		},
	}
	fl.r.register(c.Flags(), true)
	return c
}
