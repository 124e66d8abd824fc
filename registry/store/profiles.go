package store

import (
	"context"

	"github.com/mlsec/mlsec/registry"
)

// Policy profile settings (migration 0009): one row per team or model
// that chose a profile.

var (
	_ registry.ProfileReader = q{}
	_ registry.ProfileTx     = (*txn)(nil)
)

// GetProfileSetting returns the profile set for a team or model, or an
// ErrNotFound error.
func (x q) GetProfileSetting(ctx context.Context, kind registry.ProfileKind, name string) (registry.ProfileSetting, error) {
	p := registry.ProfileSetting{Kind: kind, Name: name}
	err := x.row(ctx, `SELECT profile, set_by, set_at FROM policy_profiles WHERE kind = ? AND name = ?`, string(kind), name).
		Scan(&p.Profile, &p.SetBy, &p.SetAt)
	p.SetAt = p.SetAt.UTC()
	return p, wrap(err, "get "+string(kind)+" profile "+name)
}

// PutProfileSetting sets (inserts or replaces) a team's or model's profile
// and fills in SetAt.
func (t *txn) PutProfileSetting(ctx context.Context, p *registry.ProfileSetting) error {
	p.SetAt = now()
	_, err := t.exec(ctx, `INSERT INTO policy_profiles (kind, name, profile, set_by, set_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (kind, name) DO UPDATE SET profile = excluded.profile, set_by = excluded.set_by, set_at = excluded.set_at`,
		string(p.Kind), p.Name, p.Profile, p.SetBy, p.SetAt)
	return wrap(err, "set "+string(p.Kind)+" profile")
}

// DeleteProfileSetting removes a team's or model's profile; removing none
// is not an error.
func (t *txn) DeleteProfileSetting(ctx context.Context, kind registry.ProfileKind, name string) error {
	_, err := t.exec(ctx, `DELETE FROM policy_profiles WHERE kind = ? AND name = ?`, string(kind), name)
	return wrap(err, "unset "+string(kind)+" profile")
}
