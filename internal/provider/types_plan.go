package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
)

// The plan model is shared by the catalog_plan resource and the plans_from_yaml function,
// whose objects are meant to be passed to the resource's arguments as they are.

var parameterAttrTypes = map[string]attr.Type{
	"type": types.StringType, "alias": types.StringType, "default": types.StringType,
	"read_only": types.BoolType, "optional": types.BoolType, "check": types.BoolType, "changed": types.BoolType,
	"range_min": types.Float64Type, "range_max": types.Float64Type,
}

var meteringAttrTypes = map[string]attr.Type{
	"item_name": types.StringType, "specification": types.StringType, "accumulate": types.ListType{ElemType: types.StringType},
}

// planFields are the arguments of a plan: what plans_from_yaml returns and catalog_plan takes.
type planFields struct {
	Name           types.String `tfsdk:"name"`
	Description    types.String `tfsdk:"description"`
	Metadata       types.Map    `tfsdk:"metadata"`
	Blueprint      types.String `tfsdk:"blueprint"`
	MeteringItems  types.List   `tfsdk:"metering_items"`
	BrokerPlanName types.String `tfsdk:"broker_plan_name"`
}

var planFieldTypes = map[string]attr.Type{
	"name": types.StringType, "description": types.StringType,
	"metadata":         types.MapType{ElemType: types.ObjectType{AttrTypes: parameterAttrTypes}},
	"blueprint":        types.StringType,
	"metering_items":   types.ListType{ElemType: types.ObjectType{AttrTypes: meteringAttrTypes}},
	"broker_plan_name": types.StringType,
}

type parameterModel struct {
	Type     types.String  `tfsdk:"type"`
	Alias    types.String  `tfsdk:"alias"`
	Default  types.String  `tfsdk:"default"`
	ReadOnly types.Bool    `tfsdk:"read_only"`
	Optional types.Bool    `tfsdk:"optional"`
	Check    types.Bool    `tfsdk:"check"`
	Changed  types.Bool    `tfsdk:"changed"`
	RangeMin types.Float64 `tfsdk:"range_min"`
	RangeMax types.Float64 `tfsdk:"range_max"`
}

type meteringModel struct {
	ItemName      types.String `tfsdk:"item_name"`
	Specification types.String `tfsdk:"specification"`
	Accumulate    types.List   `tfsdk:"accumulate"`
}

// toRequest turns plan arguments into the API's request. Unknown values must have been
// ruled out by the caller.
func (f planFields) toRequest(ctx context.Context) (api.PutPlanRequest, diag.Diagnostics) {
	var diags diag.Diagnostics
	req := api.PutPlanRequest{Description: f.Description.ValueString(), Blueprint: f.Blueprint.ValueString(), BrokerPlanName: f.BrokerPlanName.ValueString()}
	if !f.Metadata.IsNull() {
		params := map[string]parameterModel{}
		diags.Append(f.Metadata.ElementsAs(ctx, &params, false)...)
		req.Metadata = map[string]api.ParameterSpec{}
		for k, p := range params {
			spec := api.ParameterSpec{Type: p.Type.ValueString(), Alias: p.Alias.ValueString(),
				ReadOnly: p.ReadOnly.ValueBoolPointer(), Optional: p.Optional.ValueBoolPointer(), Check: p.Check.ValueBoolPointer(),
				Changed: p.Changed.ValueBoolPointer(), RangeMin: p.RangeMin.ValueFloat64Pointer(), RangeMax: p.RangeMax.ValueFloat64Pointer()}
			if !p.Default.IsNull() {
				spec.Default = p.Default.ValueString()
			}
			req.Metadata[k] = spec
		}
	}
	if !f.MeteringItems.IsNull() {
		var items []meteringModel
		diags.Append(f.MeteringItems.ElementsAs(ctx, &items, false)...)
		for _, it := range items {
			m := api.MeteringItem{ItemName: it.ItemName.ValueString(), Specification: it.Specification.ValueString()}
			if !it.Accumulate.IsNull() {
				diags.Append(it.Accumulate.ElementsAs(ctx, &m.Accumulate, false)...)
			}
			req.MeteringItems = append(req.MeteringItems, m)
		}
	}
	return req, diags
}

// planFieldsFrom turns a plan as the API (or the YAML) has it into plan arguments; what the
// plan leaves out is null.
func planFieldsFrom(name string, p api.PutPlanRequest) (planFields, diag.Diagnostics) {
	var diags diag.Diagnostics
	out := planFields{Name: types.StringValue(name), Description: optString(p.Description), Blueprint: optString(p.Blueprint),
		BrokerPlanName: optString(p.BrokerPlanName)}
	out.Metadata = types.MapNull(types.ObjectType{AttrTypes: parameterAttrTypes})
	if p.Metadata != nil {
		elems := map[string]attr.Value{}
		for k, spec := range p.Metadata {
			def, err := defaultString(spec.Default)
			if err != nil {
				diags.AddError("Unreadable parameter default", fmt.Sprintf("plan %s, key %s: %v", name, k, err))
			}
			obj, d := types.ObjectValue(parameterAttrTypes, map[string]attr.Value{
				"type": optString(spec.Type), "alias": optString(spec.Alias), "default": def,
				"read_only": types.BoolPointerValue(spec.ReadOnly), "optional": types.BoolPointerValue(spec.Optional),
				"check": types.BoolPointerValue(spec.Check), "changed": types.BoolPointerValue(spec.Changed),
				"range_min": types.Float64PointerValue(spec.RangeMin), "range_max": types.Float64PointerValue(spec.RangeMax),
			})
			diags.Append(d...)
			elems[k] = obj
		}
		m, d := types.MapValue(types.ObjectType{AttrTypes: parameterAttrTypes}, elems)
		diags.Append(d...)
		out.Metadata = m
	}
	out.MeteringItems = types.ListNull(types.ObjectType{AttrTypes: meteringAttrTypes})
	if p.MeteringItems != nil {
		var elems []attr.Value
		for _, it := range p.MeteringItems {
			acc := []attr.Value{}
			for _, a := range it.Accumulate {
				acc = append(acc, types.StringValue(a))
			}
			obj, d := types.ObjectValue(meteringAttrTypes, map[string]attr.Value{
				"item_name": optString(it.ItemName), "specification": optString(it.Specification),
				"accumulate": types.ListValueMust(types.StringType, acc),
			})
			diags.Append(d...)
			elems = append(elems, obj)
		}
		l, d := types.ListValue(types.ObjectType{AttrTypes: meteringAttrTypes}, elems)
		diags.Append(d...)
		out.MeteringItems = l
	}
	return out, diags
}

// defaultString writes a parameter default as the string Terraform holds.
func defaultString(v any) (types.String, error) {
	switch d := v.(type) {
	case nil:
		return types.StringNull(), nil
	case string:
		return types.StringValue(d), nil
	case bool:
		return types.StringValue(strconv.FormatBool(d)), nil
	case json.Number:
		return types.StringValue(d.String()), nil
	case float64:
		return types.StringValue(strconv.FormatFloat(d, 'f', -1, 64)), nil
	case int:
		return types.StringValue(strconv.Itoa(d)), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return types.StringNull(), err
	}
	return types.StringValue(string(b)), nil
}

// optString is a string the API answers with "" when unset: null in Terraform.
func optString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}
