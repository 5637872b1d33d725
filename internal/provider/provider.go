// Package provider is the Terraform provider of OpenCatalog: it publishes services and plans
// and orders instances through the catalog's API.
package provider

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/opencatalog/terraform-provider-catalog/internal/client"
)

// Address is the provider's registry address.
const Address = "registry.terraform.io/opencatalog/catalog"

// New returns a function that makes the provider, as providerserver wants.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &catalogProvider{version: version} }
}

type catalogProvider struct {
	version string
}

var (
	_ provider.Provider              = &catalogProvider{}
	_ provider.ProviderWithFunctions = &catalogProvider{}
)

type providerModel struct {
	Endpoint           types.String `tfsdk:"endpoint"`
	APIKey             types.String `tfsdk:"api_key"`
	CACertFile         types.String `tfsdk:"ca_cert_file"`
	InsecureSkipVerify types.Bool   `tfsdk:"insecure_skip_verify"`
	MaxRetries         types.Int64  `tfsdk:"max_retries"`
	RequestTimeout     types.String `tfsdk:"request_timeout"`
}

func (p *catalogProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "catalog"
	resp.Version = p.version
}

func (p *catalogProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The OpenCatalog provider publishes services and their plans to an OpenCatalog service catalog, and orders instances of them.",
		Attributes: map[string]schema.Attribute{
			"endpoint": schema.StringAttribute{Optional: true,
				MarkdownDescription: "URL of the catalog API, such as `http://127.0.0.1:8080`. Default: the `CATALOG_ENDPOINT` environment variable."},
			"api_key": schema.StringAttribute{Optional: true, Sensitive: true,
				MarkdownDescription: "API key of the tenant to act as (`catalogd tenant create` prints one). Default: the `CATALOG_API_KEY` environment variable."},
			"ca_cert_file": schema.StringAttribute{Optional: true,
				MarkdownDescription: "PEM file of the certificate authority that signed an `https` endpoint's certificate, when it is not a system-trusted one."},
			"insecure_skip_verify": schema.BoolAttribute{Optional: true,
				MarkdownDescription: "Do not verify an `https` endpoint's certificate. Only for tests."},
			"max_retries": schema.Int64Attribute{Optional: true,
				MarkdownDescription: "How often a request that failed on the way (connection errors, 429, 5xx) is tried again, with backoff. Default 4; 0 never retries. Creates carry an idempotency key, so a retry never creates twice."},
			"request_timeout": schema.StringAttribute{Optional: true,
				MarkdownDescription: "How long one API request may take, as a Go duration (`30s`, `2m`). Default `60s`."},
		},
	}
}

func (p *catalogProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if cfg.Endpoint.IsUnknown() || cfg.APIKey.IsUnknown() {
		// Known only after apply: resources will be planned as unknown until then.
		return
	}
	endpoint := stringOr(cfg.Endpoint, os.Getenv("CATALOG_ENDPOINT"))
	key := stringOr(cfg.APIKey, os.Getenv("CATALOG_API_KEY"))
	if endpoint == "" {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Missing catalog endpoint",
			"Set endpoint in the provider configuration or the CATALOG_ENDPOINT environment variable to the catalog's URL, such as http://127.0.0.1:8080.")
	}
	if key == "" {
		resp.Diagnostics.AddAttributeError(path.Root("api_key"), "Missing API key",
			"Set api_key in the provider configuration or the CATALOG_API_KEY environment variable to a key of your tenant (catalogd tenant create prints one).")
	}
	if resp.Diagnostics.HasError() {
		return
	}
	httpClient, err := httpClientFor(cfg)
	if err != nil {
		resp.Diagnostics.AddError("Invalid TLS or timeout settings", err.Error())
		return
	}
	retries := 0
	if cfg.MaxRetries.IsNull() {
		retries = 4
	} else if retries = int(cfg.MaxRetries.ValueInt64()); retries == 0 {
		retries = -1 // the client's "never"
	}
	c, err := client.New(client.Config{Endpoint: endpoint, APIKey: key, HTTPClient: httpClient, MaxRetries: retries,
		UserAgent: "terraform-provider-catalog/" + p.version})
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Invalid catalog endpoint", err.Error())
		return
	}
	// One cheap call tells a wrong endpoint or key apart from everything that follows.
	if _, err := c.WhoAmI(ctx); err != nil {
		var apiErr *client.APIError
		switch {
		case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnauthorized:
			resp.Diagnostics.AddAttributeError(path.Root("api_key"), "The catalog refused the API key",
				fmt.Sprintf("%s answered: %s. Check api_key (or CATALOG_API_KEY): keys are shown once by `catalogd tenant create` or `catalogd key create`.", endpoint, apiErr.Message))
		default:
			resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Cannot reach the catalog",
				fmt.Sprintf("Calling %s failed: %v. Check endpoint (or CATALOG_ENDPOINT) and that catalogd is running.", endpoint, err))
		}
		return
	}
	resp.ResourceData, resp.DataSourceData = c, c
}

func httpClientFor(cfg providerModel) (*http.Client, error) {
	timeout := 60 * time.Second
	if s := cfg.RequestTimeout.ValueString(); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("request_timeout %q is not a positive duration such as \"30s\"", s)
		}
		timeout = d
	}
	tlsCfg := &tls.Config{InsecureSkipVerify: cfg.InsecureSkipVerify.ValueBool()} //nolint:gosec // the user asked for it, for tests
	if f := cfg.CACertFile.ValueString(); f != "" {
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read ca_cert_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca_cert_file %s holds no PEM certificate", f)
		}
		tlsCfg.RootCAs = pool
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = tlsCfg
	return &http.Client{Timeout: timeout, Transport: transport}, nil
}

func stringOr(v types.String, def string) string {
	if v.IsNull() || v.ValueString() == "" {
		return def
	}
	return v.ValueString()
}

func (p *catalogProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{newServiceResource, newPlanResource, newInstanceResource}
}

func (p *catalogProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{newServiceDataSource, newServicesDataSource, newInstancesDataSource}
}

func (p *catalogProvider) Functions(context.Context) []func() function.Function {
	return []func() function.Function{newPlansFromYAMLFunction}
}
