package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/catalogtest"
	"github.com/opencatalog/terraform-provider-catalog/internal/client"
	"github.com/opencatalog/terraform-provider-catalog/internal/osbtest"
	"github.com/opencatalog/terraform-provider-catalog/internal/server"
)

type answer struct {
	status int
	body   api.Error
	raw    string
}

func call(t testing.TB, env *catalogtest.Env, key, method, path, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, env.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, raw: string(raw)}
	_ = json.Unmarshal(raw, &a.body)
	if resp.StatusCode >= 400 && (a.body.RequestId == "" || a.body.Code == "" || resp.Header.Get("X-Request-Id") != a.body.RequestId) {
		t.Fatalf("%s %s: error answer without Code/RequestId: %d %s", method, path, resp.StatusCode, raw)
	}
	return a
}

// TestTenantIsolation: on every route, another tenant's private ids answer exactly as ids
// that do not exist, so nobody learns that they exist.
func TestTenantIsolation(t *testing.T) {
	env := catalogtest.Start(t)
	_, a := env.Tenant(t, "a")
	_, bClient := env.Tenant(t, "b")
	bKey := keyOf(t, env, bClient)
	broker := osbtest.Start(t, "small")
	svcID := catalogtest.PublishedService(t, a, catalogtest.BrokeredService(broker, "Private"), map[string]api.PutPlanRequest{"small": {}})
	inst, _, err := a.CreateInstance(ctx, api.CreateServiceInstanceRequest{Name: "x", ServiceId: svcID, PlanName: "small"}, "")
	ok(t, err)
	const missingSvc, missingInst = "service-00000000000000000000", "si-00000000000000000000"

	routes := []struct{ method, path, body string }{
		{"GET", "/v1/services/{S}", ""},
		{"GET", "/v1/services/{S}?ShowDetail=ServiceStatistic", ""},
		{"PATCH", "/v1/services/{S}", `{"SupplierName":"b"}`},
		{"DELETE", "/v1/services/{S}", ""},
		{"GET", "/v1/services/{S}/versions", ""},
		{"POST", "/v1/services/{S}/publish", ""},
		{"POST", "/v1/services/{S}/offline", ""},
		{"POST", "/v1/services/{S}/approve", ""},
		{"POST", "/v1/services/{S}/reject", ""},
		{"GET", "/v1/services/{S}/plans", ""},
		{"GET", "/v1/services/{S}/plans/small", ""},
		{"PUT", "/v1/services/{S}/plans/small", `{"Description":"b"}`},
		{"DELETE", "/v1/services/{S}/plans/small", ""},
		{"POST", "/v1/service-instances", `{"Name":"b","ServiceId":"{S}","PlanName":"small"}`},
		{"POST", "/v1/service-instances", `{"Name":"b","ServiceId":"{S}","PlanName":"small","DryRun":true}`},
		{"GET", "/v1/service-instances/{I}", ""},
		{"PATCH", "/v1/service-instances/{I}", `{"Name":"b"}`},
		{"DELETE", "/v1/service-instances/{I}", ""},
		{"GET", "/v1/service-instances/{I}/operations", ""},
	}
	fill := func(s, svc, in string) string {
		return strings.NewReplacer("{S}", svc, "{I}", in).Replace(s)
	}
	for _, rt := range routes {
		real := call(t, env, bKey, rt.method, fill(rt.path, svcID, inst.ServiceInstanceId), fill(rt.body, svcID, inst.ServiceInstanceId))
		missing := call(t, env, bKey, rt.method, fill(rt.path, missingSvc, missingInst), fill(rt.body, missingSvc, missingInst))
		if real.status != missing.status || real.body.Code != missing.body.Code ||
			strings.ReplaceAll(strings.ReplaceAll(real.body.Message, svcID, missingSvc), inst.ServiceInstanceId, missingInst) != missing.body.Message {
			t.Errorf("%s %s: tenant b gets %d %s %q for a's id, %d %s %q for a missing one",
				rt.method, rt.path, real.status, real.body.Code, real.body.Message, missing.status, missing.body.Code, missing.body.Message)
		}
		if real.status < 400 {
			t.Errorf("%s %s: tenant b succeeded on a's object: %d", rt.method, rt.path, real.status)
		}
	}
	// Lists show b nothing of a's.
	list, err := bClient.ListServices(ctx, client.ListServicesOptions{})
	ok(t, err)
	instances, err := bClient.ListInstances(ctx, client.ListInstancesOptions{ServiceId: svcID})
	ok(t, err)
	if len(list.Services) != 0 || len(instances.ServiceInstances) != 0 {
		t.Fatalf("tenant b lists %d services, %d instances of a's", len(list.Services), len(instances.ServiceInstances))
	}
	// And a's objects are untouched.
	got, _, err := a.GetService(ctx, svcID, client.GetServiceOptions{})
	ok(t, err)
	if got.SupplierName != "" || got.Status != api.ServiceOnline {
		t.Fatalf("a's service changed: %+v", got)
	}
}

func TestAuthentication(t *testing.T) {
	env := catalogtest.Start(t)
	for name, tc := range map[string]struct{ header, msg string }{
		"none":      {"", "no Authorization header"},
		"scheme":    {"Basic abc", `must be "Bearer <API key>"`},
		"malformed": {"Bearer nope", "malformed"},
		"unknown":   {"Bearer ock_0011223344556677_secret", "not valid"},
	} {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", env.URL+"/v1/services", nil)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			resp, err := http.DefaultClient.Do(req)
			ok(t, err)
			defer resp.Body.Close()
			var e api.Error
			_ = json.NewDecoder(resp.Body).Decode(&e)
			if resp.StatusCode != 401 || e.Code != "Unauthenticated" || !strings.Contains(e.Message, tc.msg) || resp.Header.Get("WWW-Authenticate") == "" {
				t.Fatalf("%d %+v", resp.StatusCode, e)
			}
		})
	}
	// A right key id with a wrong secret is refused too.
	_, c := env.Tenant(t, "acme")
	key := keyOf(t, env, c)
	if a := call(t, env, key[:len(key)-2]+"xx", "GET", "/v1/services", ""); a.status != 401 {
		t.Fatalf("tampered key answered %d", a.status)
	}
}

// TestBadInput: malformed bodies get a clear 4xx naming the problem, never a 500, and
// write nothing.
func TestBadInput(t *testing.T) {
	env := catalogtest.Start(t)
	_, c := env.Tenant(t, "acme")
	key := keyOf(t, env, c)
	svcID := catalogtest.PublishedService(t, c, catalogtest.PrivateService("DB"), map[string]api.PutPlanRequest{"small": {}})
	huge := `{"Name":"` + strings.Repeat("x", 2<<20) + `"}`
	cases := []struct {
		name, method, path, body string
		status                   int
		code, msg                string
	}{
		{"malformed", "POST", "/v1/services", `{"DeployType":`, 400, "MalformedJSON", "not valid JSON"},
		{"empty", "POST", "/v1/services", ``, 400, "MalformedJSON", "empty"},
		{"array", "POST", "/v1/services", `[]`, 400, "MalformedJSON", "must be a JSON an object"},
		{"trailing", "POST", "/v1/services", `{} {}`, 400, "MalformedJSON", "data after"},
		{"unknown field", "POST", "/v1/services", `{"DeployTyp":"ros"}`, 400, "InvalidParameter.DeployTyp", `unknown field "DeployTyp"`},
		{"wrong type", "POST", "/v1/services", `{"ServiceInfos":"DB"}`, 400, "InvalidParameter.ServiceInfos", "field ServiceInfos must be a list, not string"},
		{"nested type", "POST", "/v1/services", `{"ServiceInfos":[{"Name":5}]}`, 400, "InvalidParameter.ServiceInfos", "ServiceInfos.Name must be a string"},
		{"huge", "POST", "/v1/services", huge, 413, "RequestTooLarge", "larger than"},
		{"patch unknown", "PATCH", "/v1/services/" + svcID, `{"Status":"Online"}`, 400, "InvalidParameter.Status", `unknown field "Status"`},
		{"plan type", "PUT", "/v1/services/" + svcID + "/plans/p", `{"Metadata":{"k":{"range_min":"low"}}}`, 400, "InvalidParameter.Metadata", "must be a number"},
		{"plan name", "PUT", "/v1/services/" + svcID + "/plans/a%20b", `{}`, 400, "InvalidParameter.PlanName", "must be 1-64"},
		{"order params", "POST", "/v1/service-instances", `{"Name":"x","ServiceId":"` + svcID + `","PlanName":"small","Parameters":[1]}`, 400, "InvalidParameter.Parameters", "must be an object"},
		{"order huge", "POST", "/v1/service-instances", huge, 413, "RequestTooLarge", "larger than"},
		{"order no name", "POST", "/v1/service-instances", `{"ServiceId":"` + svcID + `","PlanName":"small"}`, 400, "InvalidParameter.Name", "1-128"},
		{"lifecycle body", "POST", "/v1/services/" + svcID + "/publish", `{"Version":"1"}`, 400, "InvalidParameter.Version", "unknown field"},
		{"show detail", "GET", "/v1/services/" + svcID + "?ShowDetail=Everything", ``, 400, "InvalidParameter.ShowDetail", "not known"},
		{"max results", "GET", "/v1/service-instances?MaxResults=ten", ``, 400, "InvalidParameter.MaxResults", "whole number"},
		{"no route", "GET", "/v2/things", ``, 404, "NotFound", "no route"},
		{"method", "PUT", "/v1/services", `{}`, 405, "MethodNotAllowed", "allowed: POST, GET"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := call(t, env, key, tc.method, tc.path, tc.body)
			if a.status != tc.status || a.body.Code != tc.code || !strings.Contains(a.body.Message, tc.msg) {
				t.Fatalf("%d %s %q; want %d %s containing %q", a.status, a.body.Code, a.body.Message, tc.status, tc.code, tc.msg)
			}
		})
	}
	list, err := c.ListServices(ctx, client.ListServicesOptions{})
	ok(t, err)
	instances, err := c.ListInstances(ctx, client.ListInstancesOptions{})
	ok(t, err)
	plans, err := c.ListPlans(ctx, svcID)
	ok(t, err)
	if len(list.Services) != 1 || len(instances.ServiceInstances) != 0 || len(plans) != 1 {
		t.Fatalf("bad input wrote: %d services, %d instances, %d plans", len(list.Services), len(instances.ServiceInstances), len(plans))
	}
}

// FuzzRequestBodies sends arbitrary bodies to every route that reads one: the answer is a
// success or a well-formed 4xx, never a 5xx.
func FuzzRequestBodies(f *testing.F) {
	for _, seed := range []string{`{}`, `{"DeployType":"ros","ServiceInfos":[{"Locale":"en-US","Name":"x"}]}`,
		`{"Metadata":{"k":{"type":"integer","default":"7","range_max":5}}}`, `{"Name":"i","ServiceId":"S","PlanName":"small","Parameters":{"k":1e400}}`,
		`{"PlanName":"custom","Parameters":{"a":null}}`, `{"Commodity":{"CssMetadata":{"ComponentsMappings":[{"Mappings":{"a":1}}]}}}`, "\x00", `{"Tags":[{"Key":"` + strings.Repeat("k", 300) + `"}]}`} {
		f.Add([]byte(seed))
	}
	env := catalogtest.Start(f)
	_, c := env.Tenant(f, "fuzz")
	me, err := c.WhoAmI(ctx)
	if err != nil {
		f.Fatal(err)
	}
	key, err := env.Catalog.CreateAPIKey(ctx, me.TenantId)
	if err != nil {
		f.Fatal(err)
	}
	broker := osbtest.Start(f, "small", "custom")
	svcID := catalogtest.PublishedService(f, c, catalogtest.BrokeredService(broker, "Fuzz"), map[string]api.PutPlanRequest{"small": {}, "custom": {}})
	inst, _, err := c.CreateInstance(ctx, api.CreateServiceInstanceRequest{Name: "i", ServiceId: svcID, PlanName: "custom"}, "")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		b := strings.ReplaceAll(string(body), `"S"`, `"`+svcID+`"`)
		for _, rt := range []struct{ method, path string }{
			{"POST", "/v1/services"}, {"PATCH", "/v1/services/" + svcID}, {"PUT", "/v1/services/" + svcID + "/plans/fuzz"},
			{"POST", "/v1/service-instances"}, {"PATCH", "/v1/service-instances/" + inst.ServiceInstanceId},
			{"POST", "/v1/services/" + svcID + "/publish"},
		} {
			if a := call(t, env, key, rt.method, rt.path, b); a.status >= 500 {
				t.Fatalf("%s %s with %q: %d %s", rt.method, rt.path, body, a.status, a.raw)
			}
		}
	})
}

func TestHealthMetricsOpenAPI(t *testing.T) {
	env := catalogtest.Start(t)
	if a := call(t, env, "", "GET", "/healthz", ""); a.status != 200 || !strings.Contains(a.raw, `"ok"`) {
		t.Fatalf("healthz %d %s", a.status, a.raw)
	}
	if a := call(t, env, "", "GET", "/readyz", ""); a.status != 200 {
		t.Fatalf("readyz %d %s", a.status, a.raw)
	}
	call(t, env, "", "GET", "/v1/services", "")
	m := call(t, env, "", "GET", "/metrics", "")
	if m.status != 200 || !strings.Contains(m.raw, `catalog_http_requests_total{code="401",method="GET",route="/v1/services"} 1`) ||
		!strings.Contains(m.raw, "catalog_http_request_duration_seconds_bucket") {
		t.Fatalf("metrics lack the request counter:\n%.2000s", m.raw)
	}
	doc := call(t, env, "", "GET", "/openapi.json", "")
	committed, err := os.ReadFile("../../docs/server/openapi.json")
	ok(t, err)
	if !bytes.Equal([]byte(doc.raw), committed) {
		t.Fatal("docs/server/openapi.json is stale: run `make openapi`")
	}
	reference, err := server.APIReference(committed)
	ok(t, err)
	committedReference, err := os.ReadFile("../../docs/server/api.md")
	ok(t, err)
	if !bytes.Equal(reference, committedReference) {
		t.Fatal("docs/server/api.md is stale: run `make openapi`")
	}
	for _, want := range []string{"| POST | [`/v1/service-instances`](#post-v1service-instances) | Order an instance of an spi service.",
		"## PUT /v1/services/{ServiceId}/plans/{PlanName}", "* Path: `ServiceId` (string), `PlanName` (string)",
		"* Body: [PutPlanRequest](#putplanrequest)", "* Answer: 202 [ServiceInstance](#serviceinstance)",
		"| `Metadata` | map of [ParameterSpec](#parameterspec) |", "| `MeteringItems` | list of [MeteringItem](#meteringitem) |"} {
		if !strings.Contains(string(reference), want) {
			t.Errorf("the API reference lacks %q", want)
		}
	}
	var parsed struct {
		Paths map[string]map[string]any
	}
	ok(t, json.Unmarshal(committed, &parsed))
	if _, ok := parsed.Paths["/v1/services/{ServiceId}"]["get"]; !ok || len(parsed.Paths) < 15 {
		t.Fatalf("OpenAPI paths: %v", parsed.Paths)
	}
	env.Server.Drain()
	if a := call(t, env, "", "GET", "/readyz", ""); a.status != 503 {
		t.Fatalf("readyz while draining: %d", a.status)
	}
}
