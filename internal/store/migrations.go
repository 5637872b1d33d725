package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// migrations are applied in order, each once, each in its own transaction. Never edit one
// that has shipped: add another. The SQL is common to SQLite and PostgreSQL (booleans are
// INTEGER 0/1, times are Unix microseconds).
var migrations = []string{
	1: `
CREATE TABLE tenants (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	admin       INTEGER NOT NULL,
	create_time BIGINT NOT NULL
);
CREATE TABLE api_keys (
	key_id      TEXT PRIMARY KEY,
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	hash        TEXT NOT NULL,
	create_time BIGINT NOT NULL
);
CREATE TABLE services (
	id              TEXT PRIMARY KEY,
	tenant_id       TEXT NOT NULL REFERENCES tenants(id),
	default_version INTEGER NOT NULL,
	latest_version  INTEGER NOT NULL,
	tags            TEXT NOT NULL,
	broker          TEXT NOT NULL,
	broker_password TEXT NOT NULL,
	create_time     BIGINT NOT NULL,
	update_time     BIGINT NOT NULL,
	revision        BIGINT NOT NULL
);
CREATE INDEX services_by_tenant ON services (tenant_id, create_time, id);
CREATE INDEX services_by_creation ON services (create_time, id);
CREATE TABLE service_versions (
	service_id    TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
	version       INTEGER NOT NULL,
	status        TEXT NOT NULL,
	status_detail TEXT NOT NULL,
	share_type    TEXT NOT NULL,
	deploy_type   TEXT NOT NULL,
	service_type  TEXT NOT NULL,
	name          TEXT NOT NULL,
	spec          TEXT NOT NULL,
	create_time   BIGINT NOT NULL,
	update_time   BIGINT NOT NULL,
	publish_time  BIGINT NOT NULL,
	revision      BIGINT NOT NULL,
	PRIMARY KEY (service_id, version)
);
CREATE TABLE plans (
	service_id  TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
	name        TEXT NOT NULL,
	spec        TEXT NOT NULL,
	create_time BIGINT NOT NULL,
	update_time BIGINT NOT NULL,
	revision    BIGINT NOT NULL,
	PRIMARY KEY (service_id, name)
);
CREATE TABLE service_instances (
	id              TEXT PRIMARY KEY,
	tenant_id       TEXT NOT NULL REFERENCES tenants(id),
	service_id      TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
	service_version INTEGER NOT NULL,
	plan_name       TEXT NOT NULL,
	name            TEXT NOT NULL,
	status          TEXT NOT NULL,
	progress        INTEGER NOT NULL,
	status_detail   TEXT NOT NULL,
	parameters      TEXT NOT NULL,
	outputs         TEXT NOT NULL,
	tags            TEXT NOT NULL,
	create_time     BIGINT NOT NULL,
	update_time     BIGINT NOT NULL,
	revision        BIGINT NOT NULL
);
CREATE INDEX instances_by_tenant ON service_instances (tenant_id, create_time, id);
CREATE INDEX instances_by_service ON service_instances (service_id, status);
CREATE TABLE operations (
	id              TEXT PRIMARY KEY,
	instance_id     TEXT NOT NULL REFERENCES service_instances(id) ON DELETE CASCADE,
	seq             INTEGER NOT NULL,
	type            TEXT NOT NULL,
	state           TEXT NOT NULL,
	plan_name       TEXT NOT NULL,
	parameters      TEXT NOT NULL,
	previous_values TEXT NOT NULL,
	description     TEXT NOT NULL,
	create_time     BIGINT NOT NULL,
	update_time     BIGINT NOT NULL,
	UNIQUE (instance_id, seq)
);
CREATE INDEX operations_by_state ON operations (state, create_time);
CREATE TABLE idempotency_keys (
	tenant_id    TEXT NOT NULL,
	scope        TEXT NOT NULL,
	idem_key     TEXT NOT NULL,
	request_hash TEXT NOT NULL,
	resource_id  TEXT NOT NULL,
	create_time  BIGINT NOT NULL,
	PRIMARY KEY (tenant_id, scope, idem_key)
);
`,
	// 2: the provisioning worker's bookkeeping: when an operation is next due, who holds it,
	// its progress at the broker (work), and an instance's broker ids and last operation.
	2: `
ALTER TABLE operations ADD COLUMN work TEXT NOT NULL DEFAULT '{}';
ALTER TABLE operations ADD COLUMN next_run BIGINT NOT NULL DEFAULT 0;
ALTER TABLE operations ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE operations ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE operations ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;
CREATE INDEX operations_due ON operations (state, next_run);
ALTER TABLE service_instances ADD COLUMN broker TEXT NOT NULL DEFAULT '{}';
ALTER TABLE service_instances ADD COLUMN last_operation TEXT NOT NULL DEFAULT '{}';
`,
}

// SchemaVersion is the schema version this build migrates to.
func SchemaVersion() int { return len(migrations) - 1 }

// migrate brings the schema up to date. It is safe to run from several processes at once.
func migrate(ctx context.Context, db *sql.DB, d dialect) error {
	for v := 1; v < len(migrations); v++ {
		if err := applyMigration(ctx, db, d, v); err != nil {
			return fmt.Errorf("schema migration %d: %w", v, err)
		}
	}
	return nil
}

func applyMigration(ctx context.Context, db *sql.DB, d dialect, version int) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := d.lockMigrations(ctx, tx); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_time BIGINT NOT NULL)`); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, d.rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, migrations[version]); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO schema_migrations (version, applied_time) VALUES (?, ?)`), version, time.Now().UnixMicro()); err != nil {
		return err
	}
	return tx.Commit()
}
