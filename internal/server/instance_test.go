package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/catalogtest"
	"github.com/opencatalog/terraform-provider-catalog/internal/client"
	"github.com/opencatalog/terraform-provider-catalog/internal/osbtest"
	"github.com/opencatalog/terraform-provider-catalog/internal/planspec"
)

func f(v float64) *float64 { return &v }
func b(v bool) *bool       { return &v }

// seedPlans publishes the seed's plans plus a custom plan through the API.
func seedPlans(t *testing.T, c *client.Client, serviceID string) {
	t.Helper()
	plans, err := planspec.Parse([]byte(catalogtest.SeedPlansYAML))
	ok(t, err)
	for _, p := range plans {
		_, _, err := c.PutPlan(ctx, serviceID, p.Name, p.PutPlanRequest, "")
		ok(t, err)
	}
	_, _, err = c.PutPlan(ctx, serviceID, "custom", api.PutPlanRequest{Description: "pick your own", Metadata: map[string]api.ParameterSpec{
		"size":   {Type: "integer", Default: 10, RangeMin: f(1), RangeMax: f(100)},
		"name":   {Type: "string", Optional: b(false)},
		"region": {Type: "string", Default: "eu", ReadOnly: b(true)},
		"zone":   {Type: "string", Default: "a", Changed: b(false)},
	}}, "")
	ok(t, err)
}

func TestPlans(t *testing.T) {
	env := catalogtest.Start(t)
	_, c := env.Tenant(t, "acme")
	svc, _, err := c.CreateService(ctx, catalogtest.PrivateService("DB"), "")
	ok(t, err)
	seedPlans(t, c, svc.ServiceId)

	large, r, err := c.GetPlan(ctx, svc.ServiceId, "large")
	ok(t, err)
	if large.BlueprintId != "PlanTemplateName:1.0" || large.Blueprint != "PlanTemplateName:1,0" || r.ETag == "" {
		t.Fatalf("large blueprint %q -> %q", large.Blueprint, large.BlueprintId)
	}
	if len(large.Warnings) != 1 || !strings.Contains(large.Warnings[0], `Accumulate key "key1" is not a Metadata key and is ignored (did you mean "Key1"?)`) {
		t.Fatalf("warnings %q", large.Warnings)
	}
	if vm := large.MeteringItems[1]; vm.ItemName != "VM" || vm.Specification != "large" {
		t.Fatalf("VM item %+v", vm)
	}
	if k := large.Metadata["Key_2"]; k.Default != "value2" || *k.Optional || *k.Changed || *k.RangeMax != 20 {
		t.Fatalf("Key_2 %+v", k)
	}
	small, _, err := c.GetPlan(ctx, svc.ServiceId, "small")
	ok(t, err)
	if small.BlueprintId != "blueprint.small.yml:1.0" || len(small.Warnings) != 0 || *small.Metadata["Key1"].ReadOnly {
		t.Fatalf("small %+v", small)
	}
	plans, err := c.ListPlans(ctx, svc.ServiceId)
	ok(t, err)
	if len(plans) != 3 || plans[0].Name != "custom" || plans[2].Name != "small" {
		t.Fatalf("plans %v", plans)
	}
	// Replace with If-Match; a stale ETag is refused.
	_, stale, err := c.GetPlan(ctx, svc.ServiceId, "small")
	ok(t, err)
	v2, r2, err := c.PutPlan(ctx, svc.ServiceId, "small", api.PutPlanRequest{Description: "v2"}, stale.ETag)
	ok(t, err)
	if r2.StatusCode != 200 || v2.Description != "v2" || r2.ETag == stale.ETag {
		t.Fatalf("replace answered %d %q etag %s", r2.StatusCode, v2.Description, r2.ETag)
	}
	_, _, err = c.PutPlan(ctx, svc.ServiceId, "small", api.PutPlanRequest{Description: "v3"}, stale.ETag)
	apiErr(t, err, 412, "PreconditionFailed")
	_, _, err = c.PutPlan(ctx, svc.ServiceId, "bad", api.PutPlanRequest{Metadata: map[string]api.ParameterSpec{"k": {Type: "decimal"}}}, "")
	msg := apiErr(t, err, 400, "InvalidParameter.Metadata")
	if !strings.Contains(msg, `Metadata key "k": type "decimal" is not one of`) {
		t.Fatalf("message %q", msg)
	}
	ok(t, c.DeletePlan(ctx, svc.ServiceId, "small", ""))
	_, _, err = c.GetPlan(ctx, svc.ServiceId, "small")
	apiErr(t, err, 404, "EntityNotExist.Plan")
}

func TestOrderChangeDeleteInstance(t *testing.T) {
	// No worker: this test is about the queue, before anything reaches the broker.
	env := catalogtest.Start(t, catalogtest.Options{NoWorker: true})
	_, c := env.Tenant(t, "acme")
	broker := osbtest.Start(t, "small", "large", "custom")
	svc, _, err := c.CreateService(ctx, catalogtest.BrokeredService(broker, "DB"), "")
	ok(t, err)
	seedPlans(t, c, svc.ServiceId)
	order := api.CreateServiceInstanceRequest{Name: "db-1", ServiceId: svc.ServiceId, PlanName: "custom", Parameters: map[string]any{"name": "orders", "size": "20"}}

	// A Draft service cannot be ordered.
	_, _, err = c.CreateInstance(ctx, order, "")
	apiErr(t, err, 409, "ServiceNotOnline")
	_, _, err = c.ChangeServiceStatus(ctx, svc.ServiceId, "publish", api.ServiceLifecycleRequest{})
	ok(t, err)

	bad := order
	bad.Parameters = map[string]any{"size": 500, "region": "us", "colour": "red"}
	_, _, err = c.CreateInstance(ctx, bad, "")
	msg := apiErr(t, err, 400, "InvalidParameter.Parameters")
	for _, want := range []string{`parameter "colour": is not a parameter of plan "custom"`, `parameter "name": is required`,
		`parameter "region": is read_only`, `parameter "size": value 500 is above range_max 100`} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	bad = order
	bad.PlanName = "medium"
	_, _, err = c.CreateInstance(ctx, bad, "")
	msg = apiErr(t, err, 400, "InvalidParameter.PlanName")
	if !strings.Contains(msg, "its plans: custom, large, small") {
		t.Fatalf("message %q", msg)
	}
	bad = order
	bad.PlanName, bad.Parameters = "large", map[string]any{"Key_2": "other"}
	_, _, err = c.CreateInstance(ctx, bad, "")
	msg = apiErr(t, err, 400, "InvalidParameter.Parameters")
	if !strings.Contains(msg, `cannot be set in plan "large"`) {
		t.Fatalf("message %q", msg)
	}

	dry := order
	dry.DryRun = true
	preview, r, err := c.CreateInstance(ctx, dry, "")
	ok(t, err)
	if r.StatusCode != 200 || preview.ServiceInstanceId != "" || preview.Parameters["size"] != json.Number("20") {
		t.Fatalf("dry run %d %+v", r.StatusCode, preview)
	}
	list, err := c.ListInstances(ctx, client.ListInstancesOptions{})
	ok(t, err)
	if len(list.ServiceInstances) != 0 {
		t.Fatalf("dry run or rejected orders created %d instances", len(list.ServiceInstances))
	}

	inst, r, err := c.CreateInstance(ctx, order, "order-1")
	ok(t, err)
	if r.StatusCode != 202 || inst.Status != api.InstanceCreated || inst.ServiceVersion != "1" {
		t.Fatalf("order %d %s v%s", r.StatusCode, inst.Status, inst.ServiceVersion)
	}
	wantParams := map[string]any{"name": "orders", "size": json.Number("20"), "region": "eu", "zone": "a"}
	for k, v := range wantParams {
		if inst.Parameters[k] != v {
			t.Errorf("parameter %s = %#v, want %#v", k, inst.Parameters[k], v)
		}
	}
	retry, r, err := c.CreateInstance(ctx, order, "order-1")
	ok(t, err)
	if retry.ServiceInstanceId != inst.ServiceInstanceId || r.StatusCode != 200 {
		t.Fatalf("retried order made %s (%d)", retry.ServiceInstanceId, r.StatusCode)
	}
	ops, err := c.ListOperations(ctx, inst.ServiceInstanceId)
	ok(t, err)
	if len(ops) != 1 || ops[0].Type != api.OperationProvision || ops[0].State != api.OperationPending {
		t.Fatalf("operations %+v", ops)
	}

	// changed: false holds even before provisioning.
	_, _, err = c.UpdateInstance(ctx, inst.ServiceInstanceId, api.UpdateServiceInstanceRequest{Parameters: map[string]any{"name": "orders", "zone": "b"}}, "")
	msg = apiErr(t, err, 400, "InvalidParameter.Parameters")
	if !strings.Contains(msg, `parameter "zone": cannot be changed after the instance is created (changed: false)`) {
		t.Fatalf("message %q", msg)
	}
	// While provisioning has not started, a change is folded into the queued Provision.
	_, got, err := c.GetInstance(ctx, inst.ServiceInstanceId)
	ok(t, err)
	changed, r, err := c.UpdateInstance(ctx, inst.ServiceInstanceId, api.UpdateServiceInstanceRequest{Parameters: map[string]any{"name": "orders", "size": 30}}, got.ETag)
	ok(t, err)
	if changed.Parameters["size"] != json.Number("30") || changed.Status != api.InstanceCreated || r.ETag == got.ETag {
		t.Fatalf("change gave %+v", changed)
	}
	ops, err = c.ListOperations(ctx, inst.ServiceInstanceId)
	ok(t, err)
	if len(ops) != 1 || ops[0].Parameters["size"] != json.Number("30") {
		t.Fatalf("queued provision %+v", ops)
	}
	_, _, err = c.UpdateInstance(ctx, inst.ServiceInstanceId, api.UpdateServiceInstanceRequest{Name: strp("renamed")}, got.ETag)
	apiErr(t, err, 412, "PreconditionFailed")

	// Statistic counts real instances, for the owner.
	stat, _, err := c.GetService(ctx, svc.ServiceId, client.GetServiceOptions{ShowStatistic: true})
	ok(t, err)
	if stat.Statistic.AccumulativeInstanceCount != 1 || stat.Statistic.AccumulativeUserCount != 1 || stat.Statistic.DeployedServiceInstanceCount != 0 {
		t.Fatalf("statistic %+v", stat.Statistic)
	}
	apiErr(t, c.DeleteService(ctx, svc.ServiceId, ""), 409, "ServiceHasInstances")
	apiErr(t, c.DeletePlan(ctx, svc.ServiceId, "custom", ""), 409, "PlanHasInstances")

	// Deleting before provisioning started cancels the Provision: nothing reached a broker.
	deleted, r, err := c.DeleteInstance(ctx, inst.ServiceInstanceId)
	ok(t, err)
	if r.StatusCode != 200 || deleted.Status != api.InstanceDeleted {
		t.Fatalf("delete %d %s", r.StatusCode, deleted.Status)
	}
	ops, err = c.ListOperations(ctx, inst.ServiceInstanceId)
	ok(t, err)
	if ops[0].State != api.OperationCanceled {
		t.Fatalf("provision after delete: %+v", ops[0])
	}
	_, _, err = c.GetInstance(ctx, inst.ServiceInstanceId)
	apiErr(t, err, 404, "EntityNotExist.ServiceInstance")
	stat, _, err = c.GetService(ctx, svc.ServiceId, client.GetServiceOptions{ShowStatistic: true})
	ok(t, err)
	if stat.Statistic.AccumulativeInstanceCount != 1 {
		t.Fatalf("accumulative count must include deleted instances: %+v", stat.Statistic)
	}
	ok(t, c.DeleteService(ctx, svc.ServiceId, ""))
}

func strp(s string) *string { return &s }

// TestPublicServicesAcrossTenants: a Public, Online service is visible and orderable by other
// tenants, who see no statistic and cannot change it; their instances stay theirs.
func TestPublicServicesAcrossTenants(t *testing.T) {
	env := catalogtest.Start(t)
	_, supplier := env.Tenant(t, "supplier")
	_, consumer := env.Tenant(t, "consumer")
	_, admin := env.Admin(t, "platform")
	req := catalogtest.BrokeredService(osbtest.Start(t, "small", "large", "custom"), "Shared")
	req.ShareType = "Public"
	svc, _, err := supplier.CreateService(ctx, req, "")
	ok(t, err)
	seedPlans(t, supplier, svc.ServiceId)
	_, _, err = supplier.ChangeServiceStatus(ctx, svc.ServiceId, "publish", api.ServiceLifecycleRequest{})
	ok(t, err)
	// Submitted: not yet visible to the consumer.
	_, _, err = consumer.GetService(ctx, svc.ServiceId, client.GetServiceOptions{})
	apiErr(t, err, 404, "EntityNotExist.Service")
	rejected, _, err := admin.ChangeServiceStatus(ctx, svc.ServiceId, "reject", api.ServiceLifecycleRequest{Reason: "needs docs"})
	ok(t, err)
	if rejected.Status != api.ServiceDraft || rejected.StatusDetail != "rejected: needs docs" {
		t.Fatalf("reject gave %s %q", rejected.Status, rejected.StatusDetail)
	}
	for _, step := range []struct {
		c      *client.Client
		action string
	}{{supplier, "publish"}, {admin, "approve"}, {supplier, "publish"}} {
		_, _, err := step.c.ChangeServiceStatus(ctx, svc.ServiceId, step.action, api.ServiceLifecycleRequest{})
		ok(t, err)
	}
	seen, _, err := consumer.GetService(ctx, svc.ServiceId, client.GetServiceOptions{ShowStatistic: true})
	ok(t, err)
	if seen.Status != api.ServiceOnline {
		t.Fatalf("consumer sees %s", seen.Status)
	}
	_, _, err = consumer.UpdateService(ctx, svc.ServiceId, api.UpdateServiceRequest{ServiceSpec: api.ServiceSpec{SupplierName: "me"}}, "")
	apiErr(t, err, 403, "Forbidden")
	// The supplier's next draft stays the supplier's.
	draft, _, err := supplier.UpdateService(ctx, svc.ServiceId, api.UpdateServiceRequest{ServiceSpec: api.ServiceSpec{VersionName: "next"}}, "")
	ok(t, err)
	_, _, err = consumer.GetService(ctx, svc.ServiceId, client.GetServiceOptions{ServiceVersion: draft.Version})
	apiErr(t, err, 404, "EntityNotExist.ServiceVersion")
	_, _, err = consumer.CreateInstance(ctx, api.CreateServiceInstanceRequest{Name: "x", ServiceId: svc.ServiceId, ServiceVersion: draft.Version, PlanName: "small"}, "")
	apiErr(t, err, 404, "EntityNotExist.ServiceVersion")
	inst, _, err := consumer.CreateInstance(ctx, api.CreateServiceInstanceRequest{Name: "mine", ServiceId: svc.ServiceId, PlanName: "small"}, "")
	ok(t, err)
	all, err := consumer.ListServices(ctx, client.ListServicesOptions{})
	ok(t, err)
	mine, err := consumer.ListServices(ctx, client.ListServicesOptions{Owner: "self"})
	ok(t, err)
	if len(all.Services) != 1 || len(mine.Services) != 0 {
		t.Fatalf("consumer lists %d services, %d own", len(all.Services), len(mine.Services))
	}
	_, _, err = supplier.GetInstance(ctx, inst.ServiceInstanceId)
	apiErr(t, err, 404, "EntityNotExist.ServiceInstance")
	stat, _, err := supplier.GetService(ctx, svc.ServiceId, client.GetServiceOptions{ShowStatistic: true})
	ok(t, err)
	if stat.Statistic.AccumulativeInstanceCount != 1 || stat.Statistic.AccumulativeUserCount != 1 {
		t.Fatalf("supplier statistic %+v", stat.Statistic)
	}
}
