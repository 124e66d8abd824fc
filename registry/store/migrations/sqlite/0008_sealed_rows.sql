-- mlsec registry schema v8 (SQLite): sealed tables (docs/audit.md "Tables a
-- person reads"). A trigger on each sealed table notes the key of every
-- row a transaction inserts, updates or deletes; the Merkle auditor copies
-- those rows into the transaction's log entry and empties the table.
-- Every registry transaction starts by emptying it, so a row changed by
-- hand is never sealed by the next change.
CREATE TABLE audit_row_changes (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	tbl     TEXT NOT NULL,
	row_key TEXT NOT NULL
);
-- Generated from sealedTables (registry/store/sealed.go); TestSealTriggersMigration keeps it so.
CREATE TRIGGER audit_seal_models_ins AFTER INSERT ON models
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('models', json_array(NEW.id)); END;
CREATE TRIGGER audit_seal_models_upd AFTER UPDATE OF id, name, description, team, created_by, created_at, updated_at, revision ON models
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('models', json_array(NEW.id)); END;
CREATE TRIGGER audit_seal_models_del AFTER DELETE ON models
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('models', json_array(OLD.id)); END;
CREATE TRIGGER audit_seal_model_tags_ins AFTER INSERT ON model_tags
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('model_tags', json_array(NEW.model_id, NEW.tag)); END;
CREATE TRIGGER audit_seal_model_tags_upd AFTER UPDATE OF model_id, tag ON model_tags
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('model_tags', json_array(NEW.model_id, NEW.tag)); END;
CREATE TRIGGER audit_seal_model_tags_del AFTER DELETE ON model_tags
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('model_tags', json_array(OLD.model_id, OLD.tag)); END;
CREATE TRIGGER audit_seal_model_versions_ins AFTER INSERT ON model_versions
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('model_versions', json_array(NEW.id)); END;
CREATE TRIGGER audit_seal_model_versions_upd AFTER UPDATE OF id, model_id, number, digest, state, source_uri, description, created_by, created_at, ready_at, revision, stage ON model_versions
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('model_versions', json_array(NEW.id)); END;
CREATE TRIGGER audit_seal_model_versions_del AFTER DELETE ON model_versions
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('model_versions', json_array(OLD.id)); END;
CREATE TRIGGER audit_seal_evidence_ins AFTER INSERT ON evidence
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('evidence', json_array(NEW.id)); END;
CREATE TRIGGER audit_seal_evidence_upd AFTER UPDATE OF id, version_id, type, subject_digest, producer, ts, signed, max_severity, severity_rank, body, created_by, created_at ON evidence
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('evidence', json_array(NEW.id)); END;
CREATE TRIGGER audit_seal_evidence_del AFTER DELETE ON evidence
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('evidence', json_array(OLD.id)); END;
CREATE TRIGGER audit_seal_lineage_edges_ins AFTER INSERT ON lineage_edges
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('lineage_edges', json_array(NEW.id)); END;
CREATE TRIGGER audit_seal_lineage_edges_upd AFTER UPDATE OF id, version_id, kind, target, commit_sha, note, created_by, created_at ON lineage_edges
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('lineage_edges', json_array(NEW.id)); END;
CREATE TRIGGER audit_seal_lineage_edges_del AFTER DELETE ON lineage_edges
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('lineage_edges', json_array(OLD.id)); END;
CREATE TRIGGER audit_seal_datasets_ins AFTER INSERT ON datasets
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('datasets', json_array(NEW.id)); END;
CREATE TRIGGER audit_seal_datasets_upd AFTER UPDATE OF id, name, digest, owner, description, uri, created_at, updated_at, revision, team ON datasets
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('datasets', json_array(NEW.id)); END;
CREATE TRIGGER audit_seal_datasets_del AFTER DELETE ON datasets
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('datasets', json_array(OLD.id)); END;
CREATE TRIGGER audit_seal_api_tokens_ins AFTER INSERT ON api_tokens
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('api_tokens', json_array(NEW.id)); END;
CREATE TRIGGER audit_seal_api_tokens_upd AFTER UPDATE OF id, name, hash, role, scope_team, scope_model, expires_at, revoked_at, created_by, created_at, person ON api_tokens
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('api_tokens', json_array(NEW.id)); END;
CREATE TRIGGER audit_seal_api_tokens_del AFTER DELETE ON api_tokens
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('api_tokens', json_array(OLD.id)); END;
CREATE TRIGGER audit_seal_model_owners_ins AFTER INSERT ON model_owners
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('model_owners', json_array(NEW.model_id, NEW.responsibility, NEW.principal)); END;
CREATE TRIGGER audit_seal_model_owners_upd AFTER UPDATE OF model_id, responsibility, principal, created_by, created_at ON model_owners
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('model_owners', json_array(NEW.model_id, NEW.responsibility, NEW.principal)); END;
CREATE TRIGGER audit_seal_model_owners_del AFTER DELETE ON model_owners
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('model_owners', json_array(OLD.model_id, OLD.responsibility, OLD.principal)); END;
CREATE TRIGGER audit_seal_approval_rules_ins AFTER INSERT ON approval_rules
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('approval_rules', json_array(NEW.model_id, NEW.stage)); END;
CREATE TRIGGER audit_seal_approval_rules_upd AFTER UPDATE OF model_id, stage, required, approvers, created_by, created_at ON approval_rules
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('approval_rules', json_array(NEW.model_id, NEW.stage)); END;
CREATE TRIGGER audit_seal_approval_rules_del AFTER DELETE ON approval_rules
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('approval_rules', json_array(OLD.model_id, OLD.stage)); END;
CREATE TRIGGER audit_seal_decision_requests_ins AFTER INSERT ON decision_requests
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('decision_requests', json_array(NEW.id)); END;
CREATE TRIGGER audit_seal_decision_requests_upd AFTER UPDATE OF id, model_id, version_id, action, stage, rationale, requested_by, created_at, base_version, status, policy, required, approvers, outcome, decided_by, decided_at, alias, exception_rule, exception_owner, exception_expires, change ON decision_requests
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('decision_requests', json_array(NEW.id)); END;
CREATE TRIGGER audit_seal_decision_requests_del AFTER DELETE ON decision_requests
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('decision_requests', json_array(OLD.id)); END;
CREATE TRIGGER audit_seal_decision_approvals_ins AFTER INSERT ON decision_approvals
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('decision_approvals', json_array(NEW.request_id, NEW.principal)); END;
CREATE TRIGGER audit_seal_decision_approvals_upd AFTER UPDATE OF request_id, principal, actor, verdict, comment, created_at, kind ON decision_approvals
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('decision_approvals', json_array(NEW.request_id, NEW.principal)); END;
CREATE TRIGGER audit_seal_decision_approvals_del AFTER DELETE ON decision_approvals
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('decision_approvals', json_array(OLD.request_id, OLD.principal)); END;
CREATE TRIGGER audit_seal_decision_records_ins AFTER INSERT ON decision_records
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('decision_records', json_array(NEW.id)); END;
CREATE TRIGGER audit_seal_decision_records_upd AFTER UPDATE OF id, version_id, title, body, author, created_at ON decision_records
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('decision_records', json_array(NEW.id)); END;
CREATE TRIGGER audit_seal_decision_records_del AFTER DELETE ON decision_records
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('decision_records', json_array(OLD.id)); END;
CREATE TRIGGER audit_seal_webhooks_ins AFTER INSERT ON webhooks
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('webhooks', json_array(NEW.id)); END;
CREATE TRIGGER audit_seal_webhooks_upd AFTER UPDATE OF id, url, events, created_by, created_at, deleted_at, scope_team, scope_model ON webhooks
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('webhooks', json_array(NEW.id)); END;
CREATE TRIGGER audit_seal_webhooks_del AFTER DELETE ON webhooks
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('webhooks', json_array(OLD.id)); END;
CREATE TRIGGER audit_seal_model_aliases_ins AFTER INSERT ON model_aliases
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('model_aliases', json_array(NEW.model_id, NEW.name)); END;
CREATE TRIGGER audit_seal_model_aliases_upd AFTER UPDATE OF model_id, name, version_id, protected, updated_by, updated_at ON model_aliases
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('model_aliases', json_array(NEW.model_id, NEW.name)); END;
CREATE TRIGGER audit_seal_model_aliases_del AFTER DELETE ON model_aliases
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('model_aliases', json_array(OLD.model_id, OLD.name)); END;
CREATE TRIGGER audit_seal_alias_moves_ins AFTER INSERT ON alias_moves
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('alias_moves', json_array(NEW.id)); END;
CREATE TRIGGER audit_seal_alias_moves_upd AFTER UPDATE OF id, model_id, name, from_version, to_version, protected, request_id, actor, reason, created_at ON alias_moves
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('alias_moves', json_array(NEW.id)); END;
CREATE TRIGGER audit_seal_alias_moves_del AFTER DELETE ON alias_moves
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('alias_moves', json_array(OLD.id)); END;
CREATE TRIGGER audit_seal_model_exceptions_ins AFTER INSERT ON model_exceptions
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('model_exceptions', json_array(NEW.id)); END;
CREATE TRIGGER audit_seal_model_exceptions_upd AFTER UPDATE OF id, model_id, version_id, digest, rule, owner, expires, rationale, request_id, granted_by, created_at ON model_exceptions
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('model_exceptions', json_array(NEW.id)); END;
CREATE TRIGGER audit_seal_model_exceptions_del AFTER DELETE ON model_exceptions
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('model_exceptions', json_array(OLD.id)); END;
