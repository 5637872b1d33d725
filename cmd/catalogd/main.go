// Command catalogd is the OpenCatalog server and its admin commands.
//
//	catalogd serve   [--listen 127.0.0.1:8080] [--database sqlite:catalog.db] [worker flags]
//	catalogd migrate [--database DSN]
//	catalogd tenant create [--database DSN] [--admin] NAME   (prints the tenant id, then an API key)
//	catalogd key create    [--database DSN] --tenant ID      (prints a new API key)
//	catalogd backup [--database DSN] FILE                    (a consistent copy of an SQLite catalog)
//	catalogd openapi [--markdown]                            (prints the API's OpenAPI document, or its reference in Markdown)
//	catalogd version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/opencatalog/terraform-provider-catalog/internal/catalog"
	"github.com/opencatalog/terraform-provider-catalog/internal/provision"
	"github.com/opencatalog/terraform-provider-catalog/internal/server"
	"github.com/opencatalog/terraform-provider-catalog/internal/store"
)

// version is set by the release build.
var version = "dev"

const usage = `catalogd: the OpenCatalog service catalog server

Usage:
  catalogd serve   [--listen ADDR] [--database DSN] [--log-format json|text] [--log-level LEVEL]
                   [--broker-timeout D] [--poll-interval D] [--max-poll-interval D]
                   [--max-polling-duration D] [--worker-lease D] [--workers N]
  catalogd migrate [--database DSN]
  catalogd tenant create [--database DSN] [--admin] NAME
  catalogd key create    [--database DSN] --tenant TENANT_ID
  catalogd backup [--database DSN] FILE     (a consistent copy of an SQLite catalog, while it runs)
  catalogd openapi [--markdown]
  catalogd version

DSN is sqlite:PATH (default sqlite:catalog.db; env CATALOG_DATABASE) or postgres://...
tenant create prints the tenant id and its API key, one per line; key create prints a key.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "catalogd:", err)
		if errors.Is(err, errUsage) {
			fmt.Fprint(os.Stderr, "\n"+usage)
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("bad usage")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: no command given", errUsage)
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return serve(ctx, rest, stderr)
	case "migrate":
		return migrate(ctx, rest, stdout)
	case "tenant", "key":
		if len(rest) == 0 || rest[0] != "create" {
			return fmt.Errorf("%w: %s takes the subcommand create", errUsage, cmd)
		}
		if cmd == "tenant" {
			return createTenant(ctx, rest[1:], stdout)
		}
		return createKey(ctx, rest[1:], stdout)
	case "backup":
		return backup(ctx, rest, stdout)
	case "openapi":
		doc := server.New(nil, slog.New(slog.DiscardHandler)).OpenAPI()
		if len(rest) == 1 && rest[0] == "--markdown" {
			var err error
			if doc, err = server.APIReference(doc); err != nil {
				return err
			}
		} else if len(rest) > 0 {
			return fmt.Errorf("%w: openapi takes only --markdown", errUsage)
		}
		_, err := stdout.Write(doc)
		return err
	case "version", "--version":
		fmt.Fprintln(stdout, "catalogd", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
	}
}

func newFlags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dsn := os.Getenv("CATALOG_DATABASE")
	if dsn == "" {
		dsn = store.DefaultDSN
	}
	return fs, fs.String("database", dsn, "database DSN: sqlite:PATH or postgres://...")
}

// parse reads flags anywhere among the arguments and returns the positional ones.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", errUsage, fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

func openStore(ctx context.Context, dsn string) (store.Store, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return store.Open(ctx, dsn)
}

func migrate(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dsn := newFlags("migrate")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	st, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(stdout, "schema is at version %d\n", store.SchemaVersion())
	return nil
}

func createTenant(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dsn := newFlags("tenant create")
	admin := fs.Bool("admin", false, "the tenant is a platform admin (approves public services)")
	names, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(names) != 1 {
		return fmt.Errorf("%w: tenant create takes one NAME", errUsage)
	}
	st, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	t, key, err := catalog.New(st).CreateTenant(ctx, names[0], *admin)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, t.ID)
	fmt.Fprintln(stdout, key)
	return nil
}

func backup(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dsn := newFlags("backup")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("%w: backup takes the file to write", errUsage)
	}
	if err := store.Backup(ctx, *dsn, rest[0]); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "backed up to", rest[0])
	return nil
}

func createKey(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dsn := newFlags("key create")
	tenant := fs.String("tenant", "", "the tenant id")
	if rest, err := parse(fs, args); err != nil {
		return err
	} else if len(rest) > 0 || *tenant == "" {
		return fmt.Errorf("%w: key create takes --tenant TENANT_ID and nothing else", errUsage)
	}
	st, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	key, err := catalog.New(st).CreateAPIKey(ctx, *tenant)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, key)
	return nil
}

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	fs, dsn := newFlags("serve")
	listen := fs.String("listen", envOr("CATALOG_LISTEN", "127.0.0.1:8080"), "address to listen on")
	logFormat := fs.String("log-format", "json", "log format: json or text")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	grace := fs.Duration("shutdown-timeout", 30*time.Second, "how long to let requests finish on shutdown")
	var wc provision.Config
	fs.DurationVar(&wc.BrokerTimeout, "broker-timeout", provision.DefaultBrokerTimeout, "how long one request to a broker may take")
	fs.DurationVar(&wc.PollInterval, "poll-interval", provision.DefaultPollInterval, "first wait before polling a broker's asynchronous operation")
	fs.DurationVar(&wc.MaxPollInterval, "max-poll-interval", provision.DefaultMaxPollInterval, "longest wait between polls")
	fs.DurationVar(&wc.MaxPollingDuration, "max-polling-duration", provision.DefaultMaxPollingDuration, "how long an operation may take when the broker's plan sets no maximum_polling_duration")
	fs.DurationVar(&wc.Lease, "worker-lease", 0, "how long a worker holds an operation before another may resume it (default: 3 x broker-timeout + 30s)")
	fs.IntVar(&wc.Concurrency, "workers", provision.DefaultConcurrency, "how many operations run at once")
	if rest, err := parse(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return fmt.Errorf("%w: serve takes no arguments, got %q", errUsage, strings.Join(rest, " "))
	}
	log, err := newLogger(stderr, *logFormat, *logLevel)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	if wc.Lease != 0 && wc.Lease <= wc.BrokerTimeout {
		return fmt.Errorf("%w: --worker-lease (%s) must be longer than --broker-timeout (%s)", errUsage, wc.Lease, wc.BrokerTimeout)
	}
	worker := provision.New(st, wc, log)
	srv := server.New(catalog.New(st, catalog.WithBrokerTimeout(wc.BrokerTimeout), catalog.WithQueuedHook(worker.Wake)), log)
	if err := worker.Register(srv.Metrics()); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *listen, err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		IdleTimeout: 120 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	log.Info("catalogd serving", "address", "http://"+ln.Addr().String(), "database", st.Driver(), "version", version)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	workDone := make(chan struct{})
	go func() {
		defer close(workDone)
		worker.Run(workCtx)
	}()
	select {
	case err := <-errc:
		stopWork()
		<-workDone
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight", "timeout", grace.String())
	srv.Drain()
	// Broker operations are durable: the worker stops at once and the next start resumes
	// them; only requests to brokers under way are cut short (and repeated then).
	stopWork()
	sctx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	<-workDone
	log.Info("stopped")
	return nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("%w: --log-level %q: %w", errUsage, level, err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("%w: --log-format must be json or text, got %q", errUsage, format)
}
