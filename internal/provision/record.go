package provision

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/store"
)

var errLostLease = errors.New("the operation's lease was lost; its step will be repeated")

// record writes a step's outcome to the operation and its instance, in one transaction, and
// releases the lease. It returns when the next step is due (0: none).
func (w *Worker) record(ctx context.Context, opID string, j *job, r result) (time.Duration, error) {
	if r.state == "" {
		j.work.Progress = r.progress
	}
	for attempt := 0; ; attempt++ {
		err := w.store.InTx(ctx, func(q store.Queries) error {
			op, err := q.GetOperation(ctx, opID)
			if err != nil {
				return fmt.Errorf("read operation: %w", err)
			}
			if op.LeaseOwner != w.id {
				return errLostLease
			}
			inst, err := q.GetInstance(ctx, op.InstanceID)
			if err != nil {
				return fmt.Errorf("read instance: %w", err)
			}
			now := w.now()
			op.State, op.Description, op.UpdateTime = api.OperationInProgress, r.message, now
			op.LeaseOwner, op.LeaseUntil, op.NextRun = "", time.Time{}, now.Add(r.next)
			if r.state != "" {
				op.State = r.state
			}
			op.Work = mustJSON(j.work)
			follow, err := w.apply(&op, &inst, j, r, now)
			if err != nil {
				return err
			}
			if err := q.UpdateOperation(ctx, op); err != nil {
				return err
			}
			inst.LastOperation = Summary(op)
			if follow != nil {
				if err := q.CreateOperation(ctx, *follow); err != nil {
					return fmt.Errorf("queue orphan mitigation: %w", err)
				}
				inst.LastOperation = Summary(*follow)
			}
			inst.UpdateTime = now
			return q.UpdateInstance(ctx, inst)
		})
		if errors.Is(err, store.ErrConflict) && attempt < 5 {
			continue // someone changed the instance (its name, say) meanwhile: apply again
		}
		if err != nil || r.state != "" {
			return 0, err
		}
		return r.next, nil
	}
}

// apply sets the instance's status, progress, detail and outputs from a step's outcome. A
// failed provision that needs orphan mitigation returns the operation that does it.
func (w *Worker) apply(op *store.Operation, inst *store.Instance, j *job, r result, now time.Time) (*store.Operation, error) {
	switch op.Type {
	case api.OperationProvision:
		switch r.state {
		case "":
			setStatus(inst, api.InstanceDeploying, r.progress, r.message)
		case api.OperationSucceeded:
			setStatus(inst, api.InstanceDeployed, 100, r.message)
			inst.Broker = mustJSON(brokerIDs{ServiceID: j.work.ServiceID, PlanID: j.work.PlanID})
			inst.Outputs = mustJSON(orEmpty(j.work.Outputs))
		case api.OperationFailed:
			setStatus(inst, api.InstanceDeployedFailed, inst.Progress, "provisioning failed: "+r.message)
			if j.work.ServiceID != "" {
				inst.Broker = mustJSON(brokerIDs{ServiceID: j.work.ServiceID, PlanID: j.work.PlanID})
			}
			if r.mitigate {
				inst.StatusDetail += ". The catalog is deleting at the broker whatever this attempt may have created (orphan mitigation)"
				mitigation := work{ServiceID: j.work.ServiceID, PlanID: j.work.PlanID, PreviousPlanID: j.work.PlanID, Cause: inst.StatusDetail}
				return &store.Operation{ID: NewOperationID(), InstanceID: inst.ID, Type: api.OperationOrphanMitigation, State: api.OperationPending,
					PlanName: op.PlanName, Parameters: []byte("{}"), PreviousValues: []byte("{}"), Description: "queued",
					Work: mustJSON(mitigation), NextRun: now, CreateTime: now, UpdateTime: now}, nil
			}
		}
	case api.OperationUpdate:
		switch r.state {
		case "":
			setStatus(inst, api.InstanceUpgrading, r.progress, r.message)
		case api.OperationSucceeded:
			params, err := updatedParameters(inst.Parameters, op.Parameters, op.PreviousValues)
			if err != nil {
				return nil, err
			}
			outputs := map[string]any{}
			if err := decode(inst.Outputs, &outputs); err != nil {
				return nil, err
			}
			for k, v := range j.work.Outputs {
				outputs[k] = v
			}
			inst.PlanName, inst.Parameters, inst.Outputs = op.PlanName, params, mustJSON(outputs)
			inst.Broker = mustJSON(brokerIDs{ServiceID: j.work.ServiceID, PlanID: j.work.PlanID})
			setStatus(inst, api.InstanceDeployed, 100, r.message)
		case api.OperationFailed:
			if r.usable {
				setStatus(inst, api.InstanceDeployed, 100, "update failed: "+r.message+"; the instance keeps its previous plan and parameters")
			} else {
				setStatus(inst, api.InstanceDeployedFailed, inst.Progress, "update failed: "+r.message+"; the broker says the instance is no longer usable")
			}
		}
	case api.OperationDeprovision:
		switch r.state {
		case "":
			setStatus(inst, api.InstanceDeleting, r.progress, r.message)
		case api.OperationSucceeded:
			setStatus(inst, api.InstanceDeleted, 100, r.message)
		case api.OperationFailed:
			setStatus(inst, api.InstanceDeletedFailed, inst.Progress, "deleting failed: "+r.message)
		}
	case api.OperationOrphanMitigation:
		cause := j.work.Cause
		switch r.state {
		case "":
			inst.StatusDetail = cause + ". Orphan mitigation: " + r.message
		case api.OperationSucceeded:
			inst.StatusDetail = cause + ". Orphan mitigation is done: " + r.message
		case api.OperationFailed:
			inst.StatusDetail = cause + ". Orphan mitigation failed: " + r.message + "; delete the instance to try again"
		}
	}
	return nil, nil
}

func setStatus(inst *store.Instance, status string, progress int, detail string) {
	inst.Status, inst.Progress, inst.StatusDetail = status, progress, detail
}

// updatedParameters applies an update's changed values to the instance's parameters: the
// operation carries the keys that changed; keys in its previous values that it does not
// carry were removed.
func updatedParameters(current, changed, previousValues []byte) ([]byte, error) {
	var params, delta map[string]any
	var prev struct{ Parameters map[string]any }
	for _, d := range []struct {
		data []byte
		into any
	}{{current, &params}, {changed, &delta}, {previousValues, &prev}} {
		if err := decode(d.data, d.into); err != nil {
			return nil, err
		}
	}
	if params == nil {
		params = map[string]any{}
	}
	for k := range prev.Parameters {
		if _, ok := delta[k]; !ok {
			delete(params, k)
		}
	}
	for k, v := range delta {
		params[k] = v
	}
	return mustJSON(params), nil
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
