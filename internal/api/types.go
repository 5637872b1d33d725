package api

import "time"

// ServiceSpec holds the supplier-settable, versioned content of a service. Its fields carry
// the same names as in the GetService response.
type ServiceSpec struct {
	DeployType              string        `json:"DeployType,omitempty"`
	DeployMetadata          string        `json:"DeployMetadata,omitempty"`
	ServiceType             string        `json:"ServiceType,omitempty"`
	ShareType               string        `json:"ShareType,omitempty"`
	ApprovalType            string        `json:"ApprovalType,omitempty"`
	TenantType              string        `json:"TenantType,omitempty"`
	VersionName             string        `json:"VersionName,omitempty"`
	SupplierName            string        `json:"SupplierName,omitempty"`
	SupplierUrl             string        `json:"SupplierUrl,omitempty"`
	ServiceDocUrl           string        `json:"ServiceDocUrl,omitempty"`
	ServiceProductUrl       string        `json:"ServiceProductUrl,omitempty"`
	ServiceInfos            []ServiceInfo `json:"ServiceInfos,omitempty"`
	Categories              string        `json:"Categories,omitempty"`
	CommodityCode           string        `json:"CommodityCode,omitempty"`
	IsSupportOperated       bool          `json:"IsSupportOperated,omitempty"`
	PolicyNames             string        `json:"PolicyNames,omitempty"`
	Duration                int64         `json:"Duration,omitempty"`
	AlarmMetadata           string        `json:"AlarmMetadata,omitempty"`
	UpgradeMetadata         string        `json:"UpgradeMetadata,omitempty"`
	PayFromType             string        `json:"PayFromType,omitempty"`
	PayType                 string        `json:"PayType,omitempty"`
	DefaultLicenseDays      int64         `json:"DefaultLicenseDays,omitempty"`
	TrialDuration           int64         `json:"TrialDuration,omitempty"`
	TrialType               string        `json:"TrialType,omitempty"`
	LicenseMetadata         string        `json:"LicenseMetadata,omitempty"`
	OperationMetadata       string        `json:"OperationMetadata,omitempty"`
	ResourceGroupId         string        `json:"ResourceGroupId,omitempty"`
	LogMetadata             string        `json:"LogMetadata,omitempty"`
	Resellable              bool          `json:"Resellable,omitempty"`
	VirtualInternetService  string        `json:"VirtualInternetService,omitempty"`
	ServiceDiscoverable     string        `json:"ServiceDiscoverable,omitempty"`
	ServiceAuditDocumentUrl string        `json:"ServiceAuditDocumentUrl,omitempty"`
	SourceServiceId         string        `json:"SourceServiceId,omitempty"`
	SourceServiceVersion    string        `json:"SourceServiceVersion,omitempty"`
	SourceSupplierName      string        `json:"SourceSupplierName,omitempty"`
	BuildInfo               string        `json:"BuildInfo,omitempty"`
	Commodity               *Commodity    `json:"Commodity,omitempty"`
}

// Broker is the Open Service Broker endpoint of a service whose DeployType is spi. The
// password is write-only: it is accepted on requests and never returned.
type Broker struct {
	Url         string `json:"Url"`
	Username    string `json:"Username,omitempty"`
	Password    string `json:"Password,omitempty"`
	ServiceName string `json:"ServiceName,omitempty"`
}

// CreateServiceRequest is the body of POST /v1/services.
type CreateServiceRequest struct {
	ServiceSpec
	Tags        []Tag   `json:"Tags,omitempty"`
	Broker      *Broker `json:"Broker,omitempty"`
	ClientToken string  `json:"ClientToken,omitempty"`
}

// UpdateServiceRequest is the body of PATCH /v1/services/{ServiceId}: a JSON merge patch
// (RFC 7386). Present fields replace the stored ones, objects merge key by key, lists are
// replaced whole, null clears a field, and absent fields are left as they are.
type UpdateServiceRequest struct {
	ServiceSpec
	Tags   []Tag   `json:"Tags,omitempty"`
	Broker *Broker `json:"Broker,omitempty"`
}

// ServiceLifecycleRequest is the optional body of .../publish, .../offline, .../approve and
// .../reject.
type ServiceLifecycleRequest struct {
	ServiceVersion string `json:"ServiceVersion,omitempty"`
	Reason         string `json:"Reason,omitempty"`
}

// ListServicesResponse is one page of GET /v1/services.
type ListServicesResponse struct {
	RequestId  string    `json:"RequestId"`
	Services   []Service `json:"Services"`
	NextToken  string    `json:"NextToken"`
	MaxResults int       `json:"MaxResults"`
}

// ServiceVersionSummary describes one version of a service.
type ServiceVersionSummary struct {
	Version     string `json:"Version"`
	VersionName string `json:"VersionName"`
	Status      string `json:"Status"`
	IsDefault   bool   `json:"IsDefault"`
	CreateTime  string `json:"CreateTime"`
	UpdateTime  string `json:"UpdateTime"`
	PublishTime string `json:"PublishTime"`
}

// ListServiceVersionsResponse is GET /v1/services/{ServiceId}/versions.
type ListServiceVersionsResponse struct {
	RequestId string                  `json:"RequestId"`
	Versions  []ServiceVersionSummary `json:"Versions"`
}

// ParameterSpec is one key of a plan's Metadata, with the attributes of the AOS Plans YAML.
// On responses every attribute is present, defaults applied.
type ParameterSpec struct {
	Type     string   `json:"type" yaml:"type,omitempty"`
	Alias    string   `json:"alias,omitempty" yaml:"alias,omitempty"`
	Default  any      `json:"default,omitempty" yaml:"default,omitempty"`
	ReadOnly *bool    `json:"read_only,omitempty" yaml:"read_only,omitempty"`
	Optional *bool    `json:"optional,omitempty" yaml:"optional,omitempty"`
	Check    *bool    `json:"check,omitempty" yaml:"check,omitempty"`
	Changed  *bool    `json:"changed,omitempty" yaml:"changed,omitempty"`
	RangeMin *float64 `json:"range_min,omitempty" yaml:"range_min,omitempty"`
	RangeMax *float64 `json:"range_max,omitempty" yaml:"range_max,omitempty"`
}

// MeteringItem is one metering (billing) item of a plan.
type MeteringItem struct {
	ItemName      string   `json:"ItemName" yaml:"ItemName,omitempty"`
	Specification string   `json:"Specification" yaml:"Specification,omitempty"`
	Accumulate    []string `json:"Accumulate" yaml:"Accumulate,omitempty,flow"`
}

// PutPlanRequest is the body of PUT /v1/services/{ServiceId}/plans/{PlanName}.
type PutPlanRequest struct {
	Description    string                   `json:"Description,omitempty" yaml:"Description,omitempty"`
	Metadata       map[string]ParameterSpec `json:"Metadata,omitempty" yaml:"Metadata,omitempty"`
	Blueprint      string                   `json:"Blueprint,omitempty" yaml:"Blueprint,omitempty"`
	MeteringItems  []MeteringItem           `json:"MeteringItems,omitempty" yaml:"MeteringItems,omitempty"`
	BrokerPlanName string                   `json:"BrokerPlanName,omitempty" yaml:"BrokerPlanName,omitempty"`
}

// Plan is a plan of a service as the catalog stores it.
type Plan struct {
	RequestId      string                   `json:"RequestId,omitempty"`
	ServiceId      string                   `json:"ServiceId"`
	Name           string                   `json:"Name"`
	Description    string                   `json:"Description"`
	Metadata       map[string]ParameterSpec `json:"Metadata"`
	Blueprint      string                   `json:"Blueprint"`
	BlueprintId    string                   `json:"BlueprintId"`
	MeteringItems  []MeteringItem           `json:"MeteringItems"`
	BrokerPlanName string                   `json:"BrokerPlanName"`
	CreateTime     string                   `json:"CreateTime"`
	UpdateTime     string                   `json:"UpdateTime"`
	// Warnings tell what the catalog ignores in this plan, such as an Accumulate key that is
	// not a Metadata key.
	Warnings []string `json:"Warnings"`
}

// ListPlansResponse is GET /v1/services/{ServiceId}/plans.
type ListPlansResponse struct {
	RequestId string `json:"RequestId"`
	Plans     []Plan `json:"Plans"`
}

// CreateServiceInstanceRequest is the body of POST /v1/service-instances.
type CreateServiceInstanceRequest struct {
	Name           string         `json:"Name"`
	ServiceId      string         `json:"ServiceId"`
	ServiceVersion string         `json:"ServiceVersion,omitempty"`
	PlanName       string         `json:"PlanName"`
	Parameters     map[string]any `json:"Parameters,omitempty"`
	Tags           []Tag          `json:"Tags,omitempty"`
	ClientToken    string         `json:"ClientToken,omitempty"`
	// DryRun checks the order (service, plan, parameters) and returns the instance that would
	// be created, without creating it.
	DryRun bool `json:"DryRun,omitempty"`
}

// UpdateServiceInstanceRequest is the body of PATCH /v1/service-instances/{ServiceInstanceId}.
// Parameters, when present, is the complete set of purchaser-set values: keys left out take
// the plan's defaults.
type UpdateServiceInstanceRequest struct {
	Name       *string        `json:"Name,omitempty"`
	PlanName   *string        `json:"PlanName,omitempty"`
	Parameters map[string]any `json:"Parameters,omitempty"`
	Tags       []Tag          `json:"Tags,omitempty"`
	DryRun     bool           `json:"DryRun,omitempty"`
}

// ServiceInstance is an ordered instance of a service.
type ServiceInstance struct {
	RequestId         string         `json:"RequestId,omitempty"`
	ServiceInstanceId string         `json:"ServiceInstanceId"`
	Name              string         `json:"Name"`
	ServiceId         string         `json:"ServiceId"`
	ServiceVersion    string         `json:"ServiceVersion"`
	PlanName          string         `json:"PlanName"`
	Status            string         `json:"Status"`
	Progress          int64          `json:"Progress"`
	StatusDetail      string         `json:"StatusDetail"`
	Parameters        map[string]any `json:"Parameters"`
	Outputs           map[string]any `json:"Outputs"`
	Tags              []Tag          `json:"Tags"`
	// LastOperation is the newest operation at the broker: a failed update shows here
	// while the instance keeps running with its previous plan and parameters.
	LastOperation LastOperation `json:"LastOperation"`
	CreateTime    string        `json:"CreateTime"`
	UpdateTime    string        `json:"UpdateTime"`
}

// ListServiceInstancesResponse is one page of GET /v1/service-instances.
type ListServiceInstancesResponse struct {
	RequestId        string            `json:"RequestId"`
	ServiceInstances []ServiceInstance `json:"ServiceInstances"`
	NextToken        string            `json:"NextToken"`
	MaxResults       int               `json:"MaxResults"`
}

// Operation is a durable record of work to be done at the broker for an instance.
type Operation struct {
	OperationId       string         `json:"OperationId"`
	ServiceInstanceId string         `json:"ServiceInstanceId"`
	Type              string         `json:"Type"`
	State             string         `json:"State"`
	PlanName          string         `json:"PlanName"`
	Parameters        map[string]any `json:"Parameters"`
	PreviousValues    map[string]any `json:"PreviousValues"`
	Description       string         `json:"Description"`
	CreateTime        string         `json:"CreateTime"`
	UpdateTime        string         `json:"UpdateTime"`
}

// ListOperationsResponse is GET /v1/service-instances/{ServiceInstanceId}/operations.
type ListOperationsResponse struct {
	RequestId  string      `json:"RequestId"`
	Operations []Operation `json:"Operations"`
}

// Identity is GET /v1/whoami: the tenant the API key belongs to.
type Identity struct {
	RequestId  string `json:"RequestId"`
	TenantId   string `json:"TenantId"`
	TenantName string `json:"TenantName"`
	Admin      bool   `json:"Admin"`
}

// Error is the body of every error response.
type Error struct {
	RequestId string `json:"RequestId"`
	Code      string `json:"Code"`
	Message   string `json:"Message"`
}

// Status values of services (as in the seed's GetService).
const (
	ServiceDraft        = "Draft"
	ServiceSubmitted    = "Submitted"
	ServiceApproved     = "Approved"
	ServiceLaunching    = "Launching"
	ServiceOnline       = "Online"
	ServiceOffline      = "Offline"
	ServiceBeta         = "Beta"
	ServiceCreating     = "Creating"
	ServiceCreateFailed = "CreateFailed"
	ServiceUpdating     = "Updating"
	ServiceUpdateFailed = "UpdateFailed"
)

// Status values of service instances (as in Compute Nest).
const (
	InstanceCreated        = "Created"
	InstanceDeploying      = "Deploying"
	InstanceDeployed       = "Deployed"
	InstanceDeployedFailed = "DeployedFailed"
	InstanceUpgrading      = "Upgrading"
	InstanceDeleting       = "Deleting"
	InstanceDeleted        = "Deleted"
	InstanceDeletedFailed  = "DeletedFailed"
)

// Operation types and states.
const (
	OperationProvision   = "Provision"
	OperationUpdate      = "Update"
	OperationDeprovision = "Deprovision"

	OperationPending    = "Pending"
	OperationInProgress = "InProgress"
	OperationSucceeded  = "Succeeded"
	OperationFailed     = "Failed"
	OperationCanceled   = "Canceled"
	// OperationOrphanMitigation deletes at the broker what a failed provision may have
	// created there (the OSB spec's orphan mitigation).
	OperationOrphanMitigation = "OrphanMitigation"
)

// TimeFormat is how times appear on the API (as in the seed: "2021-05-20T00:00:00Z").
const TimeFormat = "2006-01-02T15:04:05Z"

// FormatTime writes t as the API does; the zero time is "".
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimeFormat)
}

// LastOperation summarizes the newest operation of an instance.
type LastOperation struct {
	OperationId string `json:"OperationId"`
	Type        string `json:"Type"`
	State       string `json:"State"`
	Description string `json:"Description"`
	UpdateTime  string `json:"UpdateTime"`
}

// ShowDetailServiceStatistic asks GetService for the Statistic block.
const ShowDetailServiceStatistic = "ServiceStatistic"
