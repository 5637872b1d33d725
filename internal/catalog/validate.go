package catalog

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
)

// Allowed values of the service's enumerated fields (as in the seed's GetService).
var serviceEnums = []struct {
	field  string
	get    func(api.ServiceSpec) string
	values []string
}{
	{"DeployType", func(s api.ServiceSpec) string { return s.DeployType }, []string{"ros", "terraform", "spi", "operation", "container"}},
	{"ServiceType", func(s api.ServiceSpec) string { return s.ServiceType }, []string{"private", "managed", "operation"}},
	{"ShareType", func(s api.ServiceSpec) string { return s.ShareType }, []string{"Public", "Restricted", "OnlyFormalRestricted", "OnlyTrailRestricted", "Hidden"}},
	{"ApprovalType", func(s api.ServiceSpec) string { return s.ApprovalType }, []string{"Manual", "AutoPass"}},
	{"TenantType", func(s api.ServiceSpec) string { return s.TenantType }, []string{"SingleTenant", "MultiTenant"}},
	{"PayFromType", func(s api.ServiceSpec) string { return s.PayFromType }, []string{"None", "Marketplace", "Custom"}},
	{"PayType", func(s api.ServiceSpec) string { return s.PayType }, []string{"Permanent", "Subscription", "PayAsYouGo", "CustomFixTime"}},
	{"TrialType", func(s api.ServiceSpec) string { return s.TrialType }, []string{"Trial", "NotTrial"}},
	{"ServiceDiscoverable", func(s api.ServiceSpec) string { return s.ServiceDiscoverable }, []string{"INVISIBLE", "DISCOVERABLE"}},
	{"VirtualInternetService", func(s api.ServiceSpec) string { return s.VirtualInternetService }, []string{"true", "false"}},
}

const (
	maxShortText = 256
	maxLongText  = 64 << 10
	maxTags      = 20
)

// validateService checks a service's content, tags and broker binding.
func validateService(spec api.ServiceSpec, tags []api.Tag, broker *api.Broker) error {
	if spec.DeployType == "" {
		return Invalid("DeployType", "DeployType is required (one of ros, terraform, spi, operation, container)")
	}
	for _, e := range serviceEnums {
		if v := e.get(spec); v != "" && !slices.Contains(e.values, v) {
			return Invalid(e.field, "%s %q is not one of %s", e.field, v, strings.Join(e.values, ", "))
		}
	}
	if len(spec.ServiceInfos) == 0 {
		return Invalid("ServiceInfos", "ServiceInfos needs at least one entry with Locale and Name")
	}
	locales := map[string]bool{}
	for i, info := range spec.ServiceInfos {
		field := fmt.Sprintf("ServiceInfos[%d]", i)
		switch {
		case info.Locale == "":
			return Invalid("ServiceInfos.Locale", "%s.Locale is required (such as zh-CN or en-US)", field)
		case locales[info.Locale]:
			return Invalid("ServiceInfos.Locale", "%s.Locale %q appears twice", field, info.Locale)
		case strings.TrimSpace(info.Name) == "":
			return Invalid("ServiceInfos.Name", "%s.Name is required", field)
		case utf8.RuneCountInString(info.Name) > 128:
			return Invalid("ServiceInfos.Name", "%s.Name is longer than 128 characters", field)
		case utf8.RuneCountInString(info.ShortDescription) > 4096:
			return Invalid("ServiceInfos.ShortDescription", "%s.ShortDescription is longer than 4096 characters", field)
		}
		locales[info.Locale] = true
		if err := checkURL("ServiceInfos.Image", field+".Image", info.Image); err != nil {
			return err
		}
		if err := checkURL("ServiceInfos.LongDescriptionUrl", field+".LongDescriptionUrl", info.LongDescriptionUrl); err != nil {
			return err
		}
		for j, a := range info.Agreements {
			if a.Name == "" {
				return Invalid("ServiceInfos.Agreements", "%s.Agreements[%d].Name is required", field, j)
			}
			if err := checkURL("ServiceInfos.Agreements", fmt.Sprintf("%s.Agreements[%d].Url", field, j), a.Url); err != nil {
				return err
			}
		}
	}
	for _, u := range []struct{ field, value string }{
		{"SupplierUrl", spec.SupplierUrl}, {"ServiceDocUrl", spec.ServiceDocUrl},
		{"ServiceProductUrl", spec.ServiceProductUrl}, {"ServiceAuditDocumentUrl", spec.ServiceAuditDocumentUrl},
	} {
		if err := checkURL(u.field, u.field, u.value); err != nil {
			return err
		}
	}
	for _, t := range []struct{ field, value string }{
		{"VersionName", spec.VersionName}, {"SupplierName", spec.SupplierName}, {"Categories", spec.Categories},
		{"CommodityCode", spec.CommodityCode}, {"ResourceGroupId", spec.ResourceGroupId}, {"PolicyNames", spec.PolicyNames},
	} {
		if utf8.RuneCountInString(t.value) > maxShortText {
			return Invalid(t.field, "%s is longer than %d characters", t.field, maxShortText)
		}
	}
	for _, t := range []struct{ field, value string }{
		{"DeployMetadata", spec.DeployMetadata}, {"AlarmMetadata", spec.AlarmMetadata}, {"UpgradeMetadata", spec.UpgradeMetadata},
		{"LicenseMetadata", spec.LicenseMetadata}, {"OperationMetadata", spec.OperationMetadata}, {"LogMetadata", spec.LogMetadata},
		{"BuildInfo", spec.BuildInfo},
	} {
		if len(t.value) > maxLongText {
			return Invalid(t.field, "%s is longer than %d bytes", t.field, maxLongText)
		}
	}
	for _, n := range []struct {
		field string
		value int64
	}{{"Duration", spec.Duration}, {"TrialDuration", spec.TrialDuration}, {"DefaultLicenseDays", spec.DefaultLicenseDays}} {
		if n.value < 0 {
			return Invalid(n.field, "%s cannot be negative", n.field)
		}
	}
	if spec.DefaultLicenseDays > 1000 {
		return Invalid("DefaultLicenseDays", "DefaultLicenseDays must be between 1 and 1000")
	}
	if err := validateTags(tags); err != nil {
		return err
	}
	return validateBroker(spec, broker)
}

func validateBroker(spec api.ServiceSpec, b *api.Broker) error {
	if spec.DeployType != "spi" {
		return nil
	}
	if spec.DeployMetadata != "" {
		return Invalid("DeployMetadata", "for DeployType spi, DeployMetadata is derived from Broker; set Broker instead")
	}
	if b == nil || b.Url == "" {
		return Invalid("Broker", "DeployType spi needs Broker.Url: the Open Service Broker endpoint that provisions instances")
	}
	u, err := url.Parse(b.Url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Invalid("Broker.Url", "Broker.Url %q must be an http or https URL", b.Url)
	}
	if u.User != nil {
		return Invalid("Broker.Url", "Broker.Url must not carry credentials; set Broker.Username and Broker.Password")
	}
	if b.Password != "" && b.Username == "" {
		return Invalid("Broker.Username", "Broker.Password is set but Broker.Username is empty")
	}
	return nil
}

func checkURL(code, field, value string) error {
	if value == "" {
		return nil
	}
	u, err := url.Parse(value)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(value) > 2048 {
		return Invalid(code, "%s %q must be an http or https URL", field, value)
	}
	return nil
}

func validateTags(tags []api.Tag) error {
	if len(tags) > maxTags {
		return Invalid("Tags", "at most %d tags, got %d", maxTags, len(tags))
	}
	seen := map[string]bool{}
	for i, t := range tags {
		switch {
		case t.Key == "" || utf8.RuneCountInString(t.Key) > 128:
			return Invalid("Tags", "Tags[%d].Key must be 1-128 characters", i)
		case utf8.RuneCountInString(t.Value) > 128:
			return Invalid("Tags", "Tags[%d].Value (key %q) is longer than 128 characters", i, t.Key)
		case seen[t.Key]:
			return Invalid("Tags", "tag key %q appears twice", t.Key)
		}
		seen[t.Key] = true
	}
	return nil
}

// normalizeTags sorts tags by key, so that stored order never depends on request order.
func normalizeTags(tags []api.Tag) []api.Tag {
	out := append([]api.Tag{}, tags...)
	slices.SortFunc(out, func(a, b api.Tag) int { return strings.Compare(a.Key, b.Key) })
	return out
}
