// Package samplebroker is an Open Service Broker (built on brokerapi) that provisions
// something real and local: each instance is a directory holding an SQLite database and a
// file of generated credentials. Provisioning is asynchronous and reports its progress, so
// that the catalog's waits can be seen at work. The quickstart and the tests use it.
package samplebroker

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sync"
	"time"

	"code.cloudfoundry.org/brokerapi/v13"
	"code.cloudfoundry.org/brokerapi/v13/domain"
	"code.cloudfoundry.org/brokerapi/v13/domain/apiresponses"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// Identity of the offering in the broker's catalog.
const (
	ServiceID   = "6f1f9c54-opencatalog-sample-sqlite"
	ServiceName = "sample-sqlite"
)

// Plans are the broker's plans, by name.
var Plans = []string{"small", "large", "custom"}

func planID(name string) string { return ServiceID + "-" + name }

// Config sets up a Broker.
type Config struct {
	// DataDir holds one directory per instance.
	DataDir string
	// StepDelay is how long each provisioning step takes (to make progress visible).
	StepDelay          time.Duration
	Username, Password string
	Log                *slog.Logger
}

// Broker is the sample broker. It implements brokerapi's domain.ServiceBroker.
type Broker struct {
	cfg Config
	// ctx bounds the background work of operations.
	ctx context.Context

	mu        sync.Mutex
	instances map[string]*Instance
	deleted   map[string]bool
}

// Instance is what the broker knows of one instance; it is kept in instance.json.
type Instance struct {
	ID          string         `json:"id"`
	PlanID      string         `json:"plan_id"`
	Parameters  map[string]any `json:"parameters"`
	Context     map[string]any `json:"context"`
	Operation   string         `json:"operation"` // provision, update or deprovision
	State       string         `json:"state"`     // in progress, succeeded or failed
	Description string         `json:"description"`
	Path        string         `json:"path"`
	Created     time.Time      `json:"created"`
}

// New returns a broker over cfg.DataDir, knowing the instances it made before. Background
// work stops when ctx ends.
func New(ctx context.Context, cfg Config) (*Broker, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	b := &Broker{cfg: cfg, ctx: ctx, instances: map[string]*Instance{}, deleted: map[string]bool{}}
	files, err := filepath.Glob(filepath.Join(cfg.DataDir, "*", "instance.json"))
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f, err)
		}
		var in Instance
		if err := json.Unmarshal(data, &in); err != nil {
			return nil, fmt.Errorf("read %s: %w", f, err)
		}
		if in.State == string(domain.InProgress) {
			in.State, in.Description = string(domain.Failed), "the broker stopped during the "+in.Operation
		}
		b.instances[in.ID] = &in
	}
	return b, nil
}

// Handler is the broker's HTTP API, behind basic auth.
func (b *Broker) Handler() http.Handler {
	return brokerapi.New(b, b.cfg.Log, brokerapi.BrokerCredentials{Username: b.cfg.Username, Password: b.cfg.Password})
}

// Services is the broker's catalog.
func (b *Broker) Services(context.Context) ([]domain.Service, error) {
	sizes := map[string]string{"small": "a database for trying things out", "large": "a database with room to grow",
		"custom": "a database sized by the parameters you set"}
	var plans []domain.ServicePlan
	for _, p := range Plans {
		plans = append(plans, domain.ServicePlan{ID: planID(p), Name: p, Description: sizes[p]})
	}
	return []domain.Service{{ID: ServiceID, Name: ServiceName, Description: "An SQLite database in a local directory, with generated credentials",
		Bindable: false, InstancesRetrievable: true, PlanUpdatable: true, Tags: []string{"sqlite", "sample"}, Plans: plans}}, nil
}

var validID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

func planName(id string) (string, bool) {
	for _, p := range Plans {
		if planID(p) == id {
			return p, true
		}
	}
	return "", false
}

// Provision creates an instance in the background: directory, database, credentials.
func (b *Broker) Provision(_ context.Context, id string, d domain.ProvisionDetails, async bool) (domain.ProvisionedServiceSpec, error) {
	if !async {
		return domain.ProvisionedServiceSpec{}, apiresponses.ErrAsyncRequired
	}
	if !validID.MatchString(id) {
		// The id names a directory: it must not reach outside the data directory.
		return domain.ProvisionedServiceSpec{}, apiresponses.NewFailureResponse(fmt.Errorf("instance id %q must be 1-128 letters, digits, '-' or '_'", id), http.StatusBadRequest, "provision")
	}
	name, ok := planName(d.PlanID)
	if d.ServiceID != ServiceID || !ok {
		return domain.ProvisionedServiceSpec{}, apiresponses.NewFailureResponse(fmt.Errorf("unknown service %q or plan %q", d.ServiceID, d.PlanID), http.StatusBadRequest, "provision")
	}
	params, err := object(d.RawParameters)
	if err != nil {
		return domain.ProvisionedServiceSpec{}, apiresponses.ErrRawParamsInvalid
	}
	pctx, _ := object(d.RawContext)
	b.mu.Lock()
	defer b.mu.Unlock()
	if in, ok := b.instances[id]; ok {
		if in.PlanID != d.PlanID || !reflect.DeepEqual(in.Parameters, params) {
			return domain.ProvisionedServiceSpec{}, apiresponses.ErrInstanceAlreadyExists
		}
		spec := b.spec(in, name)
		spec.IsAsync, spec.AlreadyExists = in.State == string(domain.InProgress), in.State != string(domain.InProgress)
		return spec, nil
	}
	in := &Instance{ID: id, PlanID: d.PlanID, Parameters: params, Context: pctx, Operation: "provision", State: string(domain.InProgress),
		Description: "Provisioning is queued (0% complete)", Path: filepath.Join(b.cfg.DataDir, id), Created: time.Now().UTC()}
	b.instances[id] = in
	delete(b.deleted, id)
	go b.create(in, name)
	spec := b.spec(in, name)
	spec.IsAsync = true
	return spec, nil
}

func (b *Broker) spec(in *Instance, plan string) domain.ProvisionedServiceSpec {
	return domain.ProvisionedServiceSpec{DashboardURL: "file://" + in.Path, OperationData: in.Operation,
		Metadata: domain.InstanceMetadata{Labels: map[string]any{"plan": plan}, Attributes: map[string]any{
			"path": in.Path, "database": filepath.Join(in.Path, "data.db"), "credentials_file": filepath.Join(in.Path, "credentials.json")}}}
}

// create runs the provisioning steps, recording progress as it goes.
func (b *Broker) create(in *Instance, plan string) {
	steps := []struct {
		what    string
		percent int
		do      func() error
	}{
		{"Creating the instance directory", 10, func() error { return os.MkdirAll(in.Path, 0o700) }},
		{"Creating the SQLite database", 40, func() error { return createDatabase(in, plan) }},
		{"Generating credentials", 70, func() error { return writeCredentials(in) }},
		{"Recording the instance", 90, func() error { return b.save(in) }},
	}
	for _, s := range steps {
		b.progress(in, fmt.Sprintf("%s (%d%% complete)", s.what, s.percent))
		select {
		case <-b.ctx.Done():
			return
		case <-time.After(b.cfg.StepDelay):
		}
		if err := s.do(); err != nil {
			b.finish(in, domain.Failed, fmt.Sprintf("%s failed: %v", s.what, err))
			return
		}
	}
	b.finish(in, domain.Succeeded, "The database is ready at "+filepath.Join(in.Path, "data.db"))
}

func (b *Broker) progress(in *Instance, desc string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	in.Description = desc
}

func (b *Broker) finish(in *Instance, state domain.LastOperationState, desc string) {
	b.mu.Lock()
	in.State, in.Description = string(state), desc
	b.mu.Unlock()
	if err := b.save(in); err != nil && in.Operation != "deprovision" {
		b.cfg.Log.Error("save instance", "instance", in.ID, "error", err)
	}
}

// save writes instance.json.
func (b *Broker) save(in *Instance) error {
	b.mu.Lock()
	data, err := json.MarshalIndent(in, "", "  ")
	b.mu.Unlock()
	if err != nil {
		return err
	}
	if _, err := os.Stat(in.Path); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(in.Path, "instance.json"), data, 0o600)
}

func createDatabase(in *Instance, plan string) error {
	db, err := sql.Open("sqlite", filepath.Join(in.Path, "data.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	params, _ := json.Marshal(in.Parameters)
	_, err = db.Exec(`CREATE TABLE IF NOT EXISTS items (key TEXT PRIMARY KEY, value TEXT NOT NULL);
		CREATE TABLE IF NOT EXISTS instance (id TEXT PRIMARY KEY, plan TEXT NOT NULL, parameters TEXT NOT NULL, created TEXT NOT NULL);
		INSERT OR REPLACE INTO instance VALUES (?, ?, ?, ?)`, in.ID, plan, string(params), in.Created.Format(time.RFC3339))
	return err
}

// writeCredentials generates a user and password for the instance, keeps them in
// credentials.json (readable by its owner only) and their hash in the database.
func writeCredentials(in *Instance) error {
	secret := make([]byte, 18)
	if _, err := rand.Read(secret); err != nil {
		return err
	}
	user, password := "user_"+hex.EncodeToString(secret[:4]), hex.EncodeToString(secret[4:])
	data, _ := json.MarshalIndent(map[string]string{"username": user, "password": password, "database": filepath.Join(in.Path, "data.db")}, "", "  ")
	if err := os.WriteFile(filepath.Join(in.Path, "credentials.json"), data, 0o600); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", filepath.Join(in.Path, "data.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	sum := sha256.Sum256([]byte(password))
	_, err = db.Exec(`CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, password_sha256 TEXT NOT NULL);
		INSERT OR REPLACE INTO users VALUES (?, ?)`, user, hex.EncodeToString(sum[:]))
	return err
}

// Deprovision removes the instance's directory in the background.
func (b *Broker) Deprovision(_ context.Context, id string, _ domain.DeprovisionDetails, async bool) (domain.DeprovisionServiceSpec, error) {
	if !async {
		return domain.DeprovisionServiceSpec{}, apiresponses.ErrAsyncRequired
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	in, ok := b.instances[id]
	if !ok {
		return domain.DeprovisionServiceSpec{}, apiresponses.ErrInstanceDoesNotExist
	}
	if in.Operation == "deprovision" && in.State == string(domain.InProgress) {
		return domain.DeprovisionServiceSpec{IsAsync: true, OperationData: "deprovision"}, nil
	}
	in.Operation, in.State, in.Description = "deprovision", string(domain.InProgress), "Removing the instance (0% complete)"
	go func() {
		select {
		case <-b.ctx.Done():
			return
		case <-time.After(b.cfg.StepDelay):
		}
		if err := os.RemoveAll(in.Path); err != nil {
			b.finish(in, domain.Failed, "removing "+in.Path+" failed: "+err.Error())
			return
		}
		b.mu.Lock()
		delete(b.instances, id)
		b.deleted[id] = true
		b.mu.Unlock()
	}()
	return domain.DeprovisionServiceSpec{IsAsync: true, OperationData: "deprovision"}, nil
}

// Update changes the plan or parameters, at once.
func (b *Broker) Update(_ context.Context, id string, d domain.UpdateDetails, _ bool) (domain.UpdateServiceSpec, error) {
	params, err := object(d.RawParameters)
	if err != nil {
		return domain.UpdateServiceSpec{}, apiresponses.ErrRawParamsInvalid
	}
	b.mu.Lock()
	in, ok := b.instances[id]
	if !ok {
		b.mu.Unlock()
		return domain.UpdateServiceSpec{}, apiresponses.ErrInstanceDoesNotExist
	}
	if in.State == string(domain.InProgress) {
		b.mu.Unlock()
		return domain.UpdateServiceSpec{}, apiresponses.ErrConcurrentInstanceAccess
	}
	if d.PlanID != "" {
		if _, ok := planName(d.PlanID); !ok {
			b.mu.Unlock()
			return domain.UpdateServiceSpec{}, apiresponses.NewFailureResponse(fmt.Errorf("unknown plan %q", d.PlanID), http.StatusBadRequest, "update")
		}
		in.PlanID = d.PlanID
	}
	if in.Parameters == nil {
		in.Parameters = map[string]any{}
	}
	maps.Copy(in.Parameters, params)
	in.Operation, in.State, in.Description = "update", string(domain.Succeeded), "updated"
	plan, _ := planName(in.PlanID)
	b.mu.Unlock()
	if err := createDatabase(in, plan); err != nil {
		return domain.UpdateServiceSpec{}, fmt.Errorf("record the update in the database: %w", err)
	}
	if err := b.save(in); err != nil {
		return domain.UpdateServiceSpec{}, fmt.Errorf("record the update: %w", err)
	}
	return domain.UpdateServiceSpec{DashboardURL: "file://" + in.Path}, nil
}

// GetInstance reports an instance as the broker has it.
func (b *Broker) GetInstance(_ context.Context, id string, _ domain.FetchInstanceDetails) (domain.GetInstanceDetailsSpec, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	in, ok := b.instances[id]
	if !ok || in.Operation == "provision" && in.State != string(domain.Succeeded) {
		return domain.GetInstanceDetailsSpec{}, apiresponses.ErrInstanceNotFound
	}
	plan, _ := planName(in.PlanID)
	spec := b.spec(in, plan)
	return domain.GetInstanceDetailsSpec{ServiceID: ServiceID, PlanID: in.PlanID, DashboardURL: spec.DashboardURL,
		Parameters: in.Parameters, Metadata: spec.Metadata}, nil
}

// LastOperation reports how the instance's operation goes.
func (b *Broker) LastOperation(_ context.Context, id string, _ domain.PollDetails) (domain.LastOperation, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	in, ok := b.instances[id]
	if !ok {
		if b.deleted[id] {
			return domain.LastOperation{State: domain.Succeeded, Description: "The instance was removed"}, nil
		}
		return domain.LastOperation{}, apiresponses.ErrInstanceDoesNotExist
	}
	return domain.LastOperation{State: domain.LastOperationState(in.State), Description: in.Description}, nil
}

var errNoBindings = apiresponses.NewFailureResponse(errors.New("this broker's instances are not bindable; read credentials.json in the instance's directory"), http.StatusBadRequest, "bind")

// Bind is not offered (the offering is not bindable).
func (b *Broker) Bind(context.Context, string, string, domain.BindDetails, bool) (domain.Binding, error) {
	return domain.Binding{}, errNoBindings
}

// Unbind is not offered.
func (b *Broker) Unbind(context.Context, string, string, domain.UnbindDetails, bool) (domain.UnbindSpec, error) {
	return domain.UnbindSpec{}, errNoBindings
}

// GetBinding is not offered.
func (b *Broker) GetBinding(context.Context, string, string, domain.FetchBindingDetails) (domain.GetBindingSpec, error) {
	return domain.GetBindingSpec{}, errNoBindings
}

// LastBindingOperation is not offered.
func (b *Broker) LastBindingOperation(context.Context, string, string, domain.PollDetails) (domain.LastOperation, error) {
	return domain.LastOperation{}, errNoBindings
}

func object(raw json.RawMessage) (map[string]any, error) {
	out := map[string]any{}
	if len(raw) == 0 {
		return out, nil
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, err
	}
	return out, nil
}

var _ domain.ServiceBroker = (*Broker)(nil)
