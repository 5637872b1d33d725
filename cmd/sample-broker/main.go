// Command sample-broker is an Open Service Broker (OSB v2.17) that provisions SQLite
// databases in local directories, asynchronously and with progress. It is the broker of
// the quickstart; any conformant broker can take its place.
//
//	sample-broker [--listen 127.0.0.1:8090] [--data-dir sample-broker-data] [--username broker]
//	              [--password P | env SAMPLE_BROKER_PASSWORD] [--step-delay 500ms]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/opencatalog/terraform-provider-catalog/internal/samplebroker"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "sample-broker:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("sample-broker", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8090", "address to listen on")
	dataDir := fs.String("data-dir", "sample-broker-data", "directory holding one directory per instance")
	username := fs.String("username", "broker", "basic-auth user the catalog logs in with")
	password := fs.String("password", os.Getenv("SAMPLE_BROKER_PASSWORD"), "basic-auth password (default: env SAMPLE_BROKER_PASSWORD)")
	stepDelay := fs.Duration("step-delay", 500*time.Millisecond, "how long each provisioning step takes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *password == "" {
		return errors.New("set a password with --password or SAMPLE_BROKER_PASSWORD")
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	broker, err := samplebroker.New(ctx, samplebroker.Config{DataDir: *dataDir, StepDelay: *stepDelay, Username: *username, Password: *password, Log: log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *listen, err)
	}
	srv := &http.Server{Handler: broker.Handler(), ReadHeaderTimeout: 10 * time.Second}
	log.Info("sample broker serving", "address", "http://"+ln.Addr().String(), "data_dir", *dataDir)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
