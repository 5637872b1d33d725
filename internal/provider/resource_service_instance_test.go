package provider

import (
	"context"
	"regexp"
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
				ExpectError: regexp.MustCompile(`parameter "size": value 500 is above\s+range_max\s+100`),
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
