// Package storetest is the conformance suite every store implementation must pass.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/opencatalog/terraform-provider-catalog/internal/store"
)

// Run runs the suite; open returns a fresh, empty, migrated store for each subtest.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, st store.Store)
	}{
		{"TenantsAndKeys", testTenantsAndKeys},
		{"ServiceRevisions", testServiceRevisions},
		{"ListServicesVisibilityFiltersPaging", testListServices},
		{"PlansCreateReplaceDelete", testPlans},
		{"InstancesOperationsStatistic", testInstances},
		{"OperationQueue", testOperationQueue},
		{"IdempotencyKeys", testIdempotency},
		{"TransactionRollsBack", testRollback},
		{"DeleteServiceRemovesChildren", testDeleteService},
		{"ReadTxRefusesWrites", testReadTxRefusesWrites},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

var base = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func seedTenant(t *testing.T, st store.Store, id string) {
	t.Helper()
	must(t, st.CreateTenant(context.Background(), store.Tenant{ID: id, Name: id, CreateTime: base}))
}

func seedService(t *testing.T, st store.Store, id, tenant, share, status string, created time.Time) {
	t.Helper()
	ctx := context.Background()
	must(t, st.InTx(ctx, func(q store.Queries) error {
		if err := q.CreateService(ctx, store.Service{ID: id, TenantID: tenant, DefaultVersion: 1, LatestVersion: 1, Tags: []byte("[]"), Broker: []byte("{}"), CreateTime: created, UpdateTime: created}); err != nil {
			return err
		}
		return q.CreateServiceVersion(ctx, store.ServiceVersion{ServiceID: id, Version: 1, Status: status, ShareType: share, DeployType: "ros",
			Name: "Name of " + id, Spec: []byte(`{"DeployType":"ros"}`), CreateTime: created, UpdateTime: created})
	}))
}

func testTenantsAndKeys(t *testing.T, st store.Store) {
	ctx := context.Background()
	must(t, st.CreateTenant(ctx, store.Tenant{ID: "t1", Name: "One", Admin: true, CreateTime: base}))
	if err := st.CreateTenant(ctx, store.Tenant{ID: "t1", Name: "Again", CreateTime: base}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate tenant: got %v, want ErrConflict", err)
	}
	got, err := st.GetTenant(ctx, "t1")
	must(t, err)
	if got.Name != "One" || !got.Admin || !got.CreateTime.Equal(base) {
		t.Fatalf("tenant read back as %+v", got)
	}
	must(t, st.CreateAPIKey(ctx, store.APIKey{KeyID: "k1", TenantID: "t1", Hash: "abc", CreateTime: base}))
	k, err := st.GetAPIKey(ctx, "k1")
	must(t, err)
	if k.TenantID != "t1" || k.Hash != "abc" {
		t.Fatalf("key read back as %+v", k)
	}
	if _, err := st.GetAPIKey(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing key: got %v, want ErrNotFound", err)
	}
	if err := st.CreateAPIKey(ctx, store.APIKey{KeyID: "k2", TenantID: "no-such-tenant", Hash: "x", CreateTime: base}); err == nil {
		t.Fatal("a key of a missing tenant was stored")
	}
}

func testServiceRevisions(t *testing.T, st store.Store) {
	ctx := context.Background()
	seedTenant(t, st, "t1")
	seedService(t, st, "s1", "t1", "", "Draft", base)
	s, err := st.GetService(ctx, "s1")
	must(t, err)
	if s.Revision != 1 {
		t.Fatalf("new service revision %d, want 1", s.Revision)
	}
	s.Tags, s.UpdateTime = []byte(`[{"Key":"a","Value":"b"}]`), base.Add(time.Hour)
	must(t, st.UpdateService(ctx, s))
	// A second writer holding the old revision loses.
	if err := st.UpdateService(ctx, s); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale update: got %v, want ErrConflict", err)
	}
	s, err = st.GetService(ctx, "s1")
	must(t, err)
	if s.Revision != 2 || string(s.Tags) != `[{"Key":"a","Value":"b"}]` || !s.UpdateTime.Equal(base.Add(time.Hour)) {
		t.Fatalf("service read back as %+v", s)
	}
	v, err := st.GetServiceVersion(ctx, "s1", 1)
	must(t, err)
	v.Status, v.PublishTime = "Online", base.Add(2*time.Hour)
	must(t, st.UpdateServiceVersion(ctx, v))
	if err := st.UpdateServiceVersion(ctx, v); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale version update: got %v, want ErrConflict", err)
	}
	must(t, st.CreateServiceVersion(ctx, store.ServiceVersion{ServiceID: "s1", Version: 2, Status: "Draft", Spec: []byte("{}"), CreateTime: base, UpdateTime: base}))
	if err := st.CreateServiceVersion(ctx, store.ServiceVersion{ServiceID: "s1", Version: 2, Status: "Draft", Spec: []byte("{}"), CreateTime: base, UpdateTime: base}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate version: got %v, want ErrConflict", err)
	}
	versions, err := st.ListServiceVersions(ctx, "s1")
	must(t, err)
	if len(versions) != 2 || versions[0].Status != "Online" || !versions[0].PublishTime.Equal(base.Add(2*time.Hour)) || versions[1].Version != 2 || !versions[1].PublishTime.IsZero() {
		t.Fatalf("versions read back as %+v", versions)
	}
	if _, err := st.GetServiceVersion(ctx, "s1", 9); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing version: got %v", err)
	}
}

func testListServices(t *testing.T, st store.Store) {
	ctx := context.Background()
	seedTenant(t, st, "a")
	seedTenant(t, st, "b")
	for i := 0; i < 5; i++ {
		seedService(t, st, fmt.Sprintf("a%d", i), "a", "", "Draft", base.Add(time.Duration(i)*time.Second))
	}
	seedService(t, st, "b-public-online", "b", "Public", "Online", base)
	seedService(t, st, "b-public-draft", "b", "Public", "Draft", base)
	seedService(t, st, "b-private", "b", "", "Online", base)

	ids := func(rows []store.ServiceRow) []string {
		var out []string
		for _, r := range rows {
			out = append(out, r.Service.ID)
		}
		return out
	}
	rows, err := st.ListServices(ctx, store.ServiceFilter{TenantID: "a", PublicStatuses: []string{"Online", "Offline"}, Limit: 100})
	must(t, err)
	if got := fmt.Sprint(ids(rows)); got != "[a0 b-public-online a1 a2 a3 a4]" {
		t.Fatalf("tenant a sees %s", got)
	}
	rows, err = st.ListServices(ctx, store.ServiceFilter{TenantID: "a", OwnedOnly: true, PublicStatuses: []string{"Online"}, Limit: 2})
	must(t, err)
	if got := fmt.Sprint(ids(rows)); got != "[a0 a1]" {
		t.Fatalf("first page %s", got)
	}
	last := rows[1].Service
	rows, err = st.ListServices(ctx, store.ServiceFilter{TenantID: "a", OwnedOnly: true, Limit: 10, After: &store.Cursor{CreateTime: last.CreateTime, ID: last.ID}})
	must(t, err)
	if got := fmt.Sprint(ids(rows)); got != "[a2 a3 a4]" {
		t.Fatalf("second page %s", got)
	}
	rows, err = st.ListServices(ctx, store.ServiceFilter{TenantID: "b", Status: "Online", Limit: 10})
	must(t, err)
	if got := fmt.Sprint(ids(rows)); got != "[b-private b-public-online]" {
		t.Fatalf("status filter %s", got)
	}
	rows, err = st.ListServices(ctx, store.ServiceFilter{TenantID: "a", NameContains: "OF A3", Limit: 10})
	must(t, err)
	if got := fmt.Sprint(ids(rows)); got != "[a3]" {
		t.Fatalf("name filter %s", got)
	}
	rows, err = st.ListServices(ctx, store.ServiceFilter{TenantID: "a", NameContains: "%", Limit: 10})
	must(t, err)
	if len(rows) != 0 {
		t.Fatalf("a %% in the name filter must match literally, got %v", ids(rows))
	}
}

func testPlans(t *testing.T, st store.Store) {
	ctx := context.Background()
	seedTenant(t, st, "t")
	seedService(t, st, "s", "t", "", "Draft", base)
	must(t, st.PutPlan(ctx, store.Plan{ServiceID: "s", Name: "small", Spec: []byte(`{"Description":"v1"}`), CreateTime: base, UpdateTime: base}))
	if err := st.PutPlan(ctx, store.Plan{ServiceID: "s", Name: "small", Spec: []byte(`{}`), CreateTime: base, UpdateTime: base}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("creating an existing plan: got %v, want ErrConflict", err)
	}
	p, err := st.GetPlan(ctx, "s", "small")
	must(t, err)
	p.Spec = []byte(`{"Description":"v2"}`)
	must(t, st.PutPlan(ctx, p))
	if err := st.PutPlan(ctx, p); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale plan replace: got %v, want ErrConflict", err)
	}
	must(t, st.PutPlan(ctx, store.Plan{ServiceID: "s", Name: "a-first", Spec: []byte(`{}`), CreateTime: base, UpdateTime: base}))
	plans, err := st.ListPlans(ctx, "s")
	must(t, err)
	if len(plans) != 2 || plans[0].Name != "a-first" || string(plans[1].Spec) != `{"Description":"v2"}` || plans[1].Revision != 2 {
		t.Fatalf("plans read back as %+v", plans)
	}
	must(t, st.DeletePlan(ctx, "s", "small"))
	if err := st.DeletePlan(ctx, "s", "small"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleting a deleted plan: got %v", err)
	}
}

func seedInstance(t *testing.T, st store.Store, id, tenant, service, status string) {
	t.Helper()
	must(t, st.CreateInstance(context.Background(), store.Instance{ID: id, TenantID: tenant, ServiceID: service, ServiceVersion: 1, PlanName: "small",
		Name: id, Status: status, Parameters: []byte(`{"k":1}`), Outputs: []byte(`{}`), Tags: []byte(`[]`), CreateTime: base, UpdateTime: base}))
}

func testInstances(t *testing.T, st store.Store) {
	ctx := context.Background()
	seedTenant(t, st, "t")
	seedTenant(t, st, "u")
	seedService(t, st, "s", "t", "Public", "Online", base)
	seedInstance(t, st, "i1", "t", "s", "Deployed")
	seedInstance(t, st, "i2", "t", "s", "Deleted")
	seedInstance(t, st, "i3", "u", "s", "Deployed")
	seedInstance(t, st, "i4", "u", "s", "Created")

	i, err := st.GetInstance(ctx, "i1")
	must(t, err)
	i.Status, i.Progress, i.Outputs = "Upgrading", 40, []byte(`{"url":"x"}`)
	must(t, st.UpdateInstance(ctx, i))
	if err := st.UpdateInstance(ctx, i); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale instance update: got %v", err)
	}
	i, err = st.GetInstance(ctx, "i1")
	must(t, err)
	if i.Status != "Upgrading" || i.Progress != 40 || string(i.Outputs) != `{"url":"x"}` || string(i.Parameters) != `{"k":1}` {
		t.Fatalf("instance read back as %+v", i)
	}
	list, err := st.ListInstances(ctx, store.InstanceFilter{TenantID: "t", Limit: 10})
	must(t, err)
	if len(list) != 1 || list[0].ID != "i1" {
		t.Fatalf("tenant t lists %+v, want only i1 (i2 is deleted)", list)
	}
	list, err = st.ListInstances(ctx, store.InstanceFilter{TenantID: "t", Status: "Deleted", Limit: 10})
	must(t, err)
	if len(list) != 1 || list[0].ID != "i2" {
		t.Fatalf("deleted filter lists %+v", list)
	}
	n, err := st.CountInstances(ctx, store.InstanceCount{ServiceID: "s", ExcludeStatus: "Deleted"})
	must(t, err)
	if n != 3 {
		t.Fatalf("live instances %d, want 3", n)
	}
	n, err = st.CountPlanInstances(ctx, "s", "small")
	must(t, err)
	if n != 3 {
		t.Fatalf("live instances of plan small %d, want 3", n)
	}
	stat, err := st.ServiceStatistic(ctx, "s")
	must(t, err)
	// i1 is now Upgrading; i3 is Deployed.
	if stat != (store.Statistic{Instances: 4, Users: 2, DeployedInstances: 1, DeployedUsers: 1}) {
		t.Fatalf("statistic %+v", stat)
	}

	for _, typ := range []string{"Provision", "Update"} {
		must(t, st.CreateOperation(ctx, store.Operation{ID: "op-" + typ, InstanceID: "i1", Type: typ, State: "Pending",
			Parameters: []byte(`{}`), PreviousValues: []byte(`{}`), CreateTime: base, UpdateTime: base}))
	}
	ops, err := st.ListOperations(ctx, "i1")
	must(t, err)
	if len(ops) != 2 || ops[0].Seq != 1 || ops[1].Seq != 2 || ops[0].Type != "Provision" {
		t.Fatalf("operations %+v", ops)
	}
	stale := ops[0]
	ops[0].State, ops[0].Description, ops[0].Parameters = "Succeeded", "done", []byte(`{"a":"b"}`)
	must(t, st.UpdateOperation(ctx, ops[0]))
	ops, err = st.ListOperations(ctx, "i1")
	must(t, err)
	if ops[0].State != "Succeeded" || ops[0].Description != "done" || string(ops[0].Parameters) != `{"a":"b"}` {
		t.Fatalf("operation read back as %+v", ops[0])
	}
	if err := st.UpdateOperation(ctx, store.Operation{ID: "missing", Parameters: []byte("{}"), PreviousValues: []byte("{}")}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("updating a missing operation: got %v", err)
	}
	if err := st.UpdateOperation(ctx, stale); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("updating an operation at a stale revision: got %v", err)
	}
}

// testOperationQueue: the worker's queue lists the operations that are due (Pending or
// InProgress, NextRun come, lease expired), longest waiting first, and keeps Work.
func testOperationQueue(t *testing.T, st store.Store) {
	ctx := context.Background()
	seedTenant(t, st, "t")
	seedService(t, st, "s", "t", "", "Online", base)
	seedInstance(t, st, "i", "t", "s", "Created")
	now := base.Add(time.Hour)
	for _, o := range []store.Operation{
		{ID: "due-later", State: "InProgress", NextRun: now.Add(-time.Minute)},
		{ID: "due-first", State: "Pending", NextRun: now.Add(-time.Hour)},
		{ID: "not-yet", State: "InProgress", NextRun: now.Add(time.Minute)},
		{ID: "leased", State: "InProgress", NextRun: now.Add(-time.Hour), LeaseOwner: "w", LeaseUntil: now.Add(time.Minute)},
		{ID: "lease-expired", State: "InProgress", NextRun: now.Add(-time.Second), LeaseOwner: "w", LeaseUntil: now.Add(-time.Millisecond)},
		{ID: "finished", State: "Succeeded", NextRun: now.Add(-time.Hour)},
	} {
		o.InstanceID, o.Type, o.Parameters, o.PreviousValues, o.Work, o.CreateTime, o.UpdateTime = "i", "Provision", []byte(`{}`), []byte(`{}`), []byte(`{"phase":"polling"}`), base, base
		must(t, st.CreateOperation(ctx, o))
	}
	due, err := st.DueOperations(ctx, now, 10)
	must(t, err)
	var ids []string
	for _, o := range due {
		ids = append(ids, o.ID)
	}
	if strings.Join(ids, ",") != "due-first,due-later,lease-expired" {
		t.Fatalf("due operations %v", ids)
	}
	if string(due[0].Work) != `{"phase":"polling"}` || due[0].Revision != 1 {
		t.Fatalf("operation read back as %+v", due[0])
	}
	due, err = st.DueOperations(ctx, now, 1)
	must(t, err)
	if len(due) != 1 {
		t.Fatalf("limit 1 gave %d", len(due))
	}
	op, err := st.GetOperation(ctx, "leased")
	must(t, err)
	if op.LeaseOwner != "w" || !op.LeaseUntil.Equal(now.Add(time.Minute)) {
		t.Fatalf("lease read back as %q %v", op.LeaseOwner, op.LeaseUntil)
	}
	if _, err := st.GetOperation(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing operation: %v", err)
	}
}

func testIdempotency(t *testing.T, st store.Store) {
	ctx := context.Background()
	k := store.IdempotencyKey{TenantID: "t", Scope: "service", Key: "k", RequestHash: "h", ResourceID: "s1", CreateTime: base}
	must(t, st.CreateIdempotencyKey(ctx, k))
	if err := st.CreateIdempotencyKey(ctx, k); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate idempotency key: got %v", err)
	}
	got, err := st.GetIdempotencyKey(ctx, "t", "service", "k")
	must(t, err)
	if got.ResourceID != "s1" || got.RequestHash != "h" {
		t.Fatalf("key read back as %+v", got)
	}
	if _, err := st.GetIdempotencyKey(ctx, "other-tenant", "service", "k"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("keys are per tenant: got %v", err)
	}
}

func testRollback(t *testing.T, st store.Store) {
	ctx := context.Background()
	boom := errors.New("boom")
	err := st.InTx(ctx, func(q store.Queries) error {
		if err := q.CreateTenant(ctx, store.Tenant{ID: "t", Name: "t", CreateTime: base}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx returned %v, want the function's error", err)
	}
	if _, err := st.GetTenant(ctx, "t"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a failed transaction left a tenant: %v", err)
	}
}

func testDeleteService(t *testing.T, st store.Store) {
	ctx := context.Background()
	seedTenant(t, st, "t")
	seedService(t, st, "s", "t", "", "Online", base)
	must(t, st.PutPlan(ctx, store.Plan{ServiceID: "s", Name: "p", Spec: []byte(`{}`), CreateTime: base, UpdateTime: base}))
	seedInstance(t, st, "i", "t", "s", "Deleted")
	must(t, st.CreateOperation(ctx, store.Operation{ID: "op", InstanceID: "i", Type: "Provision", State: "Canceled", Parameters: []byte(`{}`), PreviousValues: []byte(`{}`), CreateTime: base, UpdateTime: base}))
	must(t, st.InTx(ctx, func(q store.Queries) error { return q.DeleteService(ctx, "s") }))
	for what, err := range map[string]error{
		"service":  func() error { _, err := st.GetService(ctx, "s"); return err }(),
		"version":  func() error { _, err := st.GetServiceVersion(ctx, "s", 1); return err }(),
		"plan":     func() error { _, err := st.GetPlan(ctx, "s", "p"); return err }(),
		"instance": func() error { _, err := st.GetInstance(ctx, "i"); return err }(),
	} {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s left after deleting the service: %v", what, err)
		}
	}
	if err := st.DeleteService(ctx, "s"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleting a deleted service: got %v", err)
	}
}

func testReadTxRefusesWrites(t *testing.T, st store.Store) {
	ctx := context.Background()
	seedTenant(t, st, "t")
	err := st.ReadTx(ctx, func(q store.Queries) error {
		if _, err := q.GetTenant(ctx, "t"); err != nil {
			return err
		}
		return q.CreateTenant(ctx, store.Tenant{ID: "u", Name: "u", CreateTime: base})
	})
	if err == nil {
		t.Fatal("a read-only transaction wrote")
	}
	if _, err := st.GetTenant(ctx, "u"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the write of a read-only transaction stuck: %v", err)
	}
	// Connections go back to the pool writable.
	for i := 0; i < 10; i++ {
		must(t, st.ReadTx(ctx, func(q store.Queries) error { _, err := q.GetTenant(ctx, "t"); return err }))
		must(t, st.CreateTenant(ctx, store.Tenant{ID: fmt.Sprintf("w%d", i), Name: "w", CreateTime: base}))
	}
}
