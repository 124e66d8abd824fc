-- mlsec registry schema v8 (PostgreSQL): sealed tables (docs/audit.md
-- "Tables a person reads"). A trigger on each sealed table notes the key of
-- every row a transaction inserts, updates or deletes, with the
-- transaction's id; the Merkle auditor copies that transaction's rows into
-- its log entry and deletes them. Rows noted by other writers (changes by
-- hand) are never sealed.
CREATE TABLE audit_row_changes (
	id      BIGSERIAL PRIMARY KEY,
	tx      BIGINT NOT NULL DEFAULT txid_current(),
	tbl     TEXT NOT NULL,
	row_key TEXT NOT NULL
);
CREATE INDEX audit_row_changes_tx ON audit_row_changes(tx);
CREATE FUNCTION audit_row_touched() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	r jsonb;
	k jsonb := '[]'::jsonb;
	i int;
BEGIN
	IF TG_OP = 'DELETE' THEN r := to_jsonb(OLD); ELSE r := to_jsonb(NEW); END IF;
	FOR i IN 0 .. TG_NARGS - 1 LOOP
		k := k || jsonb_build_array(r -> TG_ARGV[i]);
	END LOOP;
	INSERT INTO audit_row_changes (tbl, row_key) VALUES (TG_TABLE_NAME, k::text);
	RETURN NULL;
END $$;
-- Generated from sealedTables (registry/store/sealed.go); TestSealTriggersMigration keeps it so.
CREATE TRIGGER audit_seal_models AFTER INSERT OR DELETE OR UPDATE OF id, name, description, team, created_by, created_at, updated_at, revision ON models
	FOR EACH ROW EXECUTE FUNCTION audit_row_touched('id');
CREATE TRIGGER audit_seal_model_tags AFTER INSERT OR DELETE OR UPDATE OF model_id, tag ON model_tags
	FOR EACH ROW EXECUTE FUNCTION audit_row_touched('model_id', 'tag');
CREATE TRIGGER audit_seal_model_versions AFTER INSERT OR DELETE OR UPDATE OF id, model_id, number, digest, state, source_uri, description, created_by, created_at, ready_at, revision, stage ON model_versions
	FOR EACH ROW EXECUTE FUNCTION audit_row_touched('id');
CREATE TRIGGER audit_seal_evidence AFTER INSERT OR DELETE OR UPDATE OF id, version_id, type, subject_digest, producer, ts, signed, max_severity, severity_rank, body, created_by, created_at ON evidence
	FOR EACH ROW EXECUTE FUNCTION audit_row_touched('id');
CREATE TRIGGER audit_seal_lineage_edges AFTER INSERT OR DELETE OR UPDATE OF id, version_id, kind, target, commit_sha, note, created_by, created_at ON lineage_edges
	FOR EACH ROW EXECUTE FUNCTION audit_row_touched('id');
CREATE TRIGGER audit_seal_datasets AFTER INSERT OR DELETE OR UPDATE OF id, name, digest, owner, description, uri, created_at, updated_at, revision, team ON datasets
	FOR EACH ROW EXECUTE FUNCTION audit_row_touched('id');
CREATE TRIGGER audit_seal_api_tokens AFTER INSERT OR DELETE OR UPDATE OF id, name, hash, role, scope_team, scope_model, expires_at, revoked_at, created_by, created_at, person ON api_tokens
	FOR EACH ROW EXECUTE FUNCTION audit_row_touched('id');
CREATE TRIGGER audit_seal_model_owners AFTER INSERT OR DELETE OR UPDATE OF model_id, responsibility, principal, created_by, created_at ON model_owners
	FOR EACH ROW EXECUTE FUNCTION audit_row_touched('model_id', 'responsibility', 'principal');
CREATE TRIGGER audit_seal_approval_rules AFTER INSERT OR DELETE OR UPDATE OF model_id, stage, required, approvers, created_by, created_at ON approval_rules
	FOR EACH ROW EXECUTE FUNCTION audit_row_touched('model_id', 'stage');
CREATE TRIGGER audit_seal_decision_requests AFTER INSERT OR DELETE OR UPDATE OF id, model_id, version_id, action, stage, rationale, requested_by, created_at, base_version, status, policy, required, approvers, outcome, decided_by, decided_at, alias, exception_rule, exception_owner, exception_expires, change ON decision_requests
	FOR EACH ROW EXECUTE FUNCTION audit_row_touched('id');
CREATE TRIGGER audit_seal_decision_approvals AFTER INSERT OR DELETE OR UPDATE OF request_id, principal, actor, verdict, comment, created_at, kind ON decision_approvals
	FOR EACH ROW EXECUTE FUNCTION audit_row_touched('request_id', 'principal');
CREATE TRIGGER audit_seal_decision_records AFTER INSERT OR DELETE OR UPDATE OF id, version_id, title, body, author, created_at ON decision_records
	FOR EACH ROW EXECUTE FUNCTION audit_row_touched('id');
CREATE TRIGGER audit_seal_webhooks AFTER INSERT OR DELETE OR UPDATE OF id, url, events, created_by, created_at, deleted_at, scope_team, scope_model ON webhooks
	FOR EACH ROW EXECUTE FUNCTION audit_row_touched('id');
CREATE TRIGGER audit_seal_model_aliases AFTER INSERT OR DELETE OR UPDATE OF model_id, name, version_id, protected, updated_by, updated_at ON model_aliases
	FOR EACH ROW EXECUTE FUNCTION audit_row_touched('model_id', 'name');
CREATE TRIGGER audit_seal_alias_moves AFTER INSERT OR DELETE OR UPDATE OF id, model_id, name, from_version, to_version, protected, request_id, actor, reason, created_at ON alias_moves
	FOR EACH ROW EXECUTE FUNCTION audit_row_touched('id');
CREATE TRIGGER audit_seal_model_exceptions AFTER INSERT OR DELETE OR UPDATE OF id, model_id, version_id, digest, rule, owner, expires, rationale, request_id, granted_by, created_at ON model_exceptions
	FOR EACH ROW EXECUTE FUNCTION audit_row_touched('id');
