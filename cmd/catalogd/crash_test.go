package main_test

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/catalogtest"
	"github.com/opencatalog/terraform-provider-catalog/internal/client"
	"github.com/opencatalog/terraform-provider-catalog/internal/osbtest"
)

// startServe runs `catalogd serve` on dsn with short worker timings, killed when the test
// ends (if it still runs).
func startServe(t *testing.T, dsn, addr string, logs *syncBuffer) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(binary, "serve", "--listen", addr, "--database", dsn,
		"--broker-timeout", "3s", "--worker-lease", "4s", "--poll-interval", "50ms", "--max-poll-interval", "200ms")
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	waitReady(t, "http://"+addr)
	return cmd
}

func kill9(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no chance to clean up
		t.Fatal(err)
	}
	_, _ = cmd.Process.Wait()
}

// TestCrashAndResume kills catalogd with SIGKILL in the middle of provisioning, twice:
// while it polls an asynchronous broker, and while a provision request is in flight. Each
// time a restarted catalogd finishes the operation, and the broker creates each instance
// exactly once.
func TestCrashAndResume(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "catalog.db")
	addr := freePort(t)
	broker := osbtest.Start(t, "async", "slow")
	broker.Script("async", osbtest.Behaviour{Async: true, Takes: 2 * time.Second, Percent: true})
	broker.Script("slow", osbtest.Behaviour{Delay: 2 * time.Second})

	out, errOut, err := run(t, "tenant", "create", "acme", "--database", dsn)
	if err != nil {
		t.Fatalf("tenant create: %v %s", err, errOut)
	}
	key := strings.Split(strings.TrimSpace(out), "\n")[1]
	logs := &syncBuffer{}
	serve := startServe(t, dsn, addr, logs)
	c, err := client.New(client.Config{Endpoint: "http://" + addr, APIKey: key})
	if err != nil {
		t.Fatal(err)
	}
	svcID := catalogtest.PublishedService(t, c, catalogtest.BrokeredService(broker, "DB"), map[string]api.PutPlanRequest{"async": {}, "slow": {}})
	ctx := context.Background()

	// 1. Killed while polling.
	polled, _, err := c.CreateInstance(ctx, api.CreateServiceInstanceRequest{Name: "polled", ServiceId: svcID, PlanName: "async"}, "")
	if err != nil {
		t.Fatal(err)
	}
	catalogtest.WaitInstance(t, c, polled.ServiceInstanceId, api.InstanceDeploying)
	kill9(t, serve)
	serve = startServe(t, dsn, addr, logs)
	got := catalogtest.WaitInstance(t, c, polled.ServiceInstanceId, api.InstanceDeployed, api.InstanceDeployedFailed)
	if got.Status != api.InstanceDeployed || got.Progress != 100 {
		t.Fatalf("after the restart: %s %d%% %q", got.Status, got.Progress, got.StatusDetail)
	}

	// 2. Killed while the provision request is at the broker: the restarted catalogd sends it
	// again, and the broker answers for the instance it already has.
	inFlight, _, err := c.CreateInstance(ctx, api.CreateServiceInstanceRequest{Name: "in-flight", ServiceId: svcID, PlanName: "slow"}, "")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(putsFor(broker, inFlight.ServiceInstanceId)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the provision request never reached the broker")
		}
		time.Sleep(5 * time.Millisecond)
	}
	kill9(t, serve)
	startServe(t, dsn, addr, logs)
	got = catalogtest.WaitInstance(t, c, inFlight.ServiceInstanceId, api.InstanceDeployed, api.InstanceDeployedFailed)
	if got.Status != api.InstanceDeployed {
		t.Fatalf("after the restart: %s %q", got.Status, got.StatusDetail)
	}
	if n := len(putsFor(broker, inFlight.ServiceInstanceId)); n != 2 {
		t.Fatalf("%d provision requests for the in-flight instance, want 2 (the first, and its repetition)", n)
	}
	if broker.Created() != 2 {
		t.Fatalf("the broker created %d instances for 2 orders", broker.Created())
	}
	ops, err := c.ListOperations(ctx, inFlight.ServiceInstanceId)
	if err != nil || len(ops) != 1 || ops[0].Type != api.OperationProvision || ops[0].State != api.OperationSucceeded {
		t.Fatalf("operation history %+v %v", ops, err)
	}
	text := logs.String()
	if !strings.Contains(text, `"msg":"operation step"`) || strings.Contains(text, broker.Password) {
		t.Fatalf("logs lack the operation steps, or carry the broker password:\n%s", text)
	}
}

// syncBuffer collects the logs of the processes a test starts.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func putsFor(b *osbtest.Broker, id string) []osbtest.Request {
	var out []osbtest.Request
	for _, r := range b.Requests("PUT") {
		if strings.HasSuffix(r.Path, "/"+id) {
			out = append(out, r)
		}
	}
	return out
}
