package provider

import (
	"context"
	"reflect"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/client"
)

var _ datasource.DataSource = &serviceDataSource{}

func newServiceDataSource() datasource.DataSource { return &serviceDataSource{} }

type serviceDataSource struct{ client *client.Client }

// serviceWireSkip are GetService fields a data source does not repeat: the request id, and
// the id it takes as an argument.
var serviceWireSkip = map[string]bool{"RequestId": true, "ServiceId": true}

var serviceType = reflect.TypeOf(api.Service{})

func (d *serviceDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service"
}

func (d *serviceDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := computedAttributes(serviceType, serviceWireSkip)
	attrs["service_id"] = schema.StringAttribute{Required: true, MarkdownDescription: "The service to read."}
	attrs["service_version"] = schema.StringAttribute{Optional: true,
		MarkdownDescription: "A version number; default: the default version. `latest`: the newest version (for its owner)."}
	attrs["show_detail"] = schema.StringAttribute{Optional: true, Validators: []validator.String{stringvalidator.OneOf(api.ShowDetailServiceStatistic)},
		MarkdownDescription: "`ServiceStatistic` fills `statistic` with counts of the service's instances (for its owner)."}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A service as the catalog's GetService answers it: every field of the Compute Nest GetService response, in snake_case, nested as there.",
		Attributes:          attrs,
	}
}

func (d *serviceDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = configuredClient(req.ProviderData, &resp.Diagnostics)
}

type serviceDataSourceArgs struct {
	ServiceID      types.String `tfsdk:"service_id"`
	ServiceVersion types.String `tfsdk:"service_version"`
	ShowDetail     types.String `tfsdk:"show_detail"`
}

func (d *serviceDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var args serviceDataSourceArgs
	for _, p := range []struct {
		name string
		into *types.String
	}{{"service_id", &args.ServiceID}, {"service_version", &args.ServiceVersion}, {"show_detail", &args.ShowDetail}} {
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root(p.name), p.into)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	svc, _, err := d.client.GetService(ctx, args.ServiceID.ValueString(), client.GetServiceOptions{ServiceVersion: args.ServiceVersion.ValueString(),
		ShowStatistic: args.ShowDetail.ValueString() == api.ShowDetailServiceStatistic})
	if err != nil {
		resp.Diagnostics.AddError("Reading the service failed", err.Error())
		return
	}
	values := wireAttributes(reflect.ValueOf(svc), serviceWireSkip)
	attrTypes := objectAttrTypes(serviceType, serviceWireSkip)
	for name, v := range map[string]types.String{"service_id": args.ServiceID, "service_version": args.ServiceVersion, "show_detail": args.ShowDetail} {
		values[name], attrTypes[name] = v, types.StringType
	}
	obj, diags := types.ObjectValue(attrTypes, values)
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(resp.State.Set(ctx, obj)...)
}
