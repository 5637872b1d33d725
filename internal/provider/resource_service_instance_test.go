package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/catalogtest"
	"github.com/opencatalog/terraform-provider-catalog/internal/client"
	"github.com/opencatalog/terraform-provider-catalog/internal/osbtest"
)

// orderable publishes a brokered service whose custom plan has a ranged size, a name that
// cannot change, and a read-only region.
func (a *acc) orderable(t *testing.T, b *osbtest.Broker) string {
	t.Helper()
	min, max, no, yes := 1.0, 100.0, false, true
	return catalogtest.PublishedService(t, a.client, catalogtest.BrokeredService(b, "DB"), map[string]api.PutPlanRequest{
		"custom": {Metadata: map[string]api.ParameterSpec{
			"size":   {Type: "integer", Default: 1, RangeMin: &min, RangeMax: &max},
			"name":   {Type: "string", Default: "db", Changed: &no},
			"region": {Type: "string", Default: "local", ReadOnly: &yes},
		}},
		"small": {},
	})
}

const instanceConfig = `
resource "catalog_service_instance" "db" {
  name       = "orders-db"
  service_id = %q
  plan_name  = "custom"
  parameters = {
    size   = %q
    name   = %q
    region = "local"
  }
  tags = { team = "orders" }
  timeouts = { create = "2m" }
}
`

func TestAccServiceInstance(t *testing.T) {
	a := newAcc(t)
	b := osbtest.Start(t, "small", "custom")
	b.Script("custom", osbtest.Behaviour{Async: true, Takes: 300 * time.Millisecond, Percent: true})
	svcID := a.orderable(t, b)
	addr := "catalog_service_instance.db"
	var id string
	cfg := func(size, name string) string { return a.config(sprintf(instanceConfig, svcID, size, name)) }
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{
			{
				Config: cfg("5", "orders"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("Deployed")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("progress"), knownvalue.Int64Exact(100)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("service_version"), knownvalue.StringExact("1")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("parameters").AtMapKey("size"), knownvalue.StringExact("5")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("outputs").AtMapKey("dashboard_url"), knownvalue.StringRegexp(regexp.MustCompile(`/dashboard/si-`))),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: func(s *terraform.State) error {
					id = s.RootModule().Resources[addr].Primary.ID
					return nil
				},
			},
			{ResourceName: addr, ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts"}},
			// An import block with -generate-config-out gives a configuration that plans clean.
			{ResourceName: addr, ImportState: true, ImportStateKind: resource.ImportBlockWithID, GenerateConfig: true, Config: a.config("")},
			{
				// In place: an update carrying only what changed.
				Config: cfg("6", "orders"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("parameters").AtMapKey("size"), knownvalue.StringExact("6")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringFunc(func(v string) error {
						if v != id {
							t.Errorf("updated in place, yet the id changed from %s to %s", id, v)
						}
						return nil
					})),
				},
			},
			{
				// Drift: a parameter changed through the API is planned back.
				PreConfig: func() {
					if _, _, err := a.client.UpdateInstance(context.Background(), id, api.UpdateServiceInstanceRequest{
						Parameters: map[string]any{"size": "9", "name": "orders"}}, ""); err != nil {
						t.Fatal(err)
					}
					catalogtest.WaitInstance(t, a.client, id, api.InstanceDeployed)
				},
				Config: cfg("6", "orders"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)}},
			},
			{
				// Bad input fails at plan time, naming the key and the rule.
				Config:      cfg("500", "orders"),
				PlanOnly:    true,
				ExpectError: words(`parameter "size": value 500 is above range_max 100`),
			},
			{
				// A changed = false key that changes replaces the instance.
				Config: cfg("6", "billing"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)}},
			},
			{
				// Deleted behind Terraform's back: ordered again.
				PreConfig: func() {
					var current string
					insts, err := a.client.ListInstances(context.Background(), client.ListInstancesOptions{})
					if err != nil || len(insts.ServiceInstances) != 1 {
						t.Fatalf("instances %+v %v", insts, err)
					}
					current = insts.ServiceInstances[0].ServiceInstanceId
					if _, _, err := a.client.DeleteInstance(context.Background(), current); err != nil {
						t.Fatal(err)
					}
					waitGone(t, a, current)
				},
				Config: cfg("6", "billing"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)}},
			},
		},
	})
	if n := b.Created(); n != 3 {
		t.Fatalf("the broker created %d instances, want 3 (the first, its replacement, and the re-creation)", n)
	}
}

func waitGone(t *testing.T, a *acc, id string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, _, err := a.client.GetInstance(context.Background(), id)
		if client.IsNotFound(err) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance %s is still there: %v", id, err)
		}
	}
}

// TestAccServiceInstanceDeployFails: the apply fails fast with the broker's own words, and
// the instance stays in the state (tainted) to be replaced, not orphaned.
func TestAccServiceInstanceDeployFails(t *testing.T) {
	a := newAcc(t)
	b := osbtest.Start(t, "small", "custom")
	b.Script("custom", osbtest.Behaviour{Async: true, Takes: 100 * time.Millisecond, Fail: "no capacity left in zone b"})
	svcID := a.orderable(t, b)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{{
			Config:      a.config(sprintf(instanceConfig, svcID, "5", "orders")),
			ExpectError: words(`is DeployedFailed: provisioning failed: the broker reports the operation failed: no capacity left in zone b.`),
		}},
	})
}

// TestAccServiceInstanceUpdateFails: a failed update keeps the prior values in the state, so
// that the next apply tries again.
func TestAccServiceInstanceUpdateFails(t *testing.T) {
	a := newAcc(t)
	b := osbtest.Start(t, "small", "custom")
	svcID := a.orderable(t, b)
	addr := "catalog_service_instance.db"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{
			{Config: a.config(sprintf(instanceConfig, svcID, "5", "orders"))},
			{
				PreConfig: func() {
					b.Script("custom", osbtest.Behaviour{Update: &osbtest.Answer{Status: 422, Body: `{"error":"QuotaExceeded","description":"size 7 is over your quota"}`}})
				},
				Config:      a.config(sprintf(instanceConfig, svcID, "7", "orders")),
				ExpectError: words(`is Deployed: update failed: broker answered HTTP 422 QuotaExceeded: size 7 is over your quota; the instance keeps its previous plan and parameters`),
			},
			{
				// The state still says 5: the same configuration plans the update again.
				PreConfig: func() { b.Script("custom", osbtest.Behaviour{}) },
				Config:    a.config(sprintf(instanceConfig, svcID, "7", "orders")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("parameters").AtMapKey("size"), knownvalue.StringExact("7")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("parameters").AtMapKey("size"), knownvalue.StringExact("7")),
				},
			},
		},
	})
}

// TestAccServiceInstanceCreateTimesOut: a create that times out keeps the instance in the
// state (tainted, so the next apply replaces it) instead of orphaning what was ordered; the
// replacement waits for the cut-short provisioning to end before deleting it.
func TestAccServiceInstanceCreateTimesOut(t *testing.T) {
	a := newAcc(t)
	b := osbtest.Start(t, "small", "custom")
	b.Script("custom", osbtest.Behaviour{Async: true, Takes: 3 * time.Second})
	svcID := a.orderable(t, b)
	addr := "catalog_service_instance.db"
	config := a.config(sprintf(instanceConfig, svcID, "5", "orders"))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{
			{
				Config:      strings.Replace(config, `create = "2m"`, `create = "1s"`, 1),
				ExpectError: words(`the instance did not deploy within 1s (it is Deploying`),
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("Deployed")),
				},
			},
		},
	})
	// Two instances (the timed-out one and its replacement), two deletes (the replaced one, and
	// the replacement at the end of the test).
	if b.Created() != 2 || len(b.Requests("DELETE")) != 2 {
		t.Fatalf("the broker created %d instances and got %d deletes",
			b.Created(), len(b.Requests("DELETE")))
	}
}

// TestAccServiceInstanceValueSpelling: a value the catalog converts ("05" for an integer)
// keeps the configuration's spelling and plans clean; the broker gets the converted value.
func TestAccServiceInstanceValueSpelling(t *testing.T) {
	a := newAcc(t)
	b := osbtest.Start(t, "small", "custom")
	svcID := a.orderable(t, b)
	addr := "catalog_service_instance.db"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{{
			Config: a.config(sprintf(instanceConfig, svcID, "05", "orders")),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("parameters").AtMapKey("size"), knownvalue.StringExact("05")),
			},
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			Check: func(s *terraform.State) error {
				if got := b.Parameters(s.RootModule().Resources[addr].Primary.ID); fmt.Sprint(got["size"]) != "5" {
					return fmt.Errorf("the broker got size %v", got["size"])
				}
				return nil
			},
		}},
	})
}
