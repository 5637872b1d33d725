// Package provision is the platform side of the Open Service Broker API: a worker that
// carries out the durable operations the catalog queues for instances (provision, update,
// deprovision, orphan mitigation) at the service's broker.
//
// Each operation advances in steps: one step is one request to the broker, and its outcome
// is written to the database before the next step starts. A step holds a lease on its
// operation, so several catalogd processes on one database never act on the same operation;
// a crashed process's lease expires and another (or the restarted one) resumes from the last
// recorded step. Provision requests carry the instance's id, so a repeated request is the
// spec's idempotent re-PUT and nothing is provisioned twice.
package provision

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/osb"
	"github.com/opencatalog/terraform-provider-catalog/internal/store"
)

// Config tunes the worker. Zero values take the defaults.
type Config struct {
	// PollInterval is the first wait before polling an asynchronous operation (and before
	// retrying a request that could be retried); waits then grow to MaxPollInterval.
	PollInterval    time.Duration
	MaxPollInterval time.Duration
	// MaxPollingDuration bounds an operation when the broker's plan gives no
	// maximum_polling_duration.
	MaxPollingDuration time.Duration
	// BrokerTimeout bounds one request to a broker.
	BrokerTimeout time.Duration
	// Lease is how long a step may hold its operation; a crashed worker's operations are
	// resumed after it. A step makes up to three requests (catalog, the operation, reading
	// the instance back), so the default is three broker timeouts and 30 s. Should a step
	// outlive its lease, another worker may repeat it: every step is safe to repeat, and the
	// slower one's outcome is dropped.
	Lease time.Duration
	// Concurrency is how many operations run at once.
	Concurrency int
	// Scan is how often the queue is read for operations due (queued in this process,
	// the worker is woken at once).
	Scan time.Duration
}

// Defaults for Config.
const (
	DefaultPollInterval       = 500 * time.Millisecond
	DefaultMaxPollInterval    = 30 * time.Second
	DefaultMaxPollingDuration = 2 * time.Hour
	DefaultBrokerTimeout      = 60 * time.Second
	DefaultConcurrency        = 8
	DefaultScan               = time.Second
)

func (c Config) withDefaults() Config {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.PollInterval, DefaultPollInterval)
	def(&c.MaxPollInterval, DefaultMaxPollInterval)
	def(&c.MaxPollingDuration, DefaultMaxPollingDuration)
	def(&c.BrokerTimeout, DefaultBrokerTimeout)
	def(&c.Lease, 3*c.BrokerTimeout+30*time.Second)
	def(&c.Scan, DefaultScan)
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultConcurrency
	}
	return c
}

// Worker runs operations.
type Worker struct {
	store  store.Store
	broker *osb.Client
	cfg    Config
	log    *slog.Logger
	id     string
	now    func() time.Time
	wake   chan struct{}

	mu       sync.Mutex
	inflight map[string]bool

	steps    *prometheus.CounterVec
	finished *prometheus.CounterVec
}

// New returns a worker over st.
func New(st store.Store, cfg Config, log *slog.Logger) *Worker {
	cfg = cfg.withDefaults()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return &Worker{store: st, broker: osb.New(cfg.BrokerTimeout), cfg: cfg, log: log, id: "worker-" + hex.EncodeToString(b),
		now: func() time.Time { return time.Now().UTC() }, wake: make(chan struct{}, 1), inflight: map[string]bool{},
		steps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "catalog_operation_steps_total", Help: "Steps (requests to brokers) taken, by operation type.",
		}, []string{"type"}),
		finished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "catalog_operations_finished_total", Help: "Operations finished, by type and final state (Succeeded or Failed).",
		}, []string{"type", "state"}),
	}
}

// Register adds the worker's metrics to reg.
func (w *Worker) Register(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{w.steps, w.finished} {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("register worker metrics: %w", err)
		}
	}
	return nil
}

// Wake tells the worker that an operation may be due now.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run carries out operations until ctx ends, then waits for the steps under way to stop.
// A step cut short by ctx records nothing and is repeated after a restart.
func (w *Worker) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	scan := time.NewTicker(w.cfg.Scan)
	defer scan.Stop()
	for {
		w.dispatch(ctx, &wg)
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-scan.C:
		}
	}
}

// dispatch starts a step for each operation that is due, as far as Concurrency allows.
func (w *Worker) dispatch(ctx context.Context, wg *sync.WaitGroup) {
	w.mu.Lock()
	free := w.cfg.Concurrency - len(w.inflight)
	w.mu.Unlock()
	if free <= 0 || ctx.Err() != nil {
		return
	}
	due, err := w.store.DueOperations(ctx, w.now(), free)
	if err != nil {
		if ctx.Err() == nil {
			w.log.Error("read due operations", "error", err)
		}
		return
	}
	for _, op := range due {
		w.mu.Lock()
		busy := w.inflight[op.ID]
		if !busy {
			w.inflight[op.ID] = true
		}
		w.mu.Unlock()
		if busy {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				w.mu.Lock()
				delete(w.inflight, op.ID)
				w.mu.Unlock()
			}()
			w.runStep(ctx, op.ID)
		}()
	}
}

// runStep claims an operation, takes one step, and records its outcome.
func (w *Worker) runStep(ctx context.Context, opID string) {
	op, ok, err := w.claim(ctx, opID)
	if err != nil || !ok {
		if err != nil && ctx.Err() == nil {
			w.log.Error("claim operation", "operation", opID, "error", err)
		}
		return
	}
	j, err := w.load(ctx, op)
	if err != nil {
		// The catalog's own rows could not be read (the database is busy, say): nothing was
		// sent, so try again later rather than fail the operation.
		if ctx.Err() == nil {
			w.log.Error("prepare operation step", "operation", op.ID, "instance", op.InstanceID, "error", err)
		}
		w.release(opID, w.cfg.MaxPollInterval)
		return
	}
	r := w.step(ctx, j)
	if ctx.Err() != nil {
		// Shutting down: the step's answer may be lost; release the operation so that it is
		// repeated (every step may be repeated safely).
		w.release(opID, 0)
		return
	}
	next, err := w.record(ctx, op.ID, j, r)
	if err != nil {
		w.log.Error("record operation step", "operation", op.ID, "instance", op.InstanceID, "error", err)
		return
	}
	w.log.Info("operation step", "operation", op.ID, "instance", op.InstanceID, "type", op.Type, "state", r.state, "detail", r.message)
	w.steps.WithLabelValues(op.Type).Inc()
	if r.state != "" {
		w.finished.WithLabelValues(op.Type, r.state).Inc()
	}
	if next > 0 {
		time.AfterFunc(next, w.Wake)
	} else if r.state != "" {
		w.Wake() // a follow-up (orphan mitigation) may be queued
	}
}

// claim leases an operation that is due, and marks a Pending one InProgress.
func (w *Worker) claim(ctx context.Context, id string) (store.Operation, bool, error) {
	var op store.Operation
	claimed := false
	err := w.store.InTx(ctx, func(q store.Queries) error {
		var err error
		op, err = q.GetOperation(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		now := w.now()
		if !active(op.State) || op.NextRun.After(now) || op.LeaseUntil.After(now) {
			return nil
		}
		op.LeaseOwner, op.LeaseUntil, op.UpdateTime = w.id, now.Add(w.cfg.Lease), now
		if op.State == api.OperationPending {
			op.State = api.OperationInProgress
		}
		if err := q.UpdateOperation(ctx, op); err != nil {
			return err
		}
		op.Revision++
		claimed = true
		return nil
	})
	if errors.Is(err, store.ErrConflict) {
		return op, false, nil // another worker was quicker
	}
	return op, claimed, err
}

// release gives up the lease of an operation without recording anything; its next step is
// due after delay.
func (w *Worker) release(id string, delay time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := w.store.InTx(ctx, func(q store.Queries) error {
		op, err := q.GetOperation(ctx, id)
		if err != nil || op.LeaseOwner != w.id {
			return err
		}
		op.LeaseOwner, op.LeaseUntil, op.NextRun = "", time.Time{}, w.now().Add(delay)
		return q.UpdateOperation(ctx, op)
	})
	if err != nil {
		w.log.Warn("release operation", "operation", id, "error", err)
	}
}

func active(state string) bool {
	return state == api.OperationPending || state == api.OperationInProgress
}

// Summary is an instance's LastOperation for op.
func Summary(op store.Operation) []byte {
	return mustJSON(api.LastOperation{OperationId: op.ID, Type: op.Type, State: op.State, Description: op.Description,
		UpdateTime: api.FormatTime(op.UpdateTime)})
}

// NewOperationID returns a fresh operation id.
func NewOperationID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return "op-" + hex.EncodeToString(b)
}
