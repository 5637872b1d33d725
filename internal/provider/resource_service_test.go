package provider

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/client"
	"github.com/opencatalog/terraform-provider-catalog/internal/osbtest"
)

const serviceConfig = `
resource "catalog_service" "db" {
  deploy_type  = "spi"
  service_type = "private"
  service_infos = [
    {
      locale            = "en-US"
      name              = "Team database"
      short_description = %q
      agreements        = [{ name = "Terms", url = "https://example.com/terms" }]
    },
    { locale = "zh-CN", name = "团队数据库" },
  ]
  supplier_name = "Platform team"
  tags          = %s
  broker = {
    url                 = %q
    username            = %q
    password_wo         = %q
    password_wo_version = 1
  }
  status = %q
}
`

func (a *acc) serviceConfig(b *osbtest.Broker, desc, tags, status string) string {
	return a.config(sprintf(serviceConfig, desc, tags, b.URL, b.Username, b.Password, status))
}

func TestAccService(t *testing.T) {
	a := newAcc(t)
	b := osbtest.Start(t, "small")
	addr := "catalog_service.db"
	var id string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{
			{
				Config: a.serviceConfig(b, "one per team", `{ team = "platform" }`, "Online"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("version"), knownvalue.StringExact("1")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("service_status"), knownvalue.StringExact("Online")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("broker").AtMapKey("password_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("publish_time"), knownvalue.NotNull()),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: func(s *terraform.State) error {
					id = s.RootModule().Resources[addr].Primary.ID
					for _, r := range s.RootModule().Resources {
						for k, v := range r.Primary.Attributes {
							if strings.Contains(v, b.Password) {
								t.Errorf("the broker password is in the state at %s", k)
							}
						}
					}
					return nil
				},
			},
			// The password cannot be read back, so neither can the version it was sent with.
			{ResourceName: addr, ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: []string{"broker.password_wo_version"}},
			// An import block with -generate-config-out gives a configuration that plans clean.
			{ResourceName: addr, ImportState: true, ImportStateKind: resource.ImportBlockWithID, GenerateConfig: true, Config: a.config("")},
			{
				// Tags are not versioned: same version.
				Config: a.serviceConfig(b, "one per team", `{ team = "platform", tier = "gold" }`, "Online"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("version"), knownvalue.StringExact("1")),
				}},
			},
			{
				// Content of a published service: a new version, known after apply, published.
				Config: a.serviceConfig(b, "a database per team", `{ team = "platform", tier = "gold" }`, "Online"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(addr, tfjsonpath.New("version")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("version"), knownvalue.StringExact("2")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("service_status"), knownvalue.StringExact("Online")),
				},
			},
			{
				// Drift: an edit through the API (a new draft version) is planned back.
				PreConfig: func() {
					if _, _, err := a.client.UpdateService(context.Background(), id, api.UpdateServiceRequest{ServiceSpec: api.ServiceSpec{SupplierName: "someone else"}}, ""); err != nil {
						t.Fatal(err)
					}
				},
				Config: a.serviceConfig(b, "a database per team", `{ team = "platform", tier = "gold" }`, "Online"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("supplier_name"), knownvalue.StringExact("Platform team")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("version"), knownvalue.StringExact("3")),
				},
			},
			{
				Config: a.serviceConfig(b, "a database per team", `{ team = "platform", tier = "gold" }`, "Offline"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("service_status"), knownvalue.StringExact("Offline")),
				},
			},
			{
				Config:      a.serviceConfig(b, "a database per team", `{ team = "platform", tier = "gold" }`, "Draft"),
				ExpectError: regexp.MustCompile(`A published service cannot return to Draft`),
			},
			{
				// Deleted behind Terraform's back: created again.
				PreConfig: func() {
					if err := a.client.DeleteService(context.Background(), id, ""); err != nil {
						t.Fatal(err)
					}
				},
				Config: a.serviceConfig(b, "a database per team", `{ team = "platform", tier = "gold" }`, "Online"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)}},
			},
		},
	})
	if _, _, err := a.client.GetService(context.Background(), id, client.GetServiceOptions{}); !client.IsNotFound(err) {
		t.Fatalf("the first service should be gone: %v", err)
	}
}

// TestAccServiceBrokerRefused: a broker the catalog cannot log in to fails the apply with
// the catalog's reason, and the service is kept (tainted) rather than orphaned.
func TestAccServiceBrokerRefused(t *testing.T) {
	a := newAcc(t)
	b := osbtest.Start(t, "small")
	cfg := a.config(sprintf(serviceConfig, "x", "{}", b.URL, b.Username, "wrong-password", "Online"))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps:                    []resource.TestStep{{Config: cfg, ExpectError: regexp.MustCompile(`(?s)Could not publish service.*BrokerUnavailable.*HTTP 401`)}},
	})
}

// TestAccServiceBrokerPasswordRotation: a new password_wo reaches the catalog when
// password_wo_version changes, and only then.
func TestAccServiceBrokerPasswordRotation(t *testing.T) {
	a := newAcc(t)
	b := osbtest.Start(t, "small")
	cfg := func(desc, password, version string) string {
		c := sprintf(serviceConfig, desc, "{}", b.URL, b.Username, password, "Online")
		return a.config(strings.Replace(c, "password_wo_version = 1", "password_wo_version = "+version, 1))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{
			{Config: cfg("v1", b.Password, "1")},
			{
				// The broker's password changed; a new version must be checked against it.
				// Without a new password_wo_version the new password is not sent: publishing fails.
				PreConfig:   func() { b.SetPassword("rotated") },
				Config:      cfg("v2", "rotated", "1"),
				ExpectError: words(`HTTP 401`),
			},
			{
				Config: cfg("v2", "rotated", "2"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("catalog_service.db", tfjsonpath.New("service_status"), knownvalue.StringExact("Online")),
					statecheck.ExpectKnownValue("catalog_service.db", tfjsonpath.New("broker").AtMapKey("password_wo_version"), knownvalue.Int64Exact(2)),
				},
			},
		},
	})
}

// TestAccPublicService: a public service waits for a platform admin (planning clean while
// it waits); once approved, the next apply puts it Online.
func TestAccPublicService(t *testing.T) {
	a := newAcc(t)
	_, admin := a.env.Admin(t, "platform")
	b := osbtest.Start(t, "small")
	config := strings.Replace(a.serviceConfig(b, "shared", "{}", "Online"), `service_type = "private"`, `service_type = "private"
  share_type   = "Public"`, 1)
	addr := "catalog_service.db"
	var id string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("Online")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("service_status"), knownvalue.StringExact("Submitted")),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: func(s *terraform.State) error {
					id = s.RootModule().Resources[addr].Primary.ID
					return nil
				},
			},
			{
				PreConfig: func() {
					if _, _, err := admin.ChangeServiceStatus(context.Background(), id, "approve", api.ServiceLifecycleRequest{}); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("service_status"), knownvalue.StringExact("Online")),
				},
			},
		},
	})
}
