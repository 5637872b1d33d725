package samplebroker_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"code.cloudfoundry.org/brokerapi/v13/domain"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/catalogtest"
	"github.com/opencatalog/terraform-provider-catalog/internal/client"
	"github.com/opencatalog/terraform-provider-catalog/internal/samplebroker"
)

var ctx = context.Background()

func service(url, password string) api.CreateServiceRequest {
	req := catalogtest.PrivateService("SQLite")
	req.DeployType = "spi"
	req.Broker = &api.Broker{Url: url, Username: "broker", Password: password, ServiceName: samplebroker.ServiceName}
	return req
}

func apiErr(t *testing.T, err error, status int, code string, words ...string) {
	t.Helper()
	var e *client.APIError
	if !errors.As(err, &e) || e.StatusCode != status || e.Code != code {
		t.Fatalf("got %v, want %d %s", err, status, code)
	}
	for _, w := range words {
		if !strings.Contains(e.Message, w) {
			t.Errorf("message %q does not contain %q", e.Message, w)
		}
	}
}

// TestLifecycle: the catalog provisions, updates and deletes real SQLite databases through
// the sample broker, showing its progress and outputs.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	env := catalogtest.Start(t)
	_, c := env.Tenant(t, "acme")
	brokerURL, dir := catalogtest.SampleBroker(t, 150*time.Millisecond)
	custom := api.PutPlanRequest{Metadata: map[string]api.ParameterSpec{"disk_gb": {Type: "integer", Default: 10, RangeMin: ptr(1.0), RangeMax: ptr(100.0)}}}
	svcID := catalogtest.PublishedService(t, c, service(brokerURL, "s3cret"), map[string]api.PutPlanRequest{"small": {}, "custom": custom})

	inst, _, err := c.CreateInstance(ctx, api.CreateServiceInstanceRequest{Name: "orders", ServiceId: svcID, PlanName: "custom", Parameters: map[string]any{"disk_gb": 20}}, "")
	if err != nil {
		t.Fatal(err)
	}
	id := inst.ServiceInstanceId
	seen := map[int64]bool{}
	for inst.Status != api.InstanceDeployed {
		if inst.Status == api.InstanceDeployedFailed {
			t.Fatalf("provisioning failed: %s", inst.StatusDetail)
		}
		seen[inst.Progress] = true
		time.Sleep(20 * time.Millisecond)
		if inst, _, err = c.GetInstance(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if !seen[40] || !seen[70] {
		t.Errorf("progress seen %v: want the broker's steps (40%%, 70%%)", seen)
	}
	if !strings.Contains(inst.StatusDetail, "The database is ready") || inst.Progress != 100 {
		t.Errorf("deployed: %d%% %q", inst.Progress, inst.StatusDetail)
	}
	path := filepath.Join(dir, id)
	attrs := inst.Outputs["metadata"].(map[string]any)["attributes"].(map[string]any)
	fetched := inst.Outputs["instance"].(map[string]any)
	if inst.Outputs["dashboard_url"] != "file://"+path || attrs["database"] != filepath.Join(path, "data.db") ||
		fmt.Sprint(fetched["parameters"].(map[string]any)["disk_gb"]) != "20" {
		t.Fatalf("outputs %v", inst.Outputs)
	}
	info, err := os.Stat(filepath.Join(path, "credentials.json"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v %v", info, err)
	}
	var creds map[string]string
	data, _ := os.ReadFile(filepath.Join(path, "credentials.json"))
	if json.Unmarshal(data, &creds) != nil || len(creds["password"]) < 20 {
		t.Fatalf("credentials %s", data)
	}
	if got := queryParams(t, path); got != `{"disk_gb":20}` {
		t.Fatalf("database records parameters %s", got)
	}

	if _, _, err := c.UpdateInstance(ctx, id, api.UpdateServiceInstanceRequest{Parameters: map[string]any{"disk_gb": 30}}, ""); err != nil {
		t.Fatal(err)
	}
	inst = catalogtest.WaitInstance(t, c, id, api.InstanceDeployed)
	if fmt.Sprint(inst.Parameters["disk_gb"]) != "30" || queryParams(t, path) != `{"disk_gb":30}` {
		t.Fatalf("after update: %v, database %s", inst.Parameters, queryParams(t, path))
	}

	if _, _, err := c.DeleteInstance(ctx, id); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, _, err := c.GetInstance(ctx, id)
		if err != nil {
			apiErr(t, err, 404, "EntityNotExist.ServiceInstance")
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the instance was not deleted")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("the instance directory is still there: %v", err)
	}
}

// TestInstanceIDsStayInTheDataDirectory: an instance id that is not a plain name is refused.
func TestInstanceIDsStayInTheDataDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b, err := samplebroker.New(ctx, samplebroker.Config{DataDir: filepath.Join(dir, "data")})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"..", "../escape", "a/b", ""} {
		_, err := b.Provision(ctx, id, domain.ProvisionDetails{ServiceID: samplebroker.ServiceID, PlanID: samplebroker.ServiceID + "-small"}, true)
		if err == nil || !strings.Contains(err.Error(), "must be 1-128 letters") {
			t.Errorf("instance id %q: %v", id, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("something was written beside the data directory: %v", entries)
	}
}

func queryParams(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(path, "data.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var params string
	if err := db.QueryRow(`SELECT parameters FROM instance`).Scan(&params); err != nil {
		t.Fatal(err)
	}
	return params
}

func ptr[T any](v T) *T { return &v }

// TestPublishChecksTheBroker: publishing, and writing plans of a published service, read
// the broker's catalog; a plan it does not offer, wrong credentials, or no broker at all
// are refused with the reason.
func TestPublishChecksTheBroker(t *testing.T) {
	t.Parallel()
	env := catalogtest.Start(t)
	_, c := env.Tenant(t, "acme")
	brokerURL, _ := catalogtest.SampleBroker(t, 150*time.Millisecond)

	svc, _, err := c.CreateService(ctx, service(brokerURL, "s3cret"), "")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.PutPlan(ctx, svc.ServiceId, "medium", api.PutPlanRequest{}, "")
	apiErr(t, err, 422, "BrokerMismatch.Plan", `plan "medium"`, `no plan named "medium"`, "custom, large, small", "BrokerPlanName")
	if _, _, err := c.PutPlan(ctx, svc.ServiceId, "medium", api.PutPlanRequest{BrokerPlanName: "large"}, ""); err != nil {
		t.Fatalf("a plan naming a broker plan: %v", err)
	}
	if _, _, err := c.ChangeServiceStatus(ctx, svc.ServiceId, "publish", api.ServiceLifecycleRequest{}); err != nil {
		t.Fatalf("publish: %v", err)
	}

	wrong, _, err := c.CreateService(ctx, service(brokerURL, "not-the-password"), "")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.ChangeServiceStatus(ctx, wrong.ServiceId, "publish", api.ServiceLifecycleRequest{})
	apiErr(t, err, 502, "BrokerUnavailable", brokerURL, "HTTP 401")

	gone := httptest.NewServer(nil)
	gone.Close()
	none, _, err := c.CreateService(ctx, service(gone.URL, "x"), "")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.ChangeServiceStatus(ctx, none.ServiceId, "publish", api.ServiceLifecycleRequest{})
	apiErr(t, err, 502, "BrokerUnavailable", "connection refused")

	other := service(brokerURL, "s3cret")
	other.Broker.ServiceName = "postgres"
	named, _, err := c.CreateService(ctx, other, "")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.ChangeServiceStatus(ctx, named.ServiceId, "publish", api.ServiceLifecycleRequest{})
	apiErr(t, err, 422, "BrokerMismatch.ServiceName", `no service named "postgres"`, samplebroker.ServiceName)
}
