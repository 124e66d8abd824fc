-- mlsec registry schema v4 (PostgreSQL): governance (docs/governance.md).
-- model_owners: accountable principals per lifecycle responsibility.
-- approval_rules: approvals a stage needs, per model (defaults in code).
-- decision_requests / decision_approvals: decisions and their votes.
-- decision_records: free-text records linked to a version.
-- At most one version per model is in production: demote duplicates left
-- by direct stage changes before this migration, then enforce it.
CREATE TABLE model_owners (
	model_id       BIGINT NOT NULL REFERENCES models(id),
	responsibility TEXT NOT NULL CHECK (responsibility IN ('train', 'approve', 'rollback', 'monitor', 'retire')),
	principal      TEXT NOT NULL,
	created_by     TEXT NOT NULL DEFAULT '',
	created_at     TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (model_id, responsibility, principal)
);
CREATE TABLE approval_rules (
	model_id   BIGINT NOT NULL REFERENCES models(id),
	stage      TEXT NOT NULL,
	required   INTEGER NOT NULL CHECK (required >= 0),
	approvers  TEXT NOT NULL DEFAULT '[]',
	created_by TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (model_id, stage)
);
CREATE TABLE decision_requests (
	id           BIGSERIAL PRIMARY KEY,
	model_id     BIGINT NOT NULL REFERENCES models(id),
	version_id   BIGINT NOT NULL REFERENCES model_versions(id),
	action       TEXT NOT NULL CHECK (action IN ('promote', 'rollback', 'deprecate', 'retire')),
	stage        TEXT NOT NULL,
	rationale    TEXT NOT NULL,
	requested_by TEXT NOT NULL,
	created_at   TIMESTAMPTZ NOT NULL,
	base_version INTEGER NOT NULL DEFAULT 0,
	status       TEXT NOT NULL CHECK (status IN ('pending', 'executed', 'denied', 'rejected', 'superseded')),
	policy       TEXT NOT NULL DEFAULT '{}',
	required     INTEGER NOT NULL DEFAULT 0,
	approvers    TEXT NOT NULL DEFAULT '[]',
	outcome      TEXT NOT NULL DEFAULT '',
	decided_by   TEXT NOT NULL DEFAULT '',
	decided_at   TIMESTAMPTZ
);
CREATE INDEX decision_requests_model ON decision_requests(model_id, id);
CREATE INDEX decision_requests_version ON decision_requests(version_id);
CREATE TABLE decision_approvals (
	request_id BIGINT NOT NULL REFERENCES decision_requests(id),
	principal  TEXT NOT NULL,
	actor      TEXT NOT NULL,
	verdict    TEXT NOT NULL CHECK (verdict IN ('approve', 'reject')),
	comment    TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (request_id, principal)
);
CREATE TABLE decision_records (
	id         BIGSERIAL PRIMARY KEY,
	version_id BIGINT NOT NULL REFERENCES model_versions(id),
	title      TEXT NOT NULL,
	body       TEXT NOT NULL,
	author     TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX decision_records_version ON decision_records(version_id);
UPDATE model_versions SET stage = 'deprecated', revision = revision + 1
	WHERE stage = 'production' AND id NOT IN (SELECT MAX(id) FROM model_versions WHERE stage = 'production' GROUP BY model_id);
CREATE UNIQUE INDEX model_versions_one_production ON model_versions(model_id) WHERE stage = 'production';
