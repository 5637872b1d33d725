package main_test

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBinary runs the sample-broker binary: it refuses to start without a password, serves
// its catalog behind basic auth, and stops on SIGTERM.
func TestBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "sample-broker")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "--data-dir", t.TempDir())
	cmd.Env = append(os.Environ(), "SAMPLE_BROKER_PASSWORD=")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "set a password") {
		t.Fatalf("without a password: %v %s", err, out)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd = exec.Command(bin, "--listen", addr, "--data-dir", t.TempDir(), "--username", "u")
	cmd.Env = append(os.Environ(), "SAMPLE_BROKER_PASSWORD=pw")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	get := func(user, pass string) (*http.Response, error) {
		req, _ := http.NewRequest("GET", "http://"+addr+"/v2/catalog", nil)
		req.SetBasicAuth(user, pass)
		req.Header.Set("X-Broker-API-Version", "2.17")
		return http.DefaultClient.Do(req)
	}
	var resp *http.Response
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err = get("u", "pw"); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	var cat struct {
		Services []struct {
			Name  string
			Plans []struct{ Name string }
		}
	}
	_ = json.NewDecoder(resp.Body).Decode(&cat)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(cat.Services) != 1 || cat.Services[0].Name != "sample-sqlite" || len(cat.Services[0].Plans) != 3 {
		t.Fatalf("catalog %d %+v", resp.StatusCode, cat)
	}
	wrong, err := get("u", "wrong")
	if err != nil {
		t.Fatal(err)
	}
	wrong.Body.Close()
	if wrong.StatusCode != 401 {
		t.Fatalf("wrong password: %d", wrong.StatusCode)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("after SIGTERM: %v", err)
	}
}
