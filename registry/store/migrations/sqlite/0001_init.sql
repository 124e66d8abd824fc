-- mlsec registry schema v1 (SQLite). Times are stored by the driver as
-- text in DATETIME columns; JSON as verbatim TEXT.
CREATE TABLE models (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	name        TEXT NOT NULL UNIQUE,
	description TEXT NOT NULL DEFAULT '',
	team        TEXT NOT NULL DEFAULT '',
	created_by  TEXT NOT NULL DEFAULT '',
	created_at  DATETIME NOT NULL,
	updated_at  DATETIME NOT NULL,
	revision    BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX models_team ON models(team);

CREATE TABLE model_tags (
	model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
	tag      TEXT NOT NULL,
	PRIMARY KEY (model_id, tag)
);
CREATE INDEX model_tags_tag ON model_tags(tag);

CREATE TABLE model_versions (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	model_id    INTEGER NOT NULL REFERENCES models(id),
	number      INTEGER NOT NULL,
	digest      TEXT NOT NULL,
	state       TEXT NOT NULL CHECK (state IN ('pending', 'ready', 'failed')),
	source_uri  TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	created_by  TEXT NOT NULL DEFAULT '',
	created_at  DATETIME NOT NULL,
	ready_at    DATETIME,
	revision    BIGINT NOT NULL DEFAULT 1,
	UNIQUE (model_id, number),
	UNIQUE (model_id, digest)
);
CREATE INDEX model_versions_digest ON model_versions(digest);

CREATE TABLE blobs (
	sha256     TEXT PRIMARY KEY,
	size       INTEGER NOT NULL,
	blob_key   TEXT NOT NULL,
	created_at DATETIME NOT NULL
);

CREATE TABLE artifacts (
	version_id INTEGER NOT NULL REFERENCES model_versions(id),
	path       TEXT NOT NULL,
	size       INTEGER NOT NULL,
	sha256     TEXT NOT NULL,
	kind       TEXT NOT NULL CHECK (kind IN ('file', 'signature', 'bom', 'evidence')),
	PRIMARY KEY (version_id, path)
);
CREATE INDEX artifacts_sha256 ON artifacts(sha256);

CREATE TABLE evidence (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	version_id     INTEGER REFERENCES model_versions(id),
	type           TEXT NOT NULL,
	subject_digest TEXT NOT NULL,
	producer       TEXT NOT NULL,
	ts             DATETIME NOT NULL,
	signed         INTEGER NOT NULL DEFAULT 0,
	max_severity   TEXT NOT NULL DEFAULT '',
	severity_rank  INTEGER NOT NULL DEFAULT -1,
	body           TEXT NOT NULL,
	created_by     TEXT NOT NULL DEFAULT '',
	created_at     DATETIME NOT NULL
);
CREATE INDEX evidence_version ON evidence(version_id);
CREATE INDEX evidence_subject ON evidence(subject_digest);

CREATE TABLE lineage_edges (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	version_id INTEGER NOT NULL REFERENCES model_versions(id),
	kind       TEXT NOT NULL CHECK (kind IN ('trained_on', 'derived_from', 'produced_by', 'evaluated_by')),
	target     TEXT NOT NULL,
	commit_sha TEXT NOT NULL DEFAULT '',
	note       TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL DEFAULT '',
	created_at DATETIME NOT NULL,
	UNIQUE (version_id, kind, target)
);
CREATE INDEX lineage_target ON lineage_edges(target);

CREATE TABLE datasets (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	name        TEXT NOT NULL UNIQUE,
	digest      TEXT NOT NULL,
	owner       TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	uri         TEXT NOT NULL DEFAULT '',
	created_at  DATETIME NOT NULL,
	updated_at  DATETIME NOT NULL,
	revision    BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX datasets_digest ON datasets(digest);

CREATE TABLE api_tokens (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	name        TEXT NOT NULL,
	hash        TEXT NOT NULL UNIQUE,
	role        TEXT NOT NULL CHECK (role IN ('admin', 'maintainer', 'reviewer', 'auditor')),
	scope_team  TEXT NOT NULL DEFAULT '',
	scope_model TEXT NOT NULL DEFAULT '',
	expires_at  DATETIME,
	revoked_at  DATETIME,
	created_by  TEXT NOT NULL DEFAULT '',
	created_at  DATETIME NOT NULL
);

CREATE TABLE jobs (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	kind         TEXT NOT NULL,
	version_id   INTEGER REFERENCES model_versions(id),
	payload      TEXT NOT NULL DEFAULT '',
	state        TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
	attempts     INTEGER NOT NULL DEFAULT 0,
	max_attempts INTEGER NOT NULL DEFAULT 3,
	run_after    DATETIME NOT NULL,
	locked_by    TEXT NOT NULL DEFAULT '',
	locked_until DATETIME,
	error        TEXT NOT NULL DEFAULT '',
	created_at   DATETIME NOT NULL,
	updated_at   DATETIME NOT NULL
);
CREATE INDEX jobs_runnable ON jobs(state, run_after);
CREATE INDEX jobs_version ON jobs(version_id);

CREATE TABLE audit_events (
	seq     INTEGER PRIMARY KEY AUTOINCREMENT,
	at      DATETIME NOT NULL,
	actor   TEXT NOT NULL,
	action  TEXT NOT NULL,
	subject TEXT NOT NULL,
	payload TEXT NOT NULL DEFAULT ''
);
