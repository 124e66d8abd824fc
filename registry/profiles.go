package registry

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Policy profiles (docs/registry.md "Policy profiles"): the profile a
// decision is evaluated under is the model's setting, else its team's,
// else the evaluator's default (mlsec serve --profile). Only admins set
// them, within their scope: a team's profile needs a token that covers the
// whole team, and so does a model's (a model-scoped admin cannot loosen
// what its team's admin chose). Every change is an audit event with the
// old and new value.

// ProfileKind says what a profile setting is for.
type ProfileKind string

// Profile setting kinds.
const (
	ProfileTeam  ProfileKind = "team"
	ProfileModel ProfileKind = "model"
)

// ProfileSetting is one team's or model's chosen profile.
type ProfileSetting struct {
	Kind    ProfileKind `json:"kind"`
	Name    string      `json:"name"`
	Profile string      `json:"profile"`
	SetBy   string      `json:"set_by"`
	SetAt   time.Time   `json:"set_at"`
}

// Where an effective profile comes from.
const (
	SourceModel   = "model"
	SourceTeam    = "team"
	SourceDefault = "default"
)

// ProfileView is the profile that decides for a model (or a team's
// models) and why: the model's and the team's settings, if any, and the
// server default.
type ProfileView struct {
	Model string `json:"model,omitempty"`
	Team  string `json:"team,omitempty"`
	// Profile is the effective profile; Source says which setting chose
	// it (model, team or default).
	Profile      string          `json:"profile"`
	Source       string          `json:"source"`
	ModelSetting *ProfileSetting `json:"model_setting,omitempty"`
	TeamSetting  *ProfileSetting `json:"team_setting,omitempty"`
	Default      string          `json:"default"`
	// Profiles are the names the server accepts.
	Profiles []string `json:"profiles"`
}

// ProfilePut is the body that sets a team's or model's profile.
type ProfilePut struct {
	Profile string `json:"profile"`
}

// ProfileReader reads profile settings; the store implements it.
type ProfileReader interface {
	// GetProfileSetting returns a team's or model's setting, or an
	// ErrNotFound error.
	GetProfileSetting(ctx context.Context, kind ProfileKind, name string) (ProfileSetting, error)
}

// ProfileTx writes profile settings inside a transaction.
type ProfileTx interface {
	ProfileReader
	// PutProfileSetting inserts or replaces a setting and sets SetAt.
	PutProfileSetting(ctx context.Context, p *ProfileSetting) error
	// DeleteProfileSetting removes a setting (none is not an error).
	DeleteProfileSetting(ctx context.Context, kind ProfileKind, name string) error
}

func profileReader(r Reader) (ProfileReader, error) {
	p, ok := r.(ProfileReader)
	if !ok {
		return nil, fmt.Errorf("store %T does not support policy profiles", r)
	}
	return p, nil
}

// setting returns kind/name's setting, or nil when there is none.
func setting(ctx context.Context, r ProfileReader, kind ProfileKind, name string) (*ProfileSetting, error) {
	if name == "" {
		return nil, nil
	}
	p, err := r.GetProfileSetting(ctx, kind, name)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// profileView resolves the profile of model m (Name "" for a team's view).
func (s *Service) profileView(ctx context.Context, r Reader, m Model) (ProfileView, error) {
	v := ProfileView{Model: m.Name, Team: m.Team, Profiles: []string{}}
	if s.gov.eval != nil {
		v.Default, v.Profiles = s.gov.eval.DefaultProfile(), s.gov.eval.Profiles()
	}
	pr, err := profileReader(r)
	if err != nil {
		return v, err
	}
	if v.ModelSetting, err = setting(ctx, pr, ProfileModel, m.Name); err != nil {
		return v, err
	}
	if v.TeamSetting, err = setting(ctx, pr, ProfileTeam, m.Team); err != nil {
		return v, err
	}
	switch {
	case v.ModelSetting != nil:
		v.Profile, v.Source = v.ModelSetting.Profile, SourceModel
	case v.TeamSetting != nil:
		v.Profile, v.Source = v.TeamSetting.Profile, SourceTeam
	default:
		v.Profile, v.Source = v.Default, SourceDefault
	}
	return v, nil
}

// modelProfile is the policy profile that decides for the model named
// model ("" when only the evaluator's default applies and none is wired).
func (s *Service) modelProfile(ctx context.Context, model string) (string, error) {
	m, err := s.store.GetModel(ctx, model)
	if err != nil {
		return "", err
	}
	v, err := s.profileView(ctx, s.store, m)
	return v.Profile, err
}

// ModelProfile returns the profile that decides for model (its readers).
func (s *Service) ModelProfile(ctx context.Context, a Actor, model string) (ProfileView, error) {
	m, err := s.GetModel(ctx, a, model)
	if err != nil {
		return ProfileView{}, err
	}
	return s.profileView(ctx, s.store, m)
}

// Profiles returns the server's default profile and the profiles it
// accepts (any role).
func (s *Service) Profiles(ctx context.Context, a Actor) (ProfileView, error) {
	if err := require(a, PermRead, nil); err != nil {
		return ProfileView{}, err
	}
	v := ProfileView{Source: SourceDefault, Profiles: []string{}}
	if s.gov.eval != nil {
		v.Default, v.Profiles = s.gov.eval.DefaultProfile(), s.gov.eval.Profiles()
	}
	v.Profile = v.Default
	return v, nil
}

// TeamProfile returns the profile that decides for team's models that set
// none themselves (readers whose scope covers the team).
func (s *Service) TeamProfile(ctx context.Context, a Actor, team string) (ProfileView, error) {
	if err := s.teamAccess(a, PermRead, team); err != nil {
		return ProfileView{}, err
	}
	return s.profileView(ctx, s.store, Model{Team: team})
}

func (s *Service) teamAccess(a Actor, p Permission, team string) error {
	if err := require(a, p, nil); err != nil {
		return err
	}
	if !ValidName(team) {
		return invalidf("team name %q: use lowercase letters, digits, '.', '_', '-'", team)
	}
	return requireContains(a, Scope{Team: team}, "team "+team)
}

// checkProfile refuses a profile the evaluator does not know (and any
// profile when there is no evaluator: nothing could decide under it).
func (s *Service) checkProfile(name string) error {
	ev, err := s.evaluator()
	if err != nil {
		return err
	}
	if !slices.Contains(ev.Profiles(), name) {
		return invalidf("unknown policy profile %q (the profiles are %s)", name, strings.Join(ev.Profiles(), ", "))
	}
	return nil
}

// SetProfile sets (profile != "") or removes (profile == "") the profile of
// a team or a model (admins whose scope covers the team; for a model, its
// team) and audits the change as profile.set or profile.unset with the
// old and new value. It returns the resulting view.
func (s *Service) SetProfile(ctx context.Context, a Actor, kind ProfileKind, name, profile string) (ProfileView, error) {
	var v ProfileView
	if err := require(a, PermAdmin, nil); err != nil {
		return v, err
	}
	if profile != "" {
		if err := s.checkProfile(profile); err != nil {
			return v, err
		}
	}
	var subject string
	switch kind {
	case ProfileTeam:
		if err := s.teamAccess(a, PermAdmin, name); err != nil {
			return v, err
		}
		subject = "team/" + name + "/profile"
	case ProfileModel:
		subject = "model/" + name + "/profile"
	default:
		return v, invalidf("profile kind %q (want team or model)", kind)
	}
	action := "profile.set"
	if profile == "" {
		action = "profile.unset"
	}
	var old string
	err := s.mutate(ctx, a, action, subject, func() any {
		return map[string]any{"kind": kind, "name": name, "old": old, "new": profile, "effective": v.Profile}
	}, func(tx Tx) error {
		pt, ok := tx.(ProfileTx)
		if !ok {
			return fmt.Errorf("store %T does not support policy profiles", tx)
		}
		m := Model{Team: name}
		if kind == ProfileModel {
			var err error
			if m, err = tx.GetModel(ctx, name); err != nil {
				return err
			}
			if err := require(a, PermAdmin, &m); err != nil {
				return err
			}
			// The model's profile overrides its team's: only an admin of
			// the whole team may set it, not one scoped to this model.
			if err := requireContains(a, Scope{Team: m.Team}, "the profile of model "+name+" (it overrides its team's)"); err != nil {
				return err
			}
		}
		cur, err := setting(ctx, pt, kind, name)
		if err != nil {
			return err
		}
		if cur != nil {
			old = cur.Profile
		}
		if profile == "" {
			if cur == nil {
				return fmt.Errorf("%w: %s %s sets no profile", ErrNotFound, kind, name)
			}
			if err := pt.DeleteProfileSetting(ctx, kind, name); err != nil {
				return err
			}
		} else if err := pt.PutProfileSetting(ctx, &ProfileSetting{Kind: kind, Name: name, Profile: profile, SetBy: a.Principal()}); err != nil {
			return err
		}
		v, err = s.profileView(ctx, tx, m)
		return err
	})
	return v, err
}

// checkTeamMove: moving a model to another team changes the profile it is
// decided under when it sets none itself, so a move that changes the
// effective profile needs an admin whose scope covers both teams (a
// maintainer cannot escape a strict team by moving the model).
func (s *Service) checkTeamMove(ctx context.Context, tx Tx, a Actor, m Model, to string) error {
	if m.Team == to {
		return nil
	}
	from, err := s.profileView(ctx, tx, m)
	if err != nil {
		return err
	}
	moved := m
	moved.Team = to
	into, err := s.profileView(ctx, tx, moved)
	if err != nil {
		return err
	}
	if from.Profile == into.Profile {
		return nil
	}
	if err := require(a, PermAdmin, nil); err != nil {
		return fmt.Errorf("%w: moving model %s from team %s to %s changes its policy profile from %s to %s; ask an admin",
			ErrForbidden, m.Name, cmp.Or(m.Team, "(none)"), cmp.Or(to, "(none)"), from.Profile, into.Profile)
	}
	if err := requireContains(a, Scope{Team: m.Team}, "team "+cmp.Or(m.Team, "(none)")); err != nil {
		return err
	}
	return requireContains(a, Scope{Team: to}, "team "+cmp.Or(to, "(none)"))
}
