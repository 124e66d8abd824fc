package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/mlsec/mlsec/registry"
)

// API tokens (migration 0001; person and unique names: 0007).

const tokenCols = `id, name, person, hash, role, scope_team, scope_model, expires_at, revoked_at, created_by, created_at`

func scanToken(sc interface{ Scan(...any) error }) (registry.Token, error) {
	var t registry.Token
	var exp, rev sql.NullTime
	err := sc.Scan(&t.ID, &t.Name, &t.Person, &t.Hash, &t.Role, &t.ScopeTeam, &t.ScopeModel, &exp, &rev, &t.CreatedBy, &t.CreatedAt)
	t.ExpiresAt, t.RevokedAt, t.CreatedAt = timePtr(exp), timePtr(rev), t.CreatedAt.UTC()
	return t, err
}

// GetTokenByHash returns the token whose secret hashes to hash.
func (x q) GetTokenByHash(ctx context.Context, hash string) (registry.Token, error) {
	t, err := scanToken(x.row(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE hash = ?`, hash))
	return t, wrap(err, "token")
}

// GetToken returns token id.
func (x q) GetToken(ctx context.Context, id int64) (registry.Token, error) {
	t, err := scanToken(x.row(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE id = ?`, id))
	return t, wrap(err, "token "+strconv.FormatInt(id, 10))
}

// TokensNamed returns the tokens whose name or person is name, ignoring
// case (the principal namespace).
func (x q) TokensNamed(ctx context.Context, name string) ([]registry.Token, error) {
	rows, err := x.query(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE lower(name) = lower(?) OR lower(person) = lower(?) ORDER BY id LIMIT 1000`, name, name)
	if err != nil {
		return nil, wrap(err, "tokens named "+name)
	}
	ts, err := collect(rows, scanToken)
	return ts, wrap(err, "tokens named "+name)
}

// ListTokens lists the tokens whose scope f.Within contains (without their
// hashes' secrets, which are never stored).
func (x q) ListTokens(ctx context.Context, f registry.TokenFilter) ([]registry.Token, string, error) {
	var w where
	if f.Within.Team != "" {
		w.add(`scope_team = ?`, f.Within.Team)
	}
	if f.Within.Model != "" {
		w.add(`scope_model = ?`, f.Within.Model)
	}
	limit, err := w.page(f.Page, "id")
	if err != nil {
		return nil, "", err
	}
	rows, err := x.query(ctx, `SELECT `+tokenCols+` FROM api_tokens`+w.String()+fmt.Sprintf(` ORDER BY id LIMIT %d`, limit+1), w.args...)
	if err != nil {
		return nil, "", wrap(err, "list tokens")
	}
	ts, err := collect(rows, scanToken)
	if err != nil {
		return nil, "", wrap(err, "list tokens")
	}
	ts, cur := next(ts, limit, func(t registry.Token) int64 { return t.ID })
	return ts, cur, nil
}

// CountTokens counts every token, revoked or not (bootstrap checks it).
func (x q) CountTokens(ctx context.Context) (int, error) {
	var n int
	err := x.row(ctx, `SELECT COUNT(*) FROM api_tokens`).Scan(&n)
	return n, wrap(err, "count tokens")
}

// CreateToken inserts t (whose Hash the caller computed).
func (t *txn) CreateToken(ctx context.Context, tok *registry.Token) error {
	ts := now()
	id, err := t.insertID(ctx, `INSERT INTO api_tokens (name, person, hash, role, scope_team, scope_model, expires_at, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, tok.Name, tok.Person, tok.Hash, string(tok.Role), tok.ScopeTeam, tok.ScopeModel,
		nullTime(tok.ExpiresAt), tok.CreatedBy, ts)
	if err != nil {
		return wrap(err, "create token "+tok.Name)
	}
	tok.ID, tok.CreatedAt = id, ts
	return nil
}

// RevokeToken marks token id revoked at at; revoking twice is ErrConflict.
func (t *txn) RevokeToken(ctx context.Context, id int64, at time.Time) error {
	res, err := t.exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, norm(at), id)
	if err := affected(res, err, "revoke token"); err != nil {
		var n int
		if err := t.row(ctx, `SELECT COUNT(*) FROM api_tokens WHERE id = ?`, id).Scan(&n); err != nil {
			return wrap(err, "revoke token")
		}
		if n == 0 {
			return fmt.Errorf("token %d: %w", id, registry.ErrNotFound)
		}
		return fmt.Errorf("token %d: %w: already revoked", id, registry.ErrConflict)
	}
	return nil
}
