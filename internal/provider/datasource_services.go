package provider

import (
	"context"
	"reflect"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/opencatalog/terraform-provider-catalog/internal/client"
)

var _ datasource.DataSource = &servicesDataSource{}

func newServicesDataSource() datasource.DataSource { return &servicesDataSource{} }

type servicesDataSource struct{ client *client.Client }

var listedServiceSkip = map[string]bool{"RequestId": true}

type servicesArgs struct {
	Owner       types.String `tfsdk:"owner"`
	Status      types.String `tfsdk:"status"`
	DeployType  types.String `tfsdk:"deploy_type"`
	ServiceType types.String `tfsdk:"service_type"`
	ShareType   types.String `tfsdk:"share_type"`
	Name        types.String `tfsdk:"name"`
	Services    types.List   `tfsdk:"services"`
}

func (d *servicesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_services"
}

func (d *servicesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	filter := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The services the tenant can see (the service list: its own, and public ones that are published), or with `owner = \"self\"` only its own (\"my services\"). Each in the GetService shape of its default version.",
		Attributes: map[string]schema.Attribute{
			"owner": schema.StringAttribute{Optional: true, Validators: []validator.String{stringvalidator.OneOf("self")},
				MarkdownDescription: "`self`: only the tenant's own services."},
			"status":       filter("Only services whose default version has this status."),
			"deploy_type":  filter(""),
			"service_type": filter(""),
			"share_type":   filter(""),
			"name":         filter("Only services whose name contains this."),
			"services": schema.ListNestedAttribute{Computed: true,
				NestedObject: schema.NestedAttributeObject{Attributes: computedAttributes(serviceType, listedServiceSkip)}},
		},
	}
}

func (d *servicesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = configuredClient(req.ProviderData, &resp.Diagnostics)
}

func (d *servicesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var args servicesArgs
	resp.Diagnostics.Append(req.Config.Get(ctx, &args)...)
	if resp.Diagnostics.HasError() {
		return
	}
	opts := client.ListServicesOptions{Owner: args.Owner.ValueString(), Status: args.Status.ValueString(), DeployType: args.DeployType.ValueString(),
		ServiceType: args.ServiceType.ValueString(), ShareType: args.ShareType.ValueString(), Name: args.Name.ValueString(), MaxResults: 100}
	elemType := types.ObjectType{AttrTypes: objectAttrTypes(serviceType, listedServiceSkip)}
	var elems []attr.Value
	for {
		page, err := d.client.ListServices(ctx, opts)
		if err != nil {
			resp.Diagnostics.AddError("Listing services failed", err.Error())
			return
		}
		for _, s := range page.Services {
			elems = append(elems, types.ObjectValueMust(elemType.AttrTypes, wireAttributes(reflect.ValueOf(s), listedServiceSkip)))
		}
		if opts.NextToken = page.NextToken; opts.NextToken == "" {
			break
		}
	}
	list, diags := types.ListValue(elemType, elems)
	resp.Diagnostics.Append(diags...)
	args.Services = list
	resp.Diagnostics.Append(resp.State.Set(ctx, args)...)
}
