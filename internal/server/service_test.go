package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/catalogtest"
	"github.com/opencatalog/terraform-provider-catalog/internal/client"
)

var ctx = context.Background()

// apiErr checks that err is the API error status/code and returns its message.
func apiErr(t *testing.T, err error, status int, code string) string {
	t.Helper()
	var e *client.APIError
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want an API error %d %s", err, status, code)
	}
	if e.StatusCode != status || e.Code != code || e.RequestId == "" {
		t.Fatalf("got %d %s (RequestId %q): %s; want %d %s", e.StatusCode, e.Code, e.RequestId, e.Message, status, code)
	}
	return e.Message
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// seedExample is the GetService response example of the Compute Nest documentation.
func seedExample(t *testing.T) map[string]any {
	data, err := os.ReadFile("testdata/getservice_seed_example.json")
	ok(t, err)
	var m map[string]any
	ok(t, json.Unmarshal(data, &m))
	return m
}

// shape lists every key path of a JSON value; the contents of free-form maps
// (EntitySource, Mappings) are not shape.
func shape(prefix string, v any, out map[string]bool) {
	switch t := v.(type) {
	case map[string]any:
		if strings.HasSuffix(prefix, "EntitySource") || strings.HasSuffix(prefix, "Mappings") {
			return
		}
		for k, child := range t {
			out[prefix+"."+k] = true
			shape(prefix+"."+k, child, out)
		}
	case []any:
		for _, child := range t {
			shape(prefix+"[]", child, out)
		}
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestGetServiceHasTheSeedShape publishes a public service carrying every settable field of
// the seed's example (through submission and a platform admin's approval), then checks that
// GetService answers with exactly the seed's field names and nesting, and the values sent.
func TestGetServiceHasTheSeedShape(t *testing.T) {
	env := catalogtest.Start(t)
	_, supplier := env.Tenant(t, "supplier")
	_, admin := env.Admin(t, "platform")

	raw, err := os.ReadFile("testdata/getservice_seed_example.json")
	ok(t, err)
	var spec api.ServiceSpec // only the settable fields are taken from the example
	ok(t, json.Unmarshal(raw, &spec))
	var tags struct{ Tags []api.Tag }
	ok(t, json.Unmarshal(raw, &tags))
	created, _, err := supplier.CreateService(ctx, api.CreateServiceRequest{ServiceSpec: spec, Tags: tags.Tags}, "")
	ok(t, err)
	id := created.ServiceId

	submitted, _, err := supplier.ChangeServiceStatus(ctx, id, "publish", api.ServiceLifecycleRequest{})
	ok(t, err)
	if submitted.Status != api.ServiceSubmitted {
		t.Fatalf("public service published to %s, want Submitted", submitted.Status)
	}
	_, _, err = supplier.ChangeServiceStatus(ctx, id, "approve", api.ServiceLifecycleRequest{})
	apiErr(t, err, 403, "Forbidden")
	approved, _, err := admin.ChangeServiceStatus(ctx, id, "approve", api.ServiceLifecycleRequest{})
	ok(t, err)
	if approved.Status != api.ServiceApproved {
		t.Fatalf("approved to %s", approved.Status)
	}
	online, _, err := supplier.ChangeServiceStatus(ctx, id, "publish", api.ServiceLifecycleRequest{})
	ok(t, err)
	if online.Status != api.ServiceOnline || online.PublishTime == "" {
		t.Fatalf("published to %s at %q", online.Status, online.PublishTime)
	}

	req, _ := http.NewRequest("GET", env.URL+"/v1/services/"+id+"?ShowDetail=ServiceStatistic", nil)
	req.Header.Set("Authorization", "Bearer "+keyOf(t, env, supplier))
	resp, err := http.DefaultClient.Do(req)
	ok(t, err)
	defer resp.Body.Close()
	var got map[string]any
	ok(t, json.NewDecoder(resp.Body).Decode(&got))

	want := map[string]bool{}
	shape("", seedExample(t), want)
	have := map[string]bool{}
	shape("", got, have)
	for _, k := range keys(want) {
		if !have[k] {
			t.Errorf("GetService lacks %s", k)
		}
	}
	for _, k := range keys(have) {
		if !want[k] {
			t.Errorf("GetService has %s, which the seed's GetService does not", k)
		}
	}

	var back api.ServiceSpec
	b, _ := json.Marshal(got)
	ok(t, json.Unmarshal(b, &back))
	sent, _ := json.Marshal(spec)
	gotSpec, _ := json.Marshal(back)
	if string(sent) != string(gotSpec) {
		t.Errorf("settable fields changed on the way:\nsent %s\n got %s", sent, gotSpec)
	}
	if got["Version"] != "1" || got["ServiceId"] != id || got["RequestId"] == "" || got["Permission"] != "Deployable" {
		t.Errorf("server fields: Version %v ServiceId %v RequestId %v Permission %v", got["Version"], got["ServiceId"], got["RequestId"], got["Permission"])
	}
}

// keyOf makes a fresh key for the tenant behind c, for raw HTTP requests.
func keyOf(t *testing.T, env *catalogtest.Env, c *client.Client) string {
	t.Helper()
	me, err := c.WhoAmI(ctx)
	ok(t, err)
	key, err := env.Catalog.CreateAPIKey(ctx, me.TenantId)
	ok(t, err)
	return key
}

func TestPrivateLifecycleAndVersions(t *testing.T) {
	env := catalogtest.Start(t)
	_, c := env.Tenant(t, "acme")
	svc, r, err := c.CreateService(ctx, catalogtest.PrivateService("DB"), "")
	ok(t, err)
	if r.StatusCode != 201 || svc.Status != api.ServiceDraft || svc.Version != "1" || r.ETag == "" {
		t.Fatalf("created %d %s v%s etag %q", r.StatusCode, svc.Status, svc.Version, r.ETag)
	}
	id := svc.ServiceId

	// A Draft changes in place.
	draft, _, err := c.UpdateService(ctx, id, api.UpdateServiceRequest{ServiceSpec: api.ServiceSpec{VersionName: "first"}}, "")
	ok(t, err)
	if draft.Version != "1" || draft.VersionName != "first" || draft.ServiceInfos[0].Name != "DB" {
		t.Fatalf("draft update gave v%s %q %+v", draft.Version, draft.VersionName, draft.ServiceInfos)
	}
	_, _, err = c.ChangeServiceStatus(ctx, id, "offline", api.ServiceLifecycleRequest{})
	apiErr(t, err, 409, "IncorrectServiceStatus")

	online, _, err := c.ChangeServiceStatus(ctx, id, "publish", api.ServiceLifecycleRequest{})
	ok(t, err)
	if online.Status != api.ServiceOnline || online.PublishTime == "" {
		t.Fatalf("private publish gave %s", online.Status)
	}
	// Publishing again changes nothing (retries succeed).
	again, _, err := c.ChangeServiceStatus(ctx, id, "publish", api.ServiceLifecycleRequest{})
	ok(t, err)
	if again.Status != api.ServiceOnline || again.PublishTime != online.PublishTime {
		t.Fatalf("republish gave %s %s", again.Status, again.PublishTime)
	}

	// Tags are not versioned: no new version.
	tagged, _, err := c.UpdateService(ctx, id, api.UpdateServiceRequest{Tags: []api.Tag{{Key: "team", Value: "db"}}}, "")
	ok(t, err)
	if tagged.Version != "1" || tagged.Status != api.ServiceOnline || len(tagged.Tags) != 1 {
		t.Fatalf("tag update gave v%s %s %v", tagged.Version, tagged.Status, tagged.Tags)
	}

	// Changing a published version's content makes version 2, a Draft; version 1 stays.
	v2, _, err := c.UpdateService(ctx, id, api.UpdateServiceRequest{ServiceSpec: api.ServiceSpec{VersionName: "second"}}, "")
	ok(t, err)
	if v2.Version != "2" || v2.Status != api.ServiceDraft || v2.VersionName != "second" || v2.Tags[0].Key != "team" {
		t.Fatalf("published update gave v%s %s %q", v2.Version, v2.Status, v2.VersionName)
	}
	// Merge patch: a replaced list element does not inherit old fields; objects merge; null clears.
	key := keyOf(t, env, c)
	if a := call(t, env, key, "PATCH", "/v1/services/"+id, `{"ServiceInfos":[{"Locale":"zh-CN","Name":"数据库"}],"VersionName":null}`); a.status != 200 {
		t.Fatalf("patch: %d %s", a.status, a.raw)
	}
	v2, _, err = c.GetService(ctx, id, client.GetServiceOptions{ServiceVersion: "2"})
	ok(t, err)
	if len(v2.ServiceInfos) != 1 || v2.ServiceInfos[0].Locale != "zh-CN" || v2.ServiceInfos[0].ShortDescription != "" || v2.VersionName != "" {
		t.Fatalf("after merge patch: %+v, VersionName %q", v2.ServiceInfos, v2.VersionName)
	}
	_, _, err = c.UpdateService(ctx, id, api.UpdateServiceRequest{ServiceSpec: api.ServiceSpec{VersionName: "second"}}, "")
	ok(t, err)
	def, _, err := c.GetService(ctx, id, client.GetServiceOptions{})
	ok(t, err)
	if def.Version != "1" || def.VersionName != "first" || def.Status != api.ServiceOnline {
		t.Fatalf("default is v%s %q %s, want the published v1", def.Version, def.VersionName, def.Status)
	}
	// ServiceVersion=latest is the draft for its owner, the default version for others.
	latest, _, err := c.GetService(ctx, id, client.GetServiceOptions{ServiceVersion: "latest"})
	ok(t, err)
	if latest.Version != "2" || latest.Status != api.ServiceDraft {
		t.Fatalf("latest is v%s %s", latest.Version, latest.Status)
	}
	versions, err := c.ListServiceVersions(ctx, id)
	ok(t, err)
	if len(versions) != 2 || !versions[0].IsDefault || versions[1].Status != api.ServiceDraft {
		t.Fatalf("versions %+v", versions)
	}
	// Publishing version 2 makes it the default.
	_, _, err = c.ChangeServiceStatus(ctx, id, "publish", api.ServiceLifecycleRequest{})
	ok(t, err)
	def, _, err = c.GetService(ctx, id, client.GetServiceOptions{})
	ok(t, err)
	if def.Version != "2" || def.VersionName != "second" {
		t.Fatalf("default after publishing v2 is v%s", def.Version)
	}
	v1, _, err := c.GetService(ctx, id, client.GetServiceOptions{ServiceVersion: "1"})
	ok(t, err)
	if v1.VersionName != "first" || v1.Status != api.ServiceOnline {
		t.Fatalf("v1 changed: %q %s", v1.VersionName, v1.Status)
	}
	_, _, err = c.GetService(ctx, id, client.GetServiceOptions{ServiceVersion: "9"})
	apiErr(t, err, 404, "EntityNotExist.ServiceVersion")
	_, _, err = c.GetService(ctx, id, client.GetServiceOptions{ServiceVersion: "x"})
	apiErr(t, err, 400, "InvalidParameter.ServiceVersion")

	// Offline takes every Online version offline; publish brings the newest back.
	off, _, err := c.ChangeServiceStatus(ctx, id, "offline", api.ServiceLifecycleRequest{})
	ok(t, err)
	if off.Status != api.ServiceOffline {
		t.Fatalf("offline gave %s", off.Status)
	}
	versions, err = c.ListServiceVersions(ctx, id)
	ok(t, err)
	for _, v := range versions {
		if v.Status != api.ServiceOffline {
			t.Fatalf("after offline, version %s is %s", v.Version, v.Status)
		}
	}
	ok(t, c.DeleteService(ctx, id, ""))
	_, _, err = c.GetService(ctx, id, client.GetServiceOptions{})
	apiErr(t, err, 404, "EntityNotExist.Service")
}

func TestIfMatchAndIdempotency(t *testing.T) {
	env := catalogtest.Start(t)
	_, c := env.Tenant(t, "acme")
	req := catalogtest.PrivateService("DB")
	first, r1, err := c.CreateService(ctx, req, "key-1")
	ok(t, err)
	second, r2, err := c.CreateService(ctx, req, "key-1")
	ok(t, err)
	if first.ServiceId != second.ServiceId || r1.StatusCode != 201 || r2.StatusCode != 200 {
		t.Fatalf("retried create: %s (%d) then %s (%d)", first.ServiceId, r1.StatusCode, second.ServiceId, r2.StatusCode)
	}
	other := catalogtest.PrivateService("Other")
	_, _, err = c.CreateService(ctx, other, "key-1")
	apiErr(t, err, 409, "IdempotentParameterMismatch")
	req.ClientToken = "token-1"
	viaToken, _, err := c.CreateService(ctx, req, "")
	ok(t, err)
	viaTokenAgain, _, err := c.CreateService(ctx, req, "")
	ok(t, err)
	if viaToken.ServiceId != viaTokenAgain.ServiceId || viaToken.ServiceId == first.ServiceId {
		t.Fatalf("ClientToken: %s then %s", viaToken.ServiceId, viaTokenAgain.ServiceId)
	}
	list, err := c.ListServices(ctx, client.ListServicesOptions{Owner: "self"})
	ok(t, err)
	if len(list.Services) != 2 {
		t.Fatalf("%d services, want 2: retries must not create", len(list.Services))
	}

	// Two writers: the second, holding the old ETag, is refused.
	patchA := api.UpdateServiceRequest{ServiceSpec: api.ServiceSpec{SupplierName: "A"}}
	patchB := api.UpdateServiceRequest{ServiceSpec: api.ServiceSpec{SupplierName: "B"}}
	_, a, err := c.UpdateService(ctx, first.ServiceId, patchA, r1.ETag)
	ok(t, err)
	_, _, err = c.UpdateService(ctx, first.ServiceId, patchB, r1.ETag)
	apiErr(t, err, 412, "PreconditionFailed")
	got, _, err := c.UpdateService(ctx, first.ServiceId, patchB, a.ETag)
	ok(t, err)
	if got.SupplierName != "B" {
		t.Fatalf("SupplierName %q", got.SupplierName)
	}
	apiErr(t, c.DeleteService(ctx, first.ServiceId, a.ETag), 412, "PreconditionFailed")
}

func TestListServicesPaging(t *testing.T) {
	env := catalogtest.Start(t)
	_, c := env.Tenant(t, "acme")
	for _, n := range []string{"alpha", "beta", "gamma", "delta", "epsilon"} {
		_, _, err := c.CreateService(ctx, catalogtest.PrivateService(n), "")
		ok(t, err)
	}
	var names []string
	token := ""
	for pages := 0; ; pages++ {
		page, err := c.ListServices(ctx, client.ListServicesOptions{MaxResults: 2, NextToken: token})
		ok(t, err)
		for _, s := range page.Services {
			names = append(names, s.ServiceInfos[0].Name)
		}
		if page.NextToken == "" {
			if pages != 2 {
				t.Fatalf("%d pages, want 3", pages+1)
			}
			break
		}
		token = page.NextToken
	}
	if strings.Join(names, ",") != "alpha,beta,gamma,delta,epsilon" {
		t.Fatalf("paged names %v", names)
	}
	filtered, err := c.ListServices(ctx, client.ListServicesOptions{Name: "ELT"})
	ok(t, err)
	if len(filtered.Services) != 1 || filtered.Services[0].ServiceInfos[0].Name != "delta" {
		t.Fatalf("name filter %+v", filtered.Services)
	}
	_, err = c.ListServices(ctx, client.ListServicesOptions{NextToken: "garbage"})
	apiErr(t, err, 400, "InvalidParameter.NextToken")
	_, err = c.ListServices(ctx, client.ListServicesOptions{MaxResults: 101})
	apiErr(t, err, 400, "InvalidParameter.MaxResults")
	_, err = c.ListServices(ctx, client.ListServicesOptions{Owner: "someone"})
	apiErr(t, err, 400, "InvalidParameter.Owner")
}

func TestServiceValidation(t *testing.T) {
	env := catalogtest.Start(t)
	_, c := env.Tenant(t, "acme")
	base := catalogtest.PrivateService("DB")
	for name, tc := range map[string]struct {
		mutate func(r *api.CreateServiceRequest)
		code   string
		msg    string
	}{
		"no deploy type": {func(r *api.CreateServiceRequest) { r.DeployType = "" }, "InvalidParameter.DeployType", "DeployType is required"},
		"bad enum":       {func(r *api.CreateServiceRequest) { r.ShareType = "Everyone" }, "InvalidParameter.ShareType", `ShareType "Everyone" is not one of`},
		"no infos":       {func(r *api.CreateServiceRequest) { r.ServiceInfos = nil }, "InvalidParameter.ServiceInfos", "at least one"},
		"dup locale": {func(r *api.CreateServiceRequest) {
			r.ServiceInfos = append(r.ServiceInfos, r.ServiceInfos[0])
		}, "InvalidParameter.ServiceInfos.Locale", `"en-US" appears twice`},
		"bad url":       {func(r *api.CreateServiceRequest) { r.SupplierUrl = "ftp://x" }, "InvalidParameter.SupplierUrl", "must be an http or https URL"},
		"spi no broker": {func(r *api.CreateServiceRequest) { r.DeployType = "spi" }, "InvalidParameter.Broker", "needs Broker.Url"},
		"dup tags":      {func(r *api.CreateServiceRequest) { r.Tags = []api.Tag{{Key: "a"}, {Key: "a"}} }, "InvalidParameter.Tags", `"a" appears twice`},
		"license days":  {func(r *api.CreateServiceRequest) { r.DefaultLicenseDays = 5000 }, "InvalidParameter.DefaultLicenseDays", "between 1 and 1000"},
		"broker creds":  {func(r *api.CreateServiceRequest) { r.DeployType = "spi"; r.Broker = &api.Broker{Url: "http://u:p@h"} }, "InvalidParameter.Broker.Url", "must not carry credentials"},
	} {
		t.Run(name, func(t *testing.T) {
			req := base
			req.ServiceInfos = append([]api.ServiceInfo{}, base.ServiceInfos...)
			tc.mutate(&req)
			_, _, err := c.CreateService(ctx, req, "")
			msg := apiErr(t, err, 400, tc.code)
			if !strings.Contains(msg, tc.msg) {
				t.Fatalf("message %q, want %q", msg, tc.msg)
			}
		})
	}
	list, err := c.ListServices(ctx, client.ListServicesOptions{})
	ok(t, err)
	if len(list.Services) != 0 {
		t.Fatalf("rejected creates wrote %d services", len(list.Services))
	}
}

func TestBrokerPasswordIsWriteOnly(t *testing.T) {
	env := catalogtest.Start(t)
	_, c := env.Tenant(t, "acme")
	req := catalogtest.PrivateService("Brokered")
	req.DeployType = "spi"
	req.Broker = &api.Broker{Url: "http://127.0.0.1:9999", Username: "admin", Password: "s3cret-pw", ServiceName: "db"}
	svc, _, err := c.CreateService(ctx, req, "")
	ok(t, err)
	var meta struct{ Broker map[string]string }
	ok(t, json.Unmarshal([]byte(svc.DeployMetadata), &meta))
	if meta.Broker["Url"] != "http://127.0.0.1:9999" || meta.Broker["Username"] != "admin" || meta.Broker["ServiceName"] != "db" {
		t.Fatalf("DeployMetadata %s", svc.DeployMetadata)
	}
	// Changing the URL keeps the stored password; the password appears in no answer.
	upd, _, err := c.UpdateService(ctx, svc.ServiceId, api.UpdateServiceRequest{Broker: &api.Broker{Url: "http://127.0.0.1:9998"}}, "")
	ok(t, err)
	stored, err := env.Store.GetService(ctx, svc.ServiceId)
	ok(t, err)
	if !strings.Contains(upd.DeployMetadata, `"Username":"admin"`) || !strings.Contains(upd.DeployMetadata, `"ServiceName":"db"`) {
		t.Fatalf("a patch of Broker.Url lost the other broker fields: %s", upd.DeployMetadata)
	}
	if stored.BrokerPassword != "s3cret-pw" || !strings.Contains(upd.DeployMetadata, "9998") {
		t.Fatalf("password %q after URL change, metadata %s", stored.BrokerPassword, upd.DeployMetadata)
	}
	for _, path := range []string{"/v1/services/" + svc.ServiceId, "/v1/services", "/v1/services/" + svc.ServiceId + "/versions"} {
		body := rawGet(t, env, c, path)
		if strings.Contains(body, "s3cret") {
			t.Fatalf("%s shows the broker password: %s", path, body)
		}
	}
}

func rawGet(t *testing.T, env *catalogtest.Env, c *client.Client, path string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", env.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+keyOf(t, env, c))
	resp, err := http.DefaultClient.Do(req)
	ok(t, err)
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = io.Copy(&b, resp.Body)
	return b.String()
}
