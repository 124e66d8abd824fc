package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"github.com/mlsec/mlsec/registry"
)

const modelCols = `id, name, description, team, created_by, created_at, updated_at, revision`

func scanModel(sc interface{ Scan(...any) error }) (registry.Model, error) {
	var m registry.Model
	err := sc.Scan(&m.ID, &m.Name, &m.Description, &m.Team, &m.CreatedBy, &m.CreatedAt, &m.UpdatedAt, &m.Revision)
	m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	return m, err
}

// GetModel returns the model called name with its tags.
func (x q) GetModel(ctx context.Context, name string) (registry.Model, error) {
	m, err := scanModel(x.row(ctx, `SELECT `+modelCols+` FROM models WHERE name = ?`, name))
	if err != nil {
		return m, wrap(err, "model "+name)
	}
	ms := []registry.Model{m}
	if err := x.loadTags(ctx, ms); err != nil {
		return m, err
	}
	return ms[0], nil
}

// ListModels lists models, optionally with a tag or of a team.
func (x q) ListModels(ctx context.Context, f registry.ModelFilter) ([]registry.Model, string, error) {
	var w where
	if f.Tag != "" {
		w.add(`id IN (SELECT model_id FROM model_tags WHERE tag = ?)`, f.Tag)
	}
	if f.Team != "" {
		w.add(`team = ?`, f.Team)
	}
	limit, err := w.page(f.Page, "id")
	if err != nil {
		return nil, "", err
	}
	rows, err := x.query(ctx, `SELECT `+modelCols+` FROM models`+w.String()+
		fmt.Sprintf(` ORDER BY id LIMIT %d`, limit+1), w.args...)
	if err != nil {
		return nil, "", wrap(err, "list models")
	}
	ms, err := collect(rows, scanModel)
	if err != nil {
		return nil, "", wrap(err, "list models")
	}
	ms, cur := next(ms, limit, func(m registry.Model) int64 { return m.ID })
	return ms, cur, x.loadTags(ctx, ms)
}

func (x q) loadTags(ctx context.Context, ms []registry.Model) error {
	if len(ms) == 0 {
		return nil
	}
	idx := map[int64]int{}
	ph := make([]string, len(ms))
	args := make([]any, len(ms))
	for i, m := range ms {
		idx[m.ID] = i
		ph[i] = "?"
		args[i] = m.ID
		ms[i].Tags = []string{}
	}
	rows, err := x.query(ctx, `SELECT model_id, tag FROM model_tags WHERE model_id IN (`+strings.Join(ph, ",")+`) ORDER BY tag`, args...)
	if err != nil {
		return wrap(err, "load tags")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return wrap(err, "load tags")
		}
		ms[idx[id]].Tags = append(ms[idx[id]].Tags, tag)
	}
	return wrap(rows.Err(), "load tags")
}

// CreateModel inserts m and its tags.
func (t *txn) CreateModel(ctx context.Context, m *registry.Model) error {
	ts := now()
	id, err := t.insertID(ctx, `INSERT INTO models (name, description, team, created_by, created_at, updated_at, revision)
		VALUES (?, ?, ?, ?, ?, ?, 1)`, m.Name, m.Description, m.Team, m.CreatedBy, ts, ts)
	if err != nil {
		return wrap(err, "create model "+m.Name)
	}
	m.ID, m.CreatedAt, m.UpdatedAt, m.Revision = id, ts, ts, 1
	return t.setTags(ctx, m)
}

// UpdateModel writes m's description, team and tags if its revision is
// still revision.
func (t *txn) UpdateModel(ctx context.Context, m *registry.Model, revision int64) error {
	ts := now()
	res, err := t.exec(ctx, `UPDATE models SET description = ?, team = ?, updated_at = ?, revision = revision + 1
		WHERE id = ? AND revision = ?`, m.Description, m.Team, ts, m.ID, revision)
	if err := affected(res, err, "update model "+m.Name); err != nil {
		return err
	}
	m.UpdatedAt, m.Revision = ts, revision+1
	if _, err := t.exec(ctx, `DELETE FROM model_tags WHERE model_id = ?`, m.ID); err != nil {
		return wrap(err, "update model tags")
	}
	return t.setTags(ctx, m)
}

func (t *txn) setTags(ctx context.Context, m *registry.Model) error {
	tags := dedup(m.Tags)
	for _, tag := range tags {
		if _, err := t.exec(ctx, `INSERT INTO model_tags (model_id, tag) VALUES (?, ?)`, m.ID, tag); err != nil {
			return wrap(err, "set tag "+tag)
		}
	}
	m.Tags = tags
	return nil
}

// affected turns "no row updated" into ErrPrecondition.
func affected(res sql.Result, err error, what string) error {
	if err != nil {
		return wrap(err, what)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrap(err, what)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w: the row changed or does not exist", what, registry.ErrPrecondition)
	}
	return nil
}

func dedup(ss []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
