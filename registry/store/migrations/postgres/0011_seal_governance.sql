-- mlsec registry schema v11 (PostgreSQL): seal the tables created after
-- migration 0008 that a person reads to learn who decided what: the policy
-- profile a team or model is decided under (0009), training data's versions
-- and their approvals (0010). Rows written before this migration are not in
-- the audit log, and 'mlsec audit verify' names them (docs/audit.md).
-- Generated from sealedTables (registry/store/sealed.go); TestSealTriggersMigration keeps it so.
CREATE TRIGGER audit_seal_policy_profiles AFTER INSERT OR DELETE OR UPDATE OF kind, name, profile, set_by, set_at ON policy_profiles
	FOR EACH ROW EXECUTE FUNCTION audit_row_touched('kind', 'name');
CREATE TRIGGER audit_seal_dataset_versions AFTER INSERT OR DELETE OR UPDATE OF id, dataset_id, number, digest, files, classification, pii, lawful_basis, retention, allowed_locations, derived_from, status, required, approvers, created_by, created_at, decided_by, decided_at ON dataset_versions
	FOR EACH ROW EXECUTE FUNCTION audit_row_touched('id');
CREATE TRIGGER audit_seal_dataset_votes AFTER INSERT OR DELETE OR UPDATE OF version_id, principal, actor, verdict, comment, created_at ON dataset_votes
	FOR EACH ROW EXECUTE FUNCTION audit_row_touched('version_id', 'principal');
