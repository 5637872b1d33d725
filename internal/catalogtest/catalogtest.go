// Package catalogtest starts a real catalog server for tests: the real HTTP server over a
// real SQLite file (or PostgreSQL, when asked), on a loopback port.
package catalogtest

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/catalog"
	"github.com/opencatalog/terraform-provider-catalog/internal/client"
	"github.com/opencatalog/terraform-provider-catalog/internal/osbtest"
	"github.com/opencatalog/terraform-provider-catalog/internal/provision"
	"github.com/opencatalog/terraform-provider-catalog/internal/server"
	"github.com/opencatalog/terraform-provider-catalog/internal/store"
)

// Env is a running catalog.
type Env struct {
	URL     string
	DSN     string
	Store   store.Store
	Catalog *catalog.Catalog
	Server  *server.Server
	// Worker provisions instances (nil with NoWorker).
	Worker *provision.Worker
}

// Options change how a test catalog runs.
type Options struct {
	// NoWorker leaves queued operations queued (to test the queue itself).
	NoWorker bool
	// Worker tunes the provisioning worker; zero fields take FastWorker's values.
	Worker provision.Config
}

// FastWorker is the worker configuration of tests: short polls and timeouts, so that tests
// of slow brokers take seconds.
var FastWorker = provision.Config{PollInterval: 20 * time.Millisecond, MaxPollInterval: 200 * time.Millisecond,
	MaxPollingDuration: 30 * time.Second, BrokerTimeout: 2 * time.Second, Lease: 3 * time.Second, Scan: 50 * time.Millisecond}

// Start runs a catalog with its provisioning worker on a fresh database, stopped when the
// test ends: an SQLite file in t.TempDir(), or a schema of its own in the test PostgreSQL
// server when CATALOG_TEST_BACKEND=postgres.
func Start(t testing.TB, opts ...Options) *Env {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if os.Getenv("CATALOG_TEST_BACKEND") == "postgres" {
		return StartDSN(t, PostgresDSN(t), o)
	}
	return StartDSN(t, "sqlite:"+filepath.Join(t.TempDir(), "catalog.db"), o)
}

// PostgresDSN returns a DSN of a fresh schema in the test PostgreSQL server
// (CATALOG_TEST_POSTGRES_DSN), dropped when the test ends. Without a server the test is
// skipped, unless CATALOG_REQUIRE_POSTGRES is set (as `make test` does): then it fails.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("CATALOG_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("CATALOG_REQUIRE_POSTGRES") != "" {
			t.Fatal("CATALOG_REQUIRE_POSTGRES is set but CATALOG_TEST_POSTGRES_DSN is empty")
		}
		t.Skip("no PostgreSQL: set CATALOG_TEST_POSTGRES_DSN (make test starts a server)")
	}
	schema := fmt.Sprintf("test_%d_%d", time.Now().UnixNano(), schemaSeq.Add(1))
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if db, err := sql.Open("pgx", dsn); err == nil {
			_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
			db.Close()
		}
	})
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}

var schemaSeq atomic.Int64

// StartDSN runs a catalog on the given database.
func StartDSN(t testing.TB, dsn string, o Options) *Env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open store %s: %v", dsn, err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	env := &Env{DSN: dsn, Store: st}
	var catOpts []catalog.Option
	if !o.NoWorker {
		env.Worker = provision.New(st, fill(o.Worker, FastWorker), log)
		catOpts = append(catOpts, catalog.WithQueuedHook(env.Worker.Wake))
	}
	env.Catalog = catalog.New(st, catOpts...)
	env.Server = server.New(env.Catalog, log)
	if env.Worker != nil {
		if err := env.Worker.Register(env.Server.Metrics()); err != nil {
			t.Fatal(err)
		}
	}
	hs := httptest.NewServer(env.Server)
	env.URL = hs.URL
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if env.Worker != nil {
			env.Worker.Run(runCtx)
		}
	}()
	t.Cleanup(func() {
		stop()
		<-done
		hs.Close()
		st.Close()
	})
	return env
}

// fill takes each unset field of c from def.
func fill(c, def provision.Config) provision.Config {
	for _, f := range []struct{ v, d *time.Duration }{{&c.PollInterval, &def.PollInterval}, {&c.MaxPollInterval, &def.MaxPollInterval},
		{&c.MaxPollingDuration, &def.MaxPollingDuration}, {&c.BrokerTimeout, &def.BrokerTimeout}, {&c.Lease, &def.Lease}, {&c.Scan, &def.Scan}} {
		if *f.v == 0 {
			*f.v = *f.d
		}
	}
	return c
}

// BrokeredService is a minimal valid private service provisioned by the test broker b.
func BrokeredService(b *osbtest.Broker, name string) api.CreateServiceRequest {
	req := PrivateService(name)
	req.DeployType = catalog.DeployTypeBroker
	req.Broker = &api.Broker{Url: b.URL, Username: b.Username, Password: b.Password}
	return req
}

// WaitInstance polls an instance until its status is one of want (or the test's patience
// runs out) and returns it.
func WaitInstance(t testing.TB, c *client.Client, id string, want ...string) api.ServiceInstance {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		inst, _, err := c.GetInstance(context.Background(), id)
		if err != nil {
			t.Fatalf("read instance %s: %v", id, err)
		}
		for _, s := range want {
			if inst.Status == s {
				return inst
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance %s is %s (%q), not %v", id, inst.Status, inst.StatusDetail, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Tenant creates a tenant and returns its id and a client holding its API key.
func (e *Env) Tenant(t testing.TB, name string) (string, *client.Client) {
	t.Helper()
	return e.tenant(t, name, false)
}

// Admin creates a platform admin tenant.
func (e *Env) Admin(t testing.TB, name string) (string, *client.Client) {
	t.Helper()
	return e.tenant(t, name, true)
}

func (e *Env) tenant(t testing.TB, name string, admin bool) (string, *client.Client) {
	tn, key, err := e.Catalog.CreateTenant(context.Background(), name, admin)
	if err != nil {
		t.Fatalf("create tenant %s: %v", name, err)
	}
	return tn.ID, e.Client(t, key)
}

// Client returns a client of the catalog with the given key, which does not retry (tests
// want to see each answer).
func (e *Env) Client(t testing.TB, key string) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{Endpoint: e.URL, APIKey: key, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// SeedPlansYAML is the Plans example of the AOS documentation, as written there.
const SeedPlansYAML = `Plans: #服务套餐相关信息
  - Name: small    #没带Blueprint字段，则会使用DefaultTemplateName的Blueprint文件
    Description: this is small plan, only with 4G memory
    Metadata: 
      Key1: 
        type: string
        alias: 关键数值1
      Key_3: 
        type: string
        alias: 关键数值3
  - Name: large
    Description: this is large plan, with 32G memory
    Metadata: 
      Key1: 
        type: string
      Key_2: 
        type: string
        alias: 关键数值2
        default: value2
        read_only: false    
        optional: false
        check: true
        changed: false
        range_min: 0
        range_max: 20
    Blueprint: "PlanTemplateName:1,0" #可选，如果不存在，则使用DefaultTemplateName
    MeteringItems: #可选，指定计量&计费因子
      - ItemName: BDI #收费项目
        Specification: large #收费规格
        Accumulate: [key1] #额外累计项。指定Metadata中的字段为计费累计项
      - ItemName: VM
`

// PrivateService is a minimal valid private service.
func PrivateService(name string) api.CreateServiceRequest {
	return api.CreateServiceRequest{ServiceSpec: api.ServiceSpec{DeployType: "ros", ServiceType: "private",
		ServiceInfos: []api.ServiceInfo{{Locale: "en-US", Name: name, ShortDescription: "a test service"}}}}
}

// PublishedService creates a private service, gives it the plans, publishes it and returns
// its id.
func PublishedService(t testing.TB, c *client.Client, req api.CreateServiceRequest, plans map[string]api.PutPlanRequest) string {
	t.Helper()
	ctx := context.Background()
	svc, _, err := c.CreateService(ctx, req, "")
	if err != nil {
		t.Fatalf("create service: %v", err)
	}
	for name, p := range plans {
		if _, _, err := c.PutPlan(ctx, svc.ServiceId, name, p, ""); err != nil {
			t.Fatalf("put plan %s: %v", name, err)
		}
	}
	if _, _, err := c.ChangeServiceStatus(ctx, svc.ServiceId, catalog.ActionPublish, api.ServiceLifecycleRequest{}); err != nil {
		t.Fatalf("publish: %v", err)
	}
	return svc.ServiceId
}
