package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/catalog"
)

// route is one operation of the API. The same table registers the handlers and generates
// the OpenAPI document, so the two cannot drift apart.
type route struct {
	Method  string
	Path    string
	Summary string
	Auth    bool
	Query   []string // documented query parameters
	Headers []string // documented request headers
	Request any      // zero value of the body type, nil when there is none
	// BodyOptional marks a Request body that may be left out.
	BodyOptional bool
	Response     any // zero value of the success body type, nil for none
	Status       int // the success status
	handle       handlerFunc
}

func (s *Server) routes() []route {
	return []route{
		{Method: "GET", Path: "/healthz", Summary: "Liveness: the process serves requests.", Response: health{}, Status: 200, handle: s.healthz},
		{Method: "GET", Path: "/readyz", Summary: "Readiness: the database answers and the server is not draining.", Response: health{}, Status: 200, handle: s.readyz},
		{Method: "GET", Path: "/metrics", Summary: "Prometheus metrics.", Status: 200, handle: s.metrics},
		{Method: "GET", Path: "/openapi.json", Summary: "This API as an OpenAPI 3 document.", Status: 200, handle: s.openapi},
		{Method: "GET", Path: "/v1/whoami", Summary: "The tenant the API key belongs to.", Auth: true, Response: api.Identity{}, Status: 200, handle: s.whoami},

		{Method: "POST", Path: "/v1/services", Summary: "Create a service (version 1, Draft). Idempotent with Idempotency-Key or ClientToken.", Auth: true,
			Headers: []string{"Idempotency-Key"}, Request: api.CreateServiceRequest{}, Response: api.Service{}, Status: 201, handle: s.createService},
		{Method: "GET", Path: "/v1/services", Summary: "List the services the caller can see (Owner=self: only its own).", Auth: true,
			Query: []string{"Owner", "Status", "DeployType", "ServiceType", "ShareType", "Name", "MaxResults", "NextToken"}, Response: api.ListServicesResponse{}, Status: 200, handle: s.listServices},
		{Method: "GET", Path: "/v1/services/{ServiceId}", Summary: "GetService: a version of a service (default: the default version; ServiceVersion=latest: the newest, for its owner).", Auth: true,
			Query: []string{"ServiceVersion", "ShowDetail"}, Response: api.Service{}, Status: 200, handle: s.getService},
		{Method: "PATCH", Path: "/v1/services/{ServiceId}", Summary: "Merge-patch the service. Changing a published version creates a new Draft version.", Auth: true,
			Headers: []string{"If-Match"}, Request: api.UpdateServiceRequest{}, Response: api.Service{}, Status: 200, handle: s.updateService},
		{Method: "DELETE", Path: "/v1/services/{ServiceId}", Summary: "Delete a service with no live instances.", Auth: true,
			Headers: []string{"If-Match"}, Status: 204, handle: s.deleteService},
		{Method: "GET", Path: "/v1/services/{ServiceId}/versions", Summary: "List the versions of a service.", Auth: true,
			Response: api.ListServiceVersionsResponse{}, Status: 200, handle: s.listVersions},
		s.lifecycle(catalog.ActionPublish, "Publish a version (default: the latest). Private: Draft to Online. Public: Draft to Submitted; Approved to Online. An spi service's plans are checked against its broker's catalog."),
		s.lifecycle(catalog.ActionOffline, "Take a version (default: every Online version) Offline."),
		s.lifecycle(catalog.ActionApprove, "Platform admins: approve a Submitted public version."),
		s.lifecycle(catalog.ActionReject, "Platform admins: send a Submitted public version back to Draft, with a Reason."),

		{Method: "GET", Path: "/v1/services/{ServiceId}/plans", Summary: "List the plans of a service.", Auth: true,
			Response: api.ListPlansResponse{}, Status: 200, handle: s.listPlans},
		{Method: "PUT", Path: "/v1/services/{ServiceId}/plans/{PlanName}", Summary: "Create or replace a plan. For an spi service, the plan must match a plan of the broker (read from its catalog).", Auth: true,
			Headers: []string{"If-Match"}, Request: api.PutPlanRequest{}, Response: api.Plan{}, Status: 200, handle: s.putPlan},
		{Method: "GET", Path: "/v1/services/{ServiceId}/plans/{PlanName}", Summary: "Read a plan.", Auth: true,
			Response: api.Plan{}, Status: 200, handle: s.getPlan},
		{Method: "DELETE", Path: "/v1/services/{ServiceId}/plans/{PlanName}", Summary: "Delete a plan no live instance uses.", Auth: true,
			Headers: []string{"If-Match"}, Status: 204, handle: s.deletePlan},

		{Method: "POST", Path: "/v1/service-instances", Summary: "Order an instance of an spi service. Returns at once (202); the worker provisions it at the broker. Idempotent with Idempotency-Key or ClientToken.", Auth: true,
			Headers: []string{"Idempotency-Key"}, Request: api.CreateServiceInstanceRequest{}, Response: api.ServiceInstance{}, Status: 202, handle: s.createInstance},
		{Method: "GET", Path: "/v1/service-instances", Summary: "List the caller's instances (my instances).", Auth: true,
			Query: []string{"ServiceId", "Status", "PlanName", "Name", "MaxResults", "NextToken"}, Response: api.ListServiceInstancesResponse{}, Status: 200, handle: s.listInstances},
		{Method: "GET", Path: "/v1/service-instances/{ServiceInstanceId}", Summary: "Read an instance: Status, Progress, StatusDetail, Parameters, Outputs.", Auth: true,
			Response: api.ServiceInstance{}, Status: 200, handle: s.getInstance},
		{Method: "PATCH", Path: "/v1/service-instances/{ServiceInstanceId}", Summary: "Change plan, parameters, name or tags (202 when broker work is queued).", Auth: true,
			Headers: []string{"If-Match"}, Request: api.UpdateServiceInstanceRequest{}, Response: api.ServiceInstance{}, Status: 200, handle: s.updateInstance},
		{Method: "DELETE", Path: "/v1/service-instances/{ServiceInstanceId}", Summary: "Delete an instance (202 while deprovisioning is queued).", Auth: true,
			Headers: []string{"If-Match"}, Response: api.ServiceInstance{}, Status: 202, handle: s.deleteInstance},
		{Method: "GET", Path: "/v1/service-instances/{ServiceInstanceId}/operations", Summary: "The instance's operation history, oldest first.", Auth: true,
			Response: api.ListOperationsResponse{}, Status: 200, handle: s.listOperations},
	}
}

type health struct {
	Status string `json:"Status"`
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request, _ catalog.Caller) error {
	writeJSON(w, http.StatusOK, health{Status: "ok"})
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request, _ catalog.Caller) error {
	notReady := func(msg string) {
		writeJSON(w, http.StatusServiceUnavailable, api.Error{RequestId: requestID(r.Context()), Code: "NotReady", Message: msg})
	}
	if s.draining.Load() {
		notReady("the server is shutting down")
		return nil
	}
	if err := s.cat.Store().Ping(r.Context()); err != nil {
		s.log.WarnContext(r.Context(), "database not ready", "error", err)
		notReady("the database does not answer")
		return nil
	}
	writeJSON(w, http.StatusOK, health{Status: "ok"})
	return nil
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request, _ catalog.Caller) error {
	s.metricsHandler().ServeHTTP(w, r)
	return nil
}

func (s *Server) openapi(w http.ResponseWriter, _ *http.Request, _ catalog.Caller) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(s.OpenAPI())
	return err
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request, c catalog.Caller) error {
	writeJSON(w, http.StatusOK, api.Identity{RequestId: requestID(r.Context()), TenantId: c.TenantID, TenantName: c.TenantName, Admin: c.Admin})
	return nil
}

// respond writes a resource with its ETag and RequestId.
func respond[T any](w http.ResponseWriter, r *http.Request, status int, tag string, v T, setID func(*T, string)) {
	if tag != "" {
		w.Header().Set("ETag", tag)
	}
	setID(&v, requestID(r.Context()))
	writeJSON(w, status, v)
}

func serviceID(s *api.Service, id string)               { s.RequestId = id }
func planID(p *api.Plan, id string)                     { p.RequestId = id }
func instanceID(i *api.ServiceInstance, id string)      { i.RequestId = id }
func servicesID(l *api.ListServicesResponse, id string) { l.RequestId = id }

func (s *Server) createService(w http.ResponseWriter, r *http.Request, c catalog.Caller) error {
	var req api.CreateServiceRequest
	if _, err := decode(r, &req); err != nil {
		return err
	}
	svc, tag, created, err := s.cat.CreateService(r.Context(), c, req, r.Header.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/services/"+svc.ServiceId)
	respond(w, r, pick(created, http.StatusCreated, http.StatusOK), tag, svc, serviceID)
	return nil
}

func pick(cond bool, a, b int) int {
	if cond {
		return a
	}
	return b
}

func queryInt(r *http.Request, name string) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, catalog.Invalid(name, "%s must be a whole number, got %q", name, v)
	}
	return n, nil
}

func page(r *http.Request) (catalog.Page, error) {
	n, err := queryInt(r, "MaxResults")
	return catalog.Page{MaxResults: n, NextToken: r.URL.Query().Get("NextToken")}, err
}

func (s *Server) listServices(w http.ResponseWriter, r *http.Request, c catalog.Caller) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	out, err := s.cat.ListServices(r.Context(), c, catalog.ServiceQuery{Owner: q.Get("Owner"), Status: q.Get("Status"),
		DeployType: q.Get("DeployType"), ServiceType: q.Get("ServiceType"), ShareType: q.Get("ShareType"), Name: q.Get("Name"), Page: p})
	if err != nil {
		return err
	}
	respond(w, r, http.StatusOK, "", out, servicesID)
	return nil
}

// showStatistic reads ShowDetail, given repeated or comma-separated.
func showStatistic(r *http.Request) (bool, error) {
	stat := false
	for _, v := range r.URL.Query()["ShowDetail"] {
		for _, d := range strings.Split(v, ",") {
			switch strings.TrimSpace(d) {
			case api.ShowDetailServiceStatistic:
				stat = true
			case "":
			default:
				return false, catalog.Invalid("ShowDetail", "ShowDetail %q is not known; the value is %s", d, api.ShowDetailServiceStatistic)
			}
		}
	}
	return stat, nil
}

func (s *Server) getService(w http.ResponseWriter, r *http.Request, c catalog.Caller) error {
	stat, err := showStatistic(r)
	if err != nil {
		return err
	}
	svc, tag, err := s.cat.GetService(r.Context(), c, r.PathValue("ServiceId"), r.URL.Query().Get("ServiceVersion"), stat)
	if err != nil {
		return err
	}
	respond(w, r, http.StatusOK, tag, svc, serviceID)
	return nil
}

func (s *Server) updateService(w http.ResponseWriter, r *http.Request, c catalog.Caller) error {
	var req api.UpdateServiceRequest
	body, err := decode(r, &req)
	if err != nil {
		return err
	}
	svc, tag, err := s.cat.UpdateService(r.Context(), c, r.PathValue("ServiceId"), body, r.Header.Get("If-Match"))
	if err != nil {
		return err
	}
	respond(w, r, http.StatusOK, tag, svc, serviceID)
	return nil
}

func (s *Server) deleteService(w http.ResponseWriter, r *http.Request, c catalog.Caller) error {
	if err := s.cat.DeleteService(r.Context(), c, r.PathValue("ServiceId"), r.Header.Get("If-Match")); err != nil {
		return err
	}
	w.Header().Set("X-Request-Id", requestID(r.Context()))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listVersions(w http.ResponseWriter, r *http.Request, c catalog.Caller) error {
	versions, err := s.cat.ListServiceVersions(r.Context(), c, r.PathValue("ServiceId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.ListServiceVersionsResponse{RequestId: requestID(r.Context()), Versions: versions})
	return nil
}

func (s *Server) lifecycle(action, summary string) route {
	return route{Method: "POST", Path: "/v1/services/{ServiceId}/" + action, Summary: summary, Auth: true,
		Headers: []string{"If-Match"}, Request: api.ServiceLifecycleRequest{}, BodyOptional: true, Response: api.Service{}, Status: 200,
		handle: func(w http.ResponseWriter, r *http.Request, c catalog.Caller) error {
			var req api.ServiceLifecycleRequest
			if err := decodeOptional(r, &req); err != nil {
				return err
			}
			svc, tag, err := s.cat.ChangeServiceStatus(r.Context(), c, r.PathValue("ServiceId"), action, req, r.Header.Get("If-Match"))
			if err != nil {
				return err
			}
			respond(w, r, http.StatusOK, tag, svc, serviceID)
			return nil
		}}
}

func (s *Server) listPlans(w http.ResponseWriter, r *http.Request, c catalog.Caller) error {
	plans, err := s.cat.ListPlans(r.Context(), c, r.PathValue("ServiceId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.ListPlansResponse{RequestId: requestID(r.Context()), Plans: plans})
	return nil
}

func (s *Server) putPlan(w http.ResponseWriter, r *http.Request, c catalog.Caller) error {
	var req api.PutPlanRequest
	if _, err := decode(r, &req); err != nil {
		return err
	}
	plan, tag, created, err := s.cat.PutPlan(r.Context(), c, r.PathValue("ServiceId"), r.PathValue("PlanName"), req, r.Header.Get("If-Match"))
	if err != nil {
		return err
	}
	respond(w, r, pick(created, http.StatusCreated, http.StatusOK), tag, plan, planID)
	return nil
}

func (s *Server) getPlan(w http.ResponseWriter, r *http.Request, c catalog.Caller) error {
	plan, tag, err := s.cat.GetPlan(r.Context(), c, r.PathValue("ServiceId"), r.PathValue("PlanName"))
	if err != nil {
		return err
	}
	respond(w, r, http.StatusOK, tag, plan, planID)
	return nil
}

func (s *Server) deletePlan(w http.ResponseWriter, r *http.Request, c catalog.Caller) error {
	if err := s.cat.DeletePlan(r.Context(), c, r.PathValue("ServiceId"), r.PathValue("PlanName"), r.Header.Get("If-Match")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) createInstance(w http.ResponseWriter, r *http.Request, c catalog.Caller) error {
	var req api.CreateServiceInstanceRequest
	if _, err := decode(r, &req); err != nil {
		return err
	}
	inst, tag, created, err := s.cat.CreateInstance(r.Context(), c, req, r.Header.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	if inst.ServiceInstanceId != "" {
		w.Header().Set("Location", "/v1/service-instances/"+inst.ServiceInstanceId)
	}
	respond(w, r, pick(created, http.StatusAccepted, http.StatusOK), tag, inst, instanceID)
	return nil
}

func (s *Server) listInstances(w http.ResponseWriter, r *http.Request, c catalog.Caller) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	out, err := s.cat.ListInstances(r.Context(), c, catalog.InstanceQuery{ServiceId: q.Get("ServiceId"), Status: q.Get("Status"),
		PlanName: q.Get("PlanName"), Name: q.Get("Name"), Page: p})
	if err != nil {
		return err
	}
	out.RequestId = requestID(r.Context())
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getInstance(w http.ResponseWriter, r *http.Request, c catalog.Caller) error {
	inst, tag, err := s.cat.GetInstance(r.Context(), c, r.PathValue("ServiceInstanceId"))
	if err != nil {
		return err
	}
	respond(w, r, http.StatusOK, tag, inst, instanceID)
	return nil
}

func (s *Server) updateInstance(w http.ResponseWriter, r *http.Request, c catalog.Caller) error {
	var req api.UpdateServiceInstanceRequest
	if _, err := decode(r, &req); err != nil {
		return err
	}
	inst, tag, err := s.cat.UpdateInstance(r.Context(), c, r.PathValue("ServiceInstanceId"), req, r.Header.Get("If-Match"))
	if err != nil {
		return err
	}
	status := http.StatusOK
	if inst.Status == api.InstanceUpgrading && !req.DryRun {
		status = http.StatusAccepted
	}
	respond(w, r, status, tag, inst, instanceID)
	return nil
}

func (s *Server) deleteInstance(w http.ResponseWriter, r *http.Request, c catalog.Caller) error {
	inst, accepted, err := s.cat.DeleteInstance(r.Context(), c, r.PathValue("ServiceInstanceId"), r.Header.Get("If-Match"))
	if err != nil {
		return err
	}
	respond(w, r, pick(accepted, http.StatusAccepted, http.StatusOK), "", inst, instanceID)
	return nil
}

func (s *Server) listOperations(w http.ResponseWriter, r *http.Request, c catalog.Caller) error {
	ops, err := s.cat.ListOperations(r.Context(), c, r.PathValue("ServiceInstanceId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.ListOperationsResponse{RequestId: requestID(r.Context()), Operations: ops})
	return nil
}
