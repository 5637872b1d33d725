package provision_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/catalogtest"
	"github.com/opencatalog/terraform-provider-catalog/internal/client"
	"github.com/opencatalog/terraform-provider-catalog/internal/osbtest"
	"github.com/opencatalog/terraform-provider-catalog/internal/provision"
)

var ctx = context.Background()

// fixture is a catalog with a tenant and a published service whose plans "p" and "q" the
// test broker provisions, "p" as scripted.
type fixture struct {
	env    *catalogtest.Env
	c      *client.Client
	broker *osbtest.Broker
	svcID  string
}

func setup(t *testing.T, p osbtest.Behaviour, opts ...catalogtest.Options) *fixture {
	t.Helper()
	t.Parallel()
	f := &fixture{env: catalogtest.Start(t, opts...), broker: osbtest.Start(t, "q")}
	f.broker.Script("p", p)
	_, f.c = f.env.Tenant(t, "acme")
	plans := map[string]api.PutPlanRequest{"p": {Metadata: map[string]api.ParameterSpec{"size": {Type: "integer", Default: 1}}}, "q": {}}
	f.svcID = catalogtest.PublishedService(t, f.c, catalogtest.BrokeredService(f.broker, "DB"), plans)
	return f
}

func (f *fixture) order(t *testing.T, plan string) api.ServiceInstance {
	t.Helper()
	inst, _, err := f.c.CreateInstance(ctx, api.CreateServiceInstanceRequest{Name: "db-1", ServiceId: f.svcID, PlanName: plan}, "")
	if err != nil {
		t.Fatalf("order: %v", err)
	}
	return inst
}

func (f *fixture) operations(t *testing.T, id string) []api.Operation {
	t.Helper()
	ops, err := f.c.ListOperations(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return ops
}

// wait polls the instance until the worker has nothing more to do for it: a final status
// and no operation queued or running (orphan mitigation included).
func (f *fixture) wait(t *testing.T, id string, want string) api.ServiceInstance {
	t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	for {
		inst := catalogtest.WaitInstance(t, f.c, id, want)
		state := inst.LastOperation.State
		if state != api.OperationPending && state != api.OperationInProgress {
			return inst
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance %s is %s but its last operation is still %s: %q", id, inst.Status, state, inst.LastOperation.Description)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func contains(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s %q does not contain %q", what, got, w)
		}
	}
}

func TestProvisionOutcomes(t *testing.T) {
	cases := map[string]struct {
		behaviour osbtest.Behaviour
		opts      catalogtest.Options
		status    string
		detail    []string
		mitigated bool // a DELETE was sent to mitigate an orphan
		puts      int  // provision requests that reached the broker (0: do not check)
	}{
		"sync": {status: api.InstanceDeployed, detail: []string{"deployed"}, puts: 1},
		"async": {behaviour: osbtest.Behaviour{Async: true, Takes: 300 * time.Millisecond}, status: api.InstanceDeployed,
			detail: []string{"provision succeeded"}, puts: 1},
		"async failing midway": {behaviour: osbtest.Behaviour{Async: true, Takes: 100 * time.Millisecond, Fail: "the disk filled up at 40%"},
			status: api.InstanceDeployedFailed, detail: []string{"provisioning failed", "the disk filled up at 40%", "Orphan mitigation is done"}, mitigated: true},
		"500": {behaviour: osbtest.Behaviour{Provision: &osbtest.Answer{Status: 500, Body: `{"error":"InternalError","description":"database pool exhausted"}`}},
			status: api.InstanceDeployedFailed, detail: []string{"HTTP 500 InternalError: database pool exhausted", "orphan mitigation"}, mitigated: true, puts: 1},
		"400": {behaviour: osbtest.Behaviour{Provision: &osbtest.Answer{Status: 400, Body: `{"description":"size must be even"}`}},
			status: api.InstanceDeployedFailed, detail: []string{"HTTP 400: size must be even"}, puts: 1},
		"409": {behaviour: osbtest.Behaviour{Provision: &osbtest.Answer{Status: 409, Body: `{}`}},
			status: api.InstanceDeployedFailed, detail: []string{"HTTP 409", "other attributes"}, puts: 1},
		"422 other than ConcurrencyError": {behaviour: osbtest.Behaviour{Provision: &osbtest.Answer{Status: 422, Body: `{"error":"MaintenanceInfoConflict","description":"new maintenance version"}`}},
			status: api.InstanceDeployedFailed, detail: []string{"HTTP 422 MaintenanceInfoConflict: new maintenance version"}, puts: 1},
		"ConcurrencyError then success": {behaviour: osbtest.Behaviour{ConcurrencyErrors: 2}, status: api.InstanceDeployed, puts: 3},
		"invalid JSON on 201": {behaviour: osbtest.Behaviour{Provision: &osbtest.Answer{Status: 201, Body: `{"dashboard_url": `}},
			status: api.InstanceDeployedFailed, detail: []string{"broker answered 201 with malformed JSON"}, mitigated: true, puts: 1},
		"invalid JSON on 200": {behaviour: osbtest.Behaviour{Provision: &osbtest.Answer{Status: 200, Body: `<html>`}},
			status: api.InstanceDeployedFailed, detail: []string{"broker answered 200 with malformed JSON", `"<html>"`}, puts: 1},
		"wrong success code": {behaviour: osbtest.Behaviour{Provision: &osbtest.Answer{Status: 204}},
			status: api.InstanceDeployedFailed, detail: []string{"HTTP 204, which is not a provision result"}, mitigated: true, puts: 1},
		"never finishing": {behaviour: osbtest.Behaviour{Async: true, Never: true, MaximumPollingDuration: 1},
			status: api.InstanceDeployedFailed, detail: []string{"did not finish within the maximum polling duration (1s)"}, mitigated: true, puts: 1},
		"never finishing, catalog default": {behaviour: osbtest.Behaviour{Async: true, Never: true},
			opts:   catalogtest.Options{Worker: catalogtestConfig(800 * time.Millisecond)},
			status: api.InstanceDeployedFailed, detail: []string{"maximum polling duration (1s)"}, mitigated: true, puts: 1},
		"slow broker times out": {behaviour: osbtest.Behaviour{Delay: 3 * time.Second},
			status: api.InstanceDeployedFailed, detail: []string{"did not answer the provision request", "Timeout"}, mitigated: true},
		"malformed last_operation": {behaviour: osbtest.Behaviour{Async: true, LastOperation: &osbtest.Answer{Status: 200, Body: `{"state":`}},
			status: api.InstanceDeployedFailed, detail: []string{"broker answered 200 with malformed JSON"}, puts: 1},
		"unknown last_operation state": {behaviour: osbtest.Behaviour{Async: true, LastOperation: &osbtest.Answer{Status: 200, Body: `{"state":"pondering"}`}},
			status: api.InstanceDeployedFailed, detail: []string{`unknown state "pondering"`}, puts: 1},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := setup(t, tc.behaviour, tc.opts)
			inst := f.order(t, "p")
			got := f.wait(t, inst.ServiceInstanceId, tc.status)
			contains(t, "StatusDetail", got.StatusDetail, tc.detail...)
			puts := len(f.broker.Requests("PUT"))
			if tc.puts > 0 && puts != tc.puts {
				t.Errorf("%d provision requests reached the broker, want %d", puts, tc.puts)
			}
			deletes := len(f.broker.Requests("DELETE"))
			if tc.mitigated != (deletes > 0) {
				t.Errorf("orphan mitigation: %d delete requests, want mitigation %v", deletes, tc.mitigated)
			}
			if tc.mitigated && f.broker.Has(inst.ServiceInstanceId) {
				t.Errorf("the broker still has the instance after orphan mitigation")
			}
			ops := f.operations(t, inst.ServiceInstanceId)
			if tc.mitigated && (len(ops) != 2 || ops[1].Type != api.OperationOrphanMitigation || ops[1].State != api.OperationSucceeded) {
				t.Errorf("operations %+v, want a succeeded orphan mitigation after the provision", ops)
			}
			if tc.status == api.InstanceDeployed && (got.Progress != 100 || ops[0].State != api.OperationSucceeded) {
				t.Errorf("deployed at %d%%, operation %s", got.Progress, ops[0].State)
			}
			if tc.status == api.InstanceDeployedFailed && ops[0].State != api.OperationFailed {
				t.Errorf("provision operation %s, want Failed", ops[0].State)
			}
		})
	}
}

func catalogtestConfig(maxPolling time.Duration) (c provision.Config) {
	c = catalogtest.FastWorker
	c.MaxPollingDuration = maxPolling
	return c
}

// TestProvisionRequest: the broker gets what the spec asks for, and what it answers
// becomes the instance's outputs.
func TestProvisionRequest(t *testing.T) {
	f := setup(t, osbtest.Behaviour{})
	f.broker.Retrievable()
	inst, _, err := f.c.CreateInstance(ctx, api.CreateServiceInstanceRequest{Name: "orders-db", ServiceId: f.svcID, PlanName: "p"}, "")
	if err != nil {
		t.Fatal(err)
	}
	got := f.wait(t, inst.ServiceInstanceId, api.InstanceDeployed)
	puts := f.broker.Requests("PUT")
	if len(puts) != 1 {
		t.Fatalf("%d provision requests", len(puts))
	}
	put := puts[0]
	if put.Path != "/v2/service_instances/"+inst.ServiceInstanceId || put.Query["accepts_incomplete"] != "true" {
		t.Errorf("provision request %s %v", put.Path, put.Query)
	}
	if put.Body["service_id"] != f.broker.ServiceID || put.Body["plan_id"] != osbtest.PlanID("p") {
		t.Errorf("provision ids %v %v", put.Body["service_id"], put.Body["plan_id"])
	}
	pctx, _ := put.Body["context"].(map[string]any)
	if pctx["platform"] != "opencatalog" || pctx["instance_name"] != "orders-db" || pctx["blueprint_id"] != "blueprint.p.yml:1.0" || pctx["tenant_name"] != "acme" {
		t.Errorf("context %v", pctx)
	}
	if params, _ := put.Body["parameters"].(map[string]any); params["size"] != float64(1) {
		t.Errorf("parameters %v", put.Body["parameters"])
	}
	if got.Outputs["dashboard_url"] != f.broker.URL+"/dashboard/"+inst.ServiceInstanceId {
		t.Errorf("outputs %v", got.Outputs)
	}
	md, _ := got.Outputs["metadata"].(map[string]any)
	if labels, _ := md["labels"].(map[string]any); labels["plan"] != osbtest.PlanID("p") {
		t.Errorf("metadata output %v", got.Outputs["metadata"])
	}
	fetched, _ := got.Outputs["instance"].(map[string]any)
	if fetched["plan_id"] != osbtest.PlanID("p") {
		t.Errorf("fetched instance output %v", got.Outputs["instance"])
	}
	resp, err := http.Get(f.env.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	metrics, _ := io.ReadAll(resp.Body)
	contains(t, "metrics", string(metrics), `catalog_operations_finished_total{state="Succeeded",type="Provision"} 1`, `catalog_operation_steps_total{type="Provision"} 1`)
}

// TestProgress: the broker's percentages are shown as they come, never going back and
// never 100 before success.
func TestProgress(t *testing.T) {
	f := setup(t, osbtest.Behaviour{Async: true, Takes: 1500 * time.Millisecond, Percent: true})
	inst := f.order(t, "p")
	var seen []int64
	for {
		got, _, err := f.c.GetInstance(ctx, inst.ServiceInstanceId)
		if err != nil {
			t.Fatal(err)
		}
		if len(seen) == 0 || seen[len(seen)-1] != got.Progress {
			seen = append(seen, got.Progress)
		}
		if got.Status == api.InstanceDeployed || got.Status == api.InstanceDeployedFailed {
			break
		}
		if got.Progress >= 100 {
			t.Fatalf("progress %d while %s", got.Progress, got.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] < seen[i-1] {
			t.Fatalf("progress went back: %v", seen)
		}
	}
	between := 0
	for _, p := range seen {
		if p > 10 && p < 100 {
			between++
		}
	}
	if seen[len(seen)-1] != 100 || between < 2 {
		t.Fatalf("progress %v: want several broker percentages, then 100", seen)
	}
}

// TestRetryAfter: polls wait as long as the broker asks.
func TestRetryAfter(t *testing.T) {
	f := setup(t, osbtest.Behaviour{Async: true, Takes: 1500 * time.Millisecond, RetryAfter: "1"})
	inst := f.order(t, "p")
	f.wait(t, inst.ServiceInstanceId, api.InstanceDeployed)
	polls := f.broker.Requests("GET")
	var times []time.Time
	for _, p := range polls {
		if strings.HasSuffix(p.Path, "/last_operation") {
			times = append(times, p.Time)
		}
	}
	if len(times) < 2 {
		t.Fatalf("%d polls", len(times))
	}
	for i := 1; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap < 900*time.Millisecond {
			t.Fatalf("poll %d came %s after the one before; the broker asked for 1s", i, gap)
		}
	}
}

// TestUpdate: a change of plan and parameters reaches the broker as an update carrying only
// what changed, with the previous plan; the instance takes the new values when it is done.
func TestUpdate(t *testing.T) {
	for _, async := range []bool{false, true} {
		t.Run(map[bool]string{false: "sync", true: "async"}[async], func(t *testing.T) {
			f := setup(t, osbtest.Behaviour{Async: async, Takes: 200 * time.Millisecond})
			f.broker.Script("q", osbtest.Behaviour{Async: async, Takes: 200 * time.Millisecond})
			_, _, err := f.c.PutPlan(ctx, f.svcID, "custom", api.PutPlanRequest{BrokerPlanName: "q", Metadata: map[string]api.ParameterSpec{
				"size": {Type: "integer", Default: 1}, "name": {Type: "string", Default: "db"}}}, "")
			if err != nil {
				t.Fatal(err)
			}
			inst := f.order(t, "p")
			f.wait(t, inst.ServiceInstanceId, api.InstanceDeployed)
			plan := "custom"
			changed, _, err := f.c.UpdateInstance(ctx, inst.ServiceInstanceId, api.UpdateServiceInstanceRequest{PlanName: &plan, Parameters: map[string]any{"size": 5}}, "")
			if err != nil {
				t.Fatal(err)
			}
			if changed.Status != api.InstanceUpgrading || changed.PlanName != "p" {
				t.Fatalf("after the change request: %s on plan %s", changed.Status, changed.PlanName)
			}
			got := f.wait(t, inst.ServiceInstanceId, api.InstanceDeployed)
			if got.PlanName != "custom" || fmt.Sprint(got.Parameters["size"]) != "5" || got.Parameters["name"] != "db" {
				t.Fatalf("after the update: plan %s parameters %v", got.PlanName, got.Parameters)
			}
			patches := f.broker.Requests("PATCH")
			if len(patches) != 1 {
				t.Fatalf("%d update requests", len(patches))
			}
			body := patches[0].Body
			prev, _ := body["previous_values"].(map[string]any)
			params, _ := body["parameters"].(map[string]any)
			if body["plan_id"] != osbtest.PlanID("q") || prev["plan_id"] != osbtest.PlanID("p") || len(params) != 2 || params["size"] != float64(5) || params["name"] != "db" {
				t.Fatalf("update request %v", body)
			}
			// Same plan, one parameter: only that parameter, and no plan_id.
			_, _, err = f.c.UpdateInstance(ctx, inst.ServiceInstanceId, api.UpdateServiceInstanceRequest{Parameters: map[string]any{"size": 6, "name": "db"}}, "")
			if err != nil {
				t.Fatal(err)
			}
			f.wait(t, inst.ServiceInstanceId, api.InstanceDeployed)
			patches = f.broker.Requests("PATCH")
			if body := patches[len(patches)-1].Body; body["plan_id"] != nil || len(body["parameters"].(map[string]any)) != 1 {
				t.Fatalf("second update request %v", body)
			}
			if p := f.broker.Parameters(inst.ServiceInstanceId); p["size"] != float64(6) {
				t.Fatalf("the broker holds %v", p)
			}
		})
	}
}

// TestFailedUpdate: a failed update leaves the instance running with its previous plan and
// parameters, says why, and can be retried.
func TestFailedUpdate(t *testing.T) {
	f := setup(t, osbtest.Behaviour{})
	f.broker.Script("q", osbtest.Behaviour{Update: &osbtest.Answer{Status: 422, Body: `{"error":"QuotaExceeded","description":"plan q is over your quota","update_repeatable":false}`}})
	inst := f.order(t, "p")
	f.wait(t, inst.ServiceInstanceId, api.InstanceDeployed)
	plan := "q"
	if _, _, err := f.c.UpdateInstance(ctx, inst.ServiceInstanceId, api.UpdateServiceInstanceRequest{PlanName: &plan}, ""); err != nil {
		t.Fatal(err)
	}
	got := f.wait(t, inst.ServiceInstanceId, api.InstanceDeployed)
	contains(t, "StatusDetail", got.StatusDetail, "update failed", "HTTP 422 QuotaExceeded: plan q is over your quota", "repeating this update will fail again", "keeps its previous plan")
	if got.PlanName != "p" || got.LastOperation.Type != api.OperationUpdate || got.LastOperation.State != api.OperationFailed {
		t.Fatalf("after a failed update: plan %s, last operation %+v", got.PlanName, got.LastOperation)
	}
	// The broker now accepts it: the same change, asked again, goes through.
	f.broker.Script("q", osbtest.Behaviour{})
	if _, _, err := f.c.UpdateInstance(ctx, inst.ServiceInstanceId, api.UpdateServiceInstanceRequest{PlanName: &plan}, ""); err != nil {
		t.Fatal(err)
	}
	got = f.wait(t, inst.ServiceInstanceId, api.InstanceDeployed)
	if got.PlanName != "q" || got.LastOperation.State != api.OperationSucceeded {
		t.Fatalf("retried update: plan %s, last operation %+v", got.PlanName, got.LastOperation)
	}
}

func TestDeprovisionOutcomes(t *testing.T) {
	cases := map[string]struct {
		behaviour osbtest.Behaviour
		status    string
		detail    []string
	}{
		"sync":  {status: api.InstanceDeleted, detail: []string{"deleted"}},
		"async": {behaviour: osbtest.Behaviour{Async: true, Takes: 200 * time.Millisecond}, status: api.InstanceDeleted, detail: []string{"deprovision succeeded"}},
		"410":   {behaviour: osbtest.Behaviour{Deprovision: &osbtest.Answer{Status: 410, Body: `{}`}}, status: api.InstanceDeleted, detail: []string{"no longer had the instance"}},
		"400": {behaviour: osbtest.Behaviour{Deprovision: &osbtest.Answer{Status: 400, Body: `{"error":"HasBindings","description":"unbind first"}`}},
			status: api.InstanceDeletedFailed, detail: []string{"deleting failed", "HTTP 400 HasBindings: unbind first"}},
		"500 until the deadline": {behaviour: osbtest.Behaviour{MaximumPollingDuration: 1, Deprovision: &osbtest.Answer{Status: 503, Body: `maintenance`}},
			status: api.InstanceDeletedFailed, detail: []string{"HTTP 503", `"maintenance"`, "gave up after"}},
		"failing midway": {behaviour: osbtest.Behaviour{Async: true, Takes: 100 * time.Millisecond, Fail: "volume is busy", Op: "deprovision"},
			status: api.InstanceDeletedFailed, detail: []string{"volume is busy"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := setup(t, osbtest.Behaviour{})
			inst := f.order(t, "p")
			f.wait(t, inst.ServiceInstanceId, api.InstanceDeployed)
			f.broker.Script("p", tc.behaviour)
			if _, _, err := f.c.DeleteInstance(ctx, inst.ServiceInstanceId); err != nil {
				t.Fatal(err)
			}
			if tc.status == api.InstanceDeleted {
				// Deleted instances are gone from the API; their history stays readable.
				waitGone(t, f, inst.ServiceInstanceId)
				ops := f.operations(t, inst.ServiceInstanceId)
				last := ops[len(ops)-1]
				if last.Type != api.OperationDeprovision || last.State != api.OperationSucceeded {
					t.Fatalf("operations %+v", ops)
				}
				contains(t, "deprovision description", last.Description, tc.detail...)
				return
			}
			got := f.wait(t, inst.ServiceInstanceId, tc.status)
			contains(t, "StatusDetail", got.StatusDetail, tc.detail...)
		})
	}
}

func waitGone(t *testing.T, f *fixture, id string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, _, err := f.c.GetInstance(ctx, id)
		var e *client.APIError
		if errors.As(err, &e) && e.StatusCode == 404 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance %s is still there: %v", id, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestOneOperationAtATime: while an operation runs at the broker, another change is refused
// with 409 and the reason; once it is done, the change goes through.
func TestOneOperationAtATime(t *testing.T) {
	f := setup(t, osbtest.Behaviour{Async: true, Takes: 500 * time.Millisecond})
	inst := f.order(t, "p")
	catalogtest.WaitInstance(t, f.c, inst.ServiceInstanceId, api.InstanceDeploying)
	plan := "q"
	_, _, err := f.c.UpdateInstance(ctx, inst.ServiceInstanceId, api.UpdateServiceInstanceRequest{PlanName: &plan}, "")
	var e *client.APIError
	if !errors.As(err, &e) || e.StatusCode != 409 || e.Code != "OperationConflict" || !strings.Contains(e.Message, "Provision operation in progress") {
		t.Fatalf("a change during provisioning: %v", err)
	}
	_, _, err = f.c.DeleteInstance(ctx, inst.ServiceInstanceId)
	if !errors.As(err, &e) || e.StatusCode != 409 {
		t.Fatalf("a delete during provisioning: %v", err)
	}
	f.wait(t, inst.ServiceInstanceId, api.InstanceDeployed)
	if _, _, err := f.c.UpdateInstance(ctx, inst.ServiceInstanceId, api.UpdateServiceInstanceRequest{PlanName: &plan}, ""); err != nil {
		t.Fatal(err)
	}
	if got := f.wait(t, inst.ServiceInstanceId, api.InstanceDeployed); got.PlanName != "q" {
		t.Fatalf("plan %s after the update", got.PlanName)
	}
}

// TestOrphanMitigationKeepsTrying: when the broker fails the mitigating delete, the catalog
// tries again until it succeeds; deleting the instance meanwhile turns the mitigation into
// its deprovisioning.
func TestOrphanMitigationKeepsTrying(t *testing.T) {
	f := setup(t, osbtest.Behaviour{Async: true, Takes: 50 * time.Millisecond, Fail: "out of capacity",
		Deprovision: &osbtest.Answer{Status: 500, Body: `{"description":"try later"}`}})
	inst := f.order(t, "p")
	deadline := time.Now().Add(20 * time.Second)
	for len(f.broker.Requests("DELETE")) < 3 {
		if time.Now().After(deadline) {
			t.Fatal("orphan mitigation did not retry")
		}
		time.Sleep(10 * time.Millisecond)
	}
	got, _, err := f.c.GetInstance(ctx, inst.ServiceInstanceId)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != api.InstanceDeployedFailed || got.LastOperation.Type != api.OperationOrphanMitigation {
		t.Fatalf("during mitigation: %s, last operation %+v", got.Status, got.LastOperation)
	}
	contains(t, "StatusDetail", got.StatusDetail, "out of capacity", "Orphan mitigation", "HTTP 500: try later", "retrying in")
	// Updates of an instance that was never provisioned are refused.
	plan := "q"
	if _, _, err := f.c.UpdateInstance(ctx, inst.ServiceInstanceId, api.UpdateServiceInstanceRequest{PlanName: &plan}, ""); err == nil {
		t.Fatal("an update during orphan mitigation was accepted")
	}
	deleted, _, err := f.c.DeleteInstance(ctx, inst.ServiceInstanceId)
	if err != nil || deleted.Status != api.InstanceDeleting {
		t.Fatalf("delete during mitigation: %s %v", deleted.Status, err)
	}
	f.broker.Script("p", osbtest.Behaviour{})
	waitGone(t, f, inst.ServiceInstanceId)
	ops := f.operations(t, inst.ServiceInstanceId)
	if len(ops) != 2 || ops[1].Type != api.OperationDeprovision || ops[1].State != api.OperationSucceeded {
		t.Fatalf("operations %+v", ops)
	}
}

// TestNeverProvisionedCannotChange: after a provision failed without reaching the broker's
// state, a change is refused with the reason; deleting works.
func TestNeverProvisionedCannotChange(t *testing.T) {
	f := setup(t, osbtest.Behaviour{Provision: &osbtest.Answer{Status: 400, Body: `{"description":"no"}`}})
	inst := f.order(t, "p")
	f.wait(t, inst.ServiceInstanceId, api.InstanceDeployedFailed)
	plan := "q"
	_, _, err := f.c.UpdateInstance(ctx, inst.ServiceInstanceId, api.UpdateServiceInstanceRequest{PlanName: &plan}, "")
	var e *client.APIError
	if !errors.As(err, &e) || e.StatusCode != 409 || !strings.Contains(e.Message, "never provisioned") {
		t.Fatalf("changing a never-provisioned instance: %v", err)
	}
	if _, _, err := f.c.DeleteInstance(ctx, inst.ServiceInstanceId); err != nil {
		t.Fatal(err)
	}
	waitGone(t, f, inst.ServiceInstanceId)
}

// TestOnlyBrokeredServicesAreOrderable: the catalog provisions through brokers only, and says
// so when asked for an instance of another deploy type.
func TestOnlyBrokeredServicesAreOrderable(t *testing.T) {
	t.Parallel()
	env := catalogtest.Start(t)
	_, c := env.Tenant(t, "acme")
	svcID := catalogtest.PublishedService(t, c, catalogtest.PrivateService("ROS"), map[string]api.PutPlanRequest{"p": {}})
	_, _, err := c.CreateInstance(ctx, api.CreateServiceInstanceRequest{Name: "x", ServiceId: svcID, PlanName: "p"}, "")
	var e *client.APIError
	if !errors.As(err, &e) || e.StatusCode != 422 || e.Code != "ServiceNotOrderable" || !strings.Contains(e.Message, `DeployType "ros"`) {
		t.Fatalf("ordering a ros service: %v", err)
	}
}

// TestTwoWorkersShareTheQueue: two catalogd processes on one database never carry out the
// same operation twice: each order reaches the broker once.
func TestTwoWorkersShareTheQueue(t *testing.T) {
	f := setup(t, osbtest.Behaviour{Async: true, Takes: 100 * time.Millisecond})
	second := catalogtest.StartDSN(t, f.env.DSN, catalogtest.Options{})
	const n = 20
	ids := make([]string, n)
	for i := range ids {
		inst, _, err := f.c.CreateInstance(ctx, api.CreateServiceInstanceRequest{Name: fmt.Sprint("db-", i), ServiceId: f.svcID, PlanName: "p"}, "")
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = inst.ServiceInstanceId
		second.Worker.Wake()
	}
	for _, id := range ids {
		f.wait(t, id, api.InstanceDeployed)
	}
	if puts := len(f.broker.Requests("PUT")); puts != n || f.broker.Created() != n {
		t.Fatalf("%d provision requests, %d instances created, for %d orders", puts, f.broker.Created(), n)
	}
}

// TestUnreadableStepWaits: when the catalog cannot read what a step needs, nothing is sent to
// the broker and the operation is tried again later, not failed.
func TestUnreadableStepWaits(t *testing.T) {
	t.Parallel()
	env := catalogtest.Start(t, catalogtest.Options{NoWorker: true})
	broker := osbtest.Start(t, "p")
	_, c := env.Tenant(t, "acme")
	svcID := catalogtest.PublishedService(t, c, catalogtest.BrokeredService(broker, "DB"), map[string]api.PutPlanRequest{"p": {}})
	inst, _, err := c.CreateInstance(ctx, api.CreateServiceInstanceRequest{Name: "x", ServiceId: svcID, PlanName: "p"}, "")
	if err != nil {
		t.Fatal(err)
	}
	ops, err := env.Store.ListOperations(ctx, inst.ServiceInstanceId)
	if err != nil || len(ops) != 1 {
		t.Fatalf("operations %v %v", ops, err)
	}
	op := ops[0]
	op.Work = []byte(`{"phase":`) // what a step reads cannot be decoded
	if err := env.Store.UpdateOperation(ctx, op); err != nil {
		t.Fatal(err)
	}
	before := len(broker.Requests("")) // the catalog reads made by writing the plan and publishing
	cfg := catalogtest.FastWorker
	cfg.MaxPollInterval = time.Hour // the retry comes only when the test says so
	w := provision.New(env.Store, cfg, slog.New(slog.DiscardHandler))
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); w.Run(runCtx) }()
	defer func() { stop(); <-done }()

	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := env.Store.GetOperation(ctx, op.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.NextRun.After(time.Now().Add(30 * time.Minute)) {
			if got.State != api.OperationInProgress || got.LeaseOwner != "" || len(broker.Requests("")) != before {
				t.Fatalf("after an unreadable step: %s, lease %q, %d broker requests (%d before)", got.State, got.LeaseOwner, len(broker.Requests("")), before)
			}
			// Mend it, and make it due: the worker provisions.
			got.Work, got.NextRun = []byte(`{}`), time.Time{}
			if err := env.Store.UpdateOperation(ctx, got); err != nil {
				t.Fatal(err)
			}
			w.Wake()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the unreadable step was not put off: %+v", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
	catalogtest.WaitInstance(t, c, inst.ServiceInstanceId, api.InstanceDeployed)
}
