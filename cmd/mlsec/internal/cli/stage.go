package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/registry"
)

func init() { register(newStageCmd) }

// newStageCmd is `mlsec stage NAME@VERSION STAGE`: it reads the version and
// changes its stage under If-Match, so a concurrent change is reported
// instead of overwritten.
func newStageCmd() *cobra.Command {
	var r remote
	names := make([]string, len(registry.Stages))
	for i, s := range registry.Stages {
		names[i] = string(s)
	}
	c := &cobra.Command{
		Use:   "stage NAME@VERSION STAGE",
		Short: "Move a ready model version to another release stage",
		Long: `stage moves a ready version to STAGE (` + strings.Join(names, ", ") + `).
VERSION is a number or sha256:DIGEST. The version is read first and changed
only if nobody changed it in between (If-Match); otherwise nothing is written
and the command exits 1. Admins and maintainers only.`,
		Example: `  mlsec stage fraud-detector@3 staging`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := r.client()
			if err != nil {
				return err
			}
			name, ref := splitRef(args[0])
			if ref == "" || ref == "latest" {
				return withCode(ExitUsage, fmt.Errorf("%q: name the version explicitly (NAME@NUMBER or NAME@sha256:DIGEST)", args[0]))
			}
			to := registry.Stage(args[1])
			if !registry.ValidStage(to) {
				return withCode(ExitUsage, fmt.Errorf("stage %q: want one of %s", args[1], strings.Join(names, ", ")))
			}
			n, err := cl.Resolve(cmd.Context(), name, ref)
			if err != nil {
				return remoteErr(cl, err)
			}
			v, err := cl.GetVersion(cmd.Context(), name, n)
			if err != nil {
				return remoteErr(cl, err)
			}
			out := cmd.OutOrStdout()
			if v.Stage == to {
				fmt.Fprintf(out, "%s version %d is already in %s: nothing to do\n", name, n, to)
				return nil
			}
			got, err := cl.SetVersionStage(cmd.Context(), name, n, v.Revision, to)
			switch {
			case errors.Is(err, registry.ErrPrecondition):
				return withCode(ExitFindings, fmt.Errorf("%s version %d changed since it was read (revision %d): nothing written; check it with 'mlsec versions %s' and run again", name, n, v.Revision, name))
			case errors.Is(err, registry.ErrConflict) && v.State != registry.StateReady:
				return withCode(ExitFindings, fmt.Errorf("%s version %d is %s: only a ready version changes stage", name, n, v.State))
			case err != nil:
				return remoteErr(cl, err)
			}
			fmt.Fprintf(out, "%s version %d: %s -> %s\n", name, n, v.Stage, got.Stage)
			return nil
		},
	}
	r.register(c.Flags(), false)
	return c
}
