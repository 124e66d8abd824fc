-- mlsec registry schema v3 (PostgreSQL): the tamper-evident audit log (see
-- docs/audit.md). audit_log holds one row per Merkle leaf: the canonical
-- entry bytes and their RFC 6962 leaf hash. audit_log_head is the single
-- row of tree state (size, compact-range border hashes, latest signed
-- checkpoint); appenders lock it FOR UPDATE, which serializes appends and
-- keeps indices dense. audit_checkpoints keeps the signed checkpoints.
CREATE TABLE audit_log (
	idx       BIGINT PRIMARY KEY,
	entry     BYTEA NOT NULL,
	leaf_hash BYTEA NOT NULL
);
CREATE TABLE audit_log_head (
	id           INTEGER PRIMARY KEY CHECK (id = 1),
	size         BIGINT NOT NULL,
	border       BYTEA NOT NULL,
	checkpoint   TEXT NOT NULL,
	verifier_key TEXT NOT NULL,
	updated_at   TIMESTAMPTZ NOT NULL
);
INSERT INTO audit_log_head (id, size, border, checkpoint, verifier_key, updated_at)
	VALUES (1, 0, '\x'::bytea, '', '', now());
CREATE TABLE audit_checkpoints (
	size BIGINT PRIMARY KEY,
	at   TIMESTAMPTZ NOT NULL,
	note TEXT NOT NULL
);
