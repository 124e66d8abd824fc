-- mlsec registry schema v10: training data as a governed artifact
-- (docs/data.md "Registered datasets"). dataset_versions: one row per
-- registered version of a dataset: its OMS root digest and files, the
-- classification, the PII summary (an evidence DataResult, JSON), lawful
-- basis, retention, allowed locations, the version it derives from, and
-- its approval (pending until enough approvers other than the registrant
-- approve). dataset_votes: the approvals and rejections.
CREATE TABLE dataset_versions (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	dataset_id        INTEGER NOT NULL REFERENCES datasets(id),
	number            INTEGER NOT NULL,
	digest            TEXT NOT NULL,
	files             TEXT NOT NULL DEFAULT '[]',
	classification    TEXT NOT NULL CHECK (classification IN ('public', 'internal', 'confidential', 'restricted')),
	pii               TEXT NOT NULL DEFAULT '{}',
	lawful_basis      TEXT NOT NULL DEFAULT '',
	retention         TEXT NOT NULL DEFAULT '',
	allowed_locations TEXT NOT NULL DEFAULT '[]',
	derived_from      TEXT NOT NULL DEFAULT '',
	status            TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
	required          INTEGER NOT NULL CHECK (required >= 1),
	approvers         TEXT NOT NULL DEFAULT '[]',
	created_by        TEXT NOT NULL,
	created_at        DATETIME NOT NULL,
	decided_by        TEXT NOT NULL DEFAULT '',
	decided_at        DATETIME,
	UNIQUE (dataset_id, number)
);
CREATE INDEX dataset_versions_digest ON dataset_versions(digest);
CREATE TABLE dataset_votes (
	version_id INTEGER NOT NULL REFERENCES dataset_versions(id),
	principal  TEXT NOT NULL,
	actor      TEXT NOT NULL,
	verdict    TEXT NOT NULL CHECK (verdict IN ('approve', 'reject')),
	comment    TEXT NOT NULL DEFAULT '',
	created_at DATETIME NOT NULL,
	PRIMARY KEY (version_id, principal)
);
