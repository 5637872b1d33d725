package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/client"
)

var (
	_ resource.ResourceWithImportState = &serviceResource{}
	_ resource.ResourceWithModifyPlan  = &serviceResource{}
)

func newServiceResource() resource.Resource { return &serviceResource{} }

type serviceResource struct{ client *client.Client }

func (r *serviceResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service"
}

func optionalString(desc string) schema.StringAttribute {
	return schema.StringAttribute{Optional: true, MarkdownDescription: desc}
}

func (r *serviceResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A service of the catalog, with its descriptive information per locale, its deploy type and broker. " +
			"`status` drives the lifecycle: `Online` publishes (a public service then waits for a platform admin's approval), `Offline` takes it offline. " +
			"Changing the content of a published service makes a new version (shown as `version` known after apply), which is published in turn; " +
			"tags and the broker are not versioned.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, PlanModifiers: keep, MarkdownDescription: "The ServiceId."},
			"service_infos": schema.ListNestedAttribute{Required: true,
				Validators:          []validator.List{listvalidator.SizeAtLeast(1)},
				MarkdownDescription: "Descriptive information, one entry per locale.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"locale":               schema.StringAttribute{Required: true, MarkdownDescription: "`zh-CN`, `en-US`, ..."},
					"name":                 schema.StringAttribute{Required: true},
					"short_description":    optionalString(""),
					"image":                optionalString("URL of the service's image."),
					"long_description_url": optionalString(""),
					"agreements": schema.ListNestedAttribute{Optional: true, NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
						"name": optionalString(""), "url": optionalString(""),
					}}},
				}}},
			"deploy_type": schema.StringAttribute{Required: true,
				MarkdownDescription: "`spi` for a service whose instances its `broker` provisions (the only kind that can be ordered); `ros`, `terraform`, ... for listings."},
			"service_type":        optionalString("`private`, `managed`, ..."),
			"share_type":          optionalString("`Public` makes the service visible to every tenant once approved; unset, `Hidden` or `Restricted` keep it in its tenant."),
			"approval_type":       optionalString(""),
			"tenant_type":         optionalString(""),
			"version_name":        optionalString("A name for the version."),
			"supplier_name":       optionalString(""),
			"supplier_url":        optionalString(""),
			"service_doc_url":     optionalString(""),
			"service_product_url": optionalString(""),
			"categories":          optionalString(""),
			"tags": schema.MapAttribute{Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Labels. Not versioned: a change applies at once."},
			"broker": schema.SingleNestedAttribute{Optional: true,
				MarkdownDescription: "The Open Service Broker (v2.17) that provisions instances, for `deploy_type = \"spi\"`. Not versioned.",
				Attributes: map[string]schema.Attribute{
					"url":      schema.StringAttribute{Required: true, MarkdownDescription: "The broker's base URL."},
					"username": optionalString("Basic-auth user."),
					"password_wo": schema.StringAttribute{Optional: true, Sensitive: true, WriteOnly: true,
						MarkdownDescription: "Basic-auth password. Write-only: it is sent to the catalog and never stored in the state; change `password_wo_version` to send a new one."},
					"password_wo_version": schema.Int64Attribute{Optional: true,
						MarkdownDescription: "Change it to send `password_wo` again."},
					"service_name": optionalString("Which of the broker's services, when it offers several."),
				}},
			"status": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(api.ServiceOnline),
				Validators:          []validator.String{stringvalidator.OneOf(api.ServiceDraft, api.ServiceOnline, api.ServiceOffline)},
				MarkdownDescription: "The desired status: `Draft`, `Online` (default) or `Offline`. A public service waiting for approval counts as `Online`."},
			"service_status": schema.StringAttribute{Computed: true,
				MarkdownDescription: "The newest version's status as the catalog has it (`Submitted` while a public service waits for approval)."},
			"version":      schema.StringAttribute{Computed: true, PlanModifiers: keep, MarkdownDescription: "The newest version."},
			"create_time":  schema.StringAttribute{Computed: true, PlanModifiers: keep, MarkdownDescription: "When the newest version was created."},
			"update_time":  schema.StringAttribute{Computed: true},
			"publish_time": schema.StringAttribute{Computed: true, PlanModifiers: keep},
		},
	}
}

func (r *serviceResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configuredClient(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan shows what an update will do: new versioned content of a published service
// makes a new version (and publishes it); a published service cannot go back to Draft.
func (r *serviceResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || req.State.Raw.IsNull() {
		return
	}
	var plan, state serviceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	published := state.ServiceStatus.ValueString() != api.ServiceDraft
	if plan.Status.ValueString() == api.ServiceDraft && published {
		resp.Diagnostics.AddAttributeError(path.Root("status"), "A published service cannot return to Draft",
			fmt.Sprintf("Service %s has been published (%s). Set status to \"Offline\" to withdraw it.", state.ID.ValueString(), state.ServiceStatus.ValueString()))
		return
	}
	contentChanges := !contentEqual(plan.serviceContent, state.serviceContent)
	if contentChanges && published {
		// A new version: its number and creation time are the catalog's to give.
		resp.Plan.SetAttribute(ctx, path.Root("version"), types.StringUnknown())
		resp.Plan.SetAttribute(ctx, path.Root("create_time"), types.StringUnknown())
	}
	if contentChanges || plan.Status.ValueString() != state.Status.ValueString() {
		resp.Plan.SetAttribute(ctx, path.Root("publish_time"), types.StringUnknown())
		resp.Plan.SetAttribute(ctx, path.Root("service_status"), types.StringUnknown())
	} else {
		resp.Plan.SetAttribute(ctx, path.Root("service_status"), state.ServiceStatus)
	}
}

func contentEqual(a, b serviceContent) bool {
	for _, p := range [][2]attr.Value{{a.ServiceInfos, b.ServiceInfos}, {a.DeployType, b.DeployType}, {a.ServiceType, b.ServiceType},
		{a.ShareType, b.ShareType}, {a.ApprovalType, b.ApprovalType}, {a.TenantType, b.TenantType}, {a.VersionName, b.VersionName},
		{a.SupplierName, b.SupplierName}, {a.SupplierURL, b.SupplierURL}, {a.ServiceDocURL, b.ServiceDocURL},
		{a.ServiceProductURL, b.ServiceProductURL}, {a.Categories, b.Categories}} {
		if !p[0].Equal(p[1]) {
			return false
		}
	}
	return true
}

// brokerRequest is the broker to send, with the password from the configuration (it is
// write-only, so only the configuration has it) when sendPassword.
func brokerRequest(ctx context.Context, plan types.Object, config tfsdk.Config, sendPassword bool) (*api.Broker, diagnostics) {
	var diags diagnostics
	if plan.IsNull() {
		return nil, diags
	}
	var b brokerModel
	diags.Append(plan.As(ctx, &b, objectAsOptions)...)
	out := &api.Broker{Url: b.URL.ValueString(), Username: b.Username.ValueString(), ServiceName: b.ServiceName.ValueString()}
	if sendPassword {
		var password types.String
		diags.Append(config.GetAttribute(ctx, path.Root("broker").AtName("password_wo"), &password)...)
		out.Password = password.ValueString()
	}
	return out, diags
}

func (r *serviceResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan serviceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	spec, diags := plan.spec(ctx)
	resp.Diagnostics.Append(diags...)
	tags, diags := tagsFrom(ctx, plan.Tags)
	resp.Diagnostics.Append(diags...)
	broker, diags := brokerRequest(ctx, plan.Broker, req.Config, true)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	svc, _, err := r.client.CreateService(ctx, api.CreateServiceRequest{ServiceSpec: spec, Tags: tags, Broker: broker}, "")
	if err != nil {
		resp.Diagnostics.AddError("Creating the service failed", err.Error())
		return
	}
	// The service exists from here on: keep it in the state even if publishing fails.
	resp.Diagnostics.Append(resp.State.Set(ctx, serviceModelFrom(svc, plan))...)
	r.converge(ctx, svc.ServiceId, plan, &resp.State, &resp.Diagnostics)
}

func (r *serviceResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state serviceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	patch, diags := plan.mergePatch(ctx)
	resp.Diagnostics.Append(diags...)
	tags, diags := tagsFrom(ctx, plan.Tags)
	resp.Diagnostics.Append(diags...)
	patch["Tags"] = tags
	sendPassword := !passwordVersion(plan.Broker).Equal(passwordVersion(state.Broker))
	broker, diags := brokerRequest(ctx, plan.Broker, req.Config, sendPassword)
	resp.Diagnostics.Append(diags...)
	if broker != nil {
		patch["Broker"] = broker
	} else {
		patch["Broker"] = nil
	}
	if resp.Diagnostics.HasError() {
		return
	}
	if _, _, err := r.client.UpdateService(ctx, id, patch, ""); err != nil {
		resp.Diagnostics.AddError("Updating the service failed", err.Error())
		return
	}
	r.converge(ctx, id, plan, &resp.State, &resp.Diagnostics)
}

func passwordVersion(broker types.Object) types.Int64 {
	if broker.IsNull() || broker.IsUnknown() {
		return types.Int64Null()
	}
	v, _ := broker.Attributes()["password_wo_version"].(types.Int64)
	return v
}

// converge moves the newest version to the desired status, then saves what the catalog says.
func (r *serviceResource) converge(ctx context.Context, id string, plan serviceModel, state stateSetter, diags *diagnostics) {
	svc, _, err := r.client.GetService(ctx, id, client.GetServiceOptions{ServiceVersion: "latest"})
	if err != nil {
		diags.AddError("Reading the service failed", err.Error())
		return
	}
	want := plan.Status.ValueString()
	var actions []string
	switch {
	case want == api.ServiceOnline && desiredStatus(svc.Status) != api.ServiceOnline:
		actions = []string{"publish"} // Draft, Approved, Offline
	case want == api.ServiceOffline && svc.Status == api.ServiceDraft:
		actions = []string{"publish", "offline"}
	case want == api.ServiceOffline && desiredStatus(svc.Status) == api.ServiceOnline:
		actions = []string{"offline"}
	}
	for _, action := range actions {
		if _, _, err := r.client.ChangeServiceStatus(ctx, id, action, api.ServiceLifecycleRequest{}); err != nil {
			diags.AddError(fmt.Sprintf("Could not %s service %s", action, id), err.Error())
			break
		}
	}
	if len(actions) > 0 {
		if svc, _, err = r.client.GetService(ctx, id, client.GetServiceOptions{ServiceVersion: "latest"}); err != nil {
			diags.AddError("Reading the service failed", err.Error())
			return
		}
	}
	diags.Append(state.Set(ctx, serviceModelFrom(svc, plan))...)
}

func (r *serviceResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state serviceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	svc, _, err := r.client.GetService(ctx, state.ID.ValueString(), client.GetServiceOptions{ServiceVersion: "latest"})
	if removeIfGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Reading the service failed", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, serviceModelFrom(svc, state))...)
}

func (r *serviceResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state serviceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.client.DeleteService(ctx, state.ID.ValueString(), ""); err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.AddError("Deleting the service failed", err.Error())
	}
}

func (r *serviceResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}
