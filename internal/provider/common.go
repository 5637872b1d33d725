package provider

import (
	"context"
	"fmt"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/opencatalog/terraform-provider-catalog/internal/client"
)

type diagnostics = diag.Diagnostics

// stateSetter is the state of a create or update response.
type stateSetter interface {
	Set(ctx context.Context, val any) diag.Diagnostics
}

// configuredClient is the client the provider configured (nil before configuration, when
// Terraform validates).
func configuredClient(data any, diags *diagnostics) *client.Client {
	if data == nil {
		return nil
	}
	c, ok := data.(*client.Client)
	if !ok {
		diags.AddError("Unexpected provider data", fmt.Sprintf("expected *client.Client, got %T", data))
	}
	return c
}

// removeIfGone removes a resource that no longer exists from the state, so that Terraform
// plans to create it again; it tells whether it did.
func removeIfGone(ctx context.Context, err error, resp *resource.ReadResponse) bool {
	if client.IsNotFound(err) {
		resp.State.RemoveResource(ctx)
		return true
	}
	return false
}

// fullyKnown tells whether a value holds no unknown value at any depth.
func fullyKnown(ctx context.Context, v attr.Value) bool {
	tv, err := v.ToTerraformValue(ctx)
	return err == nil && tv.IsFullyKnown()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// objectAsOptions reads an object into a struct as it is.
var objectAsOptions = basetypes.ObjectAsOptions{}

// isEmpty tells whether a list or map is known, not null, and has no elements.
func isEmpty(v attr.Value) bool {
	switch x := v.(type) {
	case types.List:
		return !x.IsNull() && !x.IsUnknown() && len(x.Elements()) == 0
	case types.Map:
		return !x.IsNull() && !x.IsUnknown() && len(x.Elements()) == 0
	}
	return false
}
