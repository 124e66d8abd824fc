-- mlsec registry schema v6 (PostgreSQL): exceptions granted by a decision
-- (docs/governance.md). Decisions gain grant_exception and the exception
-- they ask for.
ALTER TABLE decision_requests DROP CONSTRAINT decision_requests_action_check;
ALTER TABLE decision_requests ADD CONSTRAINT decision_requests_action_check
	CHECK (action IN ('promote', 'rollback', 'deprecate', 'retire', 'move_alias', 'grant_exception'));
ALTER TABLE decision_requests ADD COLUMN exception_rule TEXT NOT NULL DEFAULT '';
ALTER TABLE decision_requests ADD COLUMN exception_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE decision_requests ADD COLUMN exception_expires TEXT NOT NULL DEFAULT '';
-- model_exceptions: waivers of one policy rule for one version's digest,
-- granted by an executed grant_exception request, until expires (a date or
-- RFC 3339 time, as data.mlsec.exceptions).
CREATE TABLE model_exceptions (
	id         BIGSERIAL PRIMARY KEY,
	model_id   BIGINT NOT NULL REFERENCES models(id),
	version_id BIGINT NOT NULL REFERENCES model_versions(id),
	digest     TEXT NOT NULL,
	rule       TEXT NOT NULL,
	owner      TEXT NOT NULL,
	expires    TEXT NOT NULL,
	rationale  TEXT NOT NULL DEFAULT '',
	request_id BIGINT NOT NULL,
	granted_by TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX model_exceptions_model ON model_exceptions(model_id, id);
