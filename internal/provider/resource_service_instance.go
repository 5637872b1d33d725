package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/client"
)

var (
	_ resource.ResourceWithImportState = &instanceResource{}
	_ resource.ResourceWithModifyPlan  = &instanceResource{}
)

func newInstanceResource() resource.Resource { return &instanceResource{} }

type instanceResource struct{ client *client.Client }

type instanceModel struct {
	ID             types.String   `tfsdk:"id"`
	Name           types.String   `tfsdk:"name"`
	ServiceID      types.String   `tfsdk:"service_id"`
	ServiceVersion types.String   `tfsdk:"service_version"`
	PlanName       types.String   `tfsdk:"plan_name"`
	Parameters     types.Map      `tfsdk:"parameters"`
	Tags           types.Map      `tfsdk:"tags"`
	Timeouts       timeouts.Value `tfsdk:"timeouts"`
	Status         types.String   `tfsdk:"status"`
	Progress       types.Int64    `tfsdk:"progress"`
	StatusDetail   types.String   `tfsdk:"status_detail"`
	Outputs        types.Map      `tfsdk:"outputs"`
	CreateTime     types.String   `tfsdk:"create_time"`
	UpdateTime     types.String   `tfsdk:"update_time"`
}

// Default waits, when timeouts are not set.
const (
	defaultCreateTimeout = 30 * time.Minute
	defaultUpdateTimeout = 30 * time.Minute
	defaultDeleteTimeout = 30 * time.Minute
)

func (r *instanceResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service_instance"
}

func (r *instanceResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keep := stringplanmodifier.UseStateForUnknown()
	replace := stringplanmodifier.RequiresReplace()
	resp.Schema = schema.Schema{
		MarkdownDescription: "An instance of a service, ordered under one of its plans and provisioned by the service's broker. " +
			"Parameters are checked against the plan at plan time. Apply waits until the broker has deployed (or changed, or deleted) " +
			"the instance, logging its progress, and fails with the broker's own words when it fails.",
		Attributes: map[string]schema.Attribute{
			"id":         schema.StringAttribute{Computed: true, PlanModifiers: []planmodifier.String{keep}, MarkdownDescription: "The ServiceInstanceId."},
			"name":       schema.StringAttribute{Required: true, MarkdownDescription: "The instance's name (1-128 characters); changes in place."},
			"service_id": schema.StringAttribute{Required: true, PlanModifiers: []planmodifier.String{replace}},
			"service_version": schema.StringAttribute{Optional: true, Computed: true, PlanModifiers: []planmodifier.String{keep, replace},
				MarkdownDescription: "The service version to order. Default: the service's default version."},
			"plan_name": schema.StringAttribute{Required: true, MarkdownDescription: "The plan. A change is sent to the broker as an update, in place."},
			"parameters": schema.MapAttribute{Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Parameter values by key, as strings (`\"20\"`, `\"true\"`). Only the plan named `custom` lets you set values; " +
					"other plans accept a key only with the plan's value. Keys are checked at plan time; a change of a key the plan marks " +
					"`changed = false` replaces the instance. The keys you set are read back, so changes made elsewhere show as drift."},
			"tags": schema.MapAttribute{Optional: true, ElementType: types.StringType},
			"timeouts": timeouts.Attributes(ctx, timeouts.Opts{Create: true, Update: true, Delete: true,
				CreateDescription: "How long to wait for the broker to deploy the instance (default 30m).",
				UpdateDescription: "How long to wait for a change (default 30m).",
				DeleteDescription: "How long to wait for the broker to delete the instance (default 30m)."}),
			"status": schema.StringAttribute{Computed: true,
				MarkdownDescription: "`Created`, `Deploying`, `Deployed`, `DeployedFailed`, `Upgrading`, `Deleting`, `Deleted` or `DeletedFailed`."},
			"progress":      schema.Int64Attribute{Computed: true, MarkdownDescription: "0-100."},
			"status_detail": schema.StringAttribute{Computed: true, MarkdownDescription: "The broker's description, or why it failed."},
			"outputs": schema.MapAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "What the broker returned: `dashboard_url`, `metadata` and `instance` (JSON-encoded when not a string)."},
			"create_time": schema.StringAttribute{Computed: true, PlanModifiers: []planmodifier.String{keep}},
			"update_time": schema.StringAttribute{Computed: true},
		},
	}
}

func (r *instanceResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configuredClient(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan checks parameters against the plan through the API (a dry run), so that bad
// input fails `terraform plan`, and plans a replacement when a `changed = false` key changes.
func (r *instanceResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.client == nil || !req.Plan.Raw.IsFullyKnown() && !knownInputs(ctx, req) {
		return
	}
	var plan instanceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	params, diags := stringMap(ctx, plan.Parameters)
	resp.Diagnostics.Append(diags...)
	if req.State.Raw.IsNull() {
		r.dryRunOrder(ctx, plan, params, resp)
		return
	}
	var state instanceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || plan.PlanName.Equal(state.PlanName) && plan.Parameters.Equal(state.Parameters) {
		return
	}
	// A key the plan marks changed = false cannot change in place.
	p, _, err := r.client.GetPlan(ctx, plan.ServiceID.ValueString(), plan.PlanName.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("plan_name"), "Cannot read the plan", err.Error())
		return
	}
	old, diags := stringMap(ctx, state.Parameters)
	resp.Diagnostics.Append(diags...)
	for key, spec := range p.Metadata {
		if spec.Changed != nil && !*spec.Changed {
			if v, ok := params[key]; ok && old[key] != nil && fmt.Sprint(old[key]) != fmt.Sprint(v) {
				resp.RequiresReplace = append(resp.RequiresReplace, path.Root("parameters"))
				tflog.Info(ctx, "parameter cannot change in place: the instance will be replaced", map[string]any{"key": key})
				r.dryRunOrder(ctx, plan, params, resp)
				return
			}
		}
	}
	planName := plan.PlanName.ValueString()
	_, _, err = r.client.UpdateInstance(ctx, state.ID.ValueString(), api.UpdateServiceInstanceRequest{PlanName: &planName, Parameters: params, DryRun: true}, "")
	reportDryRun(err, resp)
}

// knownInputs tells whether the arguments a dry run needs are known.
func knownInputs(ctx context.Context, req resource.ModifyPlanRequest) bool {
	for _, p := range []string{"service_id", "plan_name", "parameters", "service_version", "name"} {
		var v attr.Value
		if req.Plan.GetAttribute(ctx, path.Root(p), &v).HasError() || !fullyKnown(ctx, v) && p != "service_version" {
			return false
		}
	}
	return true
}

func (r *instanceResource) dryRunOrder(ctx context.Context, plan instanceModel, params map[string]any, resp *resource.ModifyPlanResponse) {
	preview, _, err := r.client.CreateInstance(ctx, api.CreateServiceInstanceRequest{Name: plan.Name.ValueString(), ServiceId: plan.ServiceID.ValueString(),
		ServiceVersion: plan.ServiceVersion.ValueString(), PlanName: plan.PlanName.ValueString(), Parameters: params, DryRun: true}, "")
	if reportDryRun(err, resp) {
		return
	}
	if plan.ServiceVersion.IsUnknown() && preview.ServiceVersion != "" {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("service_version"), preview.ServiceVersion)...)
	}
}

// reportDryRun turns the catalog's refusal into a plan-time error on the argument it names.
func reportDryRun(err error, resp *resource.ModifyPlanResponse) bool {
	if err == nil {
		return false
	}
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode >= 500 {
		resp.Diagnostics.AddWarning("Could not check the order with the catalog", err.Error())
		return true
	}
	attr := path.Root("plan_name")
	switch apiErr.Code {
	case "InvalidParameter.Parameters":
		attr = path.Root("parameters")
	case "InvalidParameter.Name":
		attr = path.Root("name")
	case "EntityNotExist.Service", "ServiceNotOnline", "ServiceNotOrderable":
		attr = path.Root("service_id")
	case "EntityNotExist.ServiceVersion", "InvalidParameter.ServiceVersion":
		attr = path.Root("service_version")
	}
	resp.Diagnostics.AddAttributeError(attr, "The catalog refuses this order", fmt.Sprintf("%s: %s", apiErr.Code, apiErr.Message))
	return true
}

func (r *instanceResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan instanceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	params, diags := stringMap(ctx, plan.Parameters)
	resp.Diagnostics.Append(diags...)
	tags, diags := tagsFrom(ctx, plan.Tags)
	resp.Diagnostics.Append(diags...)
	timeout, diags := plan.Timeouts.Create(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The client sends one idempotency key with the order and its retries: never two orders.
	inst, _, err := r.client.CreateInstance(ctx, api.CreateServiceInstanceRequest{Name: plan.Name.ValueString(), ServiceId: plan.ServiceID.ValueString(),
		ServiceVersion: plan.ServiceVersion.ValueString(), PlanName: plan.PlanName.ValueString(), Parameters: params, Tags: tags}, "")
	if err != nil {
		resp.Diagnostics.AddError("Ordering the instance failed", err.Error())
		return
	}
	// The id goes to the state before waiting: an apply cut short leaves a tainted resource
	// to replace, never an orphan.
	resp.Diagnostics.Append(resp.State.Set(ctx, instanceModelFrom(inst, plan, false))...)
	inst, err = r.wait(ctx, inst.ServiceInstanceId, timeout, "deploy", func(i api.ServiceInstance) bool {
		return i.Status != api.InstanceCreated && i.Status != api.InstanceDeploying
	})
	if inst.ServiceInstanceId != "" {
		resp.Diagnostics.Append(resp.State.Set(ctx, instanceModelFrom(inst, plan, false))...)
	}
	switch {
	case err != nil:
		resp.Diagnostics.AddError("Waiting for the instance failed", err.Error())
	case inst.Status != api.InstanceDeployed:
		resp.Diagnostics.AddError("The instance failed to deploy",
			fmt.Sprintf("Instance %s is %s: %s", inst.ServiceInstanceId, inst.Status, inst.StatusDetail))
	}
}

func (r *instanceResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state instanceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	timeout, diags := plan.Timeouts.Update(ctx, defaultUpdateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	var change api.UpdateServiceInstanceRequest
	if !plan.Name.Equal(state.Name) {
		name := plan.Name.ValueString()
		change.Name = &name
	}
	if !plan.Tags.Equal(state.Tags) {
		change.Tags, diags = tagsFrom(ctx, plan.Tags)
		resp.Diagnostics.Append(diags...)
	}
	if !plan.PlanName.Equal(state.PlanName) || !plan.Parameters.Equal(state.Parameters) {
		planName := plan.PlanName.ValueString()
		change.PlanName = &planName
		change.Parameters, diags = stringMap(ctx, plan.Parameters)
		resp.Diagnostics.Append(diags...)
		if change.Parameters == nil {
			change.Parameters = map[string]any{}
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	if _, _, err := r.client.UpdateInstance(ctx, id, change, ""); err != nil {
		resp.Diagnostics.AddError("Changing the instance failed", err.Error())
		return
	}
	inst, err := r.wait(ctx, id, timeout, "update", func(i api.ServiceInstance) bool {
		return i.Status != api.InstanceUpgrading && i.LastOperation.State != api.OperationPending && i.LastOperation.State != api.OperationInProgress
	})
	if err != nil {
		resp.Diagnostics.AddError("Waiting for the change failed", err.Error())
		return
	}
	if inst.LastOperation.Type == api.OperationUpdate && inst.LastOperation.State == api.OperationFailed || inst.Status != api.InstanceDeployed {
		// The state keeps the prior values, so that the next apply tries again.
		resp.Diagnostics.AddError("The change failed", fmt.Sprintf("Instance %s is %s: %s", id, inst.Status, inst.StatusDetail))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, instanceModelFrom(inst, plan, false))...)
}

func (r *instanceResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state instanceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	inst, _, err := r.client.GetInstance(ctx, state.ID.ValueString())
	if removeIfGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Reading the instance failed", err.Error())
		return
	}
	imported, diags := req.Private.GetKey(ctx, importedKey)
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(resp.State.Set(ctx, instanceModelFrom(inst, state, imported != nil))...)
	if imported != nil {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, importedKey, nil)...)
	}
}

func (r *instanceResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state instanceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	timeout, diags := state.Timeouts.Delete(ctx, defaultDeleteTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	_, _, err := r.client.DeleteInstance(ctx, id)
	var apiErr *client.APIError
	if errors.As(err, &apiErr) && apiErr.Code == "OperationConflict" {
		// Another operation (a provisioning cut short by a timeout, say) is still running:
		// let it finish, then delete.
		tflog.Info(ctx, "waiting for the instance's operation to finish before deleting it", map[string]any{"id": id, "reason": apiErr.Message})
		if _, err = r.wait(ctx, id, timeout, "finish its operation", func(i api.ServiceInstance) bool {
			return i.LastOperation.State != api.OperationPending && i.LastOperation.State != api.OperationInProgress
		}); err == nil {
			_, _, err = r.client.DeleteInstance(ctx, id)
		}
	}
	if err != nil {
		if !client.IsNotFound(err) {
			resp.Diagnostics.AddError("Deleting the instance failed", err.Error())
		}
		return
	}
	inst, err := r.wait(ctx, id, timeout, "delete", func(i api.ServiceInstance) bool { return i.Status != api.InstanceDeleting })
	switch {
	case client.IsNotFound(err):
		// Deleted.
	case err != nil:
		resp.Diagnostics.AddError("Waiting for the deletion failed", err.Error())
	default:
		resp.Diagnostics.AddError("The instance could not be deleted", fmt.Sprintf("Instance %s is %s: %s", id, inst.Status, inst.StatusDetail))
	}
}

// importedKey marks, in private state, an instance just imported: its first read takes all
// its parameters, since no configuration says yet which keys it manages.
const importedKey = "imported"

func (r *instanceResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, importedKey, []byte(`true`))...)
}

// wait polls the instance until done says so, logging its progress, for at most timeout.
// It returns the instance as last read (a 404 is returned as the error).
func (r *instanceResource) wait(ctx context.Context, id string, timeout time.Duration, what string, done func(api.ServiceInstance) bool) (api.ServiceInstance, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start, delay := time.Now(), 200*time.Millisecond
	var last api.ServiceInstance
	for {
		inst, _, err := r.client.GetInstance(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				return last, timedOut(last, what, timeout)
			}
			return last, err
		}
		if inst.Progress != last.Progress || inst.StatusDetail != last.StatusDetail || inst.Status != last.Status {
			tflog.Info(ctx, fmt.Sprintf("instance %s: %s %d%%: %s", id, inst.Status, inst.Progress, inst.StatusDetail),
				map[string]any{"elapsed": time.Since(start).Round(time.Second).String()})
		}
		last = inst
		if done(inst) {
			return inst, nil
		}
		select {
		case <-ctx.Done():
			return last, timedOut(last, what, timeout)
		case <-time.After(delay):
		}
		delay = min(delay*3/2, 5*time.Second)
	}
}

func timedOut(last api.ServiceInstance, what string, timeout time.Duration) error {
	return fmt.Errorf("the instance did not %s within %s (it is %s, %d%%: %s); raise the timeouts if the broker needs longer",
		what, timeout, last.Status, last.Progress, last.StatusDetail)
}

// instanceModelFrom is the state for an instance as the API answers it. Of its parameters,
// the keys prior holds are kept (the ones the configuration manages); all of them when
// imported.
func instanceModelFrom(inst api.ServiceInstance, prior instanceModel, imported bool) instanceModel {
	params := types.MapNull(types.StringType)
	managed := prior.Parameters.Elements()
	elems := map[string]attr.Value{}
	for k, v := range inst.Parameters {
		p, ok := managed[k]
		if !ok && !imported {
			continue
		}
		value := valueString(v)
		// The catalog converts values to the key's type ("05" to 5): keep the configuration's
		// spelling of an equal value, so that it plans clean.
		if s, isString := p.(types.String); ok && isString && sameValue(s.ValueString(), value) {
			value = s.ValueString()
		}
		elems[k] = types.StringValue(value)
	}
	if len(elems) > 0 || !prior.Parameters.IsNull() && !prior.Parameters.IsUnknown() {
		params = types.MapValueMust(types.StringType, elems)
	}
	outputs := map[string]attr.Value{}
	for k, v := range inst.Outputs {
		outputs[k] = types.StringValue(valueString(v))
	}
	return instanceModel{ID: types.StringValue(inst.ServiceInstanceId), Name: types.StringValue(inst.Name), ServiceID: types.StringValue(inst.ServiceId),
		ServiceVersion: types.StringValue(inst.ServiceVersion), PlanName: types.StringValue(inst.PlanName), Parameters: params,
		Tags: tagsMap(inst.Tags, prior.Tags), Timeouts: prior.Timeouts, Status: types.StringValue(inst.Status), Progress: types.Int64Value(inst.Progress),
		StatusDetail: types.StringValue(inst.StatusDetail), Outputs: types.MapValueMust(types.StringType, outputs),
		CreateTime: types.StringValue(inst.CreateTime), UpdateTime: types.StringValue(inst.UpdateTime)}
}

// sameValue tells whether two spellings stand for the same parameter value: equal strings,
// numbers or booleans.
func sameValue(a, b string) bool {
	if a == b {
		return true
	}
	if x, err := strconv.ParseFloat(a, 64); err == nil {
		y, err := strconv.ParseFloat(b, 64)
		return err == nil && x == y
	}
	if x, err := strconv.ParseBool(a); err == nil {
		y, err := strconv.ParseBool(b)
		return err == nil && x == y
	}
	return false
}

// valueString writes a JSON value as the string Terraform holds.
func valueString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func stringMap(ctx context.Context, m types.Map) (map[string]any, diagnostics) {
	if m.IsNull() || m.IsUnknown() {
		return nil, nil
	}
	values := map[string]string{}
	diags := m.ElementsAs(ctx, &values, false)
	out := make(map[string]any, len(values))
	for k, v := range values {
		out[k] = v
	}
	return out, diags
}
