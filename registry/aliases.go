package registry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mlsec/mlsec/internal/lazyre"
)

// Named aliases (docs/governance.md "Aliases"): a name such as champion or
// challenger that points to one version of a model. Maintainers move an
// unprotected alias directly; a protected one (admins set the flag) moves
// only through a move_alias decision, gated by policy and approvals like a
// promotion to production. Every move is kept in the alias history with its
// from and to versions and the deciding request, and audited as alias.move.

// ActionMoveAlias is the decision that moves an alias to the request's
// version.
const ActionMoveAlias DecisionAction = "move_alias"

// Alias is a named pointer to a version.
type Alias struct {
	ModelID   int64     `json:"-"`
	Model     string    `json:"model"`
	Name      string    `json:"name"`
	VersionID int64     `json:"-"`
	Version   int       `json:"version"`
	Protected bool      `json:"protected"`
	UpdatedBy string    `json:"updated_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

// AliasMove is one entry of an alias's history.
type AliasMove struct {
	ID          int64     `json:"id"`
	ModelID     int64     `json:"-"`
	Alias       string    `json:"alias"`
	FromVersion int       `json:"from_version"` // 0: the alias was created
	ToVersion   int       `json:"to_version"`
	Protected   bool      `json:"protected"`
	Request     int64     `json:"request,omitempty"` // the deciding request, 0 for a direct move
	Actor       string    `json:"actor"`
	Reason      string    `json:"reason,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// AliasPut is the body of PUT .../aliases/{alias}: Version moves it (only
// when unprotected), Protected (admins) changes its protection, Expect
// makes the move conditional on the alias still pointing at that version
// (0: not existing yet), so a concurrent move is a conflict.
type AliasPut struct {
	Version   int    `json:"version,omitempty"`
	Protected *bool  `json:"protected,omitempty"`
	Expect    *int   `json:"expect,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// AliasReader reads aliases (the SQL store implements it).
type AliasReader interface {
	// GetAlias returns an alias or an ErrNotFound error.
	GetAlias(ctx context.Context, modelID int64, name string) (Alias, error)
	ListAliases(ctx context.Context, modelID int64) ([]Alias, error)
	ListAliasMoves(ctx context.Context, modelID int64, name string, p Page) ([]AliasMove, string, error)
}

// AliasTx writes aliases inside a transaction.
type AliasTx interface {
	AliasReader
	// PutAlias creates or updates an alias.
	PutAlias(ctx context.Context, a *Alias) error
	AddAliasMove(ctx context.Context, m *AliasMove) error
}

var aliasName = lazyre.New(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// ValidAliasName reports whether n is a usable alias name.
func ValidAliasName(n string) bool { return aliasName.MatchString(n) }

func aliasTx(tx Tx) (AliasTx, error) {
	t, ok := tx.(AliasTx)
	if !ok {
		return nil, fmt.Errorf("store %T does not support aliases", tx)
	}
	return t, nil
}

func (s *Service) aliasReader() (AliasReader, error) {
	r, ok := s.store.(AliasReader)
	if !ok {
		return nil, fmt.Errorf("store %T does not support aliases", s.store)
	}
	return r, nil
}

func aliasSubject(model, name string) string { return "model/" + model + "/aliases/" + name }

// ListAliases lists a model's aliases.
func (s *Service) ListAliases(ctx context.Context, a Actor, model string) ([]Alias, error) {
	m, err := s.GetModel(ctx, a, model)
	if err != nil {
		return nil, err
	}
	r, err := s.aliasReader()
	if err != nil {
		return nil, err
	}
	return r.ListAliases(ctx, m.ID)
}

// GetAlias returns one alias.
func (s *Service) GetAlias(ctx context.Context, a Actor, model, name string) (Alias, error) {
	m, err := s.GetModel(ctx, a, model)
	if err != nil {
		return Alias{}, err
	}
	r, err := s.aliasReader()
	if err != nil {
		return Alias{}, err
	}
	return r.GetAlias(ctx, m.ID, name)
}

// AliasHistory lists an alias's moves, oldest first.
func (s *Service) AliasHistory(ctx context.Context, a Actor, model, name string, p Page) ([]AliasMove, string, error) {
	m, err := s.GetModel(ctx, a, model)
	if err != nil {
		return nil, "", err
	}
	r, err := s.aliasReader()
	if err != nil {
		return nil, "", err
	}
	return r.ListAliasMoves(ctx, m.ID, name, p)
}

// SetAlias moves an unprotected alias (admins and maintainers) and
// protects one (admins). A protected alias that exists moves only through a
// move_alias decision: a direct move is ErrForbidden. Unprotecting one is
// a decision too (the governance floor): SetAlias then opens an
// unprotect_alias request (in.Reason is its rationale) and returns it.
func (s *Service) SetAlias(ctx context.Context, a Actor, model, name string, in AliasPut) (Alias, *DecisionRequest, error) {
	if in.Protected != nil && !*in.Protected {
		if cur, err := s.GetAlias(ctx, a, model, name); err == nil && cur.Protected {
			d, err := s.requestUnprotect(ctx, a, model, name, in)
			return cur, &d, err
		}
	}
	al, err := s.setAlias(ctx, a, model, name, in)
	return al, nil, err
}

// requestUnprotect opens the unprotect_alias decision of a protected alias.
func (s *Service) requestUnprotect(ctx context.Context, a Actor, model, name string, in AliasPut) (DecisionRequest, error) {
	if !a.Can(PermAdmin) {
		return DecisionRequest{}, fmt.Errorf("%w: only admins protect or unprotect aliases", ErrForbidden)
	}
	if in.Version != 0 || in.Expect != nil {
		return DecisionRequest{}, invalidf("alias %s is protected: unprotecting it is a decision of its own; move it after it executes", name)
	}
	why, err := checkText("reason", in.Reason, true)
	if err != nil {
		return DecisionRequest{}, err
	}
	return s.requestModelDecision(ctx, a, model, DecisionRequest{Action: ActionUnprotectAlias, Alias: name, Rationale: why}, func(Governance) error {
		cur, err := s.GetAlias(ctx, a, model, name)
		if err != nil {
			return err
		}
		if !cur.Protected {
			return fmt.Errorf("%w: alias %s of %s is not protected any more", ErrConflict, name, model)
		}
		return nil
	})
}

func (s *Service) setAlias(ctx context.Context, a Actor, model, name string, in AliasPut) (Alias, error) {
	var out Alias
	if err := require(a, PermWrite, nil); err != nil {
		return out, err
	}
	if !ValidAliasName(name) {
		return out, invalidf("alias name %q: want 1-63 of a-z, 0-9, '.', '_', '-'", name)
	}
	if in.Version == 0 && in.Protected == nil {
		return out, invalidf("nothing to change: give version or protected")
	}
	if in.Version < 0 {
		return out, invalidf("version must be a positive number")
	}
	if in.Protected != nil && !a.Can(PermAdmin) {
		return out, fmt.Errorf("%w: only admins protect or unprotect aliases", ErrForbidden)
	}
	var err error
	if in.Reason, err = checkText("reason", in.Reason, false); err != nil {
		return out, err
	}
	var cur Alias
	exists := false
	action := "alias.move"
	if in.Version == 0 {
		action = "alias.protect"
	}
	err = s.mutate(ctx, a, action, aliasSubject(model, name), func() any {
		return map[string]any{"alias": name, "from": cur.Version, "to": out.Version, "protected": out.Protected, "reason": in.Reason}
	}, func(tx Tx) error {
		_, m, err := s.lockModel(ctx, tx, a, PermWrite, model)
		if err != nil {
			return err
		}
		at, err := aliasTx(tx)
		if err != nil {
			return err
		}
		cur, err = at.GetAlias(ctx, m.ID, name)
		switch {
		case err == nil:
			exists = true
		case errors.Is(err, ErrNotFound):
			cur = Alias{ModelID: m.ID, Model: model, Name: name}
		default:
			return err
		}
		if in.Expect != nil && *in.Expect != cur.Version {
			return fmt.Errorf("%w: alias %s of %s points to version %d, not %d: it moved meanwhile", ErrConflict, name, model, cur.Version, *in.Expect)
		}
		out = cur
		if in.Protected != nil {
			if exists && cur.Protected && !*in.Protected {
				return fmt.Errorf("%w: alias %s of %s was protected meanwhile; run the command again", ErrConflict, name, model)
			}
			out.Protected = *in.Protected
		}
		moved := in.Version != 0 && in.Version != cur.Version
		if moved {
			if exists && cur.Protected {
				return fmt.Errorf("%w: alias %s of %s is protected: it moves only through a decision: 'mlsec request %s@%d move-alias --alias %s --rationale ...'",
					ErrForbidden, name, model, model, in.Version, name)
			}
			v, err := tx.GetVersion(ctx, model, in.Version)
			if err != nil {
				return err
			}
			if v.State != StateReady {
				return fmt.Errorf("%w: version %s/%d is %s: an alias points only to a ready version", ErrConflict, model, v.Number, v.State)
			}
			out.VersionID, out.Version = v.ID, v.Number
		} else if !exists {
			return fmt.Errorf("%w: alias %s of %s does not exist: give a version to create it", ErrNotFound, name, model)
		}
		if !moved && out.Protected == cur.Protected {
			return errNoChange
		}
		return s.putAlias(ctx, at, a, &out, cur.Version, 0, in.Reason, moved)
	})
	if errors.Is(err, errNoChange) {
		return cur, nil
	}
	return out, err
}

// putAlias stores al and, when it moved, its history entry (request is
// the deciding request, 0 for a direct move).
func (s *Service) putAlias(ctx context.Context, at AliasTx, a Actor, al *Alias, from int, request int64, reason string, moved bool) error {
	al.UpdatedBy, al.UpdatedAt = a.Principal(), s.now().UTC().Truncate(time.Microsecond)
	if err := at.PutAlias(ctx, al); err != nil {
		return err
	}
	if !moved {
		return nil
	}
	return at.AddAliasMove(ctx, &AliasMove{ModelID: al.ModelID, Alias: al.Name, FromVersion: from, ToVersion: al.Version,
		Protected: al.Protected, Request: request, Actor: a.Principal(), Reason: reason})
}

// aliasBase is the version alias points to (0: none) when a move_alias
// request on it is made.
func aliasBase(ctx context.Context, tx Tx, modelID int64, name string) (int, error) {
	at, err := aliasTx(tx)
	if err != nil {
		return 0, err
	}
	cur, err := at.GetAlias(ctx, modelID, name)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	return cur.Version, err
}

// executeAliasMove performs an approved move_alias request in tx: the
// alias must still point where it did when the request was made.
func (s *Service) executeAliasMove(ctx context.Context, tx Tx, g GovernanceTx, a Actor, d *DecisionRequest) error {
	at, err := aliasTx(tx)
	if err != nil {
		return err
	}
	cur, err := at.GetAlias(ctx, d.ModelID, d.Alias)
	if errors.Is(err, ErrNotFound) {
		cur, err = Alias{ModelID: d.ModelID, Model: d.Model, Name: d.Alias}, nil
	}
	if err != nil {
		return err
	}
	if cur.Version != d.BaseVersion {
		return &errSuperseded{msg: fmt.Sprintf("alias %s of %s moved from version %d to %d since request %d was made; make a new request",
			d.Alias, d.Model, d.BaseVersion, cur.Version, d.ID)}
	}
	if cur.Version == d.Version {
		return fmt.Errorf("%w: alias %s of %s already points to version %d", ErrConflict, d.Alias, d.Model, d.Version)
	}
	v, err := tx.GetVersionByID(ctx, d.VersionID)
	if err != nil {
		return err
	}
	if v.State != StateReady {
		return fmt.Errorf("%w: version %s/%d is %s: an alias points only to a ready version", ErrConflict, d.Model, v.Number, v.State)
	}
	from := cur.Version
	al := cur
	al.VersionID, al.Version = v.ID, v.Number
	if err := s.putAlias(ctx, at, a, &al, from, d.ID, d.Rationale, true); err != nil {
		return err
	}
	if err := s.auditIn(ctx, tx, a, "alias.move", aliasSubject(d.Model, d.Alias), map[string]any{
		"alias": d.Alias, "from": from, "to": v.Number, "protected": al.Protected, "request": d.ID, "reason": d.Rationale}); err != nil {
		return err
	}
	return s.finish(ctx, g, a, d, RequestExecuted, fmt.Sprintf("alias %s: version %d -> %d", d.Alias, from, v.Number))
}
