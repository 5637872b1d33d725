package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opencatalog/terraform-provider-catalog/internal/catalogtest"
)

// BenchmarkProvider times terraform apply, a no-change plan and destroy of N services with
// two plans each, against the same number of built-in terraform_data resources in the same
// run, and counts the API requests each phase makes (a refresh must read each resource once).
// It runs the real terraform with the provider built from this module (dev_overrides).
func BenchmarkProvider(b *testing.B) {
	dir := b.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "terraform-provider-catalog"), "../..")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build the provider: %v\n%s", err, out)
	}
	cliConfig := filepath.Join(dir, "terraformrc")
	if err := os.WriteFile(cliConfig, []byte(fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n  }\n  direct {}\n}\n",
		"registry.terraform.io/opencatalog/catalog", dir)), 0o600); err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{100, 500} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			env := catalogtest.Start(b)
			_, key, err := env.Catalog.CreateTenant(context.Background(), "bench", false)
			if err != nil {
				b.Fatal(err)
			}
			catalog := runPhases(b, cliConfig, env.URL, catalogConfig(env.URL, key, n))
			builtin := runPhases(b, cliConfig, env.URL, dataConfig(3*n))
			for i, phase := range []string{"apply", "plan (no change)", "destroy"} {
				c, d := catalog[i], builtin[i]
				fmt.Printf("N=%-4d %-17s catalog %8v (%5d requests)  terraform_data x%d %8v  ratio %.1fx\n",
					n, phase, c.took.Round(time.Millisecond), c.requests, 3*n, d.took.Round(time.Millisecond), float64(c.took)/float64(d.took))
			}
			b.ReportMetric(float64(catalog[1].requests)/float64(3*n), "plan-requests/resource")
		})
	}
}

type phase struct {
	took     time.Duration
	requests int
}

// runPhases applies, plans and destroys a configuration, counting the catalog's requests.
func runPhases(b *testing.B, cliConfig, url, config string) [3]phase {
	wd := b.TempDir()
	if err := os.WriteFile(filepath.Join(wd, "main.tf"), []byte(config), 0o600); err != nil {
		b.Fatal(err)
	}
	var out [3]phase
	for i, args := range [][]string{{"apply", "-auto-approve", "-input=false"}, {"plan", "-detailed-exitcode", "-input=false"}, {"destroy", "-auto-approve", "-input=false"}} {
		before := requestCount(b, url)
		start := time.Now()
		cmd := exec.Command("terraform", args...)
		cmd.Dir = wd
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+cliConfig, "TF_IN_AUTOMATION=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		cmd.Stdout = io.Discard
		if err := cmd.Run(); err != nil {
			var exit *exec.ExitError
			if errors.As(err, &exit) && args[0] == "plan" && exit.ExitCode() == 2 {
				b.Fatalf("the plan after apply is not empty")
			}
			b.Fatalf("terraform %s: %v\n%s", args[0], err, stderr.String())
		}
		out[i] = phase{took: time.Since(start), requests: requestCount(b, url) - before}
	}
	return out
}

var requestsLine = regexp.MustCompile(`(?m)^catalog_http_requests_total\{.*\} (\d+)$`)

// requestCount sums the catalog's request counter (the /metrics request itself included).
func requestCount(b *testing.B, url string) int {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	total := 0
	for _, m := range requestsLine.FindAllStringSubmatch(string(body), -1) {
		if !strings.Contains(m[0], `route="/metrics"`) {
			n, _ := strconv.Atoi(m[1])
			total += n
		}
	}
	return total
}

func catalogConfig(url, key string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "terraform {\n  required_providers {\n    catalog = { source = \"opencatalog/catalog\" }\n  }\n}\n\n")
	fmt.Fprintf(&b, "provider \"catalog\" {\n  endpoint = %q\n  api_key = %q\n}\n", url, key)
	fmt.Fprintf(&b, `
resource "catalog_service" "s" {
  count         = %d
  deploy_type   = "ros"
  service_infos = [{ locale = "en-US", name = "service ${count.index}" }]
}

resource "catalog_plan" "small" {
  count      = %d
  service_id = catalog_service.s[count.index].id
  name       = "small"
  metadata   = { size = { type = "integer", default = "1" } }
}

resource "catalog_plan" "large" {
  count      = %d
  service_id = catalog_service.s[count.index].id
  name       = "large"
  metadata   = { size = { type = "integer", default = "8" } }
}
`, n, n, n)
	return b.String()
}

func dataConfig(n int) string {
	return fmt.Sprintf("resource \"terraform_data\" \"d\" {\n  count = %d\n  input = \"item ${count.index}\"\n}\n", n)
}
