package examples

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opencatalog/terraform-provider-catalog/internal/catalogtest"
	"github.com/opencatalog/terraform-provider-catalog/internal/client"
	"github.com/opencatalog/terraform-provider-catalog/internal/samplebroker"
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

// TestModules applies the two modules together against a real catalogd (SQLite) and the
// sample broker over HTTP: the service is published with the quickstart's plans, the
// instance deploys, a second plan is empty, a parameter change goes through, and destroy
// deprovisions the instance at the broker and deletes the service.
func TestModules(t *testing.T) {
	terraformConfig(t)
	ctx := context.Background()
	env := catalogtest.Start(t)
	_, key, err := env.Catalog.CreateTenant(ctx, "acme", false)
	if err != nil {
		t.Fatal(err)
	}
	api := env.Client(t, key)

	brokerData := t.TempDir()
	bctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	broker, err := samplebroker.New(bctx, samplebroker.Config{DataDir: brokerData, StepDelay: 100 * time.Millisecond, Username: "broker", Password: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	brokerSrv := httptest.NewServer(broker.Handler())
	t.Cleanup(brokerSrv.Close)

	dir := t.TempDir()
	rel := func(module string) string {
		abs, _ := filepath.Abs(filepath.Join("modules", module))
		r, err := filepath.Rel(dir, abs)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	plans, _ := filepath.Abs("quickstart/plans.yaml")
	config := fmt.Sprintf(moduleRoot, rel("published-service"), rel("ordered-instance"), brokerSrv.URL, plans)
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	tfEnv := []string{"CATALOG_ENDPOINT=" + env.URL, "CATALOG_API_KEY=" + key, "TF_VAR_broker_password=s3cret"}
	run := func(args ...string) string {
		t.Helper()
		out, code := terraform(t, dir, tfEnv, args...)
		if code != 0 {
			t.Fatalf("terraform %s exited %d:\n%s", strings.Join(args, " "), code, out)
		}
		return out
	}

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
	got, _, err := api.GetInstance(ctx, instanceID)
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
	if got, _, err = api.GetInstance(ctx, instanceID); err != nil || fmt.Sprint(got.Parameters["disk_gb"]) != "30" || got.Status != "Deployed" {
		t.Errorf("after the change: %+v, %v", got, err)
	}

	run("destroy", "-auto-approve", "-input=false", "-var", "disk_gb=30")
	if _, err := os.Stat(filepath.Dir(database)); !os.IsNotExist(err) {
		t.Errorf("the broker still has the instance's directory (%v)", err)
	}
	var apiErr *client.APIError
	if _, _, err := api.GetService(ctx, serviceID, client.GetServiceOptions{}); !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound {
		t.Errorf("the service after destroy: %v", err)
	}
}
