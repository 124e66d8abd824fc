package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlsec/mlsec/policy"
	"github.com/mlsec/mlsec/registry"
)

// 'mlsec profile show|set|unset': the policy profile a model or a team is
// decided under on the server (docs/registry.md "Policy profiles").

func init() { register(newProfileCmd) }

// profileTarget is the --model or --team a profile command is about.
type profileTarget struct{ model, team string }

func (t *profileTarget) register(c *cobra.Command) {
	c.Flags().StringVar(&t.model, "model", "", "the `MODEL` whose profile (its own setting overrides its team's)")
	c.Flags().StringVar(&t.team, "team", "", "the `TEAM` whose profile (for its models that set none)")
}

// pick returns the target's kind and name; none is allowed only if optional.
func (t profileTarget) pick(optional bool) (registry.ProfileKind, string, error) {
	switch {
	case t.model != "" && t.team != "":
		return "", "", withCode(ExitUsage, errors.New("give --model or --team, not both"))
	case t.model != "":
		return registry.ProfileModel, t.model, nil
	case t.team != "":
		return registry.ProfileTeam, t.team, nil
	case optional:
		return "", "", nil
	}
	return "", "", withCode(ExitUsage, errors.New("give --model MODEL or --team TEAM"))
}

func newProfileCmd() *cobra.Command {
	var r remote
	c := &cobra.Command{
		Use:   "profile (show|set|unset) [--model MODEL | --team TEAM]",
		Short: "Show or choose the policy profile a model or team is decided under on the server",
		Long: `profile shows and chooses the policy profile (` + strings.Join(policy.Profiles(), ", ") + `) the
registry evaluates a model's decisions under: the model's own setting, else
its team's, else the server default (mlsec serve --profile, baseline when not
given). baseline denies on supply-chain and provenance failures and warns on
documentation gaps; strict also denies on documentation gaps.

Only admins set or unset a profile, and only with a token that covers the
whole team (unscoped, or scoped to that team): a token scoped to one model
cannot loosen what its team chose. Every change is an audit event
(profile.set, profile.unset) with the old and new value, in the Merkle log
and in the model's history. Each decision records the profile that decided
it (policy.profile in 'mlsec requests --format json', profile in 'mlsec
history --format json').`,
		Example: `  mlsec profile show --model fraud-detector
  mlsec profile set --team risk strict
  mlsec profile set --model fraud-detector baseline
  mlsec profile unset --model fraud-detector`,
	}
	r.register(c.PersistentFlags(), true)

	var st profileTarget
	show := &cobra.Command{
		Use:   "show [--model MODEL | --team TEAM]",
		Short: "Show the profile that decides for a model or a team (or the server default)",
		Example: `  mlsec profile show
  mlsec profile show --model fraud-detector --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			kind, name, err := st.pick(true)
			if err != nil {
				return err
			}
			cl, err := r.client()
			if err != nil {
				return err
			}
			var v registry.ProfileView
			if kind == "" {
				v, err = cl.Profiles(cmd.Context())
			} else {
				v, err = cl.Profile(cmd.Context(), kind, name)
			}
			if err != nil {
				return remoteErr(cl, err)
			}
			return writeProfile(cmd.OutOrStdout(), r.format, v)
		},
	}
	st.register(show)

	var set profileTarget
	setc := &cobra.Command{
		Use:   "set (--model MODEL | --team TEAM) PROFILE",
		Short: "Set the profile of a model or a team (admins of the whole team)",
		Example: `  mlsec profile set --team risk strict
  mlsec profile set --model fraud-detector baseline`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := policy.ProfileData(args[0]); err != nil || args[0] == "" {
				return withCode(ExitUsage, fmt.Errorf("unknown policy profile %q (the profiles are %s)", args[0], strings.Join(policy.Profiles(), ", ")))
			}
			return setProfile(cmd, &r, set, args[0])
		},
	}
	set.register(setc)

	var unset profileTarget
	unsetc := &cobra.Command{
		Use:     "unset (--model MODEL | --team TEAM)",
		Short:   "Remove the profile setting of a model or a team (admins of the whole team)",
		Example: `  mlsec profile unset --model fraud-detector`,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return setProfile(cmd, &r, unset, "") },
	}
	unset.register(unsetc)
	c.AddCommand(show, setc, unsetc)
	return c
}

// setProfile sets (profile != "") or removes the target's profile and
// prints the resulting view.
func setProfile(cmd *cobra.Command, r *remote, t profileTarget, profile string) error {
	kind, name, err := t.pick(false)
	if err != nil {
		return err
	}
	cl, err := r.client()
	if err != nil {
		return err
	}
	v, err := cl.SetProfile(cmd.Context(), kind, name, profile)
	if err != nil {
		return remoteErr(cl, err)
	}
	return writeProfile(cmd.OutOrStdout(), r.format, v)
}

func writeProfile(w io.Writer, format string, v registry.ProfileView) error {
	if format == "json" {
		return writeJSONOut(w, v)
	}
	what := "server default"
	switch {
	case v.Model != "":
		what = "model " + v.Model
		if v.Team != "" {
			what += " (team " + v.Team + ")"
		}
	case v.Team != "":
		what = "team " + v.Team
	}
	fmt.Fprintf(w, "%s: decided under %s (from the %s setting)\n", what, orDash(v.Profile), v.Source)
	for _, s := range []*registry.ProfileSetting{v.ModelSetting, v.TeamSetting} {
		if s != nil {
			fmt.Fprintf(w, "  %s %s: %s, set by %s at %s\n", s.Kind, s.Name, s.Profile, s.SetBy, s.SetAt.Format("2006-01-02 15:04 UTC"))
		}
	}
	fmt.Fprintf(w, "  server default: %s; profiles: %s\n", orDash(v.Default), strings.Join(v.Profiles, ", "))
	return nil
}
