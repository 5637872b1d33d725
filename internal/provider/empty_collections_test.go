package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/opencatalog/terraform-provider-catalog/internal/osbtest"
)

// TestAccEmptyCollections: empty maps and lists in a configuration read back as empty, so
// that they plan clean (the API answers "none" as empty either way).
func TestAccEmptyCollections(t *testing.T) {
	a := newAcc(t)
	b := osbtest.Start(t, "small")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{{
			Config: a.config(sprintf(`
resource "catalog_service" "s" {
  deploy_type   = "spi"
  service_infos = [{ locale = "en-US", name = "empty", agreements = [] }]
  tags          = {}
  broker        = { url = %q, username = %q, password_wo = %q, password_wo_version = 1 }
}

resource "catalog_plan" "small" {
  service_id     = catalog_service.s.id
  name           = "small"
  metadata       = {}
  metering_items = []
}

resource "catalog_service_instance" "i" {
  name       = "empty"
  service_id = catalog_service.s.id
  plan_name  = catalog_plan.small.name
  parameters = {}
  tags       = {}
}
`, b.URL, b.Username, b.Password)),
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
		}},
	})
}
