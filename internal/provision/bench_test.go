package provision_test

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/catalogtest"
	"github.com/opencatalog/terraform-provider-catalog/internal/osbtest"
	"github.com/opencatalog/terraform-provider-catalog/internal/provision"
)

// BenchmarkOrderToDeployed measures the time from an order to Deployed, seen by a client
// polling the API, against a broker that answers at once (synchronously) and one whose
// asynchronous provisioning takes a known time. The first shows the catalog's own cost;
// the second its cost as a ratio to the broker's time, which polling dominates. It runs
// with catalogd's default worker settings, and with a shorter --poll-interval.
func BenchmarkOrderToDeployed(b *testing.B) {
	const takes = 2 * time.Second
	defaults := provision.Config{PollInterval: provision.DefaultPollInterval, MaxPollInterval: provision.DefaultMaxPollInterval,
		MaxPollingDuration: provision.DefaultMaxPollingDuration, BrokerTimeout: provision.DefaultBrokerTimeout, Scan: provision.DefaultScan}
	quick := defaults
	quick.PollInterval = 100 * time.Millisecond
	for _, tc := range []struct {
		name      string
		behaviour osbtest.Behaviour
		cfg       provision.Config
	}{
		{"instant-broker", osbtest.Behaviour{}, defaults},
		{"2s-broker/default-poll", osbtest.Behaviour{Async: true, Takes: takes}, defaults},
		{"2s-broker/poll-100ms", osbtest.Behaviour{Async: true, Takes: takes}, quick},
	} {
		b.Run(tc.name, func(b *testing.B) {
			env := catalogtest.Start(b, catalogtest.Options{Worker: tc.cfg})
			_, c := env.Tenant(b, "bench")
			broker := osbtest.Start(b)
			broker.Script("p", tc.behaviour)
			svcID := catalogtest.PublishedService(b, c, catalogtest.BrokeredService(broker, "Bench"), map[string]api.PutPlanRequest{"p": {}})
			var times []time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				inst, _, err := c.CreateInstance(ctx, api.CreateServiceInstanceRequest{Name: fmt.Sprint("i", i), ServiceId: svcID, PlanName: "p"}, "")
				if err != nil {
					b.Fatal(err)
				}
				for inst.Status != api.InstanceDeployed {
					if inst.Status == api.InstanceDeployedFailed {
						b.Fatalf("provisioning failed: %s", inst.StatusDetail)
					}
					time.Sleep(time.Millisecond)
					if inst, _, err = c.GetInstance(ctx, inst.ServiceInstanceId); err != nil {
						b.Fatal(err)
					}
				}
				times = append(times, time.Since(start))
			}
			b.StopTimer()
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			p50 := times[len(times)/2]
			b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
			if tc.behaviour.Takes > 0 {
				ratio := float64(p50) / float64(tc.behaviour.Takes)
				b.ReportMetric(ratio, "x-broker-time")
				fmt.Printf("order->Deployed %-24s p50 %8v  broker %v  ratio %.2fx  catalog overhead %v\n", tc.name, p50.Round(time.Millisecond), tc.behaviour.Takes, ratio, (p50 - tc.behaviour.Takes).Round(time.Millisecond))
			} else {
				fmt.Printf("order->Deployed %-24s p50 %8v  (all of it the catalog's: the broker answers at once)\n", tc.name, p50.Round(time.Microsecond))
			}
		})
	}
}
