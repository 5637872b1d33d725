// Package server is the catalog's HTTP API: routing, authentication, request decoding,
// errors, request logs and metrics. Handlers decode, call the catalog and encode; the rules
// live in the catalog package.
package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/catalog"
)

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = 1 << 20

// Server serves the catalog API.
type Server struct {
	cat      *catalog.Catalog
	log      *slog.Logger
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	draining atomic.Bool
	handler  http.Handler
}

// New returns a server for cat that logs to log.
func New(cat *catalog.Catalog, log *slog.Logger) *Server {
	s := &Server{cat: cat, log: log, registry: prometheus.NewRegistry()}
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "catalog_http_requests_total", Help: "API requests by method, route and status code.",
	}, []string{"method", "route", "code"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "catalog_http_request_duration_seconds", Help: "API request latency by method and route.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"method", "route"})
	s.registry.MustRegister(s.requests, s.latency, collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	mux := http.NewServeMux()
	methods := map[string][]string{}
	for _, rt := range s.routes() {
		mux.Handle(rt.Method+" "+rt.Path, s.wrap(rt))
		methods[rt.Path] = append(methods[rt.Path], rt.Method)
	}
	for path, allowed := range methods {
		mux.Handle(path, s.wrap(route{Path: path, handle: methodNotAllowed(allowed)}))
	}
	mux.Handle("/", s.wrap(route{Path: "unmatched", handle: func(w http.ResponseWriter, r *http.Request, _ catalog.Caller) error {
		return &catalog.Error{Kind: catalog.KindNotFound, Code: "NotFound", Message: fmt.Sprintf("no route %s %s", r.Method, r.URL.Path)}
	}}))
	s.handler = mux
	return s
}

// Metrics is the registry /metrics serves, for other parts of the process to add to.
func (s *Server) Metrics() prometheus.Registerer { return s.registry }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Drain makes /readyz fail, so that a load balancer stops sending work before shutdown.
func (s *Server) Drain() { s.draining.Store(true) }

func methodNotAllowed(allowed []string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, _ catalog.Caller) error {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeJSON(w, http.StatusMethodNotAllowed, api.Error{RequestId: requestID(r.Context()), Code: "MethodNotAllowed",
			Message: fmt.Sprintf("%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, strings.Join(allowed, ", "))})
		return nil
	}
}

type handlerFunc func(w http.ResponseWriter, r *http.Request, caller catalog.Caller) error

type ctxKey int

const requestIDKey ctxKey = 0

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// newRequestID makes an id in the seed's shape: 9AC8E73E-88DE-52C2-A29B-531FC13A5604.
func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return strings.ToUpper(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]))
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// wrap gives a route its request id, body limit, authentication, panic guard, log line and
// metrics.
func (s *Server) wrap(rt route) http.Handler {
	name := rt.Path
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rid := newRequestID()
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey, rid))
		w.Header().Set("X-Request-Id", rid)
		rec := &statusRecorder{ResponseWriter: w}
		r.Body = http.MaxBytesReader(rec, r.Body, MaxBodyBytes)
		var caller catalog.Caller
		defer func() {
			if p := recover(); p != nil {
				s.log.ErrorContext(r.Context(), "handler panicked", "request_id", rid, "panic", fmt.Sprint(p))
				if rec.status == 0 {
					s.writeError(rec, r, fmt.Errorf("panic: %v", p))
				}
			}
			elapsed := time.Since(start)
			s.requests.WithLabelValues(r.Method, name, fmt.Sprint(rec.status)).Inc()
			s.latency.WithLabelValues(r.Method, name).Observe(elapsed.Seconds())
			s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", logAttrs(r, name, rec.status, float64(elapsed.Microseconds())/1000, caller.TenantID)...)
		}()
		if rt.Auth {
			var err error
			if caller, err = s.authenticate(r); err != nil {
				s.writeError(rec, r, err)
				return
			}
		}
		if err := rt.handle(rec, r, caller); err != nil {
			s.writeError(rec, r, err)
		}
	})
}

func (s *Server) authenticate(r *http.Request) (catalog.Caller, error) {
	h := r.Header.Get("Authorization")
	scheme, key, ok := strings.Cut(h, " ")
	if h == "" {
		return catalog.Caller{}, catalog.Unauthenticated("the request has no Authorization header; send \"Authorization: Bearer <API key>\"")
	}
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(key) == "" {
		return catalog.Caller{}, catalog.Unauthenticated("the Authorization header must be \"Bearer <API key>\"")
	}
	return s.cat.Authenticate(r.Context(), strings.TrimSpace(key))
}

var (
	errEmptyBody    = errors.New("empty body")
	errTrailingData = errors.New("trailing data")
)

// decode reads a JSON request body strictly into v: unknown fields, wrong types, trailing
// data and oversized bodies are bad input. It returns the raw body too.
func decode(r *http.Request, v any) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, decodeError(err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, decodeError(errEmptyBody)
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return nil, decodeError(err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, decodeError(errTrailingData)
	}
	return body, nil
}

// decodeOptional is decode for bodies that may be absent.
func decodeOptional(r *http.Request, v any) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return decodeError(err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	_, err = decode(r, v)
	return err
}

func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{Registry: s.registry})
}
