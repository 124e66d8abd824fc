-- mlsec registry schema v7 (SQLite): security (issue 9, docs/registry.md
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
	created_at DATETIME NOT NULL,
	PRIMARY KEY (sha256, principal)
);
-- Decisions gain change_governance and unprotect_alias, which concern a
-- model, not a version (version_id NULL), and the change they ask for.
-- SQLite cannot alter a CHECK or a NOT NULL: rebuild decision_requests
-- inside this transaction, parking the approvals (as in 0005 and 0006).
CREATE TABLE decision_requests_v7 (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	model_id          INTEGER NOT NULL REFERENCES models(id),
	version_id        INTEGER REFERENCES model_versions(id),
	action            TEXT NOT NULL CHECK (action IN ('promote', 'rollback', 'deprecate', 'retire', 'move_alias', 'grant_exception',
		'change_governance', 'unprotect_alias')),
	stage             TEXT NOT NULL,
	rationale         TEXT NOT NULL,
	requested_by      TEXT NOT NULL,
	created_at        DATETIME NOT NULL,
	base_version      INTEGER NOT NULL DEFAULT 0,
	status            TEXT NOT NULL CHECK (status IN ('pending', 'executed', 'denied', 'rejected', 'superseded')),
	policy            TEXT NOT NULL DEFAULT '{}',
	required          INTEGER NOT NULL DEFAULT 0,
	approvers         TEXT NOT NULL DEFAULT '[]',
	outcome           TEXT NOT NULL DEFAULT '',
	decided_by        TEXT NOT NULL DEFAULT '',
	decided_at        DATETIME,
	alias             TEXT NOT NULL DEFAULT '',
	exception_rule    TEXT NOT NULL DEFAULT '',
	exception_owner   TEXT NOT NULL DEFAULT '',
	exception_expires TEXT NOT NULL DEFAULT '',
	change            TEXT NOT NULL DEFAULT ''
);
INSERT INTO decision_requests_v7 (id, model_id, version_id, action, stage, rationale, requested_by, created_at, base_version,
	status, policy, required, approvers, outcome, decided_by, decided_at, alias, exception_rule, exception_owner, exception_expires)
	SELECT id, model_id, version_id, action, stage, rationale, requested_by, created_at, base_version,
	status, policy, required, approvers, outcome, decided_by, decided_at, alias, exception_rule, exception_owner, exception_expires
	FROM decision_requests;
CREATE TEMP TABLE decision_approvals_v7 AS SELECT * FROM decision_approvals;
DELETE FROM decision_approvals;
DROP TABLE decision_requests;
ALTER TABLE decision_requests_v7 RENAME TO decision_requests;
INSERT INTO decision_approvals SELECT * FROM temp.decision_approvals_v7;
DROP TABLE temp.decision_approvals_v7;
CREATE INDEX decision_requests_model ON decision_requests(model_id, id);
CREATE INDEX decision_requests_version ON decision_requests(version_id);
-- decision_approvals.kind: 'approval' counts toward the rule; 'acceptance'
-- is an exception owner's consent that is not an approval.
ALTER TABLE decision_approvals ADD COLUMN kind TEXT NOT NULL DEFAULT 'approval' CHECK (kind IN ('approval', 'acceptance'));
