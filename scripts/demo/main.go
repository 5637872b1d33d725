// Command demo is the quickstart behind `make demo`: it starts a real catalogd on an SQLite
// file and the sample broker on loopback, creates a tenant, publishes a service whose plans
// come from an AOS Plans YAML file, orders an instance, shows its progress until the broker
// has deployed it, and prints its outputs. It stops both processes when it ends.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/client"
	"github.com/opencatalog/terraform-provider-catalog/internal/planspec"
)

func main() {
	catalogd := flag.String("catalogd", "bin/catalogd", "the catalogd binary")
	broker := flag.String("broker", "bin/sample-broker", "the sample-broker binary")
	plansFile := flag.String("plans", "examples/quickstart/plans.yaml", "AOS Plans YAML to publish")
	dir := flag.String("dir", ".demo", "where the demo keeps its SQLite file and log")
	flag.Parse()
	if err := run(*catalogd, *broker, *plansFile, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func step(format string, args ...any) { fmt.Printf("\n==> "+format+"\n", args...) }

func run(catalogd, brokerBin, plansFile, dir string) error {
	ctx := context.Background()
	// Each run starts afresh.
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	dbPath, _ := filepath.Abs(filepath.Join(dir, "catalog.db"))
	brokerData, _ := filepath.Abs(filepath.Join(dir, "broker-data"))
	dsn := "sqlite:" + dbPath
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	brokerAddr, err := freeAddr()
	if err != nil {
		return err
	}
	brokerPassword := randomHex()

	step("Starting the sample broker on http://%s (instances go to %s)", brokerAddr, brokerData)
	brokerLog, err := os.Create(filepath.Join(dir, "sample-broker.log"))
	if err != nil {
		return err
	}
	defer brokerLog.Close()
	broker := exec.Command(brokerBin, "--listen", brokerAddr, "--data-dir", brokerData, "--username", "broker")
	broker.Env = append(os.Environ(), "SAMPLE_BROKER_PASSWORD="+brokerPassword)
	broker.Stdout, broker.Stderr = brokerLog, brokerLog
	if err := broker.Start(); err != nil {
		return fmt.Errorf("start the sample broker: %w", err)
	}
	defer func() {
		_ = broker.Process.Signal(syscall.SIGTERM)
		_ = broker.Wait()
		fmt.Printf("The sample broker stopped; its log is %s.\n", brokerLog.Name())
	}()

	step("Starting catalogd on http://%s with database %s", addr, dsn)
	logFile, err := os.Create(filepath.Join(dir, "catalogd.log"))
	if err != nil {
		return err
	}
	defer logFile.Close()
	serve := exec.Command(catalogd, "serve", "--listen", addr, "--database", dsn)
	serve.Stdout, serve.Stderr = logFile, logFile
	if err := serve.Start(); err != nil {
		return fmt.Errorf("start catalogd: %w", err)
	}
	defer func() {
		step("Stopping catalogd (SIGTERM, graceful)")
		_ = serve.Process.Signal(syscall.SIGTERM)
		_ = serve.Wait()
		fmt.Printf("catalogd stopped. Its log is %s; the catalog is kept in %s.\n", logFile.Name(), dbPath)
		fmt.Printf("To look again: %s serve --database %s\nTo clean up:   rm -rf %s  (nothing else was left running or written)\n", catalogd, dsn, dir)
	}()
	if err := waitReady("http://" + addr); err != nil {
		return err
	}

	step("Creating a tenant: %s tenant create --database %s demo", catalogd, dsn)
	out, err := exec.Command(catalogd, "tenant", "create", "--database", dsn, "demo").Output()
	if err != nil {
		return fmt.Errorf("tenant create: %w", err)
	}
	lines := strings.Fields(string(out))
	if len(lines) != 2 {
		return fmt.Errorf("tenant create printed %q", out)
	}
	fmt.Printf("tenant id: %s\nAPI key:   %s…  (shown once; stored hashed)\n", lines[0], lines[1][:16])
	c, err := client.New(client.Config{Endpoint: "http://" + addr, APIKey: lines[1]})
	if err != nil {
		return err
	}

	step("Creating a private service (Draft) provisioned by the sample broker (DeployType spi)")
	svc, _, err := c.CreateService(ctx, api.CreateServiceRequest{ServiceSpec: api.ServiceSpec{
		DeployType: "spi", ServiceType: "private", VersionName: "v1", SupplierName: "Demo Inc.",
		SupplierUrl: "https://example.com", Categories: "Database",
		ServiceInfos: []api.ServiceInfo{
			{Locale: "en-US", Name: "Demo Database", ShortDescription: "A database per team"},
			{Locale: "zh-CN", Name: "演示数据库", ShortDescription: "每个团队一个数据库"},
		}}, Tags: []api.Tag{{Key: "team", Value: "platform"}},
		Broker: &api.Broker{Url: "http://" + brokerAddr, Username: "broker", Password: brokerPassword, ServiceName: "sample-sqlite"}}, "")
	if err != nil {
		return err
	}
	fmt.Printf("service %s, version %s, status %s\n", svc.ServiceId, svc.Version, svc.Status)

	step("Publishing the plans of %s", plansFile)
	data, err := os.ReadFile(plansFile)
	if err != nil {
		return err
	}
	plans, err := planspec.Parse(data)
	if err != nil {
		return fmt.Errorf("%s: %w", plansFile, err)
	}
	for _, p := range plans {
		got, _, err := c.PutPlan(ctx, svc.ServiceId, p.Name, p.PutPlanRequest, "")
		if err != nil {
			return fmt.Errorf("plan %s: %w", p.Name, err)
		}
		fmt.Printf("plan %-7s blueprint %-26s %d parameter(s)\n", got.Name, got.BlueprintId, len(got.Metadata))
		for _, w := range got.Warnings {
			fmt.Printf("        warning: %s\n", w)
		}
	}

	step("Publishing the service (private: Draft -> Online); the catalog checks every plan against the broker's catalog")
	svc, _, err = c.ChangeServiceStatus(ctx, svc.ServiceId, "publish", api.ServiceLifecycleRequest{})
	if err != nil {
		return err
	}
	fmt.Printf("status %s, published %s\n", svc.Status, svc.PublishTime)

	step("Ordering with a bad parameter: the catalog names the key and the rule")
	_, _, err = c.CreateInstance(ctx, api.CreateServiceInstanceRequest{Name: "team-a-db", ServiceId: svc.ServiceId, PlanName: "custom",
		Parameters: map[string]any{"owner": "team-a", "disk_gb": "500"}}, "")
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("the bad order was not refused: %w", err)
	}
	fmt.Printf("%d %s: %s\n", apiErr.StatusCode, apiErr.Code, apiErr.Message)

	step("Ordering an instance of plan custom")
	inst, r, err := c.CreateInstance(ctx, api.CreateServiceInstanceRequest{Name: "team-a-db", ServiceId: svc.ServiceId, PlanName: "custom",
		Parameters: map[string]any{"owner": "team-a", "disk_gb": "20"}}, "")
	if err != nil {
		return err
	}
	fmt.Printf("HTTP %d: instance %s is %s (%s)\n", r.StatusCode, inst.ServiceInstanceId, inst.Status, inst.StatusDetail)
	printJSON("parameters", inst.Parameters)

	step("Waiting while the broker deploys it")
	last := ""
	for inst.Status != api.InstanceDeployed {
		if inst.Status == api.InstanceDeployedFailed {
			return fmt.Errorf("instance %s failed: %s", inst.ServiceInstanceId, inst.StatusDetail)
		}
		if line := fmt.Sprintf("%-10s %3d%%  %s", inst.Status, inst.Progress, inst.StatusDetail); line != last {
			fmt.Println(line)
			last = line
		}
		time.Sleep(200 * time.Millisecond)
		if inst, _, err = c.GetInstance(ctx, inst.ServiceInstanceId); err != nil {
			return err
		}
	}
	fmt.Printf("%-10s %3d%%  %s\n", inst.Status, inst.Progress, inst.StatusDetail)
	printJSON("outputs", inst.Outputs)
	ops, err := c.ListOperations(ctx, inst.ServiceInstanceId)
	if err != nil {
		return err
	}
	for _, op := range ops {
		fmt.Printf("operation %s: %s %s (%s)\n", op.OperationId, op.Type, op.State, op.Description)
	}
	fmt.Printf("The database is a real SQLite file: %s/%s/data.db\n", brokerData, inst.ServiceInstanceId)

	step("GetService with ShowDetail=ServiceStatistic")
	full, _, err := c.GetService(ctx, svc.ServiceId, client.GetServiceOptions{ShowStatistic: true})
	if err != nil {
		return err
	}
	printJSON("", full)
	return nil
}

func printJSON(label string, v any) {
	b, _ := json.MarshalIndent(v, "", "  ")
	if label != "" {
		fmt.Printf("%s: ", label)
	}
	fmt.Println(string(b))
}

func randomHex() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitReady(base string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("catalogd did not become ready in 30 s; see its log")
}
