package osb

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Catalog is a broker's GET /v2/catalog answer, as far as the catalog uses it.
type Catalog struct {
	Services []Service `json:"services"`
}

// Service is a service offering of a broker.
type Service struct {
	ID                   string `json:"id"`
	Name                 string `json:"name"`
	InstancesRetrievable bool   `json:"instances_retrievable"`
	PlanUpdateable       bool   `json:"plan_updateable"`
	Plans                []Plan `json:"plans"`
}

// Plan is a service plan of a broker.
type Plan struct {
	ID                     string           `json:"id"`
	Name                   string           `json:"name"`
	PlanUpdateable         *bool            `json:"plan_updateable"`
	MaximumPollingDuration int              `json:"maximum_polling_duration"`
	MaintenanceInfo        *MaintenanceInfo `json:"maintenance_info,omitempty"`
}

// MaintenanceInfo is the version of a plan's maintenance.
type MaintenanceInfo struct {
	Version string `json:"version"`
}

// Service finds the broker's service offering by name; with no name the broker must offer
// exactly one.
func (c Catalog) Service(name string) (Service, error) {
	names := make([]string, len(c.Services))
	for i, s := range c.Services {
		if name != "" && s.Name == name {
			return s, nil
		}
		names[i] = s.Name
	}
	sort.Strings(names)
	switch {
	case len(c.Services) == 0:
		return Service{}, fmt.Errorf("the broker's catalog offers no services")
	case name != "":
		return Service{}, fmt.Errorf("the broker offers no service named %q (it offers: %s)", name, strings.Join(names, ", "))
	case len(c.Services) > 1:
		return Service{}, fmt.Errorf("the broker offers several services (%s); set Broker.ServiceName to choose one", strings.Join(names, ", "))
	}
	return c.Services[0], nil
}

// Plan finds a plan of the offering by name.
func (s Service) Plan(name string) (Plan, error) {
	names := make([]string, len(s.Plans))
	for i, p := range s.Plans {
		if p.Name == name {
			return p, nil
		}
		names[i] = p.Name
	}
	sort.Strings(names)
	return Plan{}, fmt.Errorf("broker service %q has no plan named %q (its plans: %s)", s.Name, name, strings.Join(names, ", "))
}

// Updateable tells whether the broker allows changing an instance of this plan to another
// plan (the plan's plan_updateable, else the offering's).
func (s Service) Updateable(p Plan) bool {
	if p.PlanUpdateable != nil {
		return *p.PlanUpdateable
	}
	return s.PlanUpdateable
}

// GetCatalog reads the broker's catalog. Anything but a 200 with a catalog is an error in
// the broker's words.
func (c *Client) GetCatalog(ctx context.Context, b Broker) (Catalog, error) {
	var out Catalog
	resp, err := c.do(ctx, b, "GET", "/v2/catalog", nil, nil)
	if err != nil {
		return out, err
	}
	if resp.Status != 200 {
		_, msg := resp.Failure()
		return out, fmt.Errorf("read the broker's catalog: %s", msg)
	}
	if err := resp.Decode(&out); err != nil {
		return out, fmt.Errorf("read the broker's catalog: %w", err)
	}
	return out, nil
}

// ProvisionRequest is the body of PUT /v2/service_instances/:instance_id.
type ProvisionRequest struct {
	ServiceID        string           `json:"service_id"`
	PlanID           string           `json:"plan_id"`
	Context          map[string]any   `json:"context"`
	OrganizationGUID string           `json:"organization_guid"`
	SpaceGUID        string           `json:"space_guid"`
	Parameters       map[string]any   `json:"parameters,omitempty"`
	MaintenanceInfo  *MaintenanceInfo `json:"maintenance_info,omitempty"`
}

// UpdateRequest is the body of PATCH /v2/service_instances/:instance_id. PlanID and
// Parameters are set only when they change.
type UpdateRequest struct {
	ServiceID      string         `json:"service_id"`
	PlanID         string         `json:"plan_id,omitempty"`
	Context        map[string]any `json:"context"`
	Parameters     map[string]any `json:"parameters,omitempty"`
	PreviousValues PreviousValues `json:"previous_values"`
}

// PreviousValues is the instance before an update.
type PreviousValues struct {
	ServiceID string `json:"service_id"`
	PlanID    string `json:"plan_id"`
}

// AsyncAnswer is the body of a provision, update or deprovision answer.
type AsyncAnswer struct {
	DashboardURL *string         `json:"dashboard_url"`
	Operation    *string         `json:"operation"`
	Metadata     json.RawMessage `json:"metadata"`
}

// LastOperation is the body of a last_operation answer.
type LastOperation struct {
	State            string `json:"state"`
	Description      string `json:"description"`
	InstanceUsable   *bool  `json:"instance_usable"`
	UpdateRepeatable *bool  `json:"update_repeatable"`
}

// States of a last operation.
const (
	StateInProgress = "in progress"
	StateSucceeded  = "succeeded"
	StateFailed     = "failed"
)

func instancePath(id string) string { return "/v2/service_instances/" + url.PathEscape(id) }

func acceptsIncomplete() url.Values { return url.Values{"accepts_incomplete": {"true"}} }

// Provision asks the broker to create an instance.
func (c *Client) Provision(ctx context.Context, b Broker, instanceID string, req ProvisionRequest) (*Response, error) {
	return c.do(ctx, b, "PUT", instancePath(instanceID), acceptsIncomplete(), req)
}

// Update asks the broker to change an instance.
func (c *Client) Update(ctx context.Context, b Broker, instanceID string, req UpdateRequest) (*Response, error) {
	return c.do(ctx, b, "PATCH", instancePath(instanceID), acceptsIncomplete(), req)
}

// Deprovision asks the broker to delete an instance.
func (c *Client) Deprovision(ctx context.Context, b Broker, instanceID, serviceID, planID string) (*Response, error) {
	q := acceptsIncomplete()
	q.Set("service_id", serviceID)
	q.Set("plan_id", planID)
	return c.do(ctx, b, "DELETE", instancePath(instanceID), q, nil)
}

// LastOperationOf polls the state of the instance's last asynchronous operation.
func (c *Client) LastOperationOf(ctx context.Context, b Broker, instanceID, serviceID, planID, operation string) (*Response, error) {
	q := url.Values{"service_id": {serviceID}, "plan_id": {planID}}
	if operation != "" {
		q.Set("operation", operation)
	}
	return c.do(ctx, b, "GET", instancePath(instanceID)+"/last_operation", q, nil)
}

// FetchInstance reads an instance as the broker knows it (for offerings that declare
// instances_retrievable).
func (c *Client) FetchInstance(ctx context.Context, b Broker, instanceID, serviceID, planID string) (*Response, error) {
	q := url.Values{"service_id": {serviceID}, "plan_id": {planID}}
	return c.do(ctx, b, "GET", instancePath(instanceID), q, nil)
}
