-- mlsec registry schema v5 (SQLite): webhooks and aliases (docs/governance.md).
-- webhooks: registered endpoints; the secret signs deliveries (HMAC), so it
-- is stored as given.
-- webhook_deliveries: one event for one webhook, sent by job job_id (its
-- state is the delivery's status).
CREATE TABLE webhooks (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	url        TEXT NOT NULL,
	events     TEXT NOT NULL DEFAULT '[]',
	secret     TEXT NOT NULL,
	created_by TEXT NOT NULL DEFAULT '',
	created_at DATETIME NOT NULL,
	deleted_at DATETIME
);
CREATE TABLE webhook_deliveries (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	webhook_id    INTEGER NOT NULL REFERENCES webhooks(id),
	job_id        INTEGER NOT NULL UNIQUE REFERENCES jobs(id),
	event         TEXT NOT NULL,
	payload       TEXT NOT NULL,
	attempts      INTEGER NOT NULL DEFAULT 0,
	response_code INTEGER NOT NULL DEFAULT 0,
	error         TEXT NOT NULL DEFAULT '',
	created_at    DATETIME NOT NULL,
	updated_at    DATETIME NOT NULL
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id, id);
-- Aliases (docs/governance.md): model_aliases points names to versions;
-- alias_moves is each alias's history (request_id 0: a direct move).
CREATE TABLE model_aliases (
	model_id   INTEGER NOT NULL REFERENCES models(id),
	name       TEXT NOT NULL,
	version_id INTEGER NOT NULL REFERENCES model_versions(id),
	protected  INTEGER NOT NULL DEFAULT 0,
	updated_by TEXT NOT NULL DEFAULT '',
	updated_at DATETIME NOT NULL,
	PRIMARY KEY (model_id, name)
);
CREATE TABLE alias_moves (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	model_id     INTEGER NOT NULL REFERENCES models(id),
	name         TEXT NOT NULL,
	from_version INTEGER NOT NULL DEFAULT 0,
	to_version   INTEGER NOT NULL,
	protected    INTEGER NOT NULL DEFAULT 0,
	request_id   INTEGER NOT NULL DEFAULT 0,
	actor        TEXT NOT NULL,
	reason       TEXT NOT NULL DEFAULT '',
	created_at   DATETIME NOT NULL
);
CREATE INDEX alias_moves_alias ON alias_moves(model_id, name, id);
-- Decisions gain move_alias and the alias they move. SQLite cannot alter a
-- CHECK: rebuild decision_requests inside this transaction, parking the
-- approvals that reference it so no foreign key is ever violated.
CREATE TABLE decision_requests_v5 (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	model_id     INTEGER NOT NULL REFERENCES models(id),
	version_id   INTEGER NOT NULL REFERENCES model_versions(id),
	action       TEXT NOT NULL CHECK (action IN ('promote', 'rollback', 'deprecate', 'retire', 'move_alias')),
	stage        TEXT NOT NULL,
	rationale    TEXT NOT NULL,
	requested_by TEXT NOT NULL,
	created_at   DATETIME NOT NULL,
	base_version INTEGER NOT NULL DEFAULT 0,
	status       TEXT NOT NULL CHECK (status IN ('pending', 'executed', 'denied', 'rejected', 'superseded')),
	policy       TEXT NOT NULL DEFAULT '{}',
	required     INTEGER NOT NULL DEFAULT 0,
	approvers    TEXT NOT NULL DEFAULT '[]',
	outcome      TEXT NOT NULL DEFAULT '',
	decided_by   TEXT NOT NULL DEFAULT '',
	decided_at   DATETIME,
	alias        TEXT NOT NULL DEFAULT ''
);
INSERT INTO decision_requests_v5 (id, model_id, version_id, action, stage, rationale, requested_by, created_at, base_version,
	status, policy, required, approvers, outcome, decided_by, decided_at)
	SELECT id, model_id, version_id, action, stage, rationale, requested_by, created_at, base_version,
	status, policy, required, approvers, outcome, decided_by, decided_at FROM decision_requests;
CREATE TEMP TABLE decision_approvals_v5 AS SELECT * FROM decision_approvals;
DELETE FROM decision_approvals;
DROP TABLE decision_requests;
ALTER TABLE decision_requests_v5 RENAME TO decision_requests;
INSERT INTO decision_approvals SELECT * FROM temp.decision_approvals_v5;
DROP TABLE temp.decision_approvals_v5;
CREATE INDEX decision_requests_model ON decision_requests(model_id, id);
CREATE INDEX decision_requests_version ON decision_requests(version_id);
