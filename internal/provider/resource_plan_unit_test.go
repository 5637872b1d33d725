package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/opencatalog/terraform-provider-catalog/internal/catalogtest"
)

// TestPlanWarnsAboutIgnoredMeteringKeys: the seed's own example meters "key1", which is not
// a Metadata key ("Key1" is): the plan warns, naming the key and the nearest match.
func TestPlanWarnsAboutIgnoredMeteringKeys(t *testing.T) {
	ctx := context.Background()
	plans, ferr := runPlansFromYAML(t, catalogtest.SeedPlansYAML)
	if ferr != nil {
		t.Fatal(ferr)
	}
	r := &planResource{}
	var sresp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sresp)
	state := tfsdk.State{Schema: sresp.Schema, Raw: tftypes.NewValue(sresp.Schema.Type().TerraformType(ctx), nil)}
	model := planModel{ID: types.StringNull(), ServiceID: types.StringValue("service-1"), planFields: plans[1], BlueprintID: types.StringNull()}
	if diags := state.Set(ctx, model); diags.HasError() {
		t.Fatal(diags)
	}
	var resp resource.ValidateConfigResponse
	r.ValidateConfig(ctx, resource.ValidateConfigRequest{Config: tfsdk.Config{Schema: sresp.Schema, Raw: state.Raw}}, &resp)
	if resp.Diagnostics.HasError() || len(resp.Diagnostics.Warnings()) != 1 {
		t.Fatalf("diagnostics %v", resp.Diagnostics)
	}
	w := resp.Diagnostics.Warnings()[0]
	if w.Summary() != "Metering key ignored" || !strings.Contains(w.Detail(), `Accumulate key "key1" is not a Metadata key`) || !strings.Contains(w.Detail(), `did you mean "Key1"?`) {
		t.Fatalf("warning %q: %q", w.Summary(), w.Detail())
	}
}
