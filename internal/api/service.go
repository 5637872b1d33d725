// Package api holds the wire types shared by the catalog server and its Go client.
//
// Field names and nesting follow the Compute Nest GetService response (PascalCase JSON).
// Response types carry no omitempty: every field is always present, empty or zero where the
// catalog has no value, so that clients can rely on the shape.
package api

// Service is the GetService response: one version of a service as the catalog stores it.
type Service struct {
	Status                      string        `json:"Status"`
	DeployMetadata              string        `json:"DeployMetadata"`
	PublishTime                 string        `json:"PublishTime"`
	RequestId                   string        `json:"RequestId"`
	Version                     string        `json:"Version"`
	DeployType                  string        `json:"DeployType"`
	ServiceId                   string        `json:"ServiceId"`
	SupplierUrl                 string        `json:"SupplierUrl"`
	ServiceDocUrl               string        `json:"ServiceDocUrl"`
	ServiceProductUrl           string        `json:"ServiceProductUrl"`
	ServiceType                 string        `json:"ServiceType"`
	SupplierName                string        `json:"SupplierName"`
	ServiceInfos                []ServiceInfo `json:"ServiceInfos"`
	CommodityCode               string        `json:"CommodityCode"`
	IsSupportOperated           bool          `json:"IsSupportOperated"`
	PolicyNames                 string        `json:"PolicyNames"`
	Duration                    int64         `json:"Duration"`
	Progress                    int64         `json:"Progress"`
	StatusDetail                string        `json:"StatusDetail"`
	CreateTime                  string        `json:"CreateTime"`
	UpdateTime                  string        `json:"UpdateTime"`
	ShareType                   string        `json:"ShareType"`
	AlarmMetadata               string        `json:"AlarmMetadata"`
	UpgradeMetadata             string        `json:"UpgradeMetadata"`
	VersionName                 string        `json:"VersionName"`
	PayFromType                 string        `json:"PayFromType"`
	PayType                     string        `json:"PayType"`
	DefaultLicenseDays          int64         `json:"DefaultLicenseDays"`
	Tags                        []Tag         `json:"Tags"`
	TrialDuration               int64         `json:"TrialDuration"`
	TrialType                   string        `json:"TrialType"`
	TenantType                  string        `json:"TenantType"`
	LicenseMetadata             string        `json:"LicenseMetadata"`
	OperationMetadata           string        `json:"OperationMetadata"`
	TestStatus                  string        `json:"TestStatus"`
	ApprovalType                string        `json:"ApprovalType"`
	RegistrationId              string        `json:"RegistrationId"`
	ResourceGroupId             string        `json:"ResourceGroupId"`
	Permission                  string        `json:"Permission"`
	Statistic                   Statistic     `json:"Statistic"`
	SourceServiceId             string        `json:"SourceServiceId"`
	SourceServiceVersion        string        `json:"SourceServiceVersion"`
	SourceSupplierName          string        `json:"SourceSupplierName"`
	LogMetadata                 string        `json:"LogMetadata"`
	Resellable                  bool          `json:"Resellable"`
	VirtualInternetService      string        `json:"VirtualInternetService"`
	ServiceDiscoverable         string        `json:"ServiceDiscoverable"`
	Categories                  string        `json:"Categories"`
	ShareTypeStatus             string        `json:"ShareTypeStatus"`
	ServiceAuditDocumentUrl     string        `json:"ServiceAuditDocumentUrl"`
	EntitySource                EntitySource  `json:"EntitySource"`
	CrossRegionConnectionStatus string        `json:"CrossRegionConnectionStatus"`
	VirtualInternetServiceId    string        `json:"VirtualInternetServiceId"`
	Commodity                   Commodity     `json:"Commodity"`
	BuildInfo                   string        `json:"BuildInfo"`
}

// EntitySource is the seed's free-form "report source" object.
type EntitySource map[string]string

// ServiceInfo is the per-locale description of a service.
type ServiceInfo struct {
	Locale             string      `json:"Locale"`
	Image              string      `json:"Image"`
	Name               string      `json:"Name"`
	ShortDescription   string      `json:"ShortDescription"`
	LongDescriptionUrl string      `json:"LongDescriptionUrl"`
	Agreements         []Agreement `json:"Agreements"`
}

// Agreement is a service agreement document.
type Agreement struct {
	Name string `json:"Name"`
	Url  string `json:"Url"`
}

// Tag is a key/value label.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// Statistic is computed from the catalog's instances when ShowDetail=ServiceStatistic.
type Statistic struct {
	AccumulativeInstanceCount    int64   `json:"AccumulativeInstanceCount"`
	AccumulativeUserCount        int64   `json:"AccumulativeUserCount"`
	DeployedServiceInstanceCount int64   `json:"DeployedServiceInstanceCount"`
	DeployedUserCount            int64   `json:"DeployedUserCount"`
	SubmittedUsageCount          int64   `json:"SubmittedUsageCount"`
	AccumulativePocAmount        float64 `json:"AccumulativePocAmount"`
	AveragePocAmount             float64 `json:"AveragePocAmount"`
	AveragePocUnitAmount         float64 `json:"AveragePocUnitAmount"`
	AveragePocDuration           float64 `json:"AveragePocDuration"`
}

// Commodity is the marketplace commodity of a service.
type Commodity struct {
	Type                string              `json:"Type"`
	ChargeType          string              `json:"ChargeType"`
	Components          []string            `json:"Components"`
	Specifications      []Specification     `json:"Specifications"`
	MeteringEntities    []MeteringEntity    `json:"MeteringEntities"`
	MarketplaceMetadata MarketplaceMetadata `json:"MarketplaceMetadata"`
	CssMetadata         CssMetadata         `json:"CssMetadata"`
	CommodityCode       string              `json:"CommodityCode"`
	SaasBoostMetadata   string              `json:"SaasBoostMetadata"`
}

// Specification is a marketplace specification.
type Specification struct {
	Code  string   `json:"Code"`
	Name  string   `json:"Name"`
	Times []string `json:"Times"`
}

// MeteringEntity is a metering item of the commodity.
type MeteringEntity struct {
	EntityId string `json:"EntityId"`
	Name     string `json:"Name"`
}

// MarketplaceMetadata maps marketplace specifications to templates and plans.
type MarketplaceMetadata struct {
	SpecificationMappings    []SpecificationMapping    `json:"SpecificationMappings"`
	MeteringEntityMappings   []MeteringEntityMapping   `json:"MeteringEntityMappings"`
	MeteringEntityExtraInfos []MeteringEntityExtraInfo `json:"MeteringEntityExtraInfos"`
}

// SpecificationMapping binds a marketplace specification to a template and plan.
type SpecificationMapping struct {
	SpecificationCode string `json:"SpecificationCode"`
	TemplateName      string `json:"TemplateName"`
	SpecificationName string `json:"SpecificationName"`
	TrialType         string `json:"TrialType"`
}

// MeteringEntityMapping binds metering entities to a template and plan.
type MeteringEntityMapping struct {
	EntityIds         string `json:"EntityIds"`
	TemplateName      string `json:"TemplateName"`
	SpecificationName string `json:"SpecificationName"`
}

// MeteringEntityExtraInfo configures how a metering entity is measured.
type MeteringEntityExtraInfo struct {
	EntityId   string `json:"EntityId"`
	Type       string `json:"Type"`
	MetricName string `json:"MetricName"`
	Promql     string `json:"Promql"`
}

// CssMetadata is the seed's Css configuration of a commodity.
type CssMetadata struct {
	ComponentsMappings       []ComponentsMapping       `json:"ComponentsMappings"`
	MeteringEntityMappings   []MeteringEntityMapping   `json:"MeteringEntityMappings"`
	MeteringEntityExtraInfos []MeteringEntityExtraInfo `json:"MeteringEntityExtraInfos"`
}

// ComponentsMapping maps billing components for one template.
type ComponentsMapping struct {
	Mappings     map[string]string `json:"Mappings"`
	TemplateName string            `json:"TemplateName"`
}
