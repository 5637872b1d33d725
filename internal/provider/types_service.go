package provider

import (
	"context"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
)

var agreementAttrTypes = map[string]attr.Type{"name": types.StringType, "url": types.StringType}

var serviceInfoAttrTypes = map[string]attr.Type{
	"locale": types.StringType, "name": types.StringType, "short_description": types.StringType, "image": types.StringType,
	"long_description_url": types.StringType, "agreements": types.ListType{ElemType: types.ObjectType{AttrTypes: agreementAttrTypes}},
}

var brokerAttrTypes = map[string]attr.Type{
	"url": types.StringType, "username": types.StringType, "password_wo": types.StringType,
	"password_wo_version": types.Int64Type, "service_name": types.StringType,
}

type serviceInfoModel struct {
	Locale             types.String `tfsdk:"locale"`
	Name               types.String `tfsdk:"name"`
	ShortDescription   types.String `tfsdk:"short_description"`
	Image              types.String `tfsdk:"image"`
	LongDescriptionURL types.String `tfsdk:"long_description_url"`
	Agreements         types.List   `tfsdk:"agreements"`
}

type agreementModel struct {
	Name types.String `tfsdk:"name"`
	URL  types.String `tfsdk:"url"`
}

type brokerModel struct {
	URL               types.String `tfsdk:"url"`
	Username          types.String `tfsdk:"username"`
	PasswordWO        types.String `tfsdk:"password_wo"`
	PasswordWOVersion types.Int64  `tfsdk:"password_wo_version"`
	ServiceName       types.String `tfsdk:"service_name"`
}

// serviceContent is the versioned content of a service: changing it on a published service
// makes a new version.
type serviceContent struct {
	ServiceInfos      types.List   `tfsdk:"service_infos"`
	DeployType        types.String `tfsdk:"deploy_type"`
	ServiceType       types.String `tfsdk:"service_type"`
	ShareType         types.String `tfsdk:"share_type"`
	ApprovalType      types.String `tfsdk:"approval_type"`
	TenantType        types.String `tfsdk:"tenant_type"`
	VersionName       types.String `tfsdk:"version_name"`
	SupplierName      types.String `tfsdk:"supplier_name"`
	SupplierURL       types.String `tfsdk:"supplier_url"`
	ServiceDocURL     types.String `tfsdk:"service_doc_url"`
	ServiceProductURL types.String `tfsdk:"service_product_url"`
	Categories        types.String `tfsdk:"categories"`
}

type serviceModel struct {
	ID types.String `tfsdk:"id"`
	serviceContent
	Tags          types.Map    `tfsdk:"tags"`
	Broker        types.Object `tfsdk:"broker"`
	Status        types.String `tfsdk:"status"`
	ServiceStatus types.String `tfsdk:"service_status"`
	Version       types.String `tfsdk:"version"`
	CreateTime    types.String `tfsdk:"create_time"`
	UpdateTime    types.String `tfsdk:"update_time"`
	PublishTime   types.String `tfsdk:"publish_time"`
}

// spec is the content as the API takes it.
func (c serviceContent) spec(ctx context.Context) (api.ServiceSpec, diag.Diagnostics) {
	var diags diag.Diagnostics
	spec := api.ServiceSpec{DeployType: c.DeployType.ValueString(), ServiceType: c.ServiceType.ValueString(), ShareType: c.ShareType.ValueString(),
		ApprovalType: c.ApprovalType.ValueString(), TenantType: c.TenantType.ValueString(), VersionName: c.VersionName.ValueString(),
		SupplierName: c.SupplierName.ValueString(), SupplierUrl: c.SupplierURL.ValueString(), ServiceDocUrl: c.ServiceDocURL.ValueString(),
		ServiceProductUrl: c.ServiceProductURL.ValueString(), Categories: c.Categories.ValueString()}
	var infos []serviceInfoModel
	diags.Append(c.ServiceInfos.ElementsAs(ctx, &infos, false)...)
	for _, in := range infos {
		info := api.ServiceInfo{Locale: in.Locale.ValueString(), Name: in.Name.ValueString(), ShortDescription: in.ShortDescription.ValueString(),
			Image: in.Image.ValueString(), LongDescriptionUrl: in.LongDescriptionURL.ValueString(), Agreements: []api.Agreement{}}
		var agreements []agreementModel
		if !in.Agreements.IsNull() {
			diags.Append(in.Agreements.ElementsAs(ctx, &agreements, false)...)
		}
		for _, a := range agreements {
			info.Agreements = append(info.Agreements, api.Agreement{Name: a.Name.ValueString(), Url: a.URL.ValueString()})
		}
		spec.ServiceInfos = append(spec.ServiceInfos, info)
	}
	return spec, diags
}

// mergePatch is the JSON merge patch that makes the stored content what c says: every field
// present, null where Terraform has none (so that removing an argument clears it).
func (c serviceContent) mergePatch(ctx context.Context) (map[string]any, diag.Diagnostics) {
	spec, diags := c.spec(ctx)
	data, err := json.Marshal(spec)
	if err != nil {
		diags.AddError("Encoding the service failed", err.Error())
		return nil, diags
	}
	patch := map[string]any{}
	_ = json.Unmarshal(data, &patch)
	for _, k := range []string{"DeployType", "ServiceType", "ShareType", "ApprovalType", "TenantType", "VersionName", "SupplierName",
		"SupplierUrl", "ServiceDocUrl", "ServiceProductUrl", "Categories"} {
		if _, ok := patch[k]; !ok {
			patch[k] = nil
		}
	}
	return patch, diags
}

func tagsFrom(ctx context.Context, m types.Map) ([]api.Tag, diag.Diagnostics) {
	tags := []api.Tag{}
	if m.IsNull() || m.IsUnknown() {
		return tags, nil
	}
	values := map[string]string{}
	diags := m.ElementsAs(ctx, &values, false)
	for _, k := range sortedKeys(values) {
		tags = append(tags, api.Tag{Key: k, Value: values[k]})
	}
	return tags, diags
}

// tagsMap is the Terraform value of tags: with none, an empty map if the configuration
// (prior) says {}, else null.
func tagsMap(tags []api.Tag, prior types.Map) types.Map {
	if len(tags) == 0 {
		if !prior.IsNull() && !prior.IsUnknown() {
			return types.MapValueMust(types.StringType, map[string]attr.Value{})
		}
		return types.MapNull(types.StringType)
	}
	elems := map[string]attr.Value{}
	for _, t := range tags {
		elems[t.Key] = types.StringValue(t.Value)
	}
	return types.MapValueMust(types.StringType, elems)
}

// contentFrom is a service's content as the API answers it. No agreements is null in
// Terraform, unless prior (the configuration) says an empty list for that locale.
func contentFrom(s api.Service, prior serviceContent) serviceContent {
	priorInfos := map[string]serviceInfoModel{}
	if !prior.ServiceInfos.IsNull() && !prior.ServiceInfos.IsUnknown() {
		var list []serviceInfoModel
		_ = prior.ServiceInfos.ElementsAs(context.Background(), &list, false)
		for _, in := range list {
			priorInfos[in.Locale.ValueString()] = in
		}
	}
	infos := []attr.Value{}
	for _, in := range s.ServiceInfos {
		agreements := types.ListNull(types.ObjectType{AttrTypes: agreementAttrTypes})
		if isEmpty(priorInfos[in.Locale].Agreements) {
			agreements = types.ListValueMust(types.ObjectType{AttrTypes: agreementAttrTypes}, []attr.Value{})
		}
		if len(in.Agreements) > 0 {
			var elems []attr.Value
			for _, a := range in.Agreements {
				elems = append(elems, types.ObjectValueMust(agreementAttrTypes, map[string]attr.Value{"name": optString(a.Name), "url": optString(a.Url)}))
			}
			agreements = types.ListValueMust(types.ObjectType{AttrTypes: agreementAttrTypes}, elems)
		}
		infos = append(infos, types.ObjectValueMust(serviceInfoAttrTypes, map[string]attr.Value{
			"locale": types.StringValue(in.Locale), "name": types.StringValue(in.Name), "short_description": optString(in.ShortDescription),
			"image": optString(in.Image), "long_description_url": optString(in.LongDescriptionUrl), "agreements": agreements,
		}))
	}
	return serviceContent{ServiceInfos: types.ListValueMust(types.ObjectType{AttrTypes: serviceInfoAttrTypes}, infos),
		DeployType: optString(s.DeployType), ServiceType: optString(s.ServiceType), ShareType: optString(s.ShareType),
		ApprovalType: optString(s.ApprovalType), TenantType: optString(s.TenantType), VersionName: optString(s.VersionName),
		SupplierName: optString(s.SupplierName), SupplierURL: optString(s.SupplierUrl), ServiceDocURL: optString(s.ServiceDocUrl),
		ServiceProductURL: optString(s.ServiceProductUrl), Categories: optString(s.Categories)}
}

// desiredStatus maps a version's status to the desired status it stands for. A public
// version waiting for approval (Submitted) counts as Online: nothing the supplier can do
// moves it on. An Approved one is not yet Online: the next apply publishes it.
func desiredStatus(status string) string {
	switch status {
	case api.ServiceSubmitted, api.ServiceLaunching, api.ServiceOnline, api.ServiceBeta:
		return api.ServiceOnline
	}
	return status
}

// brokerFrom reads the broker an spi service shows in DeployMetadata. The password is never
// shown: the password_wo_version of prior keeps telling which password was last sent.
func brokerFrom(s api.Service, prior types.Object) types.Object {
	var md struct {
		Broker *struct{ Url, Username, ServiceName string }
	}
	if s.DeployMetadata == "" || json.Unmarshal([]byte(s.DeployMetadata), &md) != nil || md.Broker == nil || md.Broker.Url == "" {
		return types.ObjectNull(brokerAttrTypes)
	}
	version := types.Int64Null()
	if !prior.IsNull() && !prior.IsUnknown() {
		if v, ok := prior.Attributes()["password_wo_version"].(types.Int64); ok {
			version = v
		}
	}
	return types.ObjectValueMust(brokerAttrTypes, map[string]attr.Value{
		"url": types.StringValue(md.Broker.Url), "username": optString(md.Broker.Username), "password_wo": types.StringNull(),
		"password_wo_version": version, "service_name": optString(md.Broker.ServiceName),
	})
}

// serviceModelFrom is the resource's state for a service as the API answers it.
func serviceModelFrom(s api.Service, prior serviceModel) serviceModel {
	return serviceModel{ID: types.StringValue(s.ServiceId), serviceContent: contentFrom(s, prior.serviceContent), Tags: tagsMap(s.Tags, prior.Tags),
		Broker: brokerFrom(s, prior.Broker), Status: types.StringValue(desiredStatus(s.Status)), ServiceStatus: types.StringValue(s.Status),
		Version: types.StringValue(s.Version), CreateTime: types.StringValue(s.CreateTime), UpdateTime: types.StringValue(s.UpdateTime),
		PublishTime: optString(s.PublishTime)}
}
