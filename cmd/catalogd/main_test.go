package main_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/opencatalog/terraform-provider-catalog/internal/client"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "catalogd-test")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "catalogd")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build catalogd: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return out.String(), errOut.String(), err
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func TestServeAdminAndShutdown(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "catalog.db")
	addr := freePort(t)
	serve := exec.Command(binary, "serve", "--listen", addr, "--database", dsn)
	stderr, _ := serve.StderrPipe()
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = serve.Process.Kill() })
	logs := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs <- sc.Text()
		}
		close(logs)
	}()
	waitReady(t, "http://"+addr)

	// Admin commands work while the server runs on the same database.
	out, errOut, err := run(t, "tenant", "create", "acme corp", "--database", dsn)
	if err != nil {
		t.Fatalf("tenant create: %v\n%s", err, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !regexp.MustCompile(`^tenant-[0-9a-f]{20}$`).MatchString(lines[0]) || !strings.HasPrefix(lines[1], "ock_") {
		t.Fatalf("tenant create printed %q; want the tenant id and an API key, one per line", out)
	}
	tenantID, key := lines[0], lines[1]
	out, _, err = run(t, "key", "create", "--database", dsn, "--tenant", tenantID)
	if err != nil || !strings.HasPrefix(strings.TrimSpace(out), "ock_") || strings.Count(out, "\n") != 1 {
		t.Fatalf("key create printed %q (%v)", out, err)
	}
	second := strings.TrimSpace(out)
	for _, k := range []string{key, second} {
		c, _ := client.New(client.Config{Endpoint: "http://" + addr, APIKey: k})
		me, err := c.WhoAmI(context.Background())
		if err != nil || me.TenantId != tenantID || me.TenantName != "acme corp" {
			t.Fatalf("whoami with a new key: %+v %v", me, err)
		}
	}
	if _, errOut, err := run(t, "key", "create", "--database", dsn, "--tenant", "tenant-nope"); err == nil || !strings.Contains(errOut, "does not exist") {
		t.Fatalf("key for a missing tenant: %v %s", err, errOut)
	}

	// A backup while the server runs opens as a catalog where the key works.
	backupFile := filepath.Join(t.TempDir(), "backup.db")
	if out, errOut, err := run(t, "backup", "--database", dsn, backupFile); err != nil || !strings.Contains(out, "backed up to") {
		t.Fatalf("backup: %v %s %s", err, out, errOut)
	}
	if out, _, err := run(t, "key", "create", "--database", "sqlite:"+backupFile, "--tenant", tenantID); err != nil || !strings.HasPrefix(out, "ock_") {
		t.Fatalf("the backup lacks the tenant: %q %v", out, err)
	}
	if _, errOut, err := run(t, "backup", "--database", dsn, backupFile); err == nil || !strings.Contains(errOut, "already exists") {
		t.Fatalf("a backup over an existing file: %v %s", err, errOut)
	}

	// SIGTERM: finish and exit 0, having logged requests without keys.
	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- serve.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("catalogd exited with %v after SIGTERM", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("catalogd did not stop after SIGTERM")
	}
	var all []string
	for l := range logs {
		all = append(all, l)
	}
	text := strings.Join(all, "\n")
	if !strings.Contains(text, `"route":"/v1/whoami"`) || !strings.Contains(text, `"msg":"stopped"`) {
		t.Fatalf("logs lack the request line or the shutdown:\n%s", text)
	}
	if strings.Contains(text, key) || strings.Contains(text, second) {
		t.Fatal("an API key reached the logs")
	}
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("catalogd did not become ready")
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"tenant"}, {"tenant", "create"}, {"key", "create"}, {"serve", "--log-format", "xml"}, {"serve", "extra"}} {
		_, errOut, err := run(t, args...)
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(errOut, "Usage:") {
			t.Errorf("catalogd %q: %v, stderr %q; want exit 2 with usage", args, err, errOut)
		}
	}
	out, _, err := run(t, "migrate", "--database", "sqlite:"+filepath.Join(t.TempDir(), "m.db"))
	if err != nil || !strings.Contains(out, "schema is at version 2") {
		t.Fatalf("migrate: %q %v", out, err)
	}
	out, _, err = run(t, "openapi")
	if err != nil || !strings.Contains(out, `"openapi": "3.0.3"`) || !strings.Contains(out, `"/v1/services/{ServiceId}"`) {
		t.Fatalf("openapi: %v %.200q", err, out)
	}
	_, errOut, err := run(t, "migrate", "--database", "oracle://x")
	if err == nil || !strings.Contains(errOut, "must start with sqlite: or postgres://") {
		t.Fatalf("bad DSN: %v %q", err, errOut)
	}
}
