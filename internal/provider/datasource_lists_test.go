package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/catalogtest"
	"github.com/opencatalog/terraform-provider-catalog/internal/osbtest"
)

// TestAccListDataSources: "my services", the filtered service list, and "my instances".
func TestAccListDataSources(t *testing.T) {
	a := newAcc(t)
	ctx := context.Background()
	b := osbtest.Start(t, "small", "custom")
	svcID := a.orderable(t, b)
	if _, _, err := a.client.CreateService(ctx, catalogtest.PrivateService("Draft listing"), ""); err != nil {
		t.Fatal(err)
	}
	// Another tenant's public, online service is in the list, not in "my services".
	_, other := a.env.Tenant(t, "other")
	_, admin := a.env.Admin(t, "platform")
	public := catalogtest.PrivateService("Shared")
	public.ShareType = "Public"
	pub, _, err := other.CreateService(ctx, public, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := other.ChangeServiceStatus(ctx, pub.ServiceId, "publish", api.ServiceLifecycleRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := admin.ChangeServiceStatus(ctx, pub.ServiceId, "approve", api.ServiceLifecycleRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := other.ChangeServiceStatus(ctx, pub.ServiceId, "publish", api.ServiceLifecycleRequest{}); err != nil { // Approved -> Online
		t.Fatal(err)
	}
	inst, _, err := a.client.CreateInstance(ctx, api.CreateServiceInstanceRequest{Name: "orders", ServiceId: svcID, PlanName: "custom",
		Parameters: map[string]any{"size": 3}}, "")
	if err != nil {
		t.Fatal(err)
	}
	catalogtest.WaitInstance(t, a.client, inst.ServiceInstanceId, api.InstanceDeployed)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{{
			Config: a.config(`
data "catalog_services" "mine" { owner = "self" }
data "catalog_services" "visible" {}
data "catalog_services" "brokered" { deploy_type = "spi" }
data "catalog_service_instances" "mine" {}
data "catalog_service_instances" "other_plan" { plan_name = "small" }
`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.catalog_services.mine", tfjsonpath.New("services"), knownvalue.ListSizeExact(2)),
				statecheck.ExpectKnownValue("data.catalog_services.visible", tfjsonpath.New("services"), knownvalue.ListSizeExact(3)),
				statecheck.ExpectKnownValue("data.catalog_services.brokered", tfjsonpath.New("services"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{"service_id": knownvalue.StringExact(svcID), "status": knownvalue.StringExact("Online")}),
				})),
				statecheck.ExpectKnownValue("data.catalog_service_instances.mine", tfjsonpath.New("instances"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"id": knownvalue.StringExact(inst.ServiceInstanceId), "status": knownvalue.StringExact("Deployed"),
						"parameters": knownvalue.MapExact(map[string]knownvalue.Check{
							"size": knownvalue.StringExact("3"), "name": knownvalue.StringExact("db"), "region": knownvalue.StringExact("local")}),
					}),
				})),
				statecheck.ExpectKnownValue("data.catalog_service_instances.other_plan", tfjsonpath.New("instances"), knownvalue.ListSizeExact(0)),
			},
		}},
	})
}
