package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// lockedBuffer collects output written from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestQuickstart runs `make demo` and `make demo-destroy` as a newcomer would, with the real
// binaries and the real terraform: the quickstart applies, a second plan is empty, nothing
// is left running, and the destroy deprovisions the instance at the broker.
func TestQuickstart(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("set TF_ACC=1 to run the quickstart with the real terraform (make test does)")
	}
	bin := t.TempDir()
	for name, pkg := range map[string]string{"catalogd": "./cmd/catalogd", "sample-broker": "./cmd/sample-broker", "terraform-provider-catalog": "."} {
		build := exec.Command("go", "build", "-o", filepath.Join(bin, name), pkg)
		build.Dir = "../.."
		if b, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, b)
		}
	}
	example, _ := filepath.Abs("../../examples/quickstart")
	dir := filepath.Join(t.TempDir(), "demo")
	out := &lockedBuffer{}
	d := &demo{bin: bin, example: example, dir: dir, providerVersion: "0.1.0", out: out}
	ctx := context.Background()

	if err := d.up(ctx); err != nil {
		t.Fatalf("up: %v\n%s", err, out)
	}
	text := out.String()
	for _, want := range []string{
		"Installed opencatalog/catalog v0.1.0",        // terraform init from the mirror
		"Deploying 40% Creating the SQLite database",  // progress shown while it deploys
		"Deployed 100% The database is ready",         // ...until the broker is done
		"Apply complete! Resources: 5 added",          // service, 3 plans from the YAML, instance
		`"large" = "PlanTemplateName:1.0"`,            // outputs: the plans' blueprints
		`"status" = "Deployed"`,                       // outputs: the instance
		"No changes. Your infrastructure matches",     // the second plan
		"exit code 0: the catalog matches",            // ...with -detailed-exitcode
		`Accumulate key "key1" is not a Metadata key`, // the seed YAML's mismatch, as a warning
		"make demo-destroy",                           // how to clean up
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the demo's output lacks %q:\n%s", want, text)
		}
	}
	env, err := readSettings(d.envFile())
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{env["CATALOG_ENDPOINT"], env["TF_VAR_broker_url"]} {
		if c, err := net.Dial("tcp", strings.TrimPrefix(addr, "http://")); err == nil {
			c.Close()
			t.Errorf("%s still answers after the demo ended", addr)
		}
	}
	instances, _ := os.ReadDir(d.brokerData())
	if len(instances) != 1 {
		t.Errorf("the broker holds %d instances, want 1", len(instances))
	}

	out.mu.Lock()
	out.buf.Reset()
	out.mu.Unlock()
	d2 := &demo{bin: bin, example: example, dir: dir, providerVersion: "0.1.0", out: out}
	if err := d2.destroy(ctx); err != nil {
		t.Fatalf("destroy: %v\n%s", err, out)
	}
	for _, want := range []string{"Destroy complete! Resources: 5 destroyed.", "instances left at the broker: 0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the destroy's output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s is still there after demo destroy (%v)", dir, err)
	}
}
