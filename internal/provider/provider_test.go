package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/opencatalog/terraform-provider-catalog/internal/catalogtest"
	"github.com/opencatalog/terraform-provider-catalog/internal/client"
)

var factories = map[string]func() (tfprotov6.ProviderServer, error){
	"catalog": providerserver.NewProtocol6WithError(New("test")()),
}

func TestMain(m *testing.M) {
	// terraform must find a CLI config file; the tests need no registry.
	if f := os.Getenv("TF_CLI_CONFIG_FILE"); f == "" || !exists(f) {
		dir, err := os.MkdirTemp("", "tfcli")
		if err != nil {
			panic(err)
		}
		cfg := filepath.Join(dir, "terraformrc")
		if err := os.WriteFile(cfg, nil, 0o600); err != nil {
			panic(err)
		}
		os.Setenv("TF_CLI_CONFIG_FILE", cfg)
		defer os.RemoveAll(dir)
	}
	code := m.Run()
	os.Exit(code)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// acc is one acceptance test's world: a real catalog (SQLite in the test's temp dir, with
// its provisioning worker), a tenant, and the provider block that logs in as it.
type acc struct {
	env    *catalogtest.Env
	client *client.Client
	key    string
}

func newAcc(t *testing.T) *acc {
	t.Helper()
	env := catalogtest.Start(t)
	_, key, err := env.Catalog.CreateTenant(context.Background(), "acme", false)
	if err != nil {
		t.Fatal(err)
	}
	return &acc{env: env, client: env.Client(t, key), key: key}
}

// config prefixes a configuration with the provider block.
func (a *acc) config(body string) string {
	return fmt.Sprintf("provider \"catalog\" {\n  endpoint = %q\n  api_key  = %q\n}\n\n%s", a.env.URL, a.key, body)
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// words matches a message however terraform wraps its lines.
func words(msg string) *regexp.Regexp {
	return regexp.MustCompile(strings.ReplaceAll(regexp.QuoteMeta(msg), " ", `\s+`))
}
