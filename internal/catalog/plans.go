package catalog

import (
	"context"
	"errors"
	"fmt"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/planspec"
	"github.com/opencatalog/terraform-provider-catalog/internal/store"
)

// PutPlan creates or replaces a plan of a service the caller owns. Plans are not versioned
// with the service: a change applies to orders from then on, while existing instances keep
// their parameters. created tells whether the plan is new.
func (c *Catalog) PutPlan(ctx context.Context, caller Caller, serviceID, name string, req api.PutPlanRequest, ifMatch string) (plan api.Plan, tag string, created bool, err error) {
	spec, err := planspec.NormalizePlan(name, req)
	if err != nil {
		return plan, "", false, err
	}
	// A broker-provisioned service's plans must all be plans the broker offers. The broker is
	// read outside the transaction, so that a slow broker holds no lock.
	if err := c.checkBroker(ctx, caller, serviceID, &store.Plan{ServiceID: serviceID, Name: name, Spec: mustJSON(spec)}); err != nil {
		return plan, "", false, err
	}
	err = c.store.InTx(ctx, func(q store.Queries) error {
		if _, _, err := c.loadOwnService(ctx, q, caller, serviceID); err != nil {
			return err
		}
		now := c.now()
		p, err := q.GetPlan(ctx, serviceID, name)
		switch {
		case errors.Is(err, store.ErrNotFound):
			created = true
			if ifMatch != "" && ifMatch != "*" {
				return PreconditionFailed("plan " + name)
			}
			p = store.Plan{ServiceID: serviceID, Name: name, CreateTime: now}
		case err != nil:
			return storeErr(err, "Plan", name)
		default:
			if err := checkIfMatch(ifMatch, etag(p.Revision), "plan "+name); err != nil {
				return err
			}
		}
		p.Spec, p.UpdateTime = mustJSON(spec), now
		if err := q.PutPlan(ctx, p); err != nil {
			return storeErr(err, "Plan", name)
		}
		p, err = q.GetPlan(ctx, serviceID, name)
		if err != nil {
			return storeErr(err, "Plan", name)
		}
		plan, err = planView(p)
		tag = etag(p.Revision)
		return err
	})
	return plan, tag, created, err
}

// GetPlan reads a plan of a service the caller can see: consumers read plans to order.
func (c *Catalog) GetPlan(ctx context.Context, caller Caller, serviceID, name string) (api.Plan, string, error) {
	var plan api.Plan
	var tag string
	err := c.store.ReadTx(ctx, func(q store.Queries) error {
		if _, _, err := c.loadService(ctx, q, caller, serviceID); err != nil {
			return err
		}
		p, err := q.GetPlan(ctx, serviceID, name)
		if err != nil {
			return storeErr(err, "Plan", name)
		}
		plan, err = planView(p)
		tag = etag(p.Revision)
		return err
	})
	return plan, tag, err
}

// ListPlans lists the plans of a service the caller can see, by name.
func (c *Catalog) ListPlans(ctx context.Context, caller Caller, serviceID string) ([]api.Plan, error) {
	out := []api.Plan{}
	err := c.store.ReadTx(ctx, func(q store.Queries) error {
		if _, _, err := c.loadService(ctx, q, caller, serviceID); err != nil {
			return err
		}
		plans, err := q.ListPlans(ctx, serviceID)
		if err != nil {
			return fmt.Errorf("list plans of %s: %w", serviceID, err)
		}
		for _, p := range plans {
			v, err := planView(p)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// DeletePlan deletes a plan no live instance uses.
func (c *Catalog) DeletePlan(ctx context.Context, caller Caller, serviceID, name, ifMatch string) error {
	return c.store.InTx(ctx, func(q store.Queries) error {
		if _, _, err := c.loadOwnService(ctx, q, caller, serviceID); err != nil {
			return err
		}
		p, err := q.GetPlan(ctx, serviceID, name)
		if err != nil {
			return storeErr(err, "Plan", name)
		}
		if err := checkIfMatch(ifMatch, etag(p.Revision), "plan "+name); err != nil {
			return err
		}
		n, err := q.CountPlanInstances(ctx, serviceID, name)
		if err != nil {
			return fmt.Errorf("count instances of plan %s: %w", name, err)
		}
		if n > 0 {
			return Conflict("PlanHasInstances", "plan %q of service %s has %d instance(s) that are not deleted; delete them or move them to another plan first", name, serviceID, n)
		}
		return storeErr(q.DeletePlan(ctx, serviceID, name), "Plan", name)
	})
}

func decodePlan(p store.Plan) (api.PutPlanRequest, error) {
	var spec api.PutPlanRequest
	if err := decodeJSON(p.Spec, &spec); err != nil {
		return spec, fmt.Errorf("plan %s of %s: %w", p.Name, p.ServiceID, err)
	}
	return spec, nil
}

func planView(p store.Plan) (api.Plan, error) {
	spec, err := decodePlan(p)
	if err != nil {
		return api.Plan{}, err
	}
	out := api.Plan{
		ServiceId: p.ServiceID, Name: p.Name, Description: spec.Description, Metadata: spec.Metadata,
		Blueprint: spec.Blueprint, BlueprintId: planspec.ResolveBlueprint(p.Name, spec.Blueprint).ID(),
		MeteringItems: spec.MeteringItems, BrokerPlanName: spec.BrokerPlanName,
		CreateTime: formatTime(p.CreateTime), UpdateTime: formatTime(p.UpdateTime), Warnings: planspec.PlanWarnings(spec),
	}
	api.FillEmpty(&out)
	return out, nil
}
