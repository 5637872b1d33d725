package planspec_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/planspec"
)

func normalized(t *testing.T, name string, meta map[string]api.ParameterSpec) api.PutPlanRequest {
	t.Helper()
	p, err := planspec.NormalizePlan(name, api.PutPlanRequest{Metadata: meta})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestResolveParameters(t *testing.T) {
	custom := map[string]api.ParameterSpec{
		"size":    {Type: "integer", Default: 10, RangeMin: ptr(1.0), RangeMax: ptr(100.0)},
		"ratio":   {Type: "number", RangeMax: ptr(1.0)},
		"name":    {Type: "string", Optional: ptr(false), RangeMin: ptr(3.0), RangeMax: ptr(8.0)},
		"tls":     {Type: "boolean", Default: true},
		"region":  {Type: "string", Default: "eu", ReadOnly: ptr(true)},
		"zone":    {Type: "string", Default: "a", Changed: ptr(false)},
		"loose":   {Type: "integer", RangeMax: ptr(5.0), Check: ptr(false)},
		"comment": {Type: "string"},
	}
	fixed := map[string]api.ParameterSpec{
		"size": {Type: "integer", Default: 4},
		"note": {Type: "string"},
	}
	tests := []struct {
		name      string
		plan      string
		meta      map[string]api.ParameterSpec
		requested map[string]any
		previous  map[string]any
		want      map[string]any
		errs      []string
	}{
		{name: "defaults fill in", plan: "custom", meta: custom, requested: map[string]any{"name": "abcd"},
			want: map[string]any{"size": int64(10), "name": "abcd", "tls": true, "region": "eu", "zone": "a"}},
		{name: "strings from terraform convert", plan: "custom", meta: custom,
			requested: map[string]any{"name": "abcd", "size": "42", "tls": "false", "ratio": "0.5", "loose": "7"},
			want:      map[string]any{"size": int64(42), "name": "abcd", "tls": false, "region": "eu", "zone": "a", "ratio": 0.5, "loose": int64(7)}},
		{name: "type", plan: "custom", meta: custom, requested: map[string]any{"name": "abcd", "size": "big", "tls": "maybe", "ratio": true},
			errs: []string{`parameter "ratio": true is not a number (type number)`, `parameter "size": "big" is not an integer (type integer)`, `parameter "tls": "maybe" is not a boolean: use true or false (type boolean)`}},
		{name: "integer rejects fractions", plan: "custom", meta: custom, requested: map[string]any{"name": "abcd", "size": 2.5},
			errs: []string{`parameter "size": 2.5 is not an integer (type integer)`}},
		{name: "required", plan: "custom", meta: custom, requested: map[string]any{},
			errs: []string{`parameter "name": is required (optional: false) and has no default`}},
		{name: "ranges", plan: "custom", meta: custom, requested: map[string]any{"name": "ab", "size": 0, "ratio": 1.5},
			errs: []string{`parameter "name": length 2 is below range_min 3`, `parameter "ratio": value 1.5 is above range_max 1`, `parameter "size": value 0 is below range_min 1`}},
		{name: "string length counts characters", plan: "custom", meta: custom, requested: map[string]any{"name": "数据库数据库数据"},
			want: map[string]any{"size": int64(10), "name": "数据库数据库数据", "tls": true, "region": "eu", "zone": "a"}},
		{name: "read only", plan: "custom", meta: custom, requested: map[string]any{"name": "abcd", "region": "us"},
			errs: []string{`parameter "region": is read_only: its value is set by the plan ("eu")`}},
		{name: "read only accepts its own value", plan: "custom", meta: custom, requested: map[string]any{"name": "abcd", "region": "eu"},
			want: map[string]any{"size": int64(10), "name": "abcd", "tls": true, "region": "eu", "zone": "a"}},
		{name: "unknown key suggests", plan: "custom", meta: custom, requested: map[string]any{"name": "abcd", "Sise": 3},
			errs: []string{`parameter "Sise": is not a parameter of plan "custom" (did you mean "size"?)`}},
		{name: "not custom", plan: "small", meta: fixed, requested: map[string]any{"size": 8, "note": "x"},
			errs: []string{`parameter "note": cannot be set in plan "small": only the "custom" plan lets the purchaser set parameters (the plan's value is unset)`,
				`parameter "size": cannot be set in plan "small": only the "custom" plan lets the purchaser set parameters (the plan's value is 4)`}},
		{name: "not custom reads plan values", plan: "small", meta: fixed, requested: map[string]any{"size": "4"},
			want: map[string]any{"size": int64(4)}},
		{name: "changed false holds", plan: "custom", meta: custom, requested: map[string]any{"name": "abcd", "zone": "b"},
			previous: map[string]any{"name": "abcd", "zone": "a"},
			errs:     []string{`parameter "zone": cannot be changed after the instance is created (changed: false): it is "a", the request makes it "b"`}},
		{name: "changed false allows the same value", plan: "custom", meta: custom, requested: map[string]any{"name": "efgh", "zone": "a"},
			previous: map[string]any{"name": "abcd", "zone": "a", "size": int64(10)},
			want:     map[string]any{"size": int64(10), "name": "efgh", "tls": true, "region": "eu", "zone": "a"}},
		{name: "check false skips ranges", plan: "custom", meta: custom, requested: map[string]any{"name": "abcd", "loose": 99},
			want: map[string]any{"size": int64(10), "name": "abcd", "tls": true, "region": "eu", "zone": "a", "loose": int64(99)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := planspec.ResolveParameters(tc.plan, normalized(t, tc.plan, tc.meta), tc.requested, tc.previous)
			if len(tc.errs) > 0 {
				if err == nil {
					t.Fatalf("accepted: %v", got)
				}
				var fe *planspec.FieldError
				if !errors.As(err, &fe) || fe.Field != "Parameters" {
					t.Fatalf("error %T %v, want a Parameters FieldError", err, err)
				}
				if want := strings.Join(tc.errs, "; "); fe.Message != want {
					t.Fatalf("message\n got: %s\nwant: %s", fe.Message, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %#v, want %#v", k, got[k], v)
				}
			}
		})
	}
}

func TestNormalizeRejectsBadPlans(t *testing.T) {
	for name, tc := range map[string]struct {
		plan string
		req  api.PutPlanRequest
		want string
	}{
		"plan name":       {"bad name", api.PutPlanRequest{}, `plan name "bad name" must be`},
		"key":             {"a", api.PutPlanRequest{Metadata: map[string]api.ParameterSpec{"1x": {}}}, `Metadata key "1x": a key must be`},
		"boolean range":   {"a", api.PutPlanRequest{Metadata: map[string]api.ParameterSpec{"b": {Type: "boolean", RangeMax: ptr(1.0)}}}, "do not apply to type boolean"},
		"negative length": {"a", api.PutPlanRequest{Metadata: map[string]api.ParameterSpec{"s": {RangeMin: ptr(-1.0)}}}, "cannot be negative"},
		"default type":    {"a", api.PutPlanRequest{Metadata: map[string]api.ParameterSpec{"n": {Type: "integer", Default: "x"}}}, `default: "x" is not an integer`},
		"read only":       {"custom", api.PutPlanRequest{Metadata: map[string]api.ParameterSpec{"r": {ReadOnly: ptr(true), Optional: ptr(false)}}}, "a read_only key that is not optional needs a default"},
		"accumulate dup":  {"a", api.PutPlanRequest{MeteringItems: []api.MeteringItem{{Accumulate: []string{"k", "k"}}}}, `names "k" twice`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := planspec.NormalizePlan(tc.plan, tc.req)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NormalizePlan = %v, want %q", err, tc.want)
			}
		})
	}
}
