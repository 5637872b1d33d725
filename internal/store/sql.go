package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// sqlStore is the Store over database/sql, for both dialects.
type sqlStore struct {
	queries
	db *sql.DB
}

// queries implements Queries over a querier.
type queries struct {
	q querier
	d dialect
}

func (s *sqlStore) Driver() string                 { return s.d.name() }
func (s *sqlStore) Close() error                   { return s.db.Close() }
func (s *sqlStore) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

func (s *sqlStore) InTx(ctx context.Context, fn func(q Queries) error) error {
	return s.tx(ctx, nil, fn)
}

func (s *sqlStore) ReadTx(ctx context.Context, fn func(q Queries) error) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("get connection: %w", err)
	}
	defer conn.Close()
	restore, err := s.d.readOnly(ctx, conn)
	if err != nil {
		return fmt.Errorf("make connection read-only: %w", err)
	}
	defer restore()
	return s.run(ctx, conn, &sql.TxOptions{ReadOnly: true}, fn)
}

// beginner is *sql.DB or *sql.Conn.
type beginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

func (s *sqlStore) tx(ctx context.Context, opts *sql.TxOptions, fn func(q Queries) error) error {
	return s.run(ctx, s.db, opts, fn)
}

func (s *sqlStore) run(ctx context.Context, db beginner, opts *sql.TxOptions, fn func(q Queries) error) error {
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(&queries{q: tx, d: s.d}); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return s.wrap(fmt.Errorf("commit: %w", err))
	}
	return nil
}

func (q *queries) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := q.q.ExecContext(ctx, q.d.rebind(query), args...)
	return res, q.wrap(err)
}

// execOne runs a write that must touch exactly one row; none means the row is gone or its
// revision moved on.
func (q *queries) execOne(ctx context.Context, query string, args ...any) error {
	res, err := q.exec(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrConflict
	}
	return nil
}

func (q *queries) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return q.q.QueryRowContext(ctx, q.d.rebind(query), args...)
}

func (q *queries) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := q.q.QueryContext(ctx, q.d.rebind(query), args...)
	return rows, q.wrap(err)
}

// wrap turns driver errors the catalog cares about into the store's errors.
func (q *queries) wrap(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case q.d.isUniqueViolation(err):
		return fmt.Errorf("%w: %w", ErrConflict, err)
	}
	return err
}

// Times are stored as Unix microseconds: fine enough that listings ordered by creation
// keep the order in which objects were made.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// --- tenants and keys ---

func (q *queries) CreateTenant(ctx context.Context, t Tenant) error {
	_, err := q.exec(ctx, `INSERT INTO tenants (id, name, admin, create_time) VALUES (?, ?, ?, ?)`,
		t.ID, t.Name, boolInt(t.Admin), micros(t.CreateTime))
	return err
}

func (q *queries) GetTenant(ctx context.Context, id string) (Tenant, error) {
	var t Tenant
	var admin int
	var created int64
	err := q.queryRow(ctx, `SELECT id, name, admin, create_time FROM tenants WHERE id = ?`, id).Scan(&t.ID, &t.Name, &admin, &created)
	t.Admin, t.CreateTime = admin == 1, fromMicros(created)
	return t, q.wrap(err)
}

func (q *queries) CreateAPIKey(ctx context.Context, k APIKey) error {
	_, err := q.exec(ctx, `INSERT INTO api_keys (key_id, tenant_id, hash, create_time) VALUES (?, ?, ?, ?)`,
		k.KeyID, k.TenantID, k.Hash, micros(k.CreateTime))
	return err
}

func (q *queries) GetAPIKey(ctx context.Context, keyID string) (APIKey, error) {
	var k APIKey
	var created int64
	err := q.queryRow(ctx, `SELECT key_id, tenant_id, hash, create_time FROM api_keys WHERE key_id = ?`, keyID).Scan(&k.KeyID, &k.TenantID, &k.Hash, &created)
	k.CreateTime = fromMicros(created)
	return k, q.wrap(err)
}

// --- services ---

const serviceColumns = `s.id, s.tenant_id, s.default_version, s.latest_version, s.tags, s.broker, s.broker_password, s.create_time, s.update_time, s.revision`

func scanService(row scanner) (Service, error) {
	var s Service
	var created, updated int64
	var tags, broker string
	err := row.Scan(&s.ID, &s.TenantID, &s.DefaultVersion, &s.LatestVersion, &tags, &broker, &s.BrokerPassword, &created, &updated, &s.Revision)
	s.Tags, s.Broker = []byte(tags), []byte(broker)
	s.CreateTime, s.UpdateTime = fromMicros(created), fromMicros(updated)
	return s, err
}

func (q *queries) CreateService(ctx context.Context, s Service) error {
	_, err := q.exec(ctx, `INSERT INTO services (id, tenant_id, default_version, latest_version, tags, broker, broker_password, create_time, update_time, revision)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		s.ID, s.TenantID, s.DefaultVersion, s.LatestVersion, string(s.Tags), string(s.Broker), s.BrokerPassword, micros(s.CreateTime), micros(s.UpdateTime))
	return err
}

func (q *queries) GetService(ctx context.Context, id string) (Service, error) {
	s, err := scanService(q.queryRow(ctx, `SELECT `+serviceColumns+` FROM services s WHERE s.id = ?`, id))
	return s, q.wrap(err)
}

func (q *queries) UpdateService(ctx context.Context, s Service) error {
	return q.execOne(ctx, `UPDATE services SET default_version = ?, latest_version = ?, tags = ?, broker = ?, broker_password = ?, update_time = ?, revision = revision + 1
		WHERE id = ? AND revision = ?`,
		s.DefaultVersion, s.LatestVersion, string(s.Tags), string(s.Broker), s.BrokerPassword, micros(s.UpdateTime), s.ID, s.Revision)
}

func (q *queries) DeleteService(ctx context.Context, id string) error {
	// Instances reference the tenant table too, so remove children explicitly rather than
	// rely on every backend honouring ON DELETE CASCADE in the same order.
	for _, stmt := range []string{
		`DELETE FROM operations WHERE instance_id IN (SELECT id FROM service_instances WHERE service_id = ?)`,
		`DELETE FROM service_instances WHERE service_id = ?`,
		`DELETE FROM plans WHERE service_id = ?`,
		`DELETE FROM service_versions WHERE service_id = ?`,
	} {
		if _, err := q.exec(ctx, stmt, id); err != nil {
			return err
		}
	}
	err := q.execOne(ctx, `DELETE FROM services WHERE id = ?`, id)
	if errors.Is(err, ErrConflict) {
		return ErrNotFound
	}
	return err
}

const versionColumns = `v.service_id, v.version, v.status, v.status_detail, v.share_type, v.deploy_type, v.service_type, v.name, v.spec, v.create_time, v.update_time, v.publish_time, v.revision`

func scanVersion(row scanner, extra ...any) (ServiceVersion, error) {
	var v ServiceVersion
	var spec string
	var created, updated, published int64
	dest := append(extra, &v.ServiceID, &v.Version, &v.Status, &v.StatusDetail, &v.ShareType, &v.DeployType, &v.ServiceType, &v.Name, &spec, &created, &updated, &published, &v.Revision)
	err := row.Scan(dest...)
	v.Spec = []byte(spec)
	v.CreateTime, v.UpdateTime, v.PublishTime = fromMicros(created), fromMicros(updated), fromMicros(published)
	return v, err
}

func (q *queries) ListServices(ctx context.Context, f ServiceFilter) ([]ServiceRow, error) {
	var where []string
	var args []any
	visible := []string{"s.tenant_id = ?"}
	args = append(args, f.TenantID)
	if !f.OwnedOnly && len(f.PublicStatuses) > 0 {
		visible = append(visible, "(v.share_type = 'Public' AND v.status IN ("+placeholders(len(f.PublicStatuses))+"))")
		for _, st := range f.PublicStatuses {
			args = append(args, st)
		}
	}
	where = append(where, "("+strings.Join(visible, " OR ")+")")
	for _, c := range []struct{ col, val string }{
		{"v.status", f.Status}, {"v.deploy_type", f.DeployType}, {"v.service_type", f.ServiceType}, {"v.share_type", f.ShareType},
	} {
		if c.val != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.val)
		}
	}
	if f.NameContains != "" {
		where = append(where, `LOWER(v.name) LIKE ? ESCAPE '\'`)
		args = append(args, "%"+escapeLike(strings.ToLower(f.NameContains))+"%")
	}
	if f.After != nil {
		where = append(where, "(s.create_time > ? OR (s.create_time = ? AND s.id > ?))")
		args = append(args, micros(f.After.CreateTime), micros(f.After.CreateTime), f.After.ID)
	}
	args = append(args, f.Limit)
	rows, err := q.query(ctx, `SELECT `+serviceColumns+`, `+versionColumns+`
		FROM services s JOIN service_versions v ON v.service_id = s.id AND v.version = s.default_version
		WHERE `+strings.Join(where, " AND ")+`
		ORDER BY s.create_time, s.id LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ServiceRow
	for rows.Next() {
		var s Service
		var created, updated int64
		var tags, broker string
		v, err := scanVersion(rows, &s.ID, &s.TenantID, &s.DefaultVersion, &s.LatestVersion, &tags, &broker, &s.BrokerPassword, &created, &updated, &s.Revision)
		if err != nil {
			return nil, err
		}
		s.Tags, s.Broker = []byte(tags), []byte(broker)
		s.CreateTime, s.UpdateTime = fromMicros(created), fromMicros(updated)
		out = append(out, ServiceRow{Service: s, Version: v})
	}
	return out, q.wrap(rows.Err())
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func (q *queries) CreateServiceVersion(ctx context.Context, v ServiceVersion) error {
	_, err := q.exec(ctx, `INSERT INTO service_versions (service_id, version, status, status_detail, share_type, deploy_type, service_type, name, spec, create_time, update_time, publish_time, revision)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		v.ServiceID, v.Version, v.Status, v.StatusDetail, v.ShareType, v.DeployType, v.ServiceType, v.Name, string(v.Spec), micros(v.CreateTime), micros(v.UpdateTime), micros(v.PublishTime))
	return err
}

func (q *queries) GetServiceVersion(ctx context.Context, serviceID string, version int) (ServiceVersion, error) {
	v, err := scanVersion(q.queryRow(ctx, `SELECT `+versionColumns+` FROM service_versions v WHERE v.service_id = ? AND v.version = ?`, serviceID, version))
	return v, q.wrap(err)
}

func (q *queries) UpdateServiceVersion(ctx context.Context, v ServiceVersion) error {
	return q.execOne(ctx, `UPDATE service_versions SET status = ?, status_detail = ?, share_type = ?, deploy_type = ?, service_type = ?, name = ?, spec = ?, update_time = ?, publish_time = ?, revision = revision + 1
		WHERE service_id = ? AND version = ? AND revision = ?`,
		v.Status, v.StatusDetail, v.ShareType, v.DeployType, v.ServiceType, v.Name, string(v.Spec), micros(v.UpdateTime), micros(v.PublishTime), v.ServiceID, v.Version, v.Revision)
}

func (q *queries) ListServiceVersions(ctx context.Context, serviceID string) ([]ServiceVersion, error) {
	rows, err := q.query(ctx, `SELECT `+versionColumns+` FROM service_versions v WHERE v.service_id = ? ORDER BY v.version`, serviceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ServiceVersion
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, q.wrap(rows.Err())
}

// --- plans ---

func scanPlan(row scanner) (Plan, error) {
	var p Plan
	var spec string
	var created, updated int64
	err := row.Scan(&p.ServiceID, &p.Name, &spec, &created, &updated, &p.Revision)
	p.Spec = []byte(spec)
	p.CreateTime, p.UpdateTime = fromMicros(created), fromMicros(updated)
	return p, err
}

func (q *queries) PutPlan(ctx context.Context, p Plan) error {
	if p.Revision == 0 {
		_, err := q.exec(ctx, `INSERT INTO plans (service_id, name, spec, create_time, update_time, revision) VALUES (?, ?, ?, ?, ?, 1)`,
			p.ServiceID, p.Name, string(p.Spec), micros(p.CreateTime), micros(p.UpdateTime))
		return err
	}
	return q.execOne(ctx, `UPDATE plans SET spec = ?, update_time = ?, revision = revision + 1 WHERE service_id = ? AND name = ? AND revision = ?`,
		string(p.Spec), micros(p.UpdateTime), p.ServiceID, p.Name, p.Revision)
}

func (q *queries) GetPlan(ctx context.Context, serviceID, name string) (Plan, error) {
	p, err := scanPlan(q.queryRow(ctx, `SELECT service_id, name, spec, create_time, update_time, revision FROM plans WHERE service_id = ? AND name = ?`, serviceID, name))
	return p, q.wrap(err)
}

func (q *queries) ListPlans(ctx context.Context, serviceID string) ([]Plan, error) {
	rows, err := q.query(ctx, `SELECT service_id, name, spec, create_time, update_time, revision FROM plans WHERE service_id = ? ORDER BY name`, serviceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Plan
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, q.wrap(rows.Err())
}

func (q *queries) DeletePlan(ctx context.Context, serviceID, name string) error {
	err := q.execOne(ctx, `DELETE FROM plans WHERE service_id = ? AND name = ?`, serviceID, name)
	if errors.Is(err, ErrConflict) {
		return ErrNotFound
	}
	return err
}

// --- instances ---

const instanceColumns = `id, tenant_id, service_id, service_version, plan_name, name, status, progress, status_detail, parameters, outputs, tags, broker, last_operation, create_time, update_time, revision`

func scanInstance(row scanner) (Instance, error) {
	var i Instance
	var params, outputs, tags, broker, lastOp string
	var created, updated int64
	err := row.Scan(&i.ID, &i.TenantID, &i.ServiceID, &i.ServiceVersion, &i.PlanName, &i.Name, &i.Status, &i.Progress, &i.StatusDetail,
		&params, &outputs, &tags, &broker, &lastOp, &created, &updated, &i.Revision)
	i.Parameters, i.Outputs, i.Tags, i.Broker, i.LastOperation = []byte(params), []byte(outputs), []byte(tags), []byte(broker), []byte(lastOp)
	i.CreateTime, i.UpdateTime = fromMicros(created), fromMicros(updated)
	return i, err
}

func (q *queries) CreateInstance(ctx context.Context, i Instance) error {
	_, err := q.exec(ctx, `INSERT INTO service_instances (`+instanceColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		i.ID, i.TenantID, i.ServiceID, i.ServiceVersion, i.PlanName, i.Name, i.Status, i.Progress, i.StatusDetail,
		string(i.Parameters), string(i.Outputs), string(i.Tags), jsonOr(i.Broker), jsonOr(i.LastOperation), micros(i.CreateTime), micros(i.UpdateTime))
	return err
}

// jsonOr stores an unset JSON object column as {}.
func jsonOr(b []byte) string {
	if len(b) == 0 {
		return "{}"
	}
	return string(b)
}

func (q *queries) GetInstance(ctx context.Context, id string) (Instance, error) {
	i, err := scanInstance(q.queryRow(ctx, `SELECT `+instanceColumns+` FROM service_instances WHERE id = ?`, id))
	return i, q.wrap(err)
}

func (q *queries) UpdateInstance(ctx context.Context, i Instance) error {
	return q.execOne(ctx, `UPDATE service_instances SET service_version = ?, plan_name = ?, name = ?, status = ?, progress = ?, status_detail = ?,
			parameters = ?, outputs = ?, tags = ?, broker = ?, last_operation = ?, update_time = ?, revision = revision + 1
		WHERE id = ? AND revision = ?`,
		i.ServiceVersion, i.PlanName, i.Name, i.Status, i.Progress, i.StatusDetail, string(i.Parameters), string(i.Outputs), string(i.Tags),
		jsonOr(i.Broker), jsonOr(i.LastOperation), micros(i.UpdateTime), i.ID, i.Revision)
}

func (q *queries) ListInstances(ctx context.Context, f InstanceFilter) ([]Instance, error) {
	where := []string{"tenant_id = ?"}
	args := []any{f.TenantID}
	for _, c := range []struct{ col, val string }{
		{"service_id", f.ServiceID}, {"status", f.Status}, {"plan_name", f.PlanName}, {"name", f.Name},
	} {
		if c.val != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.val)
		}
	}
	if !f.IncludeDeleted && f.Status == "" {
		where = append(where, "status <> 'Deleted'")
	}
	if f.After != nil {
		where = append(where, "(create_time > ? OR (create_time = ? AND id > ?))")
		args = append(args, micros(f.After.CreateTime), micros(f.After.CreateTime), f.After.ID)
	}
	args = append(args, f.Limit)
	rows, err := q.query(ctx, `SELECT `+instanceColumns+` FROM service_instances WHERE `+strings.Join(where, " AND ")+` ORDER BY create_time, id LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Instance
	for rows.Next() {
		i, err := scanInstance(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, q.wrap(rows.Err())
}

func (q *queries) CountInstances(ctx context.Context, f InstanceCount) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM service_instances WHERE service_id = ? AND status <> ?`, f.ServiceID, f.ExcludeStatus).Scan(&n)
	return n, q.wrap(err)
}

func (q *queries) CountPlanInstances(ctx context.Context, serviceID, plan string) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM service_instances WHERE service_id = ? AND plan_name = ? AND status <> 'Deleted'`, serviceID, plan).Scan(&n)
	return n, q.wrap(err)
}

func (q *queries) ServiceStatistic(ctx context.Context, serviceID string) (Statistic, error) {
	var s Statistic
	err := q.queryRow(ctx, `SELECT COUNT(*), COUNT(DISTINCT tenant_id),
			COALESCE(SUM(CASE WHEN status = 'Deployed' THEN 1 ELSE 0 END), 0),
			COUNT(DISTINCT CASE WHEN status = 'Deployed' THEN tenant_id END)
		FROM service_instances WHERE service_id = ?`, serviceID).
		Scan(&s.Instances, &s.Users, &s.DeployedInstances, &s.DeployedUsers)
	return s, q.wrap(err)
}

// --- operations ---

const operationColumns = `id, instance_id, seq, type, state, plan_name, parameters, previous_values, description, work, next_run, lease_owner, lease_until, create_time, update_time, revision`

func scanOperation(row scanner) (Operation, error) {
	var o Operation
	var params, prev, work string
	var nextRun, leaseUntil, created, updated int64
	err := row.Scan(&o.ID, &o.InstanceID, &o.Seq, &o.Type, &o.State, &o.PlanName, &params, &prev, &o.Description, &work,
		&nextRun, &o.LeaseOwner, &leaseUntil, &created, &updated, &o.Revision)
	o.Parameters, o.PreviousValues, o.Work = []byte(params), []byte(prev), []byte(work)
	o.NextRun, o.LeaseUntil = fromMicros(nextRun), fromMicros(leaseUntil)
	o.CreateTime, o.UpdateTime = fromMicros(created), fromMicros(updated)
	return o, err
}

func (q *queries) CreateOperation(ctx context.Context, o Operation) error {
	_, err := q.exec(ctx, `INSERT INTO operations (`+operationColumns+`)
		VALUES (?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM operations WHERE instance_id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		o.ID, o.InstanceID, o.InstanceID, o.Type, o.State, o.PlanName, string(o.Parameters), string(o.PreviousValues), o.Description,
		jsonOr(o.Work), micros(o.NextRun), o.LeaseOwner, micros(o.LeaseUntil), micros(o.CreateTime), micros(o.UpdateTime))
	return err
}

func (q *queries) GetOperation(ctx context.Context, id string) (Operation, error) {
	o, err := scanOperation(q.queryRow(ctx, `SELECT `+operationColumns+` FROM operations WHERE id = ?`, id))
	return o, q.wrap(err)
}

func (q *queries) UpdateOperation(ctx context.Context, o Operation) error {
	return q.execOne(ctx, `UPDATE operations SET type = ?, state = ?, description = ?, plan_name = ?, parameters = ?, previous_values = ?,
			work = ?, next_run = ?, lease_owner = ?, lease_until = ?, update_time = ?, revision = revision + 1
		WHERE id = ? AND revision = ?`,
		o.Type, o.State, o.Description, o.PlanName, string(o.Parameters), string(o.PreviousValues),
		jsonOr(o.Work), micros(o.NextRun), o.LeaseOwner, micros(o.LeaseUntil), micros(o.UpdateTime), o.ID, o.Revision)
}

func (q *queries) ListOperations(ctx context.Context, instanceID string) ([]Operation, error) {
	return q.operations(ctx, `SELECT `+operationColumns+` FROM operations WHERE instance_id = ? ORDER BY seq`, instanceID)
}

func (q *queries) DueOperations(ctx context.Context, now time.Time, limit int) ([]Operation, error) {
	return q.operations(ctx, `SELECT `+operationColumns+` FROM operations
		WHERE state IN ('Pending', 'InProgress') AND next_run <= ? AND lease_until < ? ORDER BY next_run, create_time LIMIT ?`,
		micros(now), micros(now), limit)
}

func (q *queries) operations(ctx context.Context, query string, args ...any) ([]Operation, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Operation
	for rows.Next() {
		o, err := scanOperation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, q.wrap(rows.Err())
}

// --- idempotency keys ---

func (q *queries) GetIdempotencyKey(ctx context.Context, tenantID, scope, key string) (IdempotencyKey, error) {
	k := IdempotencyKey{TenantID: tenantID, Scope: scope, Key: key}
	var created int64
	err := q.queryRow(ctx, `SELECT request_hash, resource_id, create_time FROM idempotency_keys WHERE tenant_id = ? AND scope = ? AND idem_key = ?`,
		tenantID, scope, key).Scan(&k.RequestHash, &k.ResourceID, &created)
	k.CreateTime = fromMicros(created)
	return k, q.wrap(err)
}

func (q *queries) CreateIdempotencyKey(ctx context.Context, k IdempotencyKey) error {
	_, err := q.exec(ctx, `INSERT INTO idempotency_keys (tenant_id, scope, idem_key, request_hash, resource_id, create_time) VALUES (?, ?, ?, ?, ?, ?)`,
		k.TenantID, k.Scope, k.Key, k.RequestHash, k.ResourceID, micros(k.CreateTime))
	return err
}
