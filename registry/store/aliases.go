package store

import (
	"context"
	"fmt"

	"github.com/mlsec/mlsec/registry"
)

// Aliases and their history (migration 0005).

var (
	_ registry.AliasReader = q{}
	_ registry.AliasTx     = (*txn)(nil)
)

const aliasCols = `a.model_id, m.name, a.name, a.version_id, v.number, a.protected, a.updated_by, a.updated_at`

const aliasFrom = ` FROM model_aliases a JOIN models m ON m.id = a.model_id JOIN model_versions v ON v.id = a.version_id`

func scanAlias(sc interface{ Scan(...any) error }) (registry.Alias, error) {
	var a registry.Alias
	var protected int
	err := sc.Scan(&a.ModelID, &a.Model, &a.Name, &a.VersionID, &a.Version, &protected, &a.UpdatedBy, &a.UpdatedAt)
	a.Protected, a.UpdatedAt = protected != 0, a.UpdatedAt.UTC()
	return a, err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// GetAlias returns alias name of a model.
func (x q) GetAlias(ctx context.Context, modelID int64, name string) (registry.Alias, error) {
	a, err := scanAlias(x.row(ctx, `SELECT `+aliasCols+aliasFrom+` WHERE a.model_id = ? AND a.name = ?`, modelID, name))
	return a, wrap(err, "alias "+name)
}

// ListAliases lists a model's aliases by name.
func (x q) ListAliases(ctx context.Context, modelID int64) ([]registry.Alias, error) {
	rows, err := x.query(ctx, `SELECT `+aliasCols+aliasFrom+` WHERE a.model_id = ? ORDER BY a.name LIMIT 1000`, modelID)
	if err != nil {
		return nil, wrap(err, "list aliases")
	}
	as, err := collect(rows, scanAlias)
	return as, wrap(err, "list aliases")
}

// ListAliasMoves lists an alias's history, oldest first.
func (x q) ListAliasMoves(ctx context.Context, modelID int64, name string, p registry.Page) ([]registry.AliasMove, string, error) {
	var w where
	w.add(`model_id = ?`, modelID)
	w.add(`name = ?`, name)
	limit, err := w.page(p, "id")
	if err != nil {
		return nil, "", err
	}
	rows, err := x.query(ctx, `SELECT id, model_id, name, from_version, to_version, protected, request_id, actor, reason, created_at
		FROM alias_moves`+w.String()+fmt.Sprintf(` ORDER BY id LIMIT %d`, limit+1), w.args...)
	if err != nil {
		return nil, "", wrap(err, "alias history")
	}
	ms, err := collect(rows, func(sc interface{ Scan(...any) error }) (registry.AliasMove, error) {
		var m registry.AliasMove
		var protected int
		err := sc.Scan(&m.ID, &m.ModelID, &m.Alias, &m.FromVersion, &m.ToVersion, &protected, &m.Request, &m.Actor, &m.Reason, &m.CreatedAt)
		m.Protected, m.CreatedAt = protected != 0, m.CreatedAt.UTC()
		return m, err
	})
	if err != nil {
		return nil, "", wrap(err, "alias history")
	}
	ms, cur := next(ms, limit, func(m registry.AliasMove) int64 { return m.ID })
	return ms, cur, nil
}

// PutAlias creates or updates an alias (the caller holds the model lock).
func (t *txn) PutAlias(ctx context.Context, a *registry.Alias) error {
	res, err := t.exec(ctx, `UPDATE model_aliases SET version_id = ?, protected = ?, updated_by = ?, updated_at = ? WHERE model_id = ? AND name = ?`,
		a.VersionID, boolInt(a.Protected), a.UpdatedBy, norm(a.UpdatedAt), a.ModelID, a.Name)
	if err != nil {
		return wrap(err, "put alias")
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return wrap(err, "put alias")
	}
	_, err = t.exec(ctx, `INSERT INTO model_aliases (model_id, name, version_id, protected, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		a.ModelID, a.Name, a.VersionID, boolInt(a.Protected), a.UpdatedBy, norm(a.UpdatedAt))
	return wrap(err, "put alias")
}

// AddAliasMove appends one history entry.
func (t *txn) AddAliasMove(ctx context.Context, m *registry.AliasMove) error {
	ts := now()
	id, err := t.insertID(ctx, `INSERT INTO alias_moves (model_id, name, from_version, to_version, protected, request_id, actor, reason, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.ModelID, m.Alias, m.FromVersion, m.ToVersion, boolInt(m.Protected), m.Request, m.Actor, m.Reason, ts)
	if err != nil {
		return wrap(err, "add alias move")
	}
	m.ID, m.CreatedAt = id, ts
	return nil
}
