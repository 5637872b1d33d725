// Package osbtest is a scriptable Open Service Broker for tests: a real HTTP server on
// loopback that follows the OSB v2.17 spec by default (sync or async, idempotent re-PUT,
// 410 for unknown instances) and can be told, per plan, to misbehave: be slow, fail midway,
// answer 4xx/5xx, ConcurrencyError, malformed JSON, a wrong success code, or never finish.
// It records every request so that tests can count what reached it.
package osbtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Answer is a canned answer: a status and a raw body (which need not be JSON).
type Answer struct {
	Status int
	Body   string
}

// Behaviour scripts how the broker treats instances of one plan. The zero value is a
// well-behaved synchronous broker.
type Behaviour struct {
	// Async makes provision, update and deprovision answer 202 and finish after Takes.
	Async bool
	Takes time.Duration
	// Op names the asynchronous operation that Never, Fail and LastOperation script:
	// "provision" (when empty), "update" or "deprovision". Others succeed after Takes.
	Op string
	// Never keeps the operation in progress forever.
	Never bool
	// Fail makes the operation end "failed" with this description.
	Fail string
	// Percent adds "(N% complete)" to in-progress descriptions.
	Percent bool
	// RetryAfter is sent with in-progress last_operation answers.
	RetryAfter string
	// Delay holds every provision answer this long, after the work is done (a slow broker).
	Delay time.Duration
	// ConcurrencyErrors answers the first N provision requests with 422 ConcurrencyError.
	ConcurrencyErrors int
	// Canned answers replacing the normal ones.
	Provision, Update, Deprovision *Answer
	LastOperation                  *Answer
	// MaximumPollingDuration is the plan's maximum_polling_duration (seconds) in the catalog.
	MaximumPollingDuration int
}

// Request is one request the broker received.
type Request struct {
	Method, Path string
	Query        map[string]string
	Body         map[string]any
	Time         time.Time
}

// Broker is a running test broker.
type Broker struct {
	URL, Username, Password string
	ServiceName             string
	// ServiceID is the offering's id in the broker's catalog.
	ServiceID string

	mu          sync.Mutex
	password    string // what the broker accepts now (Password is the first one)
	plans       []string
	behaviours  map[string]*Behaviour
	retrievable bool
	instances   map[string]*instance
	gone        map[string]bool // deleted instances, whose last operation is remembered
	requests    []Request
	created     int
	concurrency map[string]int
}

type instance struct {
	planID    string
	params    map[string]any
	op        string // the operation under way or last finished: provision, update, deprovision
	started   time.Time
	dashboard string
}

// Start runs a broker offering one service with the given plans (all well-behaved until
// Script says otherwise), stopped when the test ends.
func Start(t testing.TB, plans ...string) *Broker {
	t.Helper()
	b := &Broker{Username: "broker-user", Password: "broker-secret", password: "broker-secret", ServiceName: "test-service", ServiceID: "svc-test",
		plans: plans, behaviours: map[string]*Behaviour{}, instances: map[string]*instance{}, gone: map[string]bool{}, concurrency: map[string]int{}}
	srv := httptest.NewServer(b)
	t.Cleanup(srv.Close)
	b.URL = srv.URL
	return b
}

// Script sets the behaviour of a plan (adding the plan to the catalog if it is new).
func (b *Broker) Script(plan string, bh Behaviour) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.behaviours[plan]; !ok && !slices.Contains(b.plans, plan) {
		b.plans = append(b.plans, plan)
	}
	b.behaviours[plan] = &bh
}

// SetPassword changes the password the broker accepts.
func (b *Broker) SetPassword(p string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.password = p
}

// Retrievable makes the offering declare instances_retrievable.
func (b *Broker) Retrievable() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.retrievable = true
}

// PlanID is the broker's id of a plan.
func PlanID(plan string) string { return "plan-" + plan }

// Requests returns the requests received so far, optionally only those with the method.
func (b *Broker) Requests(method string) []Request {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []Request
	for _, r := range b.requests {
		if method == "" || r.Method == method {
			out = append(out, r)
		}
	}
	return out
}

// Created counts the instances the broker created (a repeated PUT for an instance it
// already has does not count).
func (b *Broker) Created() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.created
}

// Has tells whether the broker holds an instance.
func (b *Broker) Has(id string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, ok := b.instances[id]
	return ok
}

// Parameters returns the parameters the broker holds for an instance.
func (b *Broker) Parameters(id string) map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	if in, ok := b.instances[id]; ok {
		return in.params
	}
	return nil
}

func (b *Broker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	b.mu.Lock()
	password := b.password
	b.mu.Unlock()
	if !ok || user != b.Username || pass != password {
		writeJSON(w, 401, map[string]string{"error": "Unauthorized", "description": "wrong broker credentials"})
		return
	}
	if r.Header.Get("X-Broker-API-Version") == "" {
		writeJSON(w, 412, map[string]string{"error": "MissingVersion", "description": "X-Broker-API-Version is required"})
		return
	}
	req := Request{Method: r.Method, Path: r.URL.Path, Query: map[string]string{}, Time: time.Now()}
	for k := range r.URL.Query() {
		req.Query[k] = r.URL.Query().Get(k)
	}
	if data, _ := io.ReadAll(r.Body); len(data) > 0 {
		_ = json.Unmarshal(data, &req.Body)
	}
	b.mu.Lock()
	b.requests = append(b.requests, req)
	b.mu.Unlock()

	path := strings.TrimPrefix(r.URL.Path, "/v2/")
	switch {
	case r.Method == "GET" && path == "catalog":
		b.catalog(w)
	case strings.HasPrefix(path, "service_instances/"):
		rest := strings.TrimPrefix(path, "service_instances/")
		id, sub, _ := strings.Cut(rest, "/")
		switch {
		case r.Method == "PUT" && sub == "":
			b.provision(w, id, req)
		case r.Method == "PATCH" && sub == "":
			b.update(w, id, req)
		case r.Method == "DELETE" && sub == "":
			b.deprovision(w, id, req)
		case r.Method == "GET" && sub == "last_operation":
			b.lastOperation(w, id)
		case r.Method == "GET" && sub == "":
			b.fetch(w, id)
		default:
			writeJSON(w, 404, map[string]string{"error": "NotFound", "description": r.Method + " " + r.URL.Path})
		}
	default:
		writeJSON(w, 404, map[string]string{"error": "NotFound", "description": r.Method + " " + r.URL.Path})
	}
}

func (b *Broker) catalog(w http.ResponseWriter) {
	b.mu.Lock()
	defer b.mu.Unlock()
	plans := []map[string]any{}
	for _, p := range b.plans {
		plan := map[string]any{"id": PlanID(p), "name": p, "description": "plan " + p}
		if bh := b.behaviours[p]; bh != nil && bh.MaximumPollingDuration > 0 {
			plan["maximum_polling_duration"] = bh.MaximumPollingDuration
		}
		plans = append(plans, plan)
	}
	writeJSON(w, 200, map[string]any{"services": []any{map[string]any{
		"id": b.ServiceID, "name": b.ServiceName, "description": "a scriptable test service", "bindable": false,
		"plan_updateable": true, "instances_retrievable": b.retrievable, "plans": plans}}})
}

// behaviour finds the script of a plan id (a well-behaved broker for unscripted plans).
func (b *Broker) behaviour(planID string) Behaviour {
	for name, bh := range b.behaviours {
		if PlanID(name) == planID {
			return *bh
		}
	}
	return Behaviour{}
}

func (b *Broker) knownPlan(planID string) bool {
	for _, p := range b.plans {
		if PlanID(p) == planID {
			return true
		}
	}
	return false
}

func (b *Broker) provision(w http.ResponseWriter, id string, req Request) {
	b.mu.Lock()
	planID, _ := req.Body["plan_id"].(string)
	bh := b.behaviour(planID)
	answer := b.provisionAnswer(id, planID, bh, req)
	b.mu.Unlock()
	time.Sleep(bh.Delay)
	writeRaw(w, answer)
}

// provisionAnswer does a provision's work and returns the answer to send.
func (b *Broker) provisionAnswer(id, planID string, bh Behaviour, req Request) Answer {
	if b.concurrency[id] < bh.ConcurrencyErrors {
		b.concurrency[id]++
		return jsonAnswer(422, map[string]string{"error": "ConcurrencyError", "description": "another operation for this instance is in progress"})
	}
	if bh.Provision != nil {
		return *bh.Provision
	}
	if req.Body["service_id"] != b.ServiceID || !b.knownPlan(planID) {
		return jsonAnswer(400, map[string]string{"error": "BadRequest", "description": fmt.Sprintf("unknown service_id %v or plan_id %v", req.Body["service_id"], planID)})
	}
	params, _ := req.Body["parameters"].(map[string]any)
	if in, ok := b.instances[id]; ok {
		if in.planID != planID || !reflect.DeepEqual(in.params, params) {
			return jsonAnswer(409, map[string]string{"error": "Conflict", "description": "instance " + id + " exists with other attributes"})
		}
		if b.inProgress(in, bh) {
			return jsonAnswer(202, map[string]any{"operation": "provision", "dashboard_url": in.dashboard})
		}
		return jsonAnswer(200, map[string]any{"dashboard_url": in.dashboard})
	}
	in := &instance{planID: planID, params: params, op: "provision", started: time.Now(), dashboard: b.URL + "/dashboard/" + id}
	b.instances[id] = in
	delete(b.gone, id)
	b.created++
	answer := map[string]any{"dashboard_url": in.dashboard, "metadata": map[string]any{"labels": map[string]string{"plan": planID}}}
	if bh.Async {
		answer["operation"] = "provision"
		return jsonAnswer(202, answer)
	}
	return jsonAnswer(201, answer)
}

func (b *Broker) update(w http.ResponseWriter, id string, req Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	in, ok := b.instances[id]
	if !ok {
		writeJSON(w, 404, map[string]string{"error": "NotFound", "description": "no instance " + id})
		return
	}
	target := in.planID
	if p, ok := req.Body["plan_id"].(string); ok && p != "" {
		target = p
	}
	bh := b.behaviour(target)
	if bh.Update != nil {
		writeRaw(w, *bh.Update)
		return
	}
	in.planID = target
	if params, ok := req.Body["parameters"].(map[string]any); ok {
		if in.params == nil {
			in.params = map[string]any{}
		}
		for k, v := range params {
			in.params[k] = v
		}
	}
	in.op, in.started = "update", time.Now()
	if bh.Async {
		writeJSON(w, 202, map[string]any{"operation": "update"})
		return
	}
	writeJSON(w, 200, map[string]any{})
}

func (b *Broker) deprovision(w http.ResponseWriter, id string, req Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	bh := b.behaviour(req.Query["plan_id"])
	if bh.Deprovision != nil {
		writeRaw(w, *bh.Deprovision)
		return
	}
	in, ok := b.instances[id]
	if !ok {
		writeJSON(w, 410, map[string]any{})
		return
	}
	if bh.Async {
		in.op, in.started = "deprovision", time.Now()
		writeJSON(w, 202, map[string]any{"operation": "deprovision"})
		return
	}
	delete(b.instances, id)
	b.gone[id] = true
	writeJSON(w, 200, map[string]any{})
}

// inProgress tells whether the instance's provisioning is still running.
func (b *Broker) inProgress(in *instance, bh Behaviour) bool {
	return bh.Async && (bh.Never && (bh.Op == "" || bh.Op == "provision") || time.Since(in.started) < bh.Takes)
}

func (b *Broker) lastOperation(w http.ResponseWriter, id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	in, ok := b.instances[id]
	if !ok {
		if b.gone[id] {
			writeJSON(w, 410, map[string]any{})
			return
		}
		writeJSON(w, 404, map[string]string{"error": "NotFound", "description": "no instance " + id})
		return
	}
	bh := b.behaviour(in.planID)
	scripted := bh.Op == in.op || bh.Op == "" && in.op == "provision"
	if bh.LastOperation != nil && scripted {
		writeRaw(w, *bh.LastOperation)
		return
	}
	if bh.Async && (bh.Never && scripted || time.Since(in.started) < bh.Takes) {
		desc := in.op + " in progress"
		if bh.Percent && bh.Takes > 0 {
			desc += fmt.Sprintf(" (%d%% complete)", int(100*time.Since(in.started)/bh.Takes))
		}
		if bh.RetryAfter != "" {
			w.Header().Set("Retry-After", bh.RetryAfter)
		}
		writeJSON(w, 200, map[string]string{"state": "in progress", "description": desc})
		return
	}
	if bh.Fail != "" && scripted {
		writeJSON(w, 200, map[string]string{"state": "failed", "description": bh.Fail})
		return
	}
	if in.op == "deprovision" {
		delete(b.instances, id)
		b.gone[id] = true
	}
	writeJSON(w, 200, map[string]string{"state": "succeeded", "description": in.op + " succeeded"})
}

func (b *Broker) fetch(w http.ResponseWriter, id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	in, ok := b.instances[id]
	if !ok || !b.retrievable {
		writeJSON(w, 404, map[string]string{"error": "NotFound", "description": "no instance " + id})
		return
	}
	writeJSON(w, 200, map[string]any{"service_id": b.ServiceID, "plan_id": in.planID, "dashboard_url": in.dashboard, "parameters": in.params})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func jsonAnswer(status int, v any) Answer {
	data, _ := json.Marshal(v)
	return Answer{Status: status, Body: string(data)}
}

func writeRaw(w http.ResponseWriter, a Answer) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.Status)
	_, _ = io.WriteString(w, a.Body)
}
