// Package examples holds the configurations shown in the documentation, and tests that run
// them with the real terraform and the provider built from this tree.
package examples

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/opencatalog/terraform-provider-catalog/internal/providermirror"
)

var (
	buildOnce sync.Once
	buildDir  string
	cliConfig string // a CLI configuration that installs the provider built from this tree
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// terraformConfig builds the provider once per test run and returns a CLI configuration
// that installs it in place of the registry's.
func terraformConfig(t *testing.T) string {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("set TF_ACC=1 to run the examples with the real terraform (make test does)")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "catalog-provider-")
		if err != nil {
			buildErr = err
			return
		}
		buildDir = dir
		// A filesystem mirror, as for a provider installed without a registry: terraform
		// init then finds the version the configurations ask for.
		mirror := filepath.Join(dir, "mirror")
		build := exec.Command("go", "build", "-o", providermirror.BinaryPath(mirror, "0.1.0"), ".")
		build.Dir = ".."
		if out, err := build.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out)
			return
		}
		cliConfig = filepath.Join(dir, "terraform.rc")
		buildErr = os.WriteFile(cliConfig, []byte(providermirror.CLIConfig(mirror)), 0o644)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return cliConfig
}

// terraform runs terraform in dir and returns its output and exit code.
func terraform(t *testing.T, dir string, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command("terraform", append(args, "-no-color")...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "TF_CLI_CONFIG_FILE="+terraformConfig(t), "TF_IN_AUTOMATION=1"), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return out.String(), exit.ExitCode()
	}
	if err != nil {
		t.Fatalf("terraform %s: %v", args[0], err)
	}
	return out.String(), 0
}

// mustTerraform runs terraform and fails the test unless it exits 0.
func mustTerraform(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	out, code := terraform(t, dir, env, args...)
	if code != 0 {
		t.Fatalf("terraform %s exited %d:\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// copyFiles copies the .tf files of src into dst, their names prefixed, and the .yaml files
// as they are named (configurations read them by name).
func copyFiles(t *testing.T, src, dst, prefix string) {
	t.Helper()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); e.Type().IsRegular() && (ext == ".tf" || ext == ".yaml") {
			data, err := os.ReadFile(filepath.Join(src, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			name := e.Name()
			if ext == ".tf" {
				name = prefix + name
			}
			if err := os.WriteFile(filepath.Join(dst, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestExamplesValidate: every example is valid, as terraform validate judges it with the
// provider's schema. The documentation's snippets (provider, resources, data sources,
// function) are validated together, as one configuration, since they refer to each other.
func TestExamplesValidate(t *testing.T) {
	terraformConfig(t)
	snippets := t.TempDir()
	for _, pattern := range []string{"provider", "resources/*", "data-sources/*", "functions/*"} {
		dirs, _ := filepath.Glob(pattern)
		if len(dirs) == 0 {
			t.Fatalf("no examples match %s", pattern)
		}
		for _, dir := range dirs {
			copyFiles(t, dir, snippets, strings.ReplaceAll(dir, "/", "_")+"_")
		}
	}
	roots := map[string]string{"documentation snippets": snippets}
	for _, dir := range []string{"quickstart", "modules/published-service", "modules/ordered-instance"} {
		roots[dir] = t.TempDir()
		copyFiles(t, dir, roots[dir], "")
	}
	for name, dir := range roots {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			mustTerraform(t, dir, nil, "init", "-backend=false", "-input=false")
			out := mustTerraform(t, dir, nil, "validate")
			if !strings.Contains(out, "The configuration is valid") {
				t.Errorf("terraform validate said:\n%s", out)
			}
		})
	}
}

// outputs reads terraform output -json as plain values.
func outputs(t *testing.T, dir string) map[string]any {
	t.Helper()
	out := mustTerraform(t, dir, nil, "output", "-json")
	var raw map[string]struct {
		Value any `json:"value"`
	}
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("terraform output -json: %v\n%s", err, out)
	}
	values := map[string]any{}
	for k, v := range raw {
		values[k] = v.Value
	}
	return values
}
