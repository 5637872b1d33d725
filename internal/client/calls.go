package client

import (
	"context"
	"net/url"
	"strconv"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
)

// WhoAmI returns the tenant of the client's API key.
func (c *Client) WhoAmI(ctx context.Context) (api.Identity, error) {
	var out api.Identity
	_, err := c.do(ctx, request{method: "GET", path: "/v1/whoami", retry: true}, &out)
	return out, err
}

// CreateService creates a service. idempotencyKey makes retries (the client's own and the
// caller's) return the first attempt's service; when empty, one is generated for this call.
func (c *Client) CreateService(ctx context.Context, req api.CreateServiceRequest, idempotencyKey string) (api.Service, Response, error) {
	var out api.Service
	r, err := c.do(ctx, request{method: "POST", path: "/v1/services", body: req,
		headers: map[string]string{"Idempotency-Key": orNewKey(idempotencyKey, req.ClientToken)}, retry: true}, &out)
	return out, r, err
}

// GetServiceOptions selects what GetService returns.
type GetServiceOptions struct {
	ServiceVersion string
	ShowStatistic  bool
}

// GetService reads a service in the GetService shape.
func (c *Client) GetService(ctx context.Context, id string, opts GetServiceOptions) (api.Service, Response, error) {
	q := url.Values{}
	if opts.ServiceVersion != "" {
		q.Set("ServiceVersion", opts.ServiceVersion)
	}
	if opts.ShowStatistic {
		q.Set("ShowDetail", api.ShowDetailServiceStatistic)
	}
	var out api.Service
	r, err := c.do(ctx, request{method: "GET", path: "/v1/services/" + url.PathEscape(id), query: q, retry: true}, &out)
	return out, r, err
}

// ListServicesOptions filters ListServices.
type ListServicesOptions struct {
	Owner, Status, DeployType, ServiceType, ShareType, Name string
	MaxResults                                              int
	NextToken                                               string
}

// ListServices reads one page of services.
func (c *Client) ListServices(ctx context.Context, opts ListServicesOptions) (api.ListServicesResponse, error) {
	q := listQuery(opts.MaxResults, map[string]string{"Owner": opts.Owner, "Status": opts.Status, "DeployType": opts.DeployType,
		"ServiceType": opts.ServiceType, "ShareType": opts.ShareType, "Name": opts.Name, "NextToken": opts.NextToken})
	var out api.ListServicesResponse
	_, err := c.do(ctx, request{method: "GET", path: "/v1/services", query: q, retry: true}, &out)
	return out, err
}

// UpdateService merge-patches a service with patch: an api.UpdateServiceRequest, or a map
// when fields must be cleared (null). ifMatch (an ETag) guards against lost updates. A
// PATCH is not retried: the client cannot know whether a lost answer's change was made.
func (c *Client) UpdateService(ctx context.Context, id string, patch any, ifMatch string) (api.Service, Response, error) {
	var out api.Service
	r, err := c.do(ctx, request{method: "PATCH", path: "/v1/services/" + url.PathEscape(id), body: patch,
		headers: map[string]string{"If-Match": ifMatch}, retry: ifMatch != ""}, &out)
	return out, r, err
}

// DeleteService deletes a service.
func (c *Client) DeleteService(ctx context.Context, id, ifMatch string) error {
	_, err := c.do(ctx, request{method: "DELETE", path: "/v1/services/" + url.PathEscape(id),
		headers: map[string]string{"If-Match": ifMatch}, retry: true}, nil)
	return err
}

// ListServiceVersions lists a service's versions.
func (c *Client) ListServiceVersions(ctx context.Context, id string) ([]api.ServiceVersionSummary, error) {
	var out api.ListServiceVersionsResponse
	_, err := c.do(ctx, request{method: "GET", path: "/v1/services/" + url.PathEscape(id) + "/versions", retry: true}, &out)
	return out.Versions, err
}

// ChangeServiceStatus runs a lifecycle action: "publish", "offline", "approve" or "reject".
// Lifecycle actions are idempotent, so they are retried.
func (c *Client) ChangeServiceStatus(ctx context.Context, id, action string, req api.ServiceLifecycleRequest) (api.Service, Response, error) {
	var out api.Service
	r, err := c.do(ctx, request{method: "POST", path: "/v1/services/" + url.PathEscape(id) + "/" + action, body: req, retry: true}, &out)
	return out, r, err
}

// PutPlan creates or replaces a plan.
func (c *Client) PutPlan(ctx context.Context, serviceID, name string, req api.PutPlanRequest, ifMatch string) (api.Plan, Response, error) {
	var out api.Plan
	r, err := c.do(ctx, request{method: "PUT", path: planPath(serviceID, name), body: req,
		headers: map[string]string{"If-Match": ifMatch}, retry: true}, &out)
	return out, r, err
}

// GetPlan reads a plan.
func (c *Client) GetPlan(ctx context.Context, serviceID, name string) (api.Plan, Response, error) {
	var out api.Plan
	r, err := c.do(ctx, request{method: "GET", path: planPath(serviceID, name), retry: true}, &out)
	return out, r, err
}

// ListPlans lists a service's plans.
func (c *Client) ListPlans(ctx context.Context, serviceID string) ([]api.Plan, error) {
	var out api.ListPlansResponse
	_, err := c.do(ctx, request{method: "GET", path: "/v1/services/" + url.PathEscape(serviceID) + "/plans", retry: true}, &out)
	return out.Plans, err
}

// DeletePlan deletes a plan.
func (c *Client) DeletePlan(ctx context.Context, serviceID, name, ifMatch string) error {
	_, err := c.do(ctx, request{method: "DELETE", path: planPath(serviceID, name), headers: map[string]string{"If-Match": ifMatch}, retry: true}, nil)
	return err
}

func planPath(serviceID, name string) string {
	return "/v1/services/" + url.PathEscape(serviceID) + "/plans/" + url.PathEscape(name)
}

// CreateInstance orders an instance (or checks the order, with DryRun). idempotencyKey makes
// a retried order return the first one's instance; when empty, one is generated for this call.
func (c *Client) CreateInstance(ctx context.Context, req api.CreateServiceInstanceRequest, idempotencyKey string) (api.ServiceInstance, Response, error) {
	var out api.ServiceInstance
	r, err := c.do(ctx, request{method: "POST", path: "/v1/service-instances", body: req,
		headers: map[string]string{"Idempotency-Key": orNewKey(idempotencyKey, req.ClientToken)}, retry: true}, &out)
	return out, r, err
}

// GetInstance reads an instance.
func (c *Client) GetInstance(ctx context.Context, id string) (api.ServiceInstance, Response, error) {
	var out api.ServiceInstance
	r, err := c.do(ctx, request{method: "GET", path: instancePath(id), retry: true}, &out)
	return out, r, err
}

// ListInstancesOptions filters ListInstances.
type ListInstancesOptions struct {
	ServiceId, Status, PlanName, Name string
	MaxResults                        int
	NextToken                         string
}

// ListInstances reads one page of the caller's instances.
func (c *Client) ListInstances(ctx context.Context, opts ListInstancesOptions) (api.ListServiceInstancesResponse, error) {
	q := listQuery(opts.MaxResults, map[string]string{"ServiceId": opts.ServiceId, "Status": opts.Status, "PlanName": opts.PlanName,
		"Name": opts.Name, "NextToken": opts.NextToken})
	var out api.ListServiceInstancesResponse
	_, err := c.do(ctx, request{method: "GET", path: "/v1/service-instances", query: q, retry: true}, &out)
	return out, err
}

// UpdateInstance changes an instance. Retried only when guarded by ifMatch.
func (c *Client) UpdateInstance(ctx context.Context, id string, req api.UpdateServiceInstanceRequest, ifMatch string) (api.ServiceInstance, Response, error) {
	var out api.ServiceInstance
	r, err := c.do(ctx, request{method: "PATCH", path: instancePath(id), body: req,
		headers: map[string]string{"If-Match": ifMatch}, retry: ifMatch != ""}, &out)
	return out, r, err
}

// DeleteInstance deletes an instance.
func (c *Client) DeleteInstance(ctx context.Context, id string) (api.ServiceInstance, Response, error) {
	var out api.ServiceInstance
	r, err := c.do(ctx, request{method: "DELETE", path: instancePath(id), retry: true}, &out)
	return out, r, err
}

// ListOperations returns an instance's operation history.
func (c *Client) ListOperations(ctx context.Context, id string) ([]api.Operation, error) {
	var out api.ListOperationsResponse
	_, err := c.do(ctx, request{method: "GET", path: instancePath(id) + "/operations", retry: true}, &out)
	return out.Operations, err
}

func instancePath(id string) string { return "/v1/service-instances/" + url.PathEscape(id) }

// listQuery builds the query of a listing from its non-empty filters and page size.
func listQuery(maxResults int, filters map[string]string) url.Values {
	q := url.Values{}
	for k, v := range filters {
		if v != "" {
			q.Set(k, v)
		}
	}
	if maxResults > 0 {
		q.Set("MaxResults", strconv.Itoa(maxResults))
	}
	return q
}
