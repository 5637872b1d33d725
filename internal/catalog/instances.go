package catalog

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/planspec"
	"github.com/opencatalog/terraform-provider-catalog/internal/provision"
	"github.com/opencatalog/terraform-provider-catalog/internal/store"
)

// orderable returns the version of a service that an order names (or the default one), if
// the caller may order it: the version must be Online and visible to the caller.
func (c *Catalog) orderable(ctx context.Context, q store.Queries, caller Caller, serviceID, version string) (store.ServiceVersion, error) {
	svc, def, err := c.loadService(ctx, q, caller, serviceID)
	if err != nil {
		return def, err
	}
	v, err := c.version(ctx, q, caller, svc, def, version)
	if err != nil {
		return v, err
	}
	if v.Status != api.ServiceOnline {
		return v, Conflict("ServiceNotOnline", "service %s version %d is %s; only Online versions can be ordered", serviceID, v.Version, v.Status)
	}
	return v, nil
}

// orderPlan reads the plan an order names; a missing plan is bad input naming the plans
// that exist.
func orderPlan(ctx context.Context, q store.Queries, serviceID, name string) (api.PutPlanRequest, error) {
	if err := planspec.ValidatePlanName(name); err != nil {
		return api.PutPlanRequest{}, err
	}
	p, err := q.GetPlan(ctx, serviceID, name)
	if errors.Is(err, store.ErrNotFound) {
		plans, lerr := q.ListPlans(ctx, serviceID)
		if lerr != nil {
			return api.PutPlanRequest{}, fmt.Errorf("list plans of %s: %w", serviceID, lerr)
		}
		names := make([]string, len(plans))
		for i, p := range plans {
			names[i] = p.Name
		}
		if len(names) == 0 {
			return api.PutPlanRequest{}, Invalid("PlanName", "service %s has no plans yet, so it cannot be ordered", serviceID)
		}
		return api.PutPlanRequest{}, Invalid("PlanName", "plan %q does not exist in service %s (its plans: %s)", name, serviceID, strings.Join(names, ", "))
	}
	if err != nil {
		return api.PutPlanRequest{}, storeErr(err, "Plan", name)
	}
	return decodePlan(p)
}

func validateInstanceName(name string) error {
	if strings.TrimSpace(name) == "" || utf8.RuneCountInString(name) > 128 {
		return Invalid("Name", "an instance Name must be 1-128 characters")
	}
	return nil
}

// CreateInstance orders an instance: it checks the order, then stores the instance (status
// Created) and a Provision operation for the provisioning worker, in one transaction. With
// DryRun it only checks. A retried order with the same idempotency key returns the first
// order's instance (created false) and never orders twice.
func (c *Catalog) CreateInstance(ctx context.Context, caller Caller, req api.CreateServiceInstanceRequest, idemKey string) (out api.ServiceInstance, tag string, created bool, err error) {
	if idemKey == "" {
		idemKey = req.ClientToken
	}
	req.ClientToken = ""
	if err := validateInstanceName(req.Name); err != nil {
		return out, "", false, err
	}
	if req.ServiceId == "" {
		return out, "", false, Invalid("ServiceId", "ServiceId is required")
	}
	if err := validateTags(req.Tags); err != nil {
		return out, "", false, err
	}
	hash := requestHash(req)
	var inst store.Instance
	err = c.store.InTx(ctx, func(q store.Queries) error {
		if !req.DryRun {
			prior, err := idempotent(ctx, q, caller.TenantID, "service-instance", idemKey, hash)
			if err != nil {
				return err
			}
			if prior != "" {
				inst, err = q.GetInstance(ctx, prior)
				return storeErr(err, "ServiceInstance", prior)
			}
		}
		v, err := c.orderable(ctx, q, caller, req.ServiceId, req.ServiceVersion)
		if err != nil {
			return err
		}
		if err := orderableDeployType(req.ServiceId, v); err != nil {
			return err
		}
		plan, err := orderPlan(ctx, q, req.ServiceId, req.PlanName)
		if err != nil {
			return err
		}
		params, err := planspec.ResolveParameters(req.PlanName, plan, req.Parameters, nil)
		if err != nil {
			return err
		}
		now := c.now()
		inst = store.Instance{ID: newID("si-"), TenantID: caller.TenantID, ServiceID: req.ServiceId, ServiceVersion: v.Version,
			PlanName: req.PlanName, Name: req.Name, Status: api.InstanceCreated, StatusDetail: "provisioning is queued",
			Parameters: mustJSON(params), Outputs: []byte("{}"), Tags: mustJSON(normalizeTags(req.Tags)), CreateTime: now, UpdateTime: now}
		if req.DryRun {
			inst.ID, inst.Status, inst.StatusDetail = "", "", "dry run: the order is valid and was not placed"
			return nil
		}
		created = true
		op := store.Operation{ID: provision.NewOperationID(), InstanceID: inst.ID, Type: api.OperationProvision, State: api.OperationPending,
			PlanName: req.PlanName, Parameters: inst.Parameters, PreviousValues: []byte("{}"), Description: "queued", CreateTime: now, UpdateTime: now}
		inst.LastOperation = provision.Summary(op)
		if err := q.CreateInstance(ctx, inst); err != nil {
			return fmt.Errorf("create instance: %w", err)
		}
		inst.Revision = 1
		if err := q.CreateOperation(ctx, op); err != nil {
			return fmt.Errorf("queue provision operation: %w", err)
		}
		return c.rememberIdempotent(ctx, q, caller.TenantID, "service-instance", idemKey, hash, inst.ID)
	})
	if err != nil {
		return out, "", false, err
	}
	if created {
		c.queued()
	}
	out, err = instanceView(inst)
	return out, etag(inst.Revision), created, err
}

// loadInstance reads an instance of the caller's tenant, guarded by an If-Match header
// (empty: no guard); other tenants' instances and deleted ones are NotFound.
func loadInstance(ctx context.Context, q store.Queries, caller Caller, id, ifMatch string) (store.Instance, error) {
	inst, err := q.GetInstance(ctx, id)
	if err == nil && (inst.TenantID != caller.TenantID || inst.Status == api.InstanceDeleted) {
		err = store.ErrNotFound
	}
	if err != nil {
		return inst, storeErr(err, "ServiceInstance", id)
	}
	return inst, checkIfMatch(ifMatch, etag(inst.Revision), "service instance "+id)
}

// GetInstance reads one of the caller's instances.
func (c *Catalog) GetInstance(ctx context.Context, caller Caller, id string) (api.ServiceInstance, string, error) {
	inst, err := loadInstance(ctx, c.store, caller, id, "")
	if err != nil {
		return api.ServiceInstance{}, "", err
	}
	out, err := instanceView(inst)
	return out, etag(inst.Revision), err
}

// InstanceQuery filters GET /v1/service-instances ("my instances").
type InstanceQuery struct {
	ServiceId string
	Status    string
	PlanName  string
	Name      string
	Page
}

// ListInstances lists the caller's instances, oldest first. Deleted instances are listed only
// when asked for by Status.
func (c *Catalog) ListInstances(ctx context.Context, caller Caller, query InstanceQuery) (api.ListServiceInstancesResponse, error) {
	out := api.ListServiceInstancesResponse{ServiceInstances: []api.ServiceInstance{}}
	limit, after, err := query.bounds()
	if err != nil {
		return out, err
	}
	rows, err := c.store.ListInstances(ctx, store.InstanceFilter{TenantID: caller.TenantID, ServiceID: query.ServiceId,
		Status: query.Status, PlanName: query.PlanName, Name: query.Name, After: after, Limit: limit + 1})
	if err != nil {
		return out, fmt.Errorf("list instances: %w", err)
	}
	out.MaxResults = limit
	if len(rows) > limit {
		rows = rows[:limit]
		out.NextToken = nextToken(rows[limit-1].CreateTime, rows[limit-1].ID)
	}
	for _, r := range rows {
		v, err := instanceView(r)
		if err != nil {
			return out, err
		}
		out.ServiceInstances = append(out.ServiceInstances, v)
	}
	return out, nil
}

// activeOperation returns the newest operation of an instance if it is still Pending or
// InProgress, and whether the instance was ever provisioned.
func activeOperation(ctx context.Context, q store.Queries, instanceID string) (active *store.Operation, provisioned bool, err error) {
	ops, err := q.ListOperations(ctx, instanceID)
	if err != nil {
		return nil, false, fmt.Errorf("list operations of %s: %w", instanceID, err)
	}
	for _, o := range ops {
		if o.Type == api.OperationProvision && o.State == api.OperationSucceeded {
			provisioned = true
		}
	}
	if len(ops) == 0 {
		return nil, provisioned, nil
	}
	last := ops[len(ops)-1]
	if last.State == api.OperationPending || last.State == api.OperationInProgress {
		return &last, provisioned, nil
	}
	return nil, provisioned, nil
}

// UpdateInstance changes an instance's plan, parameters, name or tags. Parameters, when
// given, is the complete set of purchaser-set values, checked against the (new) plan and
// the instance's current values (changed: false). A change to plan or parameters is queued
// as an Update operation carrying only what changed; while provisioning has not started, it
// is folded into the queued Provision instead. One broker operation runs at a time: a change
// during another is a conflict.
func (c *Catalog) UpdateInstance(ctx context.Context, caller Caller, id string, req api.UpdateServiceInstanceRequest, ifMatch string) (api.ServiceInstance, string, error) {
	if req.Name != nil {
		if err := validateInstanceName(*req.Name); err != nil {
			return api.ServiceInstance{}, "", err
		}
	}
	if req.Tags != nil {
		if err := validateTags(req.Tags); err != nil {
			return api.ServiceInstance{}, "", err
		}
	}
	var inst store.Instance
	err := c.store.InTx(ctx, func(q store.Queries) error {
		var err error
		inst, err = loadInstance(ctx, q, caller, id, ifMatch)
		if err != nil {
			return err
		}
		var current map[string]any
		if err := decodeJSON(inst.Parameters, &current); err != nil {
			return err
		}
		planName := inst.PlanName
		if req.PlanName != nil {
			planName = *req.PlanName
		}
		planChanged := planName != inst.PlanName
		paramsChanged := false
		next := current
		if req.Parameters != nil || planChanged {
			plan, err := orderPlan(ctx, q, inst.ServiceID, planName)
			if err != nil {
				return err
			}
			requested := req.Parameters
			if requested == nil {
				// Only the plan changes: keep the values the purchaser could set before.
				requested = purchaserValues(planName, plan, current)
			}
			if next, err = planspec.ResolveParameters(planName, plan, requested, current); err != nil {
				return err
			}
			paramsChanged = !sameParameters(current, next)
		}
		if req.DryRun {
			inst.PlanName, inst.Parameters = planName, mustJSON(next)
			inst.StatusDetail = "dry run: the change is valid and was not made"
			return nil
		}
		now := c.now()
		if req.Name != nil {
			inst.Name = *req.Name
		}
		if req.Tags != nil {
			inst.Tags = mustJSON(normalizeTags(req.Tags))
		}
		if planChanged || paramsChanged {
			if err := c.queueChange(ctx, q, &inst, planName, current, next); err != nil {
				return err
			}
		}
		return saveInstance(ctx, q, &inst, now)
	})
	if err != nil {
		return api.ServiceInstance{}, "", err
	}
	c.queued()
	out, err := instanceView(inst)
	return out, etag(inst.Revision), err
}

// queueChange records a plan or parameter change of inst for the broker.
func (c *Catalog) queueChange(ctx context.Context, q store.Queries, inst *store.Instance, planName string, current, next map[string]any) error {
	now := c.now()
	active, provisioned, err := activeOperation(ctx, q, inst.ID)
	if err != nil {
		return err
	}
	if active != nil && active.Type == api.OperationProvision && active.State == api.OperationPending {
		// Nothing has reached the broker yet: provision the new values instead.
		active.PlanName, active.Parameters, active.UpdateTime = planName, mustJSON(next), now
		if err := q.UpdateOperation(ctx, *active); err != nil {
			return storeErr(err, "Operation", active.ID)
		}
		inst.PlanName, inst.Parameters, inst.LastOperation = planName, mustJSON(next), provision.Summary(*active)
		return nil
	}
	if active != nil {
		return Conflict("OperationConflict", "service instance %s has a %s operation %s; retry when it has finished",
			inst.ID, active.Type, operationState(active.State))
	}
	switch {
	case inst.Status == api.InstanceDeployedFailed && !provisioned:
		return Conflict("IncorrectInstanceStatus", "service instance %s was never provisioned (%s); delete it and order again", inst.ID, inst.StatusDetail)
	case inst.Status != api.InstanceDeployed && inst.Status != api.InstanceDeployedFailed:
		return Conflict("IncorrectInstanceStatus", "service instance %s is %s and cannot be changed now", inst.ID, inst.Status)
	}
	changed, previous := map[string]any{}, map[string]any{}
	for k, v := range next {
		if old, ok := current[k]; !ok || fmt.Sprint(old) != fmt.Sprint(v) {
			changed[k] = v
			if ok {
				previous[k] = old
			}
		}
	}
	for k, old := range current {
		if _, ok := next[k]; !ok {
			previous[k] = old
		}
	}
	op := store.Operation{ID: provision.NewOperationID(), InstanceID: inst.ID, Type: api.OperationUpdate, State: api.OperationPending,
		PlanName: planName, Parameters: mustJSON(changed), PreviousValues: mustJSON(map[string]any{"PlanName": inst.PlanName, "Parameters": previous}),
		CreateTime: now, UpdateTime: now}
	if err := q.CreateOperation(ctx, op); err != nil {
		return fmt.Errorf("queue update operation: %w", err)
	}
	// The instance keeps its applied plan and values until the broker has taken the change.
	inst.Status, inst.StatusDetail, inst.Progress, inst.LastOperation = api.InstanceUpgrading, "update is queued", 0, provision.Summary(op)
	return nil
}

// operationState words an active operation's state for messages.
func operationState(state string) string {
	if state == api.OperationPending {
		return "queued"
	}
	return "in progress"
}

// purchaserValues keeps the values a purchaser could set under plan (the custom plan, keys
// that are not read_only), so that a change of plan alone carries them over. Other plans
// take all their values from the plan.
func purchaserValues(planName string, plan api.PutPlanRequest, current map[string]any) map[string]any {
	out := map[string]any{}
	if planName != planspec.CustomPlanName {
		return out
	}
	for k, spec := range plan.Metadata {
		if v, ok := current[k]; ok && !*spec.ReadOnly {
			if _, err := planspec.ConvertValue(spec.Type, v); err == nil {
				out[k] = v
			}
		}
	}
	return out
}

func sameParameters(a, b map[string]any) bool {
	return maps.EqualFunc(a, b, func(x, y any) bool { return fmt.Sprint(x) == fmt.Sprint(y) })
}

// DeleteInstance deletes an instance. If provisioning has not started, the queued Provision
// is canceled and the instance is Deleted at once; otherwise a Deprovision is queued and the
// instance is Deleting. accepted tells whether work was queued.
func (c *Catalog) DeleteInstance(ctx context.Context, caller Caller, id, ifMatch string) (out api.ServiceInstance, accepted bool, err error) {
	var inst store.Instance
	err = c.store.InTx(ctx, func(q store.Queries) error {
		var err error
		inst, err = loadInstance(ctx, q, caller, id, ifMatch)
		if err != nil {
			return err
		}
		active, _, err := activeOperation(ctx, q, id)
		if err != nil {
			return err
		}
		now := c.now()
		switch {
		case active != nil && active.Type == api.OperationProvision && active.State == api.OperationPending:
			active.State, active.Description, active.UpdateTime = api.OperationCanceled, "canceled: the instance was deleted before provisioning started", now
			if err := q.UpdateOperation(ctx, *active); err != nil {
				return storeErr(err, "Operation", active.ID)
			}
			inst.Status, inst.StatusDetail, inst.Progress, inst.LastOperation = api.InstanceDeleted, "deleted before provisioning started", 0, provision.Summary(*active)
		case active != nil && active.Type == api.OperationOrphanMitigation:
			// Orphan mitigation is already deleting the instance at the broker: it becomes
			// the instance's deprovisioning.
			active.Type, active.UpdateTime = api.OperationDeprovision, now
			if err := q.UpdateOperation(ctx, *active); err != nil {
				return storeErr(err, "Operation", active.ID)
			}
			inst.Status, inst.StatusDetail, inst.Progress, inst.LastOperation = api.InstanceDeleting, "deleting at the broker", 0, provision.Summary(*active)
			accepted = true
		case active != nil && active.Type == api.OperationDeprovision:
			accepted = true // already being deleted: the retry succeeds
			return nil
		case active != nil:
			return Conflict("OperationConflict", "service instance %s has a %s operation %s; delete it when that has finished",
				id, active.Type, operationState(active.State))
		default:
			op := store.Operation{ID: provision.NewOperationID(), InstanceID: id, Type: api.OperationDeprovision, State: api.OperationPending,
				PlanName: inst.PlanName, Parameters: []byte("{}"), PreviousValues: []byte("{}"), Description: "queued", CreateTime: now, UpdateTime: now}
			if err := q.CreateOperation(ctx, op); err != nil {
				return fmt.Errorf("queue deprovision operation: %w", err)
			}
			inst.Status, inst.StatusDetail, inst.Progress, inst.LastOperation = api.InstanceDeleting, "deprovisioning is queued", 0, provision.Summary(op)
			accepted = true
		}
		return saveInstance(ctx, q, &inst, now)
	})
	if err != nil {
		return out, false, err
	}
	if accepted {
		c.queued()
	}
	out, err = instanceView(inst)
	return out, accepted, err
}

// ListOperations returns an instance's operation history, oldest first.
func (c *Catalog) ListOperations(ctx context.Context, caller Caller, id string) ([]api.Operation, error) {
	out := []api.Operation{}
	inst, err := c.store.GetInstance(ctx, id)
	if err == nil && inst.TenantID != caller.TenantID {
		err = store.ErrNotFound
	}
	if err != nil {
		return out, storeErr(err, "ServiceInstance", id)
	}
	ops, err := c.store.ListOperations(ctx, id)
	if err != nil {
		return out, fmt.Errorf("list operations of %s: %w", id, err)
	}
	for _, o := range ops {
		v := api.Operation{OperationId: o.ID, ServiceInstanceId: o.InstanceID, Type: o.Type, State: o.State, PlanName: o.PlanName,
			Description: o.Description, CreateTime: formatTime(o.CreateTime), UpdateTime: formatTime(o.UpdateTime)}
		if err := decodeJSON(o.Parameters, &v.Parameters); err != nil {
			return out, err
		}
		if err := decodeJSON(o.PreviousValues, &v.PreviousValues); err != nil {
			return out, err
		}
		api.FillEmpty(&v)
		out = append(out, v)
	}
	return out, nil
}

// saveInstance writes inst (if nobody changed it since it was read) and moves its revision
// on as the store did.
func saveInstance(ctx context.Context, q store.Queries, inst *store.Instance, now time.Time) error {
	inst.UpdateTime = now
	if err := q.UpdateInstance(ctx, *inst); err != nil {
		return storeErr(err, "ServiceInstance", inst.ID)
	}
	inst.Revision++
	return nil
}

func instanceView(i store.Instance) (api.ServiceInstance, error) {
	out := api.ServiceInstance{ServiceInstanceId: i.ID, Name: i.Name, ServiceId: i.ServiceID, ServiceVersion: strconv.Itoa(i.ServiceVersion),
		PlanName: i.PlanName, Status: i.Status, Progress: int64(i.Progress), StatusDetail: i.StatusDetail,
		CreateTime: formatTime(i.CreateTime), UpdateTime: formatTime(i.UpdateTime)}
	for _, f := range []struct {
		data []byte
		into any
	}{{i.Parameters, &out.Parameters}, {i.Outputs, &out.Outputs}, {i.Tags, &out.Tags}, {i.LastOperation, &out.LastOperation}} {
		if err := decodeJSON(f.data, f.into); err != nil {
			return out, fmt.Errorf("instance %s: %w", i.ID, err)
		}
	}
	api.FillEmpty(&out)
	return out, nil
}
