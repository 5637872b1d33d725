// Package store persists the catalog: SQLite (the embedded default) and PostgreSQL behind one
// interface. Rows carry their structured content as JSON documents, so that the domain can
// grow without schema churn; the columns the catalog filters on are kept beside them.
package store

import (
	"context"
	"errors"
	"time"
)

// Errors the store returns; callers test them with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	// ErrConflict means a uniqueness constraint was hit, or a row changed since it was read
	// (its revision moved on).
	ErrConflict = errors.New("conflict")
)

// Store is the catalog's storage. Its Queries run outside a transaction, one statement each;
// InTx runs fn in a transaction that commits when fn returns nil; ReadTx runs fn in a
// read-only transaction: one consistent snapshot that does not hold SQLite's write lock.
type Store interface {
	Queries
	InTx(ctx context.Context, fn func(q Queries) error) error
	ReadTx(ctx context.Context, fn func(q Queries) error) error
	Ping(ctx context.Context) error
	Close() error
	// Driver names the backend: "sqlite" or "postgres".
	Driver() string
}

// Queries are the reads and writes of the catalog's rows.
type Queries interface {
	CreateTenant(ctx context.Context, t Tenant) error
	GetTenant(ctx context.Context, id string) (Tenant, error)
	CreateAPIKey(ctx context.Context, k APIKey) error
	GetAPIKey(ctx context.Context, keyID string) (APIKey, error)

	CreateService(ctx context.Context, s Service) error
	GetService(ctx context.Context, id string) (Service, error)
	// UpdateService writes s if its stored revision is still s.Revision, and bumps it.
	UpdateService(ctx context.Context, s Service) error
	DeleteService(ctx context.Context, id string) error
	ListServices(ctx context.Context, f ServiceFilter) ([]ServiceRow, error)

	CreateServiceVersion(ctx context.Context, v ServiceVersion) error
	GetServiceVersion(ctx context.Context, serviceID string, version int) (ServiceVersion, error)
	// UpdateServiceVersion writes v if its stored revision is still v.Revision, and bumps it.
	UpdateServiceVersion(ctx context.Context, v ServiceVersion) error
	ListServiceVersions(ctx context.Context, serviceID string) ([]ServiceVersion, error)

	// PutPlan creates the plan, or replaces it if its stored revision is still p.Revision.
	PutPlan(ctx context.Context, p Plan) error
	GetPlan(ctx context.Context, serviceID, name string) (Plan, error)
	ListPlans(ctx context.Context, serviceID string) ([]Plan, error)
	DeletePlan(ctx context.Context, serviceID, name string) error

	CreateInstance(ctx context.Context, i Instance) error
	GetInstance(ctx context.Context, id string) (Instance, error)
	// UpdateInstance writes i if its stored revision is still i.Revision, and bumps it.
	UpdateInstance(ctx context.Context, i Instance) error
	ListInstances(ctx context.Context, f InstanceFilter) ([]Instance, error)
	CountInstances(ctx context.Context, f InstanceCount) (int, error)
	// CountPlanInstances counts the instances of a plan that are not Deleted.
	CountPlanInstances(ctx context.Context, serviceID, plan string) (int, error)
	ServiceStatistic(ctx context.Context, serviceID string) (Statistic, error)

	// CreateOperation appends an operation to its instance's history (Seq is assigned).
	CreateOperation(ctx context.Context, o Operation) error
	GetOperation(ctx context.Context, id string) (Operation, error)
	// UpdateOperation writes o if its stored revision is still o.Revision, and bumps it.
	UpdateOperation(ctx context.Context, o Operation) error
	ListOperations(ctx context.Context, instanceID string) ([]Operation, error)
	// DueOperations lists Pending and InProgress operations whose NextRun has come and
	// whose lease has expired, the longest waiting first.
	DueOperations(ctx context.Context, now time.Time, limit int) ([]Operation, error)

	GetIdempotencyKey(ctx context.Context, tenantID, scope, key string) (IdempotencyKey, error)
	CreateIdempotencyKey(ctx context.Context, k IdempotencyKey) error
}

// Tenant is an organisation using the catalog.
type Tenant struct {
	ID         string
	Name       string
	Admin      bool // a platform admin approves public services
	CreateTime time.Time
}

// APIKey is a tenant's credential. Only a hash of the secret is stored.
type APIKey struct {
	KeyID      string // the public prefix of the key, used to find it
	TenantID   string
	Hash       string // hex SHA-256 of the whole key
	CreateTime time.Time
}

// Service is the unversioned part of a service.
type Service struct {
	ID             string
	TenantID       string
	DefaultVersion int
	LatestVersion  int
	Tags           []byte // JSON list of {Key, Value}
	Broker         []byte // JSON broker binding, without the password
	BrokerPassword string
	CreateTime     time.Time
	UpdateTime     time.Time
	Revision       int64
}

// ServiceVersion is one version of a service's content.
type ServiceVersion struct {
	ServiceID    string
	Version      int
	Status       string
	StatusDetail string
	ShareType    string
	DeployType   string
	ServiceType  string
	Name         string // the first ServiceInfo's name, for filtering
	Spec         []byte // JSON of the versioned content
	CreateTime   time.Time
	UpdateTime   time.Time
	PublishTime  time.Time // zero until published
	Revision     int64
}

// ServiceRow is a service as listed: with the version the listing shows (its default).
type ServiceRow struct {
	Service Service
	Version ServiceVersion
}

// Cursor is a keyset position in a listing ordered by creation.
type Cursor struct {
	CreateTime time.Time
	ID         string
}

// ServiceFilter selects services. A service is listed when the caller owns it, or when its
// default version's share type is Public and its status is one of PublicStatuses.
type ServiceFilter struct {
	TenantID       string
	OwnedOnly      bool
	PublicStatuses []string
	Status         string
	DeployType     string
	ServiceType    string
	ShareType      string
	NameContains   string
	After          *Cursor
	Limit          int
}

// Plan is a plan of a service.
type Plan struct {
	ServiceID  string
	Name       string
	Spec       []byte // JSON of the normalized plan
	CreateTime time.Time
	UpdateTime time.Time
	Revision   int64 // 0 when creating
}

// Instance is an ordered service instance.
type Instance struct {
	ID             string
	TenantID       string
	ServiceID      string
	ServiceVersion int
	PlanName       string
	Name           string
	Status         string
	Progress       int
	StatusDetail   string
	Parameters     []byte // JSON object
	Outputs        []byte // JSON object
	Tags           []byte // JSON list
	Broker         []byte // JSON of the broker's ids for the instance, once known
	LastOperation  []byte // JSON summary of the newest operation
	CreateTime     time.Time
	UpdateTime     time.Time
	Revision       int64
}

// InstanceFilter selects a tenant's instances.
type InstanceFilter struct {
	TenantID       string
	ServiceID      string
	Status         string
	PlanName       string
	Name           string
	IncludeDeleted bool
	After          *Cursor
	Limit          int
}

// InstanceCount counts instances of a service (all tenants) not in ExcludeStatus.
type InstanceCount struct {
	ServiceID     string
	ExcludeStatus string
}

// Statistic is what GetService's Statistic block is computed from.
type Statistic struct {
	Instances         int64
	Users             int64
	DeployedInstances int64
	DeployedUsers     int64
}

// Operation is a durable record of broker work for an instance.
type Operation struct {
	ID             string
	InstanceID     string
	Seq            int
	Type           string
	State          string
	PlanName       string
	Parameters     []byte // JSON object
	PreviousValues []byte // JSON object
	Description    string
	// Work is the provisioning worker's JSON record of where the operation stands at the
	// broker, so that a restarted worker resumes it.
	Work       []byte
	NextRun    time.Time // when the worker next acts on it
	LeaseOwner string    // the worker acting on it now, until LeaseUntil
	LeaseUntil time.Time
	CreateTime time.Time
	UpdateTime time.Time
	Revision   int64
}

// IdempotencyKey remembers which resource a create with a given key made.
type IdempotencyKey struct {
	TenantID    string
	Scope       string
	Key         string
	RequestHash string
	ResourceID  string
	CreateTime  time.Time
}
