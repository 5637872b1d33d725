package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/client"
	"github.com/opencatalog/terraform-provider-catalog/internal/planspec"
)

var (
	_ resource.ResourceWithImportState    = &planResource{}
	_ resource.ResourceWithValidateConfig = &planResource{}
	_ resource.ResourceWithModifyPlan     = &planResource{}
)

func newPlanResource() resource.Resource { return &planResource{} }

type planResource struct{ client *client.Client }

type planModel struct {
	ID        types.String `tfsdk:"id"`
	ServiceID types.String `tfsdk:"service_id"`
	planFields
	BlueprintID types.String `tfsdk:"blueprint_id"`
}

func (r *planResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_plan"
}

func (r *planResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A plan (套餐) of a service: its typed parameters (`metadata`), blueprint and metering items, as in an AOS Plans YAML. " +
			"Plans are not versioned: a change applies to the service at once. For a service provisioned by a broker (`deploy_type = \"spi\"`), " +
			"the catalog checks that the plan matches a plan of the broker.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "`<service_id>/<name>`.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"service_id": schema.StringAttribute{Required: true, PlanModifiers: replace, MarkdownDescription: "The service the plan belongs to."},
			"name": schema.StringAttribute{Required: true, PlanModifiers: replace,
				MarkdownDescription: "The plan's name. The plan named `custom` lets purchasers set every parameter that is not `read_only`."},
			"description": schema.StringAttribute{Optional: true},
			"metadata": schema.MapNestedAttribute{Optional: true,
				MarkdownDescription: "The plan's parameters, by key, with the attributes of the AOS Plans YAML.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"type": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(planspec.TypeString),
						Validators:          []validator.String{stringvalidator.OneOf(planspec.TypeString, planspec.TypeInteger, planspec.TypeNumber, planspec.TypeBoolean)},
						MarkdownDescription: "`string` (default), `integer`, `number` or `boolean`."},
					"alias":   schema.StringAttribute{Optional: true, MarkdownDescription: "A display name."},
					"default": schema.StringAttribute{Optional: true, MarkdownDescription: "The default value, written as a string (`\"10\"`, `\"true\"`)."},
					"read_only": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
						MarkdownDescription: "Purchasers cannot set it. Default `false`."},
					"optional": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
						MarkdownDescription: "`false`: a value is required. Default `true`."},
					"check": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
						MarkdownDescription: "Check the value against type and range. Default `true`."},
					"changed": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
						MarkdownDescription: "`false`: the value cannot change once the instance exists (a change replaces the instance). Default `true`."},
					"range_min": schema.Float64Attribute{Optional: true, MarkdownDescription: "Smallest value (for strings: shortest length)."},
					"range_max": schema.Float64Attribute{Optional: true, MarkdownDescription: "Largest value (for strings: longest length)."},
				}}},
			"blueprint": schema.StringAttribute{Optional: true,
				MarkdownDescription: "`\"TemplateName:1,0\"`. Without it the seed's rule applies: `blueprint.<name>.yml`, version 1.0."},
			"metering_items": schema.ListNestedAttribute{Optional: true,
				MarkdownDescription: "Metering (billing) items.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"item_name": schema.StringAttribute{Optional: true, Computed: true,
						MarkdownDescription: "Default: the plan's name."},
					"specification": schema.StringAttribute{Optional: true, Computed: true,
						MarkdownDescription: "Default: the plan's name."},
					"accumulate": schema.ListAttribute{Optional: true, Computed: true, ElementType: types.StringType,
						Default:             listdefault.StaticValue(types.ListValueMust(types.StringType, []attr.Value{})),
						MarkdownDescription: "Metadata keys metered in addition. A key that is not a Metadata key is ignored, with a warning at plan time."},
				}}},
			"broker_plan_name": schema.StringAttribute{Optional: true,
				MarkdownDescription: "The broker's plan this plan stands for, when its name differs."},
			"blueprint_id": schema.StringAttribute{Computed: true, MarkdownDescription: "The resolved Blueprint id passed to the broker: `Name:Version`."},
		},
	}
}

func (r *planResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configuredClient(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig checks the plan by the catalog's own rules (so that a bad plan fails at
// plan time), and warns about what the catalog would ignore, such as an Accumulate key that
// is not a Metadata key.
func (r *planResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m planModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.Name.IsUnknown() || !fullyKnown(ctx, m.Metadata) || !fullyKnown(ctx, m.MeteringItems) {
		return
	}
	put, diags := m.toRequest(ctx)
	if diags.HasError() {
		return
	}
	if _, err := planspec.NormalizePlan(m.Name.ValueString(), put); err != nil {
		resp.Diagnostics.AddError("Invalid plan", err.Error())
		return
	}
	for _, w := range planspec.PlanWarnings(put) {
		resp.Diagnostics.AddAttributeWarning(path.Root("metering_items"), "Metering key ignored", w)
	}
}

// ModifyPlan fills in what the catalog fills in, so that the plan shows it: a metering item's
// name and specification default to the plan's name.
func (r *planResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var m planModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.Name.IsUnknown() || m.MeteringItems.IsNull() || m.MeteringItems.IsUnknown() {
		return
	}
	var items []meteringModel
	resp.Diagnostics.Append(m.MeteringItems.ElementsAs(ctx, &items, false)...)
	for i := range items {
		for _, v := range []*types.String{&items[i].ItemName, &items[i].Specification} {
			if v.IsNull() || v.IsUnknown() {
				*v = m.Name
			}
		}
	}
	list, diags := types.ListValueFrom(ctx, types.ObjectType{AttrTypes: meteringAttrTypes}, items)
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("metering_items"), list)...)
}

func (r *planResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m planModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// PUT would silently replace a plan made elsewhere: say so instead.
	if _, _, err := r.client.GetPlan(ctx, m.ServiceID.ValueString(), m.Name.ValueString()); err == nil {
		resp.Diagnostics.AddError("Plan already exists",
			fmt.Sprintf("Service %s already has a plan %q. Import it (terraform import with id %s/%s) to manage it here.",
				m.ServiceID.ValueString(), m.Name.ValueString(), m.ServiceID.ValueString(), m.Name.ValueString()))
		return
	} else if !client.IsNotFound(err) {
		resp.Diagnostics.AddError("Reading the plan failed", err.Error())
		return
	}
	r.put(ctx, &m, &resp.State, &resp.Diagnostics)
}

func (r *planResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m planModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.put(ctx, &m, &resp.State, &resp.Diagnostics)
}

func (r *planResource) put(ctx context.Context, m *planModel, state stateSetter, diags *diagnostics) {
	put, d := m.toRequest(ctx)
	diags.Append(d...)
	if diags.HasError() {
		return
	}
	plan, _, err := r.client.PutPlan(ctx, m.ServiceID.ValueString(), m.Name.ValueString(), put, "")
	if err != nil {
		diags.AddError("Writing the plan failed", err.Error())
		return
	}
	out, d := planModelFrom(plan, *m)
	diags.Append(d...)
	diags.Append(state.Set(ctx, out)...)
}

func (r *planResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var m planModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan, _, err := r.client.GetPlan(ctx, m.ServiceID.ValueString(), m.Name.ValueString())
	if removeIfGone(ctx, err, resp) || err != nil {
		if err != nil && !client.IsNotFound(err) {
			resp.Diagnostics.AddError("Reading the plan failed", err.Error())
		}
		return
	}
	out, diags := planModelFrom(plan, m)
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(resp.State.Set(ctx, out)...)
}

func (r *planResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var m planModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.client.DeletePlan(ctx, m.ServiceID.ValueString(), m.Name.ValueString(), ""); err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.AddError("Deleting the plan failed", err.Error())
	}
}

func (r *planResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	serviceID, name, ok := strings.Cut(req.ID, "/")
	if !ok || serviceID == "" || name == "" {
		resp.Diagnostics.AddError("Invalid import id", fmt.Sprintf("A plan is imported by <service_id>/<name>, such as service-0123/small; got %q.", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("service_id"), serviceID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
}

// planModelFrom is a plan as the API answers it, in the resource's terms. The API answers
// "none" as empty; it is null in Terraform unless prior (the configuration) says empty.
func planModelFrom(p api.Plan, prior planModel) (planModel, diagnostics) {
	fields, diags := planFieldsFrom(p.Name, api.PutPlanRequest{Description: p.Description, Metadata: p.Metadata, Blueprint: p.Blueprint,
		MeteringItems: p.MeteringItems, BrokerPlanName: p.BrokerPlanName})
	if len(p.MeteringItems) == 0 && !isEmpty(prior.MeteringItems) {
		fields.MeteringItems = types.ListNull(types.ObjectType{AttrTypes: meteringAttrTypes})
	}
	if len(p.Metadata) == 0 && !isEmpty(prior.Metadata) {
		fields.Metadata = types.MapNull(types.ObjectType{AttrTypes: parameterAttrTypes})
	}
	return planModel{ID: types.StringValue(p.ServiceId + "/" + p.Name), ServiceID: types.StringValue(p.ServiceId), planFields: fields,
		BlueprintID: types.StringValue(p.BlueprintId)}, diags
}
