package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
)

// TestAccServiceDataSource: the data source holds every field of the API's GetService
// answer, nested as there, with the same values.
func TestAccServiceDataSource(t *testing.T) {
	a := newAcc(t)
	ctx := context.Background()
	raw, err := os.ReadFile("../server/testdata/getservice_seed_example.json")
	if err != nil {
		t.Fatal(err)
	}
	var spec api.ServiceSpec // the settable fields of the seed's example
	var tags struct{ Tags []api.Tag }
	if json.Unmarshal(raw, &spec) != nil || json.Unmarshal(raw, &tags) != nil {
		t.Fatal("seed example does not decode")
	}
	spec.ShareType = "" // private: published at once
	svc, _, err := a.client.CreateService(ctx, api.CreateServiceRequest{ServiceSpec: spec, Tags: tags.Tags}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.client.ChangeServiceStatus(ctx, svc.ServiceId, "publish", api.ServiceLifecycleRequest{}); err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{{
			Config: a.config(fmt.Sprintf(`data "catalog_service" "s" {
  service_id  = %q
  show_detail = "ServiceStatistic"
}`, svc.ServiceId)),
			ConfigStateChecks: []statecheck.StateCheck{matchesAPI{a: a, address: "data.catalog_service.s",
				path: "/v1/services/" + svc.ServiceId + "?ShowDetail=ServiceStatistic"}},
		}},
	})
}

// matchesAPI compares a data source's values with the API's JSON answer, field by field.
type matchesAPI struct {
	a       *acc
	address string
	path    string
}

func (m matchesAPI) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	httpReq, _ := http.NewRequest("GET", m.a.env.URL+m.path, nil)
	httpReq.Header.Set("Authorization", "Bearer "+m.a.key)
	r, err := http.DefaultClient.Do(httpReq)
	if err != nil {
		resp.Error = err
		return
	}
	defer r.Body.Close()
	// Numbers as the state has them: json.Number.
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	var answer map[string]any
	if err := dec.Decode(&answer); err != nil {
		resp.Error = err
		return
	}
	var got map[string]any
	for _, res := range req.State.Values.RootModule.Resources {
		if res.Address == m.address {
			got = res.AttributeValues
		}
	}
	if got == nil {
		resp.Error = fmt.Errorf("%s not in state: %v", m.address, resourcesOf(req.State))
		return
	}
	delete(answer, "RequestId")
	want := snakeKeys(answer, "").(map[string]any)
	compared := 0
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			resp.Error = fmt.Errorf("%s: data source has %#v, the API %#v", k, got[k], w)
			return
		}
		compared++
	}
	if extra := len(got) - compared; extra != 2 { // service_version and show_detail are arguments only
		resp.Error = fmt.Errorf("the data source has %d attributes beyond the API's %d", extra, compared)
	}
}

// snakeKeys snake-cases the field names of a JSON value, leaving the keys of free-form maps.
func snakeKeys(v any, parent string) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if parent == "EntitySource" || parent == "Mappings" {
				out[k] = e
				continue
			}
			out[snake(k)] = snakeKeys(e, k)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = snakeKeys(e, parent)
		}
		return out
	}
	return v
}

func resourcesOf(s *tfjson.State) []string {
	var out []string
	for _, r := range s.Values.RootModule.Resources {
		out = append(out, r.Address)
	}
	return out
}
