-- mlsec registry schema v6 (SQLite): exceptions granted by a decision
-- (docs/governance.md). Decisions gain grant_exception and the exception
-- they ask for. SQLite cannot alter a CHECK: rebuild decision_requests
-- inside this transaction, parking the approvals that reference it so no
-- foreign key is ever violated (as in 0005).
CREATE TABLE decision_requests_v6 (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	model_id          INTEGER NOT NULL REFERENCES models(id),
	version_id        INTEGER NOT NULL REFERENCES model_versions(id),
	action            TEXT NOT NULL CHECK (action IN ('promote', 'rollback', 'deprecate', 'retire', 'move_alias', 'grant_exception')),
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
	exception_expires TEXT NOT NULL DEFAULT ''
);
INSERT INTO decision_requests_v6 (id, model_id, version_id, action, stage, rationale, requested_by, created_at, base_version,
	status, policy, required, approvers, outcome, decided_by, decided_at, alias)
	SELECT id, model_id, version_id, action, stage, rationale, requested_by, created_at, base_version,
	status, policy, required, approvers, outcome, decided_by, decided_at, alias FROM decision_requests;
CREATE TEMP TABLE decision_approvals_v6 AS SELECT * FROM decision_approvals;
DELETE FROM decision_approvals;
DROP TABLE decision_requests;
ALTER TABLE decision_requests_v6 RENAME TO decision_requests;
INSERT INTO decision_approvals SELECT * FROM temp.decision_approvals_v6;
DROP TABLE temp.decision_approvals_v6;
CREATE INDEX decision_requests_model ON decision_requests(model_id, id);
CREATE INDEX decision_requests_version ON decision_requests(version_id);
-- model_exceptions: waivers of one policy rule for one version's digest,
-- granted by an executed grant_exception request, until expires (a date or
-- RFC 3339 time, as data.mlsec.exceptions).
CREATE TABLE model_exceptions (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	model_id   INTEGER NOT NULL REFERENCES models(id),
	version_id INTEGER NOT NULL REFERENCES model_versions(id),
	digest     TEXT NOT NULL,
	rule       TEXT NOT NULL,
	owner      TEXT NOT NULL,
	expires    TEXT NOT NULL,
	rationale  TEXT NOT NULL DEFAULT '',
	request_id INTEGER NOT NULL,
	granted_by TEXT NOT NULL,
	created_at DATETIME NOT NULL
);
CREATE INDEX model_exceptions_model ON model_exceptions(model_id, id);
