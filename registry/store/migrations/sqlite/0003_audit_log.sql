-- mlsec registry schema v3 (SQLite): the tamper-evident audit log (see
-- docs/audit.md). audit_log holds one row per Merkle leaf: the canonical
-- entry bytes and their RFC 6962 leaf hash. audit_log_head is the single
-- row of tree state (size, compact-range border hashes, latest signed
-- checkpoint) that every append reads and rewrites inside the writing
-- transaction. audit_checkpoints keeps the signed checkpoints.
CREATE TABLE audit_log (
	idx       INTEGER PRIMARY KEY,
	entry     BLOB NOT NULL,
	leaf_hash BLOB NOT NULL
);
CREATE TABLE audit_log_head (
	id           INTEGER PRIMARY KEY CHECK (id = 1),
	size         INTEGER NOT NULL,
	border       BLOB NOT NULL,
	checkpoint   TEXT NOT NULL,
	verifier_key TEXT NOT NULL,
	updated_at   DATETIME NOT NULL
);
INSERT INTO audit_log_head (id, size, border, checkpoint, verifier_key, updated_at)
	VALUES (1, 0, X'', '', '', CURRENT_TIMESTAMP);
CREATE TABLE audit_checkpoints (
	size INTEGER PRIMARY KEY,
	at   DATETIME NOT NULL,
	note TEXT NOT NULL
);
