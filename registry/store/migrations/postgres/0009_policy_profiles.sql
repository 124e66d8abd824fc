-- mlsec registry schema v9 (PostgreSQL): the policy profile a team or a
-- model is decided under (docs/registry.md "Policy profiles"). A model's
-- row overrides its team's; neither means the server default (serve
-- --profile). Every change is also an audit event (profile.set,
-- profile.unset) in the Merkle log, with the old and new value.
CREATE TABLE policy_profiles (
	kind    TEXT NOT NULL CHECK (kind IN ('team', 'model')),
	name    TEXT NOT NULL,
	profile TEXT NOT NULL,
	set_by  TEXT NOT NULL,
	set_at  TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (kind, name)
);
