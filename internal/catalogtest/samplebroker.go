package catalogtest

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/opencatalog/terraform-provider-catalog/internal/samplebroker"
)

// SampleBrokerPassword is the password of the brokers SampleBroker starts (user "broker").
const SampleBrokerPassword = "s3cret"

// SampleBroker starts the sample broker over HTTP, its instances in a new directory, each
// provisioning step taking stepDelay. It stops when the test ends.
func SampleBroker(t testing.TB, stepDelay time.Duration) (url, dataDir string) {
	t.Helper()
	dataDir = t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	b, err := samplebroker.New(ctx, samplebroker.Config{DataDir: dataDir, StepDelay: stepDelay, Username: "broker", Password: SampleBrokerPassword})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(b.Handler())
	t.Cleanup(srv.Close)
	return srv.URL, dataDir
}
