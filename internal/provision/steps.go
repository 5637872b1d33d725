package provision

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/osb"
)

// result is the outcome of one step.
type result struct {
	state    string // "" while the operation goes on; else Succeeded or Failed
	message  string
	progress int           // while going on
	next     time.Duration // while going on: when to take the next step
	mitigate bool          // a failed provision: delete what the broker may have made
	usable   bool          // a failed update: the instance still works as before
}

func running(msg string, progress int, next time.Duration) result {
	return result{message: msg, progress: progress, next: next}
}

func succeeded(msg string) result { return result{state: api.OperationSucceeded, message: msg} }

func failed(msg string, mitigate bool) result {
	return result{state: api.OperationFailed, message: msg, mitigate: mitigate}
}

// step takes the next step of j's operation.
func (w *Worker) step(ctx context.Context, j *job) result {
	if j.work.Started.IsZero() {
		j.work.Started = w.now()
		j.work.Deadline = j.work.Started.Add(w.cfg.MaxPollingDuration)
	}
	if j.work.Phase == phasePolling {
		return w.poll(ctx, j)
	}
	switch j.op.Type {
	case api.OperationProvision:
		return w.provision(ctx, j)
	case api.OperationUpdate:
		return w.update(ctx, j)
	case api.OperationDeprovision, api.OperationOrphanMitigation:
		return w.deprovision(ctx, j)
	}
	return failed(fmt.Sprintf("unknown operation type %q", j.op.Type), false)
}

// resolveOrRetry reads the broker's ids; a broker that cannot be read is retried, a plan
// the broker does not offer fails the operation.
func (w *Worker) resolveOrRetry(ctx context.Context, j *job) (result, bool) {
	err := w.resolve(ctx, j)
	if err == nil {
		return result{}, true
	}
	var perm permanentError
	if errors.As(err, &perm) {
		return failed(err.Error(), false), false
	}
	return w.retry(j, err.Error(), false), false
}

func (w *Worker) provision(ctx context.Context, j *job) result {
	if r, ok := w.resolveOrRetry(ctx, j); !ok {
		return r
	}
	var params map[string]any
	if err := decode(j.inst.Parameters, &params); err != nil {
		return failed(err.Error(), false)
	}
	resp, err := w.broker.Provision(ctx, j.broker, j.inst.ID, osb.ProvisionRequest{
		ServiceID: j.work.ServiceID, PlanID: j.work.PlanID, Context: j.context(),
		OrganizationGUID: j.tenant.ID, SpaceGUID: j.tenant.ID, Parameters: params})
	if err != nil {
		return w.transportFailure(j, "provision", err, true)
	}
	switch {
	case resp.Status == 200 || resp.Status == 201:
		var a osb.AsyncAnswer
		if err := resp.Decode(&a); err != nil {
			// A malformed 201 may hide a created instance; a malformed 200 is only a failure.
			return failed(err.Error(), resp.Status == 201)
		}
		j.work.keepAnswer(a)
		return w.done(ctx, j, "deployed")
	case resp.Status == 202:
		var a osb.AsyncAnswer
		if err := resp.Decode(&a); err != nil {
			return failed(err.Error(), true)
		}
		j.work.keepAnswer(a)
		return w.accepted(j, a, resp.RetryAfter, "the broker accepted the provision request")
	case resp.Status >= 200 && resp.Status < 300:
		return failed(fmt.Sprintf("broker answered HTTP %d, which is not a provision result (200, 201 or 202)", resp.Status), true)
	}
	return w.rejected(j, resp, "provision")
}

func (w *Worker) update(ctx context.Context, j *job) result {
	if r, ok := w.resolveOrRetry(ctx, j); !ok {
		return r
	}
	var params map[string]any
	if err := decode(j.op.Parameters, &params); err != nil {
		return failed(err.Error(), false)
	}
	req := osb.UpdateRequest{ServiceID: j.work.ServiceID, Context: j.context(), Parameters: params,
		PreviousValues: osb.PreviousValues{ServiceID: j.work.ServiceID, PlanID: j.work.PreviousPlanID}}
	if j.work.PlanID != j.work.PreviousPlanID {
		req.PlanID = j.work.PlanID
	}
	resp, err := w.broker.Update(ctx, j.broker, j.inst.ID, req)
	if err != nil {
		return w.transportFailure(j, "update", err, false)
	}
	switch {
	case resp.Status == 200:
		var a osb.AsyncAnswer
		if err := resp.Decode(&a); err != nil {
			return w.updateFailed(err.Error(), osb.ErrorBody{})
		}
		j.work.keepAnswer(a)
		return w.done(ctx, j, "updated")
	case resp.Status == 202:
		var a osb.AsyncAnswer
		if err := resp.Decode(&a); err != nil {
			return w.updateFailed(err.Error(), osb.ErrorBody{})
		}
		j.work.keepAnswer(a)
		return w.accepted(j, a, resp.RetryAfter, "the broker accepted the update")
	case resp.Status >= 200 && resp.Status < 300:
		return w.updateFailed(fmt.Sprintf("broker answered HTTP %d, which is not an update result (200 or 202)", resp.Status), osb.ErrorBody{})
	}
	return w.rejected(j, resp, "update")
}

// deprovision deletes the instance at the broker (for a Deprovision, or to mitigate an
// orphan). Deleting is safe to repeat, so failures that may be passing are retried.
func (w *Worker) deprovision(ctx context.Context, j *job) result {
	if ids := j.instBroker(); ids.ServiceID != "" && j.work.ServiceID == "" {
		// The instance's own ids are what the broker knows it by; the catalog is read only
		// for the plan's maximum polling duration, and may fail.
		_ = w.resolve(ctx, j)
		j.work.ServiceID, j.work.PlanID, j.work.PreviousPlanID = ids.ServiceID, ids.PlanID, ids.PlanID
	}
	if r, ok := w.resolveOrRetry(ctx, j); !ok {
		return r
	}
	resp, err := w.broker.Deprovision(ctx, j.broker, j.inst.ID, j.work.ServiceID, j.work.PlanID)
	if err != nil {
		return w.retry(j, fmt.Sprintf("the broker did not answer the delete request: %v", err), false)
	}
	switch {
	case resp.Status == 200:
		var a osb.AsyncAnswer
		if err := resp.Decode(&a); err != nil {
			return w.deleteFailed(j, err.Error())
		}
		return succeeded("deleted")
	case resp.Status == 410:
		return succeeded("deleted (the broker no longer had the instance)")
	case resp.Status == 202:
		var a osb.AsyncAnswer
		if err := resp.Decode(&a); err != nil {
			return w.retry(j, err.Error(), false)
		}
		return w.accepted(j, a, resp.RetryAfter, "the broker accepted the delete request")
	case resp.Status >= 500 || resp.Status < 300:
		_, msg := resp.Failure()
		return w.retry(j, msg, false)
	}
	return w.rejected(j, resp, "delete")
}

// accepted moves an operation the broker took asynchronously to polling.
func (w *Worker) accepted(j *job, a osb.AsyncAnswer, retryAfter time.Duration, msg string) result {
	j.work.Phase, j.work.Attempts = phasePolling, 0
	if a.Operation != nil {
		j.work.BrokerOperation = *a.Operation
	}
	return running(msg, max(j.work.Progress, 10), w.pollDelay(j, retryAfter))
}

// rejected handles a 4xx or 5xx answer to a provision, update or delete request, as the
// spec's orphan mitigation table says.
func (w *Worker) rejected(j *job, resp *osb.Response, what string) result {
	body, msg := resp.Failure()
	switch {
	case resp.Status == 422 && body.Error == "ConcurrencyError":
		// Another operation on the instance is under way at the broker: wait, never mitigate.
		return w.retry(j, msg+" (another operation on this instance is under way at the broker)", false)
	case resp.Status == 408:
		// The broker did not receive the request: sending it again is safe.
		return w.retry(j, msg+" (request timeout: the broker did not receive the request)", false)
	case what == "update":
		return w.updateFailed(msg, body)
	case what == "delete":
		return w.deleteFailed(j, msg)
	case resp.Status == 409:
		return failed(msg+" (the broker has an instance with this id and other attributes)", false)
	}
	return failed(msg, resp.Status >= 500)
}

// transportFailure handles a request that got no answer. A request that never left is
// retried; a provision that may have reached the broker is mitigated.
func (w *Worker) transportFailure(j *job, what string, err error, mitigate bool) result {
	var te *osb.TransportError
	if errors.As(err, &te) && te.NotSent() {
		return w.retry(j, fmt.Sprintf("could not reach the broker: %v", err), false)
	}
	msg := fmt.Sprintf("the broker did not answer the %s request: %v", what, err)
	if what == "update" {
		return w.updateFailed(msg, osb.ErrorBody{})
	}
	return failed(msg, mitigate)
}

func (w *Worker) updateFailed(msg string, body osb.ErrorBody) result {
	r := failed(msg, false)
	r.usable = body.InstanceUsable == nil || *body.InstanceUsable
	if body.UpdateRepeatable != nil && !*body.UpdateRepeatable {
		r.message += " (the broker says repeating this update will fail again)"
	}
	return r
}

func (w *Worker) deleteFailed(j *job, msg string) result {
	if j.op.Type == api.OperationOrphanMitigation {
		return w.retry(j, msg, false)
	}
	return failed(msg, false)
}

// poll asks the broker how an asynchronous operation is going.
func (w *Worker) poll(ctx context.Context, j *job) result {
	deleting := j.op.Type == api.OperationDeprovision || j.op.Type == api.OperationOrphanMitigation
	if j.op.Type != api.OperationOrphanMitigation && w.now().After(j.work.Deadline) {
		msg := fmt.Sprintf("the broker did not finish within the maximum polling duration (%s)", j.work.Deadline.Sub(j.work.Started).Round(time.Second))
		if j.op.Type == api.OperationUpdate {
			return w.updateFailed(msg, osb.ErrorBody{})
		}
		return failed(msg, j.op.Type == api.OperationProvision)
	}
	resp, err := w.broker.LastOperationOf(ctx, j.broker, j.inst.ID, j.work.ServiceID, j.work.PreviousPlanID, j.work.BrokerOperation)
	if err != nil {
		return running(fmt.Sprintf("could not poll the broker (will try again): %v", err), j.work.Progress, w.pollDelay(j, 0))
	}
	switch {
	case resp.Status == 410 && deleting, resp.Status == 404 && deleting:
		return succeeded("deleted (the broker no longer has the instance)")
	case resp.Status == 404:
		return failed("the broker no longer knows the instance (last_operation answered 404)", false)
	case resp.Status != 200:
		_, msg := resp.Failure()
		return running(msg+" while polling (will try again)", j.work.Progress, w.pollDelay(j, resp.RetryAfter))
	}
	// A malformed answer is a failure but, unlike a reported failure, needs no mitigation.
	var last osb.LastOperation
	if err := resp.Decode(&last); err != nil {
		return w.pollFailed(j, err.Error(), osb.ErrorBody{}, false)
	}
	switch last.State {
	case osb.StateInProgress:
		msg := last.Description
		if msg == "" {
			msg = "in progress at the broker"
		}
		return running(msg, nextProgress(j.work.Progress, last.Description), w.pollDelay(j, resp.RetryAfter))
	case osb.StateSucceeded:
		if deleting {
			return succeeded(orDefault(last.Description, "deleted"))
		}
		return w.done(ctx, j, orDefault(last.Description, "done"))
	case osb.StateFailed:
		msg := "the broker reports the operation failed"
		if last.Description != "" {
			msg += ": " + last.Description
		}
		return w.pollFailed(j, msg, osb.ErrorBody{InstanceUsable: last.InstanceUsable, UpdateRepeatable: last.UpdateRepeatable}, true)
	}
	return w.pollFailed(j, fmt.Sprintf("the broker answered last_operation with the unknown state %q", last.State), osb.ErrorBody{}, false)
}

func (w *Worker) pollFailed(j *job, msg string, body osb.ErrorBody, mitigate bool) result {
	switch j.op.Type {
	case api.OperationUpdate:
		return w.updateFailed(msg, body)
	case api.OperationDeprovision, api.OperationOrphanMitigation:
		// Delete again from the start.
		j.work.Phase, j.work.BrokerOperation = "", ""
		return w.deleteFailed(j, msg)
	}
	return failed(msg, mitigate)
}

// done finishes a provision or update that succeeded: when the broker's instances can be
// fetched, the instance as the broker reports it joins the outputs.
func (w *Worker) done(ctx context.Context, j *job, msg string) result {
	if j.work.Retrievable {
		fetched, err := w.fetch(ctx, j)
		if err != nil {
			msg += "; the instance could not be read back from the broker: " + err.Error()
		} else {
			j.work.output("instance", fetched)
		}
	}
	return succeeded(msg)
}

// fetch reads the instance as the broker reports it.
func (w *Worker) fetch(ctx context.Context, j *job) (map[string]any, error) {
	resp, err := w.broker.FetchInstance(ctx, j.broker, j.inst.ID, j.work.ServiceID, j.work.PlanID)
	if err != nil {
		return nil, err
	}
	if resp.Status != 200 {
		_, msg := resp.Failure()
		return nil, errors.New(msg)
	}
	var fetched map[string]any
	return fetched, resp.Decode(&fetched)
}

// keepAnswer keeps the outputs of a provision or update answer.
func (wk *work) keepAnswer(a osb.AsyncAnswer) {
	if a.DashboardURL != nil && *a.DashboardURL != "" {
		wk.output("dashboard_url", *a.DashboardURL)
	}
	if len(a.Metadata) > 0 && string(a.Metadata) != "null" {
		var md any
		if decode(a.Metadata, &md) == nil {
			wk.output("metadata", md)
		}
	}
}

func (wk *work) output(key string, v any) {
	if wk.Outputs == nil {
		wk.Outputs = map[string]any{}
	}
	wk.Outputs[key] = v
}

// retry schedules a request again after a backoff, unless that would pass the operation's
// deadline (orphan mitigation has none: it keeps trying).
func (w *Worker) retry(j *job, msg string, mitigate bool) result {
	delay := w.backoff(j.work.Attempts)
	j.work.Attempts++
	if j.op.Type != api.OperationOrphanMitigation && w.now().Add(delay).After(j.work.Deadline) {
		msg += fmt.Sprintf("; gave up after %d attempts over %s", j.work.Attempts, w.now().Sub(j.work.Started).Round(time.Second))
		if j.op.Type == api.OperationUpdate {
			return w.updateFailed(msg, osb.ErrorBody{})
		}
		return failed(msg, mitigate)
	}
	return running(fmt.Sprintf("%s; retrying in %s", msg, delay.Round(time.Millisecond)), j.work.Progress, delay)
}

// pollDelay is the wait before the next poll: what the broker asked for (Retry-After), or
// a backoff that grows with each poll.
func (w *Worker) pollDelay(j *job, retryAfter time.Duration) time.Duration {
	j.work.Polls++
	if retryAfter > 0 {
		return retryAfter
	}
	return w.backoff(j.work.Polls - 1)
}

func (w *Worker) backoff(n int) time.Duration {
	d := float64(w.cfg.PollInterval) * math.Pow(1.5, float64(n))
	return time.Duration(min(d, float64(w.cfg.MaxPollInterval)))
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// instBroker reads the broker ids stored on the instance.
func (j *job) instBroker() brokerIDs {
	var ids brokerIDs
	_ = decode(j.inst.Broker, &ids)
	return ids
}
