package osb

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":     0,
		"5":    5 * time.Second,
		" 2":   2 * time.Second,
		"0":    0,
		"-3":   0,
		"soon": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Minute).Format(http.TimeFormat):     0,
	} {
		if got := retryAfter(in, now); got != want {
			t.Errorf("Retry-After %q: %v, want %v", in, got, want)
		}
	}
}

func TestFailure(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		want   string
	}{
		{500, `{"error":"InternalError","description":"disk full"}`, "broker answered HTTP 500 InternalError: disk full"},
		{400, `{"description":"size must be even"}`, "broker answered HTTP 400: size must be even"},
		{422, `{"error":"ConcurrencyError"}`, "broker answered HTTP 422 ConcurrencyError"},
		{503, ``, "broker answered HTTP 503 with an empty body"},
		{502, `<html>bad gateway</html>`, `broker answered HTTP 502: "<html>bad gateway</html>"`},
		{500, strings.Repeat("x", 300), `broker answered HTTP 500: "` + strings.Repeat("x", 200) + `..."`},
	} {
		r := &Response{Status: tc.status, Body: []byte(tc.body)}
		if _, got := r.Failure(); got != tc.want {
			t.Errorf("%d %q: %q, want %q", tc.status, tc.body, got, tc.want)
		}
	}
}

func TestCatalogMatching(t *testing.T) {
	no := false
	cat := Catalog{Services: []Service{
		{ID: "a", Name: "mysql", PlanUpdateable: true, Plans: []Plan{{ID: "a1", Name: "small"}, {ID: "a2", Name: "large", PlanUpdateable: &no}}},
		{ID: "b", Name: "redis"},
	}}
	if _, err := cat.Service(""); err == nil || !strings.Contains(err.Error(), "several services (mysql, redis)") {
		t.Errorf("no name with two offerings: %v", err)
	}
	if _, err := cat.Service("pg"); err == nil || !strings.Contains(err.Error(), `no service named "pg" (it offers: mysql, redis)`) {
		t.Errorf("unknown offering: %v", err)
	}
	svc, err := cat.Service("mysql")
	if err != nil || svc.ID != "a" {
		t.Fatalf("mysql: %+v %v", svc, err)
	}
	if _, err := svc.Plan("medium"); err == nil || !strings.Contains(err.Error(), `no plan named "medium" (its plans: large, small)`) {
		t.Errorf("unknown plan: %v", err)
	}
	small, _ := svc.Plan("small")
	large, _ := svc.Plan("large")
	if !svc.Updateable(small) || svc.Updateable(large) {
		t.Errorf("plan_updateable: small %v large %v", svc.Updateable(small), svc.Updateable(large))
	}
	if one, err := (Catalog{Services: cat.Services[1:]}).Service(""); err != nil || one.Name != "redis" {
		t.Errorf("the only offering: %+v %v", one, err)
	}
}

// FuzzAnswers: whatever a broker answers, reading it never panics, and a failure is always
// described with the status.
func FuzzAnswers(f *testing.F) {
	for _, seed := range []string{`{}`, `{"state":"in progress","description":"40%"}`, `{"error":"ConcurrencyError"}`,
		`{"dashboard_url":null,"operation":"x","metadata":{"labels":{}}}`, `<html>`, ``, `{"operation":7}`, `[1,2]`} {
		f.Add(500, []byte(seed))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		r := &Response{Status: status, Body: body}
		if _, msg := r.Failure(); !strings.Contains(msg, fmt.Sprint(status)) {
			t.Fatalf("failure %q does not name the status", msg)
		}
		var a AsyncAnswer
		_ = r.Decode(&a)
		var l LastOperation
		_ = r.Decode(&l)
		var c Catalog
		if r.Decode(&c) == nil {
			_, _ = c.Service("")
		}
	})
}
