package provision

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/osb"
	"github.com/opencatalog/terraform-provider-catalog/internal/planspec"
	"github.com/opencatalog/terraform-provider-catalog/internal/store"
)

// work is where an operation stands at the broker; it is stored with the operation (as
// its Work) after every step.
type work struct {
	// Phase is "" until the broker has accepted the request, then "polling".
	Phase           string `json:"phase,omitempty"`
	BrokerOperation string `json:"broker_operation,omitempty"`
	// The broker's ids of the offering and plan, and of the plan before an update.
	ServiceID      string    `json:"service_id,omitempty"`
	PlanID         string    `json:"plan_id,omitempty"`
	PreviousPlanID string    `json:"previous_plan_id,omitempty"`
	Retrievable    bool      `json:"instances_retrievable,omitempty"`
	Started        time.Time `json:"started"`
	Deadline       time.Time `json:"deadline"`
	Attempts       int       `json:"attempts,omitempty"`
	Progress       int       `json:"progress,omitempty"`
	Polls          int       `json:"polls,omitempty"`
	// Outputs gathered from the broker's answers so far.
	Outputs map[string]any `json:"outputs,omitempty"`
	// Cause is, for orphan mitigation, why the provision failed.
	Cause string `json:"cause,omitempty"`
}

const phasePolling = "polling"

// brokerIDs is an instance's Broker: the broker's ids it was provisioned (or updated) with.
type brokerIDs struct {
	ServiceID string `json:"service_id,omitempty"`
	PlanID    string `json:"plan_id,omitempty"`
}

// planRef is one of our plans as the broker knows it.
type planRef struct {
	name       string // ours
	brokerName string // the broker's
	blueprint  string // the resolved Blueprint id
}

// job is everything a step needs.
type job struct {
	op       store.Operation
	work     work
	inst     store.Instance
	tenant   store.Tenant
	broker   osb.Broker
	offering string // the broker's service name, if the supplier named one
	target   planRef
	previous planRef // the plan before an update (else the target)
}

// load reads what a step of op needs.
func (w *Worker) load(ctx context.Context, op store.Operation) (*job, error) {
	j := &job{op: op}
	if err := decode(op.Work, &j.work); err != nil {
		return j, err
	}
	err := w.store.ReadTx(ctx, func(q store.Queries) error {
		var err error
		if j.inst, err = q.GetInstance(ctx, op.InstanceID); err != nil {
			return fmt.Errorf("read instance %s: %w", op.InstanceID, err)
		}
		if j.tenant, err = q.GetTenant(ctx, j.inst.TenantID); err != nil {
			return fmt.Errorf("read tenant %s: %w", j.inst.TenantID, err)
		}
		svc, err := q.GetService(ctx, j.inst.ServiceID)
		if err != nil {
			return fmt.Errorf("read service %s: %w", j.inst.ServiceID, err)
		}
		var b api.Broker
		if err := decode(svc.Broker, &b); err != nil {
			return err
		}
		if b.Url == "" {
			return fmt.Errorf("service %s has no broker", svc.ID)
		}
		j.broker, j.offering = osb.Broker{URL: b.Url, Username: b.Username, Password: svc.BrokerPassword}, b.ServiceName
		if j.target, err = readPlanRef(ctx, q, svc.ID, op.PlanName); err != nil {
			return err
		}
		j.previous = j.target
		if op.Type == api.OperationUpdate {
			var prev struct{ PlanName string }
			if err := decode(op.PreviousValues, &prev); err != nil {
				return err
			}
			if prev.PlanName != "" && prev.PlanName != op.PlanName {
				j.previous, err = readPlanRef(ctx, q, svc.ID, prev.PlanName)
			}
		}
		return err
	})
	return j, err
}

// readPlanRef finds how the broker names one of our plans. A plan deleted since (only
// possible once no instance uses it) is taken to carry its own name.
func readPlanRef(ctx context.Context, q store.Queries, serviceID, name string) (planRef, error) {
	ref := planRef{name: name, brokerName: name, blueprint: planspec.ResolveBlueprint(name, "").ID()}
	p, err := q.GetPlan(ctx, serviceID, name)
	if errors.Is(err, store.ErrNotFound) {
		return ref, nil
	}
	if err != nil {
		return ref, fmt.Errorf("read plan %s: %w", name, err)
	}
	var spec api.PutPlanRequest
	if err := decode(p.Spec, &spec); err != nil {
		return ref, err
	}
	if spec.BrokerPlanName != "" {
		ref.brokerName = spec.BrokerPlanName
	}
	ref.blueprint = planspec.ResolveBlueprint(name, spec.Blueprint).ID()
	return ref, nil
}

// permanentError is a failure that retrying cannot mend (our plan has no match at the
// broker, say).
type permanentError struct{ error }

// resolve reads the broker's catalog, once per operation, for the ids of the offering and
// plans, whether instances can be fetched, and the plan's maximum polling duration.
func (w *Worker) resolve(ctx context.Context, j *job) error {
	if j.work.ServiceID != "" {
		return nil
	}
	cat, err := w.broker.GetCatalog(ctx, j.broker)
	if err != nil {
		return err
	}
	svc, err := cat.Service(j.offering)
	if err != nil {
		return permanentError{err}
	}
	plan, err := svc.Plan(j.target.brokerName)
	if err != nil {
		return permanentError{fmt.Errorf("plan %q: %w", j.target.name, err)}
	}
	j.work.ServiceID, j.work.PlanID, j.work.PreviousPlanID = svc.ID, plan.ID, plan.ID
	j.work.Retrievable = svc.InstancesRetrievable
	if plan.MaximumPollingDuration > 0 {
		j.work.Deadline = j.work.Started.Add(time.Duration(plan.MaximumPollingDuration) * time.Second)
	}
	if j.previous.brokerName != j.target.brokerName {
		prev, err := svc.Plan(j.previous.brokerName)
		if err != nil {
			return permanentError{fmt.Errorf("plan %q: %w", j.previous.name, err)}
		}
		if !svc.Updateable(prev) {
			return permanentError{fmt.Errorf("the broker does not allow changing the plan of instances of its plan %q (plan_updateable is false)", prev.Name)}
		}
		j.work.PreviousPlanID = prev.ID
	}
	return nil
}

// context is the OSB context sent with provision and update requests.
func (j *job) context() map[string]any {
	return map[string]any{
		"platform":        "opencatalog",
		"tenant_id":       j.tenant.ID,
		"tenant_name":     j.tenant.Name,
		"instance_id":     j.inst.ID,
		"instance_name":   j.inst.Name,
		"catalog_service": j.inst.ServiceID,
		"service_version": strconv.Itoa(j.inst.ServiceVersion),
		"plan_name":       j.target.name,
		"blueprint_id":    j.target.blueprint,
	}
}

func decode(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("decode stored %T: %w", v, err)
	}
	return nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("marshal %T: %v", v, err))
	}
	return b
}
