-- mlsec registry schema v7 (PostgreSQL): security (issue 9, docs/registry.md
-- "Scopes" and docs/governance.md "The governance floor").
-- api_tokens.person: the principal a token acts for (its name unless the
-- token says it belongs to someone else). Names become unique regardless of
-- case: older duplicates keep their person (same name = same person, as
-- before) and get their id appended to their name.
ALTER TABLE api_tokens ADD COLUMN person TEXT NOT NULL DEFAULT '';
UPDATE api_tokens SET person = name;
UPDATE api_tokens SET name = name || '-' || id WHERE id NOT IN (SELECT MIN(id) FROM api_tokens GROUP BY lower(name));
CREATE UNIQUE INDEX api_tokens_name_ci ON api_tokens(lower(name));
CREATE INDEX api_tokens_person_ci ON api_tokens(lower(person));
-- datasets and webhooks belong to a scope like models ('' = unscoped).
ALTER TABLE datasets ADD COLUMN team TEXT NOT NULL DEFAULT '';
ALTER TABLE webhooks ADD COLUMN scope_team TEXT NOT NULL DEFAULT '';
ALTER TABLE webhooks ADD COLUMN scope_model TEXT NOT NULL DEFAULT '';
-- blob_uploads: who proved possession of a blob by uploading its bytes.
CREATE TABLE blob_uploads (
	sha256     TEXT NOT NULL,
	principal  TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (sha256, principal)
);
-- Decisions gain change_governance and unprotect_alias, which concern a
-- model, not a version (version_id NULL), and the change they ask for.
ALTER TABLE decision_requests DROP CONSTRAINT decision_requests_action_check;
ALTER TABLE decision_requests ADD CONSTRAINT decision_requests_action_check
	CHECK (action IN ('promote', 'rollback', 'deprecate', 'retire', 'move_alias', 'grant_exception', 'change_governance', 'unprotect_alias'));
ALTER TABLE decision_requests ALTER COLUMN version_id DROP NOT NULL;
ALTER TABLE decision_requests ADD COLUMN change TEXT NOT NULL DEFAULT '';
-- decision_approvals.kind: 'approval' counts toward the rule; 'acceptance'
-- is an exception owner's consent that is not an approval.
ALTER TABLE decision_approvals ADD COLUMN kind TEXT NOT NULL DEFAULT 'approval' CHECK (kind IN ('approval', 'acceptance'));
