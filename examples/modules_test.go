package examples

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/catalogtest"
	"github.com/opencatalog/terraform-provider-catalog/internal/client"
)

// moduleRoot is a configuration that uses both modules, as their READMEs show.
const moduleRoot = `
variable "broker_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "disk_gb" {
  type = string
}

module "db" {
  source = %[1]q

  name              = "Team database"
  short_description = "An SQLite database per team"
  supplier_name     = "Platform team"
  tags              = { team = "platform" }
  broker = {
    url          = %[3]q
    username     = "broker"
    service_name = "sample-sqlite"
  }
  broker_password = var.broker_password
  plans_yaml      = file(%[4]q)
}

module "team_a" {
  source = %[2]q

  name       = "team-a-db"
  service_id = module.db.service_id
  plan_name  = "custom"
  parameters = {
    owner   = "team-a"
    disk_gb = var.disk_gb
  }
  create_timeout = "5m"
}

output "service"  { value = module.db }
output "instance" { value = module.team_a }
`

// moduleFixture is a real catalogd (SQLite) with a tenant, the sample broker over HTTP, and
// a working directory for a root configuration.
type moduleFixture struct {
	api        *client.Client
	brokerURL  string
	brokerData string
	dir        string
	tfEnv      []string
}

func newModuleFixture(t *testing.T) *moduleFixture {
	t.Helper()
	terraformConfig(t)
	ctx := context.Background()
	env := catalogtest.Start(t)
	_, key, err := env.Catalog.CreateTenant(ctx, "acme", false)
	if err != nil {
		t.Fatal(err)
	}
	brokerURL, brokerData := catalogtest.SampleBroker(t, 100*time.Millisecond)
	return &moduleFixture{api: env.Client(t, key), brokerURL: brokerURL, brokerData: brokerData, dir: t.TempDir(),
		tfEnv: []string{"CATALOG_ENDPOINT=" + env.URL, "CATALOG_API_KEY=" + key, "TF_VAR_broker_password=" + catalogtest.SampleBrokerPassword}}
}

// module is the path of a module relative to the working directory, as a local source.
func (f *moduleFixture) module(t *testing.T, name string) string {
	abs, _ := filepath.Abs(filepath.Join("modules", name))
	r, err := filepath.Rel(f.dir, abs)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *moduleFixture) write(t *testing.T, config string) {
	if err := os.WriteFile(filepath.Join(f.dir, "main.tf"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (f *moduleFixture) run(t *testing.T, args ...string) string {
	t.Helper()
	out, code := terraform(t, f.dir, f.tfEnv, args...)
	if code != 0 {
		t.Fatalf("terraform %s exited %d:\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// TestModules applies the two modules together against a real catalogd (SQLite) and the
// sample broker over HTTP: the service is published with the quickstart's plans, the
// instance deploys, a second plan is empty, a parameter change goes through, and destroy
// deprovisions the instance at the broker and deletes the service.
func TestModules(t *testing.T) {
	f := newModuleFixture(t)
	ctx, c, brokerData, dir := context.Background(), f.api, f.brokerData, f.dir
	plans, _ := filepath.Abs("quickstart/plans.yaml")
	f.write(t, fmt.Sprintf(moduleRoot, f.module(t, "published-service"), f.module(t, "ordered-instance"), f.brokerURL, plans))
	run := func(args ...string) string { t.Helper(); return f.run(t, args...) }
	tfEnv := f.tfEnv

	run("init", "-input=false")
	run("apply", "-auto-approve", "-input=false", "-var", "disk_gb=20")
	values := outputs(t, dir)
	service := values["service"].(map[string]any)
	instance := values["instance"].(map[string]any)
	serviceID, _ := service["service_id"].(string)
	instanceID, _ := instance["id"].(string)
	if service["status"] != "Online" || service["version"] != "1" {
		t.Errorf("service outputs %v", service)
	}
	planOut := service["plans"].(map[string]any)
	if len(planOut) != 3 || fmt.Sprint(planOut["large"]) != "map[blueprint_id:PlanTemplateName:1.0 parameters:[Key1 Key_2]]" ||
		fmt.Sprint(planOut["custom"]) != "map[blueprint_id:blueprint.custom.yml:1.0 parameters:[disk_gb owner region]]" {
		t.Errorf("plans output %v", planOut)
	}
	if instance["status"] != "Deployed" || !strings.HasPrefix(fmt.Sprint(instance["dashboard_url"]), "file://") ||
		fmt.Sprint(instance["parameters"]) != "map[disk_gb:20 owner:team-a]" {
		t.Errorf("instance outputs %v", instance)
	}
	database := fmt.Sprint(instance["metadata"].(map[string]any)["attributes"].(map[string]any)["database"])
	if _, err := os.Stat(database); err != nil || filepath.Dir(filepath.Dir(database)) != brokerData {
		t.Errorf("the broker's database %s: %v", database, err)
	}
	got, _, err := c.GetInstance(ctx, instanceID)
	if err != nil || got.Status != "Deployed" || got.ServiceId != serviceID || fmt.Sprint(got.Parameters["disk_gb"]) != "20" {
		t.Errorf("the catalog's instance: %+v, %v", got, err)
	}

	if out, code := terraform(t, dir, tfEnv, "plan", "-detailed-exitcode", "-input=false", "-var", "disk_gb=20"); code != 0 {
		t.Errorf("plan after apply exited %d, want 0:\n%s", code, out)
	}

	out := run("apply", "-auto-approve", "-input=false", "-var", "disk_gb=30")
	if !strings.Contains(out, "0 added, 1 changed, 0 destroyed") {
		t.Errorf("changing disk_gb:\n%s", out)
	}
	if got, _, err = c.GetInstance(ctx, instanceID); err != nil || fmt.Sprint(got.Parameters["disk_gb"]) != "30" || got.Status != "Deployed" {
		t.Errorf("after the change: %+v, %v", got, err)
	}

	run("destroy", "-auto-approve", "-input=false", "-var", "disk_gb=30")
	if _, err := os.Stat(filepath.Dir(database)); !os.IsNotExist(err) {
		t.Errorf("the broker still has the instance's directory (%v)", err)
	}
	var apiErr *client.APIError
	if _, _, err := c.GetService(ctx, serviceID, client.GetServiceOptions{}); !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound {
		t.Errorf("the service after destroy: %v", err)
	}
}

// TestModuleOrderedInstance applies ordered-instance alone, for a service published through
// the API by someone else: the instance deploys with its outputs decoded, plans clean, and
// destroy deprovisions it.
func TestModuleOrderedInstance(t *testing.T) {
	f := newModuleFixture(t)
	ctx := context.Background()
	svc, _, err := f.api.CreateService(ctx, api.CreateServiceRequest{ServiceSpec: api.ServiceSpec{DeployType: "spi",
		ServiceInfos: []api.ServiceInfo{{Locale: "en-US", Name: "Shared database"}}},
		Broker: &api.Broker{Url: f.brokerURL, Username: "broker", Password: catalogtest.SampleBrokerPassword, ServiceName: "sample-sqlite"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.api.PutPlan(ctx, svc.ServiceId, "small", api.PutPlanRequest{Description: "4G",
		Metadata: map[string]api.ParameterSpec{"size_gb": {Type: "integer", Default: 4}}}, ""); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.api.ChangeServiceStatus(ctx, svc.ServiceId, "publish", api.ServiceLifecycleRequest{}); err != nil {
		t.Fatal(err)
	}
	f.write(t, fmt.Sprintf(`
module "db" {
  source     = %q
  name       = "reports-db"
  service_id = %q
  plan_name  = "small"
  tags       = { team = "reports" }
}

output "instance" { value = module.db }
`, f.module(t, "ordered-instance"), svc.ServiceId))

	f.run(t, "init", "-input=false")
	f.run(t, "apply", "-auto-approve", "-input=false")
	instance := outputs(t, f.dir)["instance"].(map[string]any)
	metadata, _ := instance["metadata"].(map[string]any)
	if instance["status"] != "Deployed" || !strings.Contains(fmt.Sprint(instance["status_detail"]), "The database is ready") ||
		fmt.Sprint(metadata["labels"]) != "map[plan:small]" || fmt.Sprint(instance["parameters"]) != "map[]" {
		t.Errorf("instance outputs %v", instance)
	}
	got, _, err := f.api.GetInstance(ctx, fmt.Sprint(instance["id"]))
	if err != nil || got.Status != "Deployed" || fmt.Sprint(got.Parameters["size_gb"]) != "4" || got.Name != "reports-db" {
		t.Errorf("the catalog's instance: %+v, %v", got, err)
	}
	if out, code := terraform(t, f.dir, f.tfEnv, "plan", "-detailed-exitcode", "-input=false"); code != 0 {
		t.Errorf("plan after apply exited %d, want 0:\n%s", code, out)
	}
	f.run(t, "destroy", "-auto-approve", "-input=false")
	if entries, _ := os.ReadDir(f.brokerData); len(entries) != 0 {
		t.Errorf("the broker still has %d instance(s) after destroy", len(entries))
	}
}
