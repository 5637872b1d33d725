package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/opencatalog/terraform-provider-catalog/internal/catalogtest"
)

func runPlansFromYAML(t *testing.T, doc string) ([]planFields, *function.FuncError) {
	t.Helper()
	ctx := context.Background()
	resp := &function.RunResponse{Result: function.NewResultData(types.ListUnknown(types.ObjectType{AttrTypes: planFieldTypes}))}
	plansFromYAMLFunction{}.Run(ctx, function.RunRequest{Arguments: function.NewArgumentsData([]attr.Value{types.StringValue(doc)})}, resp)
	if resp.Error != nil {
		return nil, resp.Error
	}
	list, ok := resp.Result.Value().(types.List)
	if !ok {
		t.Fatalf("result %T", resp.Result.Value())
	}
	var out []planFields
	if diags := list.ElementsAs(ctx, &out, false); diags.HasError() {
		t.Fatalf("decode result: %v", diags)
	}
	return out, nil
}

// TestPlansFromYAMLSeed: the seed's own Plans example reads as written.
func TestPlansFromYAMLSeed(t *testing.T) {
	plans, ferr := runPlansFromYAML(t, catalogtest.SeedPlansYAML)
	if ferr != nil {
		t.Fatal(ferr)
	}
	if len(plans) != 2 || plans[0].Name.ValueString() != "small" || plans[1].Name.ValueString() != "large" {
		t.Fatalf("plans %+v", plans)
	}
	small, large := plans[0], plans[1]
	if small.Description.ValueString() != "this is small plan, only with 4G memory" || !small.Blueprint.IsNull() || !small.MeteringItems.IsNull() {
		t.Errorf("small %+v", small)
	}
	var smallMeta map[string]parameterModel
	small.Metadata.ElementsAs(context.Background(), &smallMeta, false)
	if smallMeta["Key1"].Alias.ValueString() != "关键数值1" || !smallMeta["Key1"].Type.Equal(types.StringValue("string")) || !smallMeta["Key1"].ReadOnly.IsNull() {
		t.Errorf("small Key1 %+v", smallMeta["Key1"])
	}
	var largeMeta map[string]parameterModel
	large.Metadata.ElementsAs(context.Background(), &largeMeta, false)
	k2 := largeMeta["Key_2"]
	if k2.Default.ValueString() != "value2" || k2.ReadOnly.ValueBool() || k2.Optional.ValueBool() || !k2.Check.ValueBool() || k2.Changed.ValueBool() ||
		k2.RangeMin.ValueFloat64() != 0 || k2.RangeMax.ValueFloat64() != 20 || k2.RangeMin.IsNull() {
		t.Errorf("large Key_2 %+v", k2)
	}
	if large.Blueprint.ValueString() != "PlanTemplateName:1,0" {
		t.Errorf("large blueprint %s", large.Blueprint)
	}
	var items []meteringModel
	large.MeteringItems.ElementsAs(context.Background(), &items, false)
	if len(items) != 2 || items[0].ItemName.ValueString() != "BDI" || items[0].Specification.ValueString() != "large" ||
		items[0].Accumulate.String() != `["key1"]` || items[1].ItemName.ValueString() != "VM" || !items[1].Specification.IsNull() {
		t.Errorf("metering items %+v", items)
	}
}

func TestPlansFromYAMLErrors(t *testing.T) {
	for doc, want := range map[string]string{
		"":                                       "plans document is empty",
		"Plans: [":                               "not valid YAML",
		"Other: 1":                               "no Plans key",
		"Plans:\n  - Name: a\n    Colour: red\n": "line 3",
		"Plans:\n  - Name: a\n    Metadata:\n      k:\n        type: decimal\n": `type "decimal" is not one of`,
		"Plans:\n  - Name: a\n  - Name: a\n":                                    "already defined at line 2",
	} {
		_, ferr := runPlansFromYAML(t, doc)
		if ferr == nil || !strings.Contains(ferr.Error(), want) {
			t.Errorf("%q: got %v, want an error containing %q", doc, ferr, want)
		}
	}
}
