package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opencatalog/terraform-provider-catalog/internal/catalogtest"
	"github.com/opencatalog/terraform-provider-catalog/internal/client"
)

// flaky sits in front of a real catalog and fails the first n requests with 503, or drops
// the connection, to exercise the client's retries.
func flaky(t *testing.T, target string, n int32, drop bool) (*httptest.Server, *atomic.Int32) {
	u, _ := url.Parse(target)
	proxy := httputil.NewSingleHostReverseProxy(u)
	var seen atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) <= n {
			if drop {
				conn, _, _ := w.(http.Hijacker).Hijack()
				conn.Close()
				return
			}
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func TestRetriedCreateOrdersOnce(t *testing.T) {
	env := catalogtest.Start(t)
	tn, key, err := env.Catalog.CreateTenant(context.Background(), "acme", false)
	if err != nil {
		t.Fatal(err)
	}
	_ = tn
	for _, drop := range []bool{false, true} {
		front, seen := flaky(t, env.URL, 2, drop)
		c, err := client.New(client.Config{Endpoint: front.URL, APIKey: key, RetryWait: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		svc, _, err := c.CreateService(context.Background(), catalogtest.PrivateService("DB"), "")
		if err != nil {
			t.Fatalf("create through a flaky front (drop %v): %v", drop, err)
		}
		if seen.Load() != 3 || svc.ServiceId == "" {
			t.Fatalf("%d requests, service %q", seen.Load(), svc.ServiceId)
		}
	}
	direct := env.Client(t, key)
	list, err := direct.ListServices(context.Background(), client.ListServicesOptions{})
	if err != nil || len(list.Services) != 2 {
		t.Fatalf("%d services after two retried creates (%v)", len(list.Services), err)
	}
}

func TestErrorsAreTyped(t *testing.T) {
	env := catalogtest.Start(t)
	_, c := env.Tenant(t, "acme")
	_, _, err := c.GetService(context.Background(), "service-missing", client.GetServiceOptions{})
	if !client.IsNotFound(err) {
		t.Fatalf("got %v", err)
	}
	var e *client.APIError
	if !errors.As(err, &e) || e.Code != "EntityNotExist.Service" || e.RequestId == "" || e.StatusCode != 404 {
		t.Fatalf("%+v", e)
	}
	if _, err := client.New(client.Config{Endpoint: "localhost:8080"}); err == nil {
		t.Fatal("an endpoint without scheme was accepted")
	}
}

func TestNoRetryPastTheContext(t *testing.T) {
	env := catalogtest.Start(t)
	_, key, _ := env.Catalog.CreateTenant(context.Background(), "acme", false)
	front, _ := flaky(t, env.URL, 1000, false)
	c, _ := client.New(client.Config{Endpoint: front.URL, APIKey: key, MaxRetries: 100, RetryWait: 20 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.WhoAmI(ctx); err == nil {
		t.Fatal("a failing endpoint succeeded")
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("retries ran past the context: %v", time.Since(start))
	}
}

// TestConcurrentCreatesWithOneKey: requests racing with one idempotency key make one service.
func TestConcurrentCreatesWithOneKey(t *testing.T) {
	env := catalogtest.Start(t)
	_, key, err := env.Catalog.CreateTenant(context.Background(), "acme", false)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := client.New(client.Config{Endpoint: env.URL, APIKey: key, RetryWait: 5 * time.Millisecond, MaxRetries: 20})
	const n = 16
	ids := make(chan string, n)
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			svc, _, err := c.CreateService(context.Background(), catalogtest.PrivateService("Raced"), "one-key")
			ids <- svc.ServiceId
			errs <- err
		}()
	}
	seen := map[string]bool{}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Fatalf("racing create: %v", err)
		}
		seen[<-ids] = true
	}
	list, err := c.ListServices(context.Background(), client.ListServicesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || len(list.Services) != 1 {
		t.Fatalf("%d racing creates answered %d ids and made %d services", n, len(seen), len(list.Services))
	}
}
