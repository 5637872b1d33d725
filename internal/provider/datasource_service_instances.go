package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/opencatalog/terraform-provider-catalog/internal/client"
)

var _ datasource.DataSource = &instancesDataSource{}

func newInstancesDataSource() datasource.DataSource { return &instancesDataSource{} }

type instancesDataSource struct{ client *client.Client }

type instancesArgs struct {
	ServiceID types.String `tfsdk:"service_id"`
	Status    types.String `tfsdk:"status"`
	PlanName  types.String `tfsdk:"plan_name"`
	Name      types.String `tfsdk:"name"`
	Instances types.List   `tfsdk:"instances"`
}

var listedInstanceAttrTypes = map[string]attr.Type{
	"id": types.StringType, "name": types.StringType, "service_id": types.StringType, "service_version": types.StringType,
	"plan_name": types.StringType, "parameters": types.MapType{ElemType: types.StringType}, "tags": types.MapType{ElemType: types.StringType},
	"status": types.StringType, "progress": types.Int64Type, "status_detail": types.StringType,
	"outputs": types.MapType{ElemType: types.StringType}, "create_time": types.StringType, "update_time": types.StringType,
}

func (d *instancesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service_instances"
}

func (d *instancesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := map[string]schema.Attribute{}
	for name, t := range listedInstanceAttrTypes {
		switch t {
		case types.StringType:
			attrs[name] = schema.StringAttribute{Computed: true}
		case types.Int64Type:
			attrs[name] = schema.Int64Attribute{Computed: true}
		default:
			attrs[name] = schema.MapAttribute{Computed: true, ElementType: types.StringType}
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The tenant's instances (\"my instances\"), optionally filtered. Deleted instances are listed only when `status = \"Deleted\"`.",
		Attributes: map[string]schema.Attribute{
			"service_id": schema.StringAttribute{Optional: true},
			"status":     schema.StringAttribute{Optional: true},
			"plan_name":  schema.StringAttribute{Optional: true},
			"name":       schema.StringAttribute{Optional: true},
			"instances": schema.ListNestedAttribute{Computed: true, NestedObject: schema.NestedAttributeObject{Attributes: attrs},
				MarkdownDescription: "The instances, oldest first, with all their parameters and outputs."},
		},
	}
}

func (d *instancesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = configuredClient(req.ProviderData, &resp.Diagnostics)
}

func (d *instancesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var args instancesArgs
	resp.Diagnostics.Append(req.Config.Get(ctx, &args)...)
	if resp.Diagnostics.HasError() {
		return
	}
	opts := client.ListInstancesOptions{ServiceId: args.ServiceID.ValueString(), Status: args.Status.ValueString(),
		PlanName: args.PlanName.ValueString(), Name: args.Name.ValueString(), MaxResults: 100}
	var elems []attr.Value
	for {
		page, err := d.client.ListInstances(ctx, opts)
		if err != nil {
			resp.Diagnostics.AddError("Listing instances failed", err.Error())
			return
		}
		for _, inst := range page.ServiceInstances {
			m := instanceModelFrom(inst, instanceModel{Parameters: types.MapNull(types.StringType)}, true)
			if m.Parameters.IsNull() {
				m.Parameters = types.MapValueMust(types.StringType, map[string]attr.Value{})
			}
			if m.Tags.IsNull() {
				m.Tags = types.MapValueMust(types.StringType, map[string]attr.Value{})
			}
			elems = append(elems, types.ObjectValueMust(listedInstanceAttrTypes, map[string]attr.Value{
				"id": m.ID, "name": m.Name, "service_id": m.ServiceID, "service_version": m.ServiceVersion, "plan_name": m.PlanName,
				"parameters": m.Parameters, "tags": m.Tags, "status": m.Status, "progress": m.Progress, "status_detail": m.StatusDetail,
				"outputs": m.Outputs, "create_time": m.CreateTime, "update_time": m.UpdateTime,
			}))
		}
		if opts.NextToken = page.NextToken; opts.NextToken == "" {
			break
		}
	}
	list, diags := types.ListValue(types.ObjectType{AttrTypes: listedInstanceAttrTypes}, elems)
	resp.Diagnostics.Append(diags...)
	args.Instances = list
	resp.Diagnostics.Append(resp.State.Set(ctx, args)...)
}
