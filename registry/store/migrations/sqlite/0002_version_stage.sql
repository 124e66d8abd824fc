-- mlsec registry schema v2 (SQLite): the release stage of a version.
-- Existing versions start in development, like new ones.
ALTER TABLE model_versions ADD COLUMN stage TEXT NOT NULL DEFAULT 'development'
	CHECK (stage IN ('development', 'staging', 'production', 'deprecated', 'retired'));
CREATE INDEX model_versions_stage ON model_versions(model_id, stage);
