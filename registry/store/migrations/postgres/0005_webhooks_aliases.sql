-- mlsec registry schema v5 (PostgreSQL): webhooks and aliases (docs/governance.md).
-- webhooks: registered endpoints; the secret signs deliveries (HMAC), so it
-- is stored as given.
-- webhook_deliveries: one event for one webhook, sent by job job_id (its
-- state is the delivery's status).
CREATE TABLE webhooks (
	id         BIGSERIAL PRIMARY KEY,
	url        TEXT NOT NULL,
	events     TEXT NOT NULL DEFAULT '[]',
	secret     TEXT NOT NULL,
	created_by TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMPTZ NOT NULL,
	deleted_at TIMESTAMPTZ
);
CREATE TABLE webhook_deliveries (
	id            BIGSERIAL PRIMARY KEY,
	webhook_id    BIGINT NOT NULL REFERENCES webhooks(id),
	job_id        BIGINT NOT NULL UNIQUE REFERENCES jobs(id),
	event         TEXT NOT NULL,
	payload       TEXT NOT NULL,
	attempts      INTEGER NOT NULL DEFAULT 0,
	response_code INTEGER NOT NULL DEFAULT 0,
	error         TEXT NOT NULL DEFAULT '',
	created_at    TIMESTAMPTZ NOT NULL,
	updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id, id);
-- Aliases (docs/governance.md): model_aliases points names to versions;
-- alias_moves is each alias's history (request_id 0: a direct move).
CREATE TABLE model_aliases (
	model_id   BIGINT NOT NULL REFERENCES models(id),
	name       TEXT NOT NULL,
	version_id BIGINT NOT NULL REFERENCES model_versions(id),
	protected  INTEGER NOT NULL DEFAULT 0,
	updated_by TEXT NOT NULL DEFAULT '',
	updated_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (model_id, name)
);
CREATE TABLE alias_moves (
	id           BIGSERIAL PRIMARY KEY,
	model_id     BIGINT NOT NULL REFERENCES models(id),
	name         TEXT NOT NULL,
	from_version INTEGER NOT NULL DEFAULT 0,
	to_version   INTEGER NOT NULL,
	protected    INTEGER NOT NULL DEFAULT 0,
	request_id   BIGINT NOT NULL DEFAULT 0,
	actor        TEXT NOT NULL,
	reason       TEXT NOT NULL DEFAULT '',
	created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX alias_moves_alias ON alias_moves(model_id, name, id);
-- Decisions gain move_alias and the alias they move.
ALTER TABLE decision_requests DROP CONSTRAINT decision_requests_action_check;
ALTER TABLE decision_requests ADD CONSTRAINT decision_requests_action_check
	CHECK (action IN ('promote', 'rollback', 'deprecate', 'retire', 'move_alias'));
ALTER TABLE decision_requests ADD COLUMN alias TEXT NOT NULL DEFAULT '';
