package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/store"
)

// publicStatuses are the statuses in which a Public service is visible to other tenants.
var publicStatuses = []string{api.ServiceOnline, api.ServiceOffline}

// canSee tells whether the caller may see a service whose default version is v.
func canSee(caller Caller, svc store.Service, v store.ServiceVersion) bool {
	if svc.TenantID == caller.TenantID {
		return true
	}
	if v.ShareType != "Public" {
		return false
	}
	return caller.Admin || slices.Contains(publicStatuses, v.Status)
}

// loadService reads a service the caller may see. Invisible services are reported exactly as
// missing ones, so that no tenant learns another's ids.
func (c *Catalog) loadService(ctx context.Context, q store.Queries, caller Caller, id string) (store.Service, store.ServiceVersion, error) {
	svc, err := q.GetService(ctx, id)
	if err != nil {
		return svc, store.ServiceVersion{}, storeErr(err, "Service", id)
	}
	def, err := q.GetServiceVersion(ctx, id, svc.DefaultVersion)
	if err != nil {
		return svc, def, storeErr(err, "Service", id)
	}
	if !canSee(caller, svc, def) {
		return svc, def, NotFound("Service", id)
	}
	return svc, def, nil
}

// loadOwnService reads a service the caller owns. A visible service of another tenant is
// Forbidden; an invisible one is NotFound.
func (c *Catalog) loadOwnService(ctx context.Context, q store.Queries, caller Caller, id string) (store.Service, store.ServiceVersion, error) {
	svc, def, err := c.loadService(ctx, q, caller, id)
	if err == nil && svc.TenantID != caller.TenantID {
		err = Forbidden("service %q belongs to another tenant", id)
	}
	return svc, def, err
}

// loadOwnServiceIfMatch is loadOwnService guarded by an If-Match header.
func (c *Catalog) loadOwnServiceIfMatch(ctx context.Context, q store.Queries, caller Caller, id, ifMatch string) (store.Service, error) {
	svc, _, err := c.loadOwnService(ctx, q, caller, id)
	if err != nil {
		return svc, err
	}
	return svc, c.checkServiceIfMatch(ctx, q, svc, ifMatch)
}

func (c *Catalog) checkServiceIfMatch(ctx context.Context, q store.Queries, svc store.Service, ifMatch string) error {
	tag, err := c.serviceETag(ctx, q, svc)
	if err != nil {
		return err
	}
	return checkIfMatch(ifMatch, tag, "service "+svc.ID)
}

func parseVersion(s string) (int, error) {
	v, err := strconv.Atoi(s)
	if err != nil || v < 1 {
		return 0, Invalid("ServiceVersion", "ServiceVersion %q is not a version number such as \"1\"", s)
	}
	return v, nil
}

// LatestVersion, as a ServiceVersion, names a service's newest version (for its owner; for
// others, the default one): what a supplier is editing, published or not.
const LatestVersion = "latest"

// version reads the version of a service a request names (by default its default version).
// Other tenants see published versions only, never a supplier's drafts.
func (c *Catalog) version(ctx context.Context, q store.Queries, caller Caller, svc store.Service, def store.ServiceVersion, version string) (store.ServiceVersion, error) {
	if version == "" {
		return def, nil
	}
	if version == LatestVersion {
		if svc.TenantID != caller.TenantID && !caller.Admin {
			return def, nil // others see published versions only: the default one
		}
		version = strconv.Itoa(svc.LatestVersion)
	}
	n, err := parseVersion(version)
	if err != nil {
		return def, err
	}
	v := def
	if n != def.Version {
		if v, err = q.GetServiceVersion(ctx, svc.ID, n); err != nil {
			return v, storeErr(err, "ServiceVersion", svc.ID+"@"+version)
		}
	}
	if v.PublishTime.IsZero() && svc.TenantID != caller.TenantID && !caller.Admin {
		return v, NotFound("ServiceVersion", svc.ID+"@"+version)
	}
	return v, nil
}

// CreateService creates a service with version 1 in Draft. idemKey (or the request's
// ClientToken) makes a retried create return the service the first attempt made; created is
// false then.
func (c *Catalog) CreateService(ctx context.Context, caller Caller, req api.CreateServiceRequest, idemKey string) (svc api.Service, tag string, created bool, err error) {
	if idemKey == "" {
		idemKey = req.ClientToken
	}
	req.ClientToken = ""
	if err := validateService(req.ServiceSpec, req.Tags, req.Broker); err != nil {
		return svc, "", false, err
	}
	hash := requestHash(req)
	id := newID("service-")
	err = c.store.InTx(ctx, func(q store.Queries) error {
		prior, err := idempotent(ctx, q, caller.TenantID, "service", idemKey, hash)
		if err != nil || prior != "" {
			id = prior
			return err
		}
		created = true
		now := c.now()
		brokerJSON, password := splitBroker(req.Broker)
		s := store.Service{ID: id, TenantID: caller.TenantID, DefaultVersion: 1, LatestVersion: 1,
			Tags: mustJSON(normalizeTags(req.Tags)), Broker: brokerJSON, BrokerPassword: password, CreateTime: now, UpdateTime: now}
		if err := q.CreateService(ctx, s); err != nil {
			return fmt.Errorf("create service: %w", err)
		}
		v := newVersion(id, 1, req.ServiceSpec, now)
		if err := q.CreateServiceVersion(ctx, v); err != nil {
			return fmt.Errorf("create service version: %w", err)
		}
		return c.rememberIdempotent(ctx, q, caller.TenantID, "service", idemKey, hash, id)
	})
	if err != nil {
		return svc, "", false, err
	}
	svc, tag, err = c.GetService(ctx, caller, id, "", false)
	return svc, tag, created, err
}

func newVersion(serviceID string, n int, spec api.ServiceSpec, now time.Time) store.ServiceVersion {
	v := store.ServiceVersion{ServiceID: serviceID, Version: n, Status: api.ServiceDraft, CreateTime: now, UpdateTime: now}
	setSpec(&v, spec)
	return v
}

// setSpec stores spec in v, with the columns the catalog filters on.
func setSpec(v *store.ServiceVersion, spec api.ServiceSpec) {
	v.Spec = mustJSON(spec)
	v.ShareType, v.DeployType, v.ServiceType = spec.ShareType, spec.DeployType, spec.ServiceType
	v.Name = ""
	if len(spec.ServiceInfos) > 0 {
		v.Name = spec.ServiceInfos[0].Name
	}
}

func splitBroker(b *api.Broker) ([]byte, string) {
	if b == nil {
		return []byte("{}"), ""
	}
	password := b.Password
	withoutPassword := *b
	withoutPassword.Password = ""
	return mustJSON(withoutPassword), password
}

// GetService returns a version of a service (by default its default version) in the
// GetService shape. withStatistic computes Statistic from the service's instances; it is
// filled for the service's owner and for platform admins only.
func (c *Catalog) GetService(ctx context.Context, caller Caller, id, version string, withStatistic bool) (api.Service, string, error) {
	var out api.Service
	var tag string
	err := c.store.ReadTx(ctx, func(q store.Queries) error {
		svc, def, err := c.loadService(ctx, q, caller, id)
		if err != nil {
			return err
		}
		v, err := c.version(ctx, q, caller, svc, def, version)
		if err != nil {
			return err
		}
		out, err = serviceView(caller, svc, v)
		if err != nil {
			return err
		}
		if withStatistic && (svc.TenantID == caller.TenantID || caller.Admin) {
			st, err := q.ServiceStatistic(ctx, id)
			if err != nil {
				return fmt.Errorf("compute statistic of %s: %w", id, err)
			}
			out.Statistic = api.Statistic{AccumulativeInstanceCount: st.Instances, AccumulativeUserCount: st.Users,
				DeployedServiceInstanceCount: st.DeployedInstances, DeployedUserCount: st.DeployedUsers}
		}
		tag, err = c.serviceETag(ctx, q, svc, v, def)
		return err
	})
	return out, tag, err
}

// serviceETag tags the whole service; loaded are versions already read, so that the latest
// one is not read again when it is among them.
func (c *Catalog) serviceETag(ctx context.Context, q store.Queries, svc store.Service, loaded ...store.ServiceVersion) (string, error) {
	for _, v := range loaded {
		if v.Version == svc.LatestVersion {
			return etag(svc.Revision, int64(svc.LatestVersion), v.Revision), nil
		}
	}
	latest, err := q.GetServiceVersion(ctx, svc.ID, svc.LatestVersion)
	if err != nil {
		return "", storeErr(err, "Service", svc.ID)
	}
	return etag(svc.Revision, int64(svc.LatestVersion), latest.Revision), nil
}

// serviceView maps stored rows to the GetService shape.
func serviceView(caller Caller, svc store.Service, v store.ServiceVersion) (api.Service, error) {
	var out api.Service
	// The stored spec carries the GetService field names, so it decodes straight in.
	if err := json.Unmarshal(v.Spec, &out); err != nil {
		return out, fmt.Errorf("decode service %s version %d: %w", svc.ID, v.Version, err)
	}
	if err := json.Unmarshal(svc.Tags, &out.Tags); err != nil {
		return out, fmt.Errorf("decode tags of service %s: %w", svc.ID, err)
	}
	if out.DeployType == "spi" {
		var b api.Broker
		if err := json.Unmarshal(svc.Broker, &b); err != nil {
			return out, fmt.Errorf("decode broker of service %s: %w", svc.ID, err)
		}
		out.DeployMetadata = string(mustJSON(deployMetadata{Broker: brokerView{Url: b.Url, Username: b.Username, ServiceName: b.ServiceName}}))
	}
	out.ServiceId = svc.ID
	out.Version = strconv.Itoa(v.Version)
	out.Status = v.Status
	out.StatusDetail = v.StatusDetail
	out.CreateTime = formatTime(v.CreateTime)
	updated := v.UpdateTime
	if svc.UpdateTime.After(updated) {
		updated = svc.UpdateTime
	}
	out.UpdateTime = formatTime(updated)
	out.PublishTime = formatTime(v.PublishTime)
	out.TestStatus = "CONFIG_IS_NULL"
	out.Permission = "Accessible"
	if v.Status == api.ServiceOnline {
		out.Permission = "Deployable"
	}
	api.FillEmpty(&out)
	return out, nil
}

// deployMetadata is DeployMetadata of an spi service: its broker, never its password.
type deployMetadata struct {
	Broker brokerView `json:"Broker"`
}

type brokerView struct {
	Url         string `json:"Url"`
	Username    string `json:"Username"`
	ServiceName string `json:"ServiceName"`
}

// ServiceQuery filters GET /v1/services.
type ServiceQuery struct {
	Owner       string // "self": only the caller's services ("my services")
	Status      string
	DeployType  string
	ServiceType string
	ShareType   string
	Name        string // case-insensitive substring of the first ServiceInfo's name
	Page
}

// ListServices lists the services the caller can see: its own and other tenants' published
// Public services ("the service list"), or with Owner "self" only its own ("my services").
func (c *Catalog) ListServices(ctx context.Context, caller Caller, query ServiceQuery) (api.ListServicesResponse, error) {
	out := api.ListServicesResponse{Services: []api.Service{}}
	if query.Owner != "" && query.Owner != "self" {
		return out, Invalid("Owner", "Owner must be \"self\" or empty, got %q", query.Owner)
	}
	limit, after, err := query.bounds()
	if err != nil {
		return out, err
	}
	statuses := publicStatuses
	if caller.Admin {
		statuses = allServiceStatuses
	}
	rows, err := c.store.ListServices(ctx, store.ServiceFilter{
		TenantID: caller.TenantID, OwnedOnly: query.Owner == "self", PublicStatuses: statuses,
		Status: query.Status, DeployType: query.DeployType, ServiceType: query.ServiceType, ShareType: query.ShareType,
		NameContains: query.Name, After: after, Limit: limit + 1,
	})
	if err != nil {
		return out, fmt.Errorf("list services: %w", err)
	}
	out.MaxResults = limit
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1].Service
		out.NextToken = nextToken(last.CreateTime, last.ID)
	}
	for _, r := range rows {
		s, err := serviceView(caller, r.Service, r.Version)
		if err != nil {
			return out, err
		}
		out.Services = append(out.Services, s)
	}
	return out, nil
}

var allServiceStatuses = []string{api.ServiceDraft, api.ServiceSubmitted, api.ServiceApproved, api.ServiceLaunching,
	api.ServiceOnline, api.ServiceOffline, api.ServiceBeta, api.ServiceCreating, api.ServiceCreateFailed,
	api.ServiceUpdating, api.ServiceUpdateFailed}

// ListServiceVersions lists every version of a service the caller owns.
func (c *Catalog) ListServiceVersions(ctx context.Context, caller Caller, id string) ([]api.ServiceVersionSummary, error) {
	out := []api.ServiceVersionSummary{}
	err := c.store.ReadTx(ctx, func(q store.Queries) error {
		svc, _, err := c.loadOwnService(ctx, q, caller, id)
		if err != nil {
			return err
		}
		versions, err := q.ListServiceVersions(ctx, id)
		if err != nil {
			return fmt.Errorf("list versions of %s: %w", id, err)
		}
		for _, v := range versions {
			var spec api.ServiceSpec
			if err := json.Unmarshal(v.Spec, &spec); err != nil {
				return fmt.Errorf("decode service %s version %d: %w", id, v.Version, err)
			}
			out = append(out, api.ServiceVersionSummary{Version: strconv.Itoa(v.Version), VersionName: spec.VersionName, Status: v.Status,
				IsDefault: v.Version == svc.DefaultVersion, CreateTime: formatTime(v.CreateTime), UpdateTime: formatTime(v.UpdateTime),
				PublishTime: formatTime(v.PublishTime)})
		}
		return nil
	})
	return out, err
}

// UpdateService applies a JSON merge patch (of an api.UpdateServiceRequest) to the
// service's latest version. A Draft version changes in place. When the latest version is
// published (Online or Offline), a change to its content creates a new Draft version, which
// becomes the default once published: published versions never change. Tags and the broker
// binding are not versioned and change in place.
func (c *Catalog) UpdateService(ctx context.Context, caller Caller, id string, patch []byte, ifMatch string) (api.Service, string, error) {
	var version string
	err := c.store.InTx(ctx, func(q store.Queries) error {
		svc, _, err := c.loadOwnService(ctx, q, caller, id)
		if err != nil {
			return err
		}
		latest, err := q.GetServiceVersion(ctx, id, svc.LatestVersion)
		if err != nil {
			return storeErr(err, "Service", id)
		}
		if err := checkIfMatch(ifMatch, etag(svc.Revision, int64(svc.LatestVersion), latest.Revision), "service "+id); err != nil {
			return err
		}
		var req api.UpdateServiceRequest
		if err := json.Unmarshal(latest.Spec, &req.ServiceSpec); err != nil {
			return fmt.Errorf("decode service %s: %w", id, err)
		}
		if err := json.Unmarshal(svc.Tags, &req.Tags); err != nil {
			return fmt.Errorf("decode tags of %s: %w", id, err)
		}
		var broker api.Broker
		if err := json.Unmarshal(svc.Broker, &broker); err != nil {
			return fmt.Errorf("decode broker of %s: %w", id, err)
		}
		if broker.Url != "" {
			req.Broker = &broker
		}
		if req, err = applyMergePatch(req, patch); err != nil {
			return err
		}
		if req.Broker != nil && req.Broker.Password == "" {
			req.Broker.Password = svc.BrokerPassword
		}
		if err := validateService(req.ServiceSpec, req.Tags, req.Broker); err != nil {
			return err
		}
		now := c.now()
		version = strconv.Itoa(latest.Version)
		newSpec := mustJSON(req.ServiceSpec)
		if !bytes.Equal(newSpec, latest.Spec) {
			switch latest.Status {
			case api.ServiceDraft, api.ServiceCreateFailed, api.ServiceUpdateFailed:
				setSpec(&latest, req.ServiceSpec)
				latest.UpdateTime = now
				if err := q.UpdateServiceVersion(ctx, latest); err != nil {
					return storeErr(err, "Service", id)
				}
			case api.ServiceOnline, api.ServiceOffline, api.ServiceBeta:
				next := newVersion(id, latest.Version+1, req.ServiceSpec, now)
				if err := q.CreateServiceVersion(ctx, next); err != nil {
					return storeErr(err, "Service", id)
				}
				svc.LatestVersion = next.Version
				version = strconv.Itoa(next.Version)
			default:
				return Conflict("IncorrectServiceStatus", "service %s version %d is %s and cannot be changed until it is approved and published or rejected",
					id, latest.Version, latest.Status)
			}
		}
		brokerJSON, password := splitBroker(req.Broker)
		svc.Tags, svc.Broker, svc.BrokerPassword = mustJSON(normalizeTags(req.Tags)), brokerJSON, password
		svc.UpdateTime = now
		if err := q.UpdateService(ctx, svc); err != nil {
			return storeErr(err, "Service", id)
		}
		return nil
	})
	if err != nil {
		return api.Service{}, "", err
	}
	return c.GetService(ctx, caller, id, version, false)
}

// applyMergePatch applies a JSON merge patch (RFC 7386) to an update request: objects merge
// key by key, lists are replaced whole, null clears a field.
func applyMergePatch(current api.UpdateServiceRequest, patch []byte) (api.UpdateServiceRequest, error) {
	var doc, p any
	if err := decodeJSON(mustJSON(current), &doc); err != nil {
		return current, err
	}
	if err := decodeJSON(patch, &p); err != nil {
		return current, Invalid("Body", "the request body is not a JSON object: %v", err)
	}
	var out api.UpdateServiceRequest
	if err := json.Unmarshal(mustJSON(mergePatch(doc, p)), &out); err != nil {
		return current, Invalid("Body", "the request body does not fit an UpdateServiceRequest: %v", err)
	}
	return out, nil
}

func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = mergePatch(t[k], v)
	}
	return t
}

// DeleteService deletes a service with all its versions and plans. A service with live
// instances (in any tenant) cannot be deleted.
func (c *Catalog) DeleteService(ctx context.Context, caller Caller, id, ifMatch string) error {
	return c.store.InTx(ctx, func(q store.Queries) error {
		if _, err := c.loadOwnServiceIfMatch(ctx, q, caller, id, ifMatch); err != nil {
			return err
		}
		n, err := q.CountInstances(ctx, store.InstanceCount{ServiceID: id, ExcludeStatus: api.InstanceDeleted})
		if err != nil {
			return fmt.Errorf("count instances of %s: %w", id, err)
		}
		if n > 0 {
			return Conflict("ServiceHasInstances", "service %s has %d instance(s) that are not deleted; delete them first", id, n)
		}
		return storeErr(q.DeleteService(ctx, id), "Service", id)
	})
}

// Lifecycle actions on a service version.
const (
	ActionPublish = "publish"
	ActionOffline = "offline"
	ActionApprove = "approve"
	ActionReject  = "reject"
)

// Transition returns the status a version in status from moves to under action, for a
// Public (share) service or a private one. ok is false when the action does not apply.
//
//	private: Draft -publish-> Online (through Launching)
//	public:  Draft -publish-> Submitted -approve-> Approved -publish-> Online; -reject-> Draft
//	both:    Online -offline-> Offline -publish-> Online
//
// Publishing what is already Online (or Submitted), or taking Offline what is already
// Offline, changes nothing, so that retries succeed.
func Transition(from, action string, public bool) (string, bool) {
	switch action {
	case ActionPublish:
		switch from {
		case api.ServiceDraft, api.ServiceCreateFailed, api.ServiceUpdateFailed:
			if public {
				return api.ServiceSubmitted, true
			}
			return api.ServiceOnline, true
		case api.ServiceApproved, api.ServiceOffline, api.ServiceBeta, api.ServiceLaunching, api.ServiceOnline:
			return api.ServiceOnline, true
		case api.ServiceSubmitted:
			return api.ServiceSubmitted, true
		}
	case ActionOffline:
		switch from {
		case api.ServiceOnline, api.ServiceBeta, api.ServiceOffline:
			return api.ServiceOffline, true
		}
	case ActionApprove:
		if public && (from == api.ServiceSubmitted || from == api.ServiceApproved) {
			return api.ServiceApproved, true
		}
	case ActionReject:
		if public && from == api.ServiceSubmitted {
			return api.ServiceDraft, true
		}
	}
	return "", false
}

// ChangeServiceStatus carries out a lifecycle action on a version (by default the latest
// version for publish, approve and reject; for offline, every published version). approve
// and reject are for platform admins.
func (c *Catalog) ChangeServiceStatus(ctx context.Context, caller Caller, id, action string, req api.ServiceLifecycleRequest, ifMatch string) (api.Service, string, error) {
	if action == ActionPublish {
		if err := c.checkBroker(ctx, caller, id, nil); err != nil {
			return api.Service{}, "", err
		}
	}
	var shown string
	err := c.store.InTx(ctx, func(q store.Queries) error {
		var svc store.Service
		var err error
		if action == ActionApprove || action == ActionReject {
			if !caller.Admin {
				return Forbidden("only a platform admin may %s a service", action)
			}
			svc, _, err = c.loadService(ctx, q, caller, id)
		} else {
			svc, _, err = c.loadOwnService(ctx, q, caller, id)
		}
		if err != nil {
			return err
		}
		if err := c.checkServiceIfMatch(ctx, q, svc, ifMatch); err != nil {
			return err
		}
		versions, err := q.ListServiceVersions(ctx, id)
		if err != nil {
			return fmt.Errorf("list versions of %s: %w", id, err)
		}
		targets, err := lifecycleTargets(versions, svc, action, req.ServiceVersion)
		if err != nil {
			return err
		}
		now := c.now()
		for _, v := range targets {
			to, ok := Transition(v.Status, action, v.ShareType == "Public")
			if !ok {
				return Conflict("IncorrectServiceStatus", "cannot %s service %s version %d: it is %s", action, id, v.Version, v.Status)
			}
			shown = strconv.Itoa(v.Version)
			if to == v.Status {
				continue
			}
			v.Status, v.UpdateTime = to, now
			v.StatusDetail = ""
			if action == ActionReject {
				v.StatusDetail = "rejected: " + req.Reason
			}
			if to == api.ServiceOnline && v.PublishTime.IsZero() {
				v.PublishTime = now
			}
			if err := q.UpdateServiceVersion(ctx, v); err != nil {
				return storeErr(err, "Service", id)
			}
			for i := range versions {
				if versions[i].Version == v.Version {
					versions[i] = v
				}
			}
		}
		svc.DefaultVersion = defaultVersion(versions)
		svc.UpdateTime = now
		return storeErr(q.UpdateService(ctx, svc), "Service", id)
	})
	if err != nil {
		return api.Service{}, "", err
	}
	return c.GetService(ctx, caller, id, shown, false)
}

func lifecycleTargets(versions []store.ServiceVersion, svc store.Service, action, version string) ([]store.ServiceVersion, error) {
	if version != "" {
		n, err := parseVersion(version)
		if err != nil {
			return nil, err
		}
		for _, v := range versions {
			if v.Version == n {
				return []store.ServiceVersion{v}, nil
			}
		}
		return nil, NotFound("ServiceVersion", svc.ID+"@"+version)
	}
	if action == ActionOffline {
		var online []store.ServiceVersion
		for _, v := range versions {
			if v.Status == api.ServiceOnline || v.Status == api.ServiceBeta {
				online = append(online, v)
			}
		}
		if len(online) == 0 {
			return []store.ServiceVersion{versions[len(versions)-1]}, nil
		}
		return online, nil
	}
	for _, v := range versions {
		if v.Version == svc.LatestVersion {
			return []store.ServiceVersion{v}, nil
		}
	}
	return nil, NotFound("ServiceVersion", svc.ID)
}

// defaultVersion is the version orders get when they name none, and GetService shows: the
// newest Online version; else the newest one ever published; else the newest.
func defaultVersion(versions []store.ServiceVersion) int {
	best, published := 0, 0
	for _, v := range versions {
		if v.Status == api.ServiceOnline && v.Version > best {
			best = v.Version
		}
		if !v.PublishTime.IsZero() && v.Version > published {
			published = v.Version
		}
	}
	if best > 0 {
		return best
	}
	if published > 0 {
		return published
	}
	return versions[len(versions)-1].Version
}
