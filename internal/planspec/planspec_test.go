package planspec_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/catalogtest"
	"github.com/opencatalog/terraform-provider-catalog/internal/planspec"
)

func ptr[T any](v T) *T { return &v }

func TestParseSeedExampleAsWritten(t *testing.T) {
	plans, err := planspec.Parse([]byte(catalogtest.SeedPlansYAML))
	if err != nil {
		t.Fatalf("parse seed: %v", err)
	}
	if len(plans) != 2 || plans[0].Name != "small" || plans[1].Name != "large" {
		t.Fatalf("plans %+v", plans)
	}
	small, large := plans[0], plans[1]
	if small.Line != 2 || large.Line != 11 {
		t.Errorf("plan lines %d, %d; want 2, 11", small.Line, large.Line)
	}
	if small.Description != "this is small plan, only with 4G memory" || small.Metadata["Key1"].Alias != "关键数值1" || small.Blueprint != "" {
		t.Errorf("small %+v", small)
	}
	k2 := large.Metadata["Key_2"]
	want := api.ParameterSpec{Type: "string", Alias: "关键数值2", Default: "value2", ReadOnly: ptr(false), Optional: ptr(false),
		Check: ptr(true), Changed: ptr(false), RangeMin: ptr(0.0), RangeMax: ptr(20.0)}
	if got, _ := json.Marshal(k2); string(got) != string(must(json.Marshal(want))) {
		t.Errorf("Key_2 = %s, want %s", got, must(json.Marshal(want)))
	}
	if large.Blueprint != "PlanTemplateName:1,0" {
		t.Errorf("blueprint %q", large.Blueprint)
	}
	if len(large.MeteringItems) != 2 || large.MeteringItems[0].ItemName != "BDI" || large.MeteringItems[0].Specification != "large" ||
		strings.Join(large.MeteringItems[0].Accumulate, ",") != "key1" || large.MeteringItems[1].ItemName != "VM" {
		t.Errorf("metering %+v", large.MeteringItems)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestNormalizeAppliesSeedRules(t *testing.T) {
	plans, err := planspec.Parse([]byte(catalogtest.SeedPlansYAML))
	if err != nil {
		t.Fatal(err)
	}
	large, err := planspec.NormalizePlan("large", plans[1].PutPlanRequest)
	if err != nil {
		t.Fatal(err)
	}
	// Empty Specification defaults to the plan name.
	if vm := large.MeteringItems[1]; vm.ItemName != "VM" || vm.Specification != "large" || vm.Accumulate == nil {
		t.Errorf("VM item %+v, want Specification large", vm)
	}
	// Key1 has only a type: every attribute gets its default.
	k1 := large.Metadata["Key1"]
	if *k1.ReadOnly || !*k1.Optional || !*k1.Check || !*k1.Changed || k1.RangeMin != nil {
		t.Errorf("Key1 defaults %+v", k1)
	}
	// "key1" is not "Key1": the Accumulate key is ignored, and the warning says so.
	w := planspec.PlanWarnings(large)
	if len(w) != 1 || !strings.Contains(w[0], `Accumulate key "key1" is not a Metadata key and is ignored (did you mean "Key1"?)`) {
		t.Errorf("warnings %q", w)
	}
	small, err := planspec.NormalizePlan("small", plans[0].PutPlanRequest)
	if err != nil {
		t.Fatal(err)
	}
	if got := planspec.ResolveBlueprint("small", small.Blueprint).ID(); got != "blueprint.small.yml:1.0" {
		t.Errorf("default blueprint %q", got)
	}
	if got := planspec.ResolveBlueprint("large", large.Blueprint).ID(); got != "PlanTemplateName:1.0" {
		t.Errorf("large blueprint %q", got)
	}
}

func TestParseBlueprint(t *testing.T) {
	for ref, want := range map[string]string{"T:1,0": "T:1.0", "T:2.5": "T:2.5", "T:3": "T:3.0", "T": "T:1.0", "blueprint.x.yml:1,2": "blueprint.x.yml:1.2"} {
		b, err := planspec.ParseBlueprint(ref)
		if err != nil || b.ID() != want {
			t.Errorf("ParseBlueprint(%q) = %v, %v; want %s", ref, b.ID(), err, want)
		}
	}
	for _, bad := range []string{"T:x", "a b", ":1,0", "T:1,0,0", "T::1"} {
		if _, err := planspec.ParseBlueprint(bad); err == nil {
			t.Errorf("ParseBlueprint(%q) accepted", bad)
		}
	}
}

func TestParseErrorsGiveLines(t *testing.T) {
	for name, tc := range map[string]struct{ doc, want string }{
		"bad yaml":       {"Plans:\n  - Name: [\n", "not valid YAML"},
		"no plans":       {"Name: x\n", "line 1: the document has no Plans key"},
		"plans not list": {"Plans: 3\n", "line 1: Plans must be a list"},
		"unknown key":    {"Plans:\n  - Name: a\n    Metdata: {}\n", `line 3: plan has an unknown key "Metdata"`},
		"unknown attr":   {"Plans:\n  - Name: a\n    Metadata:\n      K:\n        readonly: true\n", `line 5: Metadata key "K" has an unknown key "readonly"`},
		"wrong type":     {"Plans:\n  - Name: a\n    Metadata:\n      K:\n        optional: maybe\n", "line 5"},
		"no name":        {"Plans:\n  - Description: x\n", "line 2: the plan has no Name"},
		"duplicate":      {"Plans:\n  - Name: a\n  - Name: a\n", `line 3: plan "a" is already defined at line 2`},
		"bad type":       {"Plans:\n  - Name: a\n    Metadata:\n      K: {type: decimal}\n", `line 2: plan "a": Metadata key "K": type "decimal" is not one of string, integer, number, boolean`},
		"range":          {"Plans:\n  - Name: a\n    Metadata:\n      K: {type: integer, range_min: 5, range_max: 1}\n", "range_min 5 is above range_max 1"},
		"default range":  {"Plans:\n  - Name: custom\n    Metadata:\n      K: {type: integer, default: 50, range_max: 10}\n", "default: value 50 is above range_max 10"},
		"required fixed": {"Plans:\n  - Name: small\n    Metadata:\n      K: {optional: false}\n", "purchasers cannot set parameters, so a key that is not optional needs a default"},
		"bad blueprint":  {"Plans:\n  - Name: a\n    Blueprint: 'T:x'\n", "blueprint \"T:x\" must be"},
		"empty":          {"", "plans document is empty"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := planspec.Parse([]byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestParseAcceptsBareListAndWholePackage(t *testing.T) {
	for _, doc := range []string{
		"- Name: a\n",
		"Name: my-service\nVersion: 1.0\nPlans:\n  - Name: a\nOther: [1, 2]\n",
	} {
		plans, err := planspec.Parse([]byte(doc))
		if err != nil || len(plans) != 1 || plans[0].Name != "a" {
			t.Errorf("Parse(%q) = %+v, %v", doc, plans, err)
		}
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	plans, err := planspec.Parse([]byte(catalogtest.SeedPlansYAML))
	if err != nil {
		t.Fatal(err)
	}
	out, err := planspec.Marshal(plans)
	if err != nil {
		t.Fatal(err)
	}
	again, err := planspec.Parse(out)
	if err != nil {
		t.Fatalf("reparse %s: %v", out, err)
	}
	for i := range plans {
		plans[i].Line, again[i].Line = 0, 0
	}
	a, _ := json.Marshal(plans)
	b, _ := json.Marshal(again)
	if string(a) != string(b) {
		t.Fatalf("round trip changed the plans:\n%s\n%s", a, b)
	}
}

// FuzzParse: any input gives plans or an error, never a panic; what parses, normalizes and
// round-trips.
func FuzzParse(f *testing.F) {
	f.Add([]byte(catalogtest.SeedPlansYAML))
	f.Add([]byte("- Name: custom\n  Metadata:\n    n: {type: integer, default: 3, range_min: 1, range_max: 9}\n"))
	f.Add([]byte("Plans:\n  - Name: a\n    MeteringItems: [{Accumulate: [x, x]}]\n"))
	f.Add([]byte("Plans: [{Name: a, Metadata: {k: {type: boolean, default: 'yes'}}}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		plans, err := planspec.Parse(data)
		if err != nil {
			return
		}
		for _, p := range plans {
			if _, err := planspec.NormalizePlan(p.Name, p.PutPlanRequest); err != nil {
				t.Fatalf("Parse accepted plan %q that NormalizePlan rejects: %v", p.Name, err)
			}
		}
		out, err := planspec.Marshal(plans)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		if _, err := planspec.Parse(out); err != nil {
			t.Fatalf("marshalled plans do not parse: %v\n%s", err, out)
		}
	})
}
