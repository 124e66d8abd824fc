-- mlsec registry schema v11 (SQLite): seal the tables created after
-- migration 0008 that a person reads to learn who decided what: the policy
-- profile a team or model is decided under (0009), training data's versions
-- and their approvals (0010). Rows written before this migration are not in
-- the audit log, and 'mlsec audit verify' names them (docs/audit.md).
-- Generated from sealedTables (registry/store/sealed.go); TestSealTriggersMigration keeps it so.
CREATE TRIGGER audit_seal_policy_profiles_ins AFTER INSERT ON policy_profiles
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('policy_profiles', json_array(NEW.kind, NEW.name)); END;
CREATE TRIGGER audit_seal_policy_profiles_upd AFTER UPDATE OF kind, name, profile, set_by, set_at ON policy_profiles
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('policy_profiles', json_array(NEW.kind, NEW.name)); END;
CREATE TRIGGER audit_seal_policy_profiles_del AFTER DELETE ON policy_profiles
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('policy_profiles', json_array(OLD.kind, OLD.name)); END;
CREATE TRIGGER audit_seal_dataset_versions_ins AFTER INSERT ON dataset_versions
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('dataset_versions', json_array(NEW.id)); END;
CREATE TRIGGER audit_seal_dataset_versions_upd AFTER UPDATE OF id, dataset_id, number, digest, files, classification, pii, lawful_basis, retention, allowed_locations, derived_from, status, required, approvers, created_by, created_at, decided_by, decided_at ON dataset_versions
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('dataset_versions', json_array(NEW.id)); END;
CREATE TRIGGER audit_seal_dataset_versions_del AFTER DELETE ON dataset_versions
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('dataset_versions', json_array(OLD.id)); END;
CREATE TRIGGER audit_seal_dataset_votes_ins AFTER INSERT ON dataset_votes
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('dataset_votes', json_array(NEW.version_id, NEW.principal)); END;
CREATE TRIGGER audit_seal_dataset_votes_upd AFTER UPDATE OF version_id, principal, actor, verdict, comment, created_at ON dataset_votes
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('dataset_votes', json_array(NEW.version_id, NEW.principal)); END;
CREATE TRIGGER audit_seal_dataset_votes_del AFTER DELETE ON dataset_votes
BEGIN INSERT INTO audit_row_changes (tbl, row_key) VALUES ('dataset_votes', json_array(OLD.version_id, OLD.principal)); END;
