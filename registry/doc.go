// Package registry is the domain layer of the mlsec model registry served by
// 'mlsec serve': registered models, their immutable versions (identified by
// the OMS root digest of their files), content-addressed artifacts,
// evidence, lineage, datasets, API tokens and background jobs.
//
// The package declares what it needs from storage (Store and Tx, implemented
// by registry/store for SQLite and PostgreSQL) and the Service that every
// state change goes through. Service.mutate runs each change in one
// transaction together with an AuditEvent, so the governance layer (owners,
// approvals, a tamper-evident audit log) can hook one place: the Auditor.
//
// We wrote the registry rather than adopt MLflow's or Kubeflow's because
// neither binds versions to exact bytes nor keeps evidence and lineage next
// to them; see docs/registry.md.
package registry
