package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/opencatalog/terraform-provider-catalog/internal/catalogtest"
	"github.com/opencatalog/terraform-provider-catalog/internal/client"
)

// latencies records request durations and reports them.
type latencies []time.Duration

func (l latencies) report(b *testing.B) (p50, p99 time.Duration) {
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	p50, p99 = l[len(l)/2], l[len(l)*99/100]
	b.ReportMetric(float64(p50.Microseconds()), "p50-µs")
	b.ReportMetric(float64(p99.Microseconds()), "p99-µs")
	return p50, p99
}

// BenchmarkAPI measures GetService and CreateService against the real server on SQLite, and
// a plain net/http handler serving the same bytes over the same loopback as the ceiling, then
// prints how far from the ceiling the catalog is.
func BenchmarkAPI(b *testing.B) {
	env := catalogtest.Start(b)
	_, c := env.Tenant(b, "bench")
	key := keyOfB(b, env, c)
	svcID := catalogtest.PublishedService(b, c, catalogtest.PrivateService("Bench"), nil)
	getURL := env.URL + "/v1/services/" + svcID
	body := fetch(b, "GET", getURL, key, nil)
	createBody := []byte(`{"DeployType":"ros","ServiceInfos":[{"Locale":"en-US","Name":"bench"}]}`)
	ceiling := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer ceiling.Close()

	results := map[string]time.Duration{}
	run := func(name, method, url string, reqBody []byte) {
		b.Run(name, func(b *testing.B) {
			l := make(latencies, 0, b.N)
			start := time.Now()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				fetch(b, method, url, key, reqBody)
				l = append(l, time.Since(t0))
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
			p50, _ := l.report(b)
			results[name] = p50
		})
	}
	run("GetService/catalog", "GET", getURL, nil)
	run("GetService/ceiling", "GET", ceiling.URL, nil)
	run("GetServiceStatistic/catalog", "GET", getURL+"?ShowDetail=ServiceStatistic", nil)
	run("CreateService/catalog", "POST", env.URL+"/v1/services", createBody)
	run("CreateService/ceiling", "POST", ceiling.URL, createBody)
	for _, op := range []string{"GetService", "CreateService"} {
		cat, ceil := results[op+"/catalog"], results[op+"/ceiling"]
		if ceil > 0 {
			fmt.Printf("%-14s p50 catalog %8v  ceiling %8v  ratio %.1fx\n", op, cat, ceil, float64(cat)/float64(ceil))
		}
	}
}

func fetch(b *testing.B, method, url, key string, body []byte) []byte {
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		b.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, out)
	}
	return out
}

func keyOfB(b *testing.B, env *catalogtest.Env, c *client.Client) string {
	me, err := c.WhoAmI(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	key, err := env.Catalog.CreateAPIKey(context.Background(), me.TenantId)
	if err != nil {
		b.Fatal(err)
	}
	return key
}
