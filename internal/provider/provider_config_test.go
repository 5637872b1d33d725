package provider

import (
	"net/http/httptest"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/opencatalog/terraform-provider-catalog/internal/catalogtest"
)

// TestAccProviderConfiguration: a wrong key and an unreachable endpoint get a clear
// diagnostic; the environment variables stand in for the provider block.
func TestAccProviderConfiguration(t *testing.T) {
	a := newAcc(t)
	gone := httptest.NewServer(nil)
	gone.Close()
	const read = `data "catalog_services" "mine" { owner = "self" }`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{
			{
				Config:      sprintf("provider \"catalog\" {\n  endpoint = %q\n  api_key = \"ock_nope_nope\"\n}\n%s", a.env.URL, read),
				ExpectError: words(`The catalog refused the API key`),
			},
			{
				Config:      sprintf("provider \"catalog\" {\n  endpoint = %q\n  api_key = %q\n  max_retries = 0\n}\n%s", gone.URL, a.key, read),
				ExpectError: words(`Cannot reach the catalog`),
			},
			{
				Config:      sprintf("provider \"catalog\" {\n  endpoint = \"ftp://x\"\n  api_key = %q\n}\n%s", a.key, read),
				ExpectError: words(`must be an http or https URL`),
			},
		},
	})
}

func TestAccProviderFromEnvironment(t *testing.T) {
	a := newAcc(t)
	t.Setenv("CATALOG_ENDPOINT", a.env.URL)
	t.Setenv("CATALOG_API_KEY", a.key)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{{
			Config: `data "catalog_services" "mine" { owner = "self" }`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.catalog_services.mine", tfjsonpath.New("services"), knownvalue.ListSizeExact(0)),
			},
		}},
	})
}

// TestAccPlansFromYAML: the function's objects feed catalog_plan's arguments as they are.
// (The examples use for_each; the test harness reads states with count only.)
func TestAccPlansFromYAML(t *testing.T) {
	a := newAcc(t)
	svcID := catalogtest.PublishedService(t, a.client, catalogtest.PrivateService("Seed"), nil)
	config := a.config(sprintf(`
locals {
  plans = provider::catalog::plans_from_yaml(%q)
}

resource "catalog_plan" "seed" {
  count            = length(local.plans)
  service_id       = %q
  name             = local.plans[count.index].name
  description      = local.plans[count.index].description
  metadata         = local.plans[count.index].metadata
  blueprint        = local.plans[count.index].blueprint
  metering_items   = local.plans[count.index].metering_items
  broker_plan_name = local.plans[count.index].broker_plan_name
}
`, catalogtest.SeedPlansYAML, svcID))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("catalog_plan.seed[1]", tfjsonpath.New("blueprint_id"), knownvalue.StringExact("PlanTemplateName:1.0")),
				statecheck.ExpectKnownValue("catalog_plan.seed[0]", tfjsonpath.New("blueprint_id"), knownvalue.StringExact("blueprint.small.yml:1.0")),
				statecheck.ExpectKnownValue("catalog_plan.seed[1]", tfjsonpath.New("metadata").AtMapKey("Key_2").AtMapKey("range_max"), knownvalue.Float64Exact(20)),
				statecheck.ExpectKnownValue("catalog_plan.seed[1]", tfjsonpath.New("metering_items").AtSliceIndex(1).AtMapKey("item_name"), knownvalue.StringExact("VM")),
			},
		}},
	})
}
