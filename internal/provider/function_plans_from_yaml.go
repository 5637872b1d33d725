package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/opencatalog/terraform-provider-catalog/internal/planspec"
)

type plansFromYAMLFunction struct{}

var _ function.Function = plansFromYAMLFunction{}

func newPlansFromYAMLFunction() function.Function { return plansFromYAMLFunction{} }

func (plansFromYAMLFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "plans_from_yaml"
}

func (plansFromYAMLFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Read the Plans of an AOS service package",
		MarkdownDescription: "Reads an AOS Plans YAML document (a `Plans:` list, as in a service package) and returns its plans as objects " +
			"whose attributes are the arguments of `catalog_plan` (`name`, `description`, `metadata`, `blueprint`, `metering_items`, " +
			"`broker_plan_name`), ready for `for_each`. What a plan leaves out is null, so the resource's defaults apply. " +
			"A document that is not valid, or breaks a rule of the plan model, is an error naming the line.",
		Parameters: []function.Parameter{function.StringParameter{Name: "document", MarkdownDescription: "The YAML text, for example `file(\"plans.yaml\")`."}},
		Return:     function.ListReturn{ElementType: types.ObjectType{AttrTypes: planFieldTypes}},
	}
}

func (plansFromYAMLFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var doc string
	resp.Error = function.ConcatFuncErrors(resp.Error, req.Arguments.Get(ctx, &doc))
	if resp.Error != nil {
		return
	}
	plans, err := planspec.Parse([]byte(doc))
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, err.Error())
		return
	}
	elems := make([]attr.Value, 0, len(plans))
	for _, p := range plans {
		if _, err := planspec.NormalizePlan(p.Name, p.PutPlanRequest); err != nil {
			resp.Error = function.NewArgumentFuncError(0, fmt.Sprintf("line %d: plan %q: %v", p.Line, p.Name, err))
			return
		}
		fields, diags := planFieldsFrom(p.Name, p.PutPlanRequest)
		if diags.HasError() {
			resp.Error = function.FuncErrorFromDiags(ctx, diags)
			return
		}
		obj, diags := types.ObjectValueFrom(ctx, planFieldTypes, fields)
		if diags.HasError() {
			resp.Error = function.FuncErrorFromDiags(ctx, diags)
			return
		}
		elems = append(elems, obj)
	}
	list, diags := types.ListValue(types.ObjectType{AttrTypes: planFieldTypes}, elems)
	resp.Error = function.ConcatFuncErrors(resp.Error, function.FuncErrorFromDiags(ctx, diags))
	if resp.Error == nil {
		resp.Error = resp.Result.Set(ctx, list)
	}
}
