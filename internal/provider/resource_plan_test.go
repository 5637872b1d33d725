package provider

import (
	"context"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/catalogtest"
)

const largePlan = `
resource "catalog_plan" "large" {
  service_id  = %q
  name        = "large"
  description = %q
  metadata = {
    Key1 = { type = "string" }
    Key_2 = {
      alias     = "关键数值2"
      default   = "value2"
      optional  = false
      changed   = false
      range_min = 0
      range_max = 20
    }
  }
  blueprint = "PlanTemplateName:1,0"
  metering_items = [
    { item_name = "BDI", specification = "large", accumulate = ["Key1"] },
    { item_name = "VM" },
  ]
}
`

func TestAccPlan(t *testing.T) {
	a := newAcc(t)
	svc, _, err := a.client.CreateService(context.Background(), catalogtest.PrivateService("DB"), "")
	if err != nil {
		t.Fatal(err)
	}
	id := svc.ServiceId
	addr := "catalog_plan.large"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{
			{
				Config: a.config(sprintf(largePlan, id, "32G memory")),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(id+"/large")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("blueprint_id"), knownvalue.StringExact("PlanTemplateName:1.0")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("metadata").AtMapKey("Key1").AtMapKey("optional"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("metadata").AtMapKey("Key_2").AtMapKey("changed"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("metering_items").AtSliceIndex(1).AtMapKey("specification"), knownvalue.StringExact("large")),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{ResourceName: addr, ImportState: true, ImportStateVerify: true},
			// An import block with -generate-config-out gives a configuration that plans clean.
			{ResourceName: addr, ImportState: true, ImportStateKind: resource.ImportBlockWithID, GenerateConfig: true, Config: a.config("")},
			{
				// In place.
				Config: a.config(sprintf(largePlan, id, "64G memory")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)}},
			},
			{
				// Drift: the plan changed behind Terraform's back is planned back.
				PreConfig: func() {
					_, _, err := a.client.PutPlan(context.Background(), id, "large", api.PutPlanRequest{Description: "edited elsewhere"}, "")
					if err != nil {
						t.Fatal(err)
					}
				},
				Config: a.config(sprintf(largePlan, id, "64G memory")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)}},
			},
			{
				// Deleted behind Terraform's back: created again.
				PreConfig: func() {
					if err := a.client.DeletePlan(context.Background(), id, "large", ""); err != nil {
						t.Fatal(err)
					}
				},
				Config: a.config(sprintf(largePlan, id, "64G memory")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)}},
			},
			{
				// A new name is a new plan.
				Config: a.config(regexp.MustCompile(`name        = "large"`).ReplaceAllString(sprintf(largePlan, id, "64G memory"), `name        = "larger"`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)}},
			},
		},
	})
}

func TestAccPlanBadInput(t *testing.T) {
	a := newAcc(t)
	svc, _, err := a.client.CreateService(context.Background(), catalogtest.PrivateService("DB"), "")
	if err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{
			{
				Config: a.config(`resource "catalog_plan" "p" {
  service_id = "` + svc.ServiceId + `"
  name       = "p"
  metadata   = { size = { type = "decimal" } }
}`),
				ExpectError: regexp.MustCompile(`Attribute metadata\["size"\].type value must be one of`),
			},
			{
				Config: a.config(`resource "catalog_plan" "p" {
  service_id = "` + svc.ServiceId + `"
  name       = "p"
  metadata   = { size = { type = "integer", default = "ten" } }
}`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Metadata key "size": default: "ten" is\s+not an integer`),
			},
		},
	})
}
