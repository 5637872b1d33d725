package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/opencatalog/terraform-provider-catalog/internal/client"
	"github.com/opencatalog/terraform-provider-catalog/internal/providermirror"
)

type demo struct {
	bin, example, dir string
	providerVersion   string
	out               io.Writer

	procs []*exec.Cmd
}

// The demo's files, under dir.
func (d *demo) envFile() string    { return filepath.Join(d.dir, "demo.env") }
func (d *demo) workDir() string    { return filepath.Join(d.dir, "quickstart") }
func (d *demo) database() string   { return "sqlite:" + filepath.Join(d.dir, "catalog.db") }
func (d *demo) brokerData() string { return filepath.Join(d.dir, "broker-data") }

func (d *demo) step(format string, args ...any) {
	fmt.Fprintf(d.out, "\n==> "+format+"\n", args...)
}

// up is the quickstart, from a fresh directory.
func (d *demo) up(ctx context.Context) error {
	// Starting afresh removes the previous demo's files: never under servers still using them.
	if env, err := readSettings(d.envFile()); err == nil {
		for _, addr := range []string{env["CATALOG_ENDPOINT"], env["TF_VAR_broker_url"]} {
			if c, err := net.DialTimeout("tcp", strings.TrimPrefix(addr, "http://"), time.Second); err == nil {
				c.Close()
				return fmt.Errorf("the previous demo's servers still run at %s (make demo-serve?): stop them first", addr)
			}
		}
	}
	if err := os.RemoveAll(d.dir); err != nil {
		return err
	}
	if err := os.MkdirAll(d.workDir(), 0o755); err != nil {
		return err
	}
	catalogAddr, err := freeAddr()
	if err != nil {
		return err
	}
	brokerAddr, err := freeAddr()
	if err != nil {
		return err
	}
	env := settings{
		"CATALOG_ENDPOINT":       "http://" + catalogAddr,
		"TF_CLI_CONFIG_FILE":     filepath.Join(d.dir, "terraform.rc"),
		"TF_VAR_broker_url":      "http://" + brokerAddr,
		"TF_VAR_broker_password": randomHex(),
	}
	defer d.stopAll()
	if err := d.startServers(ctx, env); err != nil {
		return err
	}

	d.step("Creating a tenant: catalogd tenant create --database %s demo", d.database())
	out, err := exec.CommandContext(ctx, filepath.Join(d.bin, "catalogd"), "tenant", "create", "--database", d.database(), "demo").Output()
	if err != nil {
		return fmt.Errorf("tenant create: %w", err)
	}
	lines := strings.Fields(string(out))
	if len(lines) != 2 {
		return fmt.Errorf("tenant create printed %q, want an id and a key", out)
	}
	env["CATALOG_API_KEY"] = lines[1]
	fmt.Fprintf(d.out, "tenant %s, API key %s… (shown once; the catalog keeps only its hash)\n", lines[0], lines[1][:16])
	if err := env.write(d.envFile()); err != nil {
		return err
	}

	d.step("Mirroring the provider built in %s as opencatalog/catalog %s (no registry needed)", d.bin, d.providerVersion)
	if err := d.mirrorProvider(env["TF_CLI_CONFIG_FILE"]); err != nil {
		return err
	}
	if err := copyConfig(d.example, d.workDir()); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "the configuration: %s (copied from %s)\n", d.workDir(), d.example)

	d.step("terraform init (it warns that the lock file holds this platform's checksum only, as it does for any local mirror)")
	if err := d.terraform(ctx, env, "init", "-input=false"); err != nil {
		return err
	}
	d.step("terraform apply: publish the service and its plans, order an instance (the catalog's progress is shown as it goes)")
	c, err := client.New(client.Config{Endpoint: env["CATALOG_ENDPOINT"], APIKey: env["CATALOG_API_KEY"]})
	if err != nil {
		return err
	}
	watch := d.watchInstances(ctx, c)
	err = d.terraform(ctx, env, "apply", "-auto-approve", "-input=false")
	watch()
	if err != nil {
		return err
	}
	fmt.Fprintln(d.out, "(The warning is the catalog's own check: plans.yaml, the seed's example, accumulates key1 in a\n metering item, while the plan's key is Key1. Fix the YAML to silence it.)")
	d.step("terraform plan -detailed-exitcode: what CI runs to detect drift")
	code, err := d.terraformExit(ctx, env, "plan", "-detailed-exitcode", "-input=false")
	if err != nil {
		return err
	}
	if code != 0 {
		return fmt.Errorf("terraform plan -detailed-exitcode exited %d after apply: it should have had nothing to do", code)
	}
	fmt.Fprintln(d.out, "exit code 0: the catalog matches the configuration (2 would mean changes, 1 an error).")
	d.stopAll()

	d.step("Done. Nothing is left running; everything is under %s", d.dir)
	fmt.Fprintf(d.out, `  catalog database   %s
  broker instances   %s (the instance's SQLite database: see the output database_file)
  configuration      %s, with its terraform.tfstate
  settings           %s (endpoint, API key, broker password; source it to use terraform by hand)

  make demo-serve     start catalogd and the broker again on this data (Ctrl-C stops them);
                      in another shell: . %s && cd %s && terraform plan
  make demo-destroy   start them, terraform destroy (the broker deletes the instance), stop
                      them and remove %s
  make clean          remove bin/ and %s without destroying anything
`, d.database(), d.brokerData(), d.workDir(), d.envFile(), d.envFile(), d.workDir(), d.dir, d.dir)
	return nil
}

// restart starts the servers again on the demo's data, with the settings that up saved. The
// caller stops them (stopAll).
func (d *demo) restart(ctx context.Context) (settings, error) {
	env, err := readSettings(d.envFile())
	if err != nil {
		return nil, err
	}
	return env, d.startServers(ctx, env)
}

// serve starts the servers on the demo's data and waits for Ctrl-C.
func (d *demo) serve(ctx context.Context) error {
	defer d.stopAll()
	if _, err := d.restart(ctx); err != nil {
		return err
	}
	d.step("catalogd and the sample broker are running; Ctrl-C stops them")
	fmt.Fprintf(d.out, "In another shell:\n  . %s\n  cd %s\n  terraform plan\n", d.envFile(), d.workDir())
	<-ctx.Done()
	return nil
}

// destroy starts the servers, destroys what the quickstart made, stops them and removes
// the demo's directory.
func (d *demo) destroy(ctx context.Context) error {
	defer d.stopAll()
	env, err := d.restart(ctx)
	if err != nil {
		return err
	}
	d.step("terraform destroy: the catalog deprovisions the instance at the broker, then deletes the plans and the service")
	if err := d.terraform(ctx, env, "destroy", "-auto-approve", "-input=false"); err != nil {
		return err
	}
	left, _ := os.ReadDir(d.brokerData())
	fmt.Fprintf(d.out, "instances left at the broker: %d\n", len(left))
	d.stopAll()
	d.step("Removing %s", d.dir)
	return os.RemoveAll(d.dir)
}

// startServers starts the sample broker and catalogd on the addresses in env, and waits
// until catalogd is ready.
func (d *demo) startServers(ctx context.Context, env settings) error {
	brokerAddr := strings.TrimPrefix(env["TF_VAR_broker_url"], "http://")
	catalogAddr := strings.TrimPrefix(env["CATALOG_ENDPOINT"], "http://")
	for _, addr := range []string{brokerAddr, catalogAddr} {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("%s is taken (is another demo running?): %w", addr, err)
		}
		l.Close()
	}
	d.step("Starting the sample broker on http://%s (instances go to %s)", brokerAddr, d.brokerData())
	if err := d.start(ctx, "sample-broker", []string{"SAMPLE_BROKER_PASSWORD=" + env["TF_VAR_broker_password"]},
		"--listen", brokerAddr, "--data-dir", d.brokerData(), "--username", "broker"); err != nil {
		return err
	}
	d.step("Starting catalogd on http://%s with the database %s", catalogAddr, d.database())
	if err := d.start(ctx, "catalogd", nil, "serve", "--listen", catalogAddr, "--database", d.database()); err != nil {
		return err
	}
	return waitReady(ctx, env["CATALOG_ENDPOINT"])
}

// start runs one of the built binaries, its output going to dir/<name>.log.
func (d *demo) start(ctx context.Context, name string, env []string, args ...string) error {
	log, err := os.OpenFile(filepath.Join(d.dir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer log.Close() // the child has its own copy
	cmd := exec.Command(filepath.Join(d.bin, name), args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = stopWithParent()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", name, err)
	}
	d.procs = append(d.procs, cmd)
	fmt.Fprintf(d.out, "%s running (pid %d), log %s\n", name, cmd.Process.Pid, log.Name())
	return nil
}

// stopAll stops the processes started, newest first, gracefully (SIGTERM).
func (d *demo) stopAll() {
	if len(d.procs) == 0 {
		return
	}
	d.step("Stopping catalogd and the sample broker (SIGTERM: requests in flight finish)")
	for _, cmd := range slices.Backward(d.procs) {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		fmt.Fprintf(d.out, "%s stopped\n", filepath.Base(cmd.Path))
	}
	d.procs = nil
}

// mirrorProvider lays the provider binary out as a filesystem mirror and writes the CLI
// configuration that installs it from there (and any other provider from its registry).
func (d *demo) mirrorProvider(rcPath string) error {
	mirror := filepath.Join(d.dir, "providers")
	target := providermirror.BinaryPath(mirror, d.providerVersion)
	if err := copyFile(filepath.Join(d.bin, "terraform-provider-catalog"), target, 0o755); err != nil {
		return fmt.Errorf("mirror the provider (run make build first): %w", err)
	}
	rc := providermirror.CLIConfig(mirror)
	if err := os.WriteFile(rcPath, []byte(rc), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "%s\n%s", target, rc)
	return nil
}

// terraform runs terraform in the work directory, its output shown as it comes.
func (d *demo) terraform(ctx context.Context, env settings, args ...string) error {
	code, err := d.terraformExit(ctx, env, args...)
	if err == nil && code != 0 {
		err = fmt.Errorf("terraform %s exited %d", args[0], code)
	}
	return err
}

func (d *demo) terraformExit(ctx context.Context, env settings, args ...string) (int, error) {
	fmt.Fprintf(d.out, "$ terraform %s\n", strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, "terraform", append(args, "-no-color")...)
	cmd.Dir = d.workDir()
	cmd.Env = append(os.Environ(), env.list()...)
	cmd.Stdout, cmd.Stderr = d.out, d.out
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) && ctx.Err() == nil {
		return exit.ExitCode(), nil
	}
	if err != nil {
		return 0, fmt.Errorf("terraform %s: %w", args[0], err)
	}
	return 0, nil
}

// watchInstances prints each change of an instance's status, progress or detail, as the
// catalog reports them, until the returned function is called.
func (d *demo) watchInstances(ctx context.Context, c *client.Client) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		seen := map[string]string{}
		for {
			page, err := c.ListInstances(ctx, client.ListInstancesOptions{MaxResults: 100})
			if err == nil {
				for _, in := range page.ServiceInstances {
					line := fmt.Sprintf("catalog: instance %s (%s) %s %d%% %s", in.Name, in.ServiceInstanceId, in.Status, in.Progress, in.StatusDetail)
					if seen[in.ServiceInstanceId] != line {
						seen[in.ServiceInstanceId] = line
						fmt.Fprintln(d.out, line)
					}
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	})
	return func() { cancel(); wg.Wait() }
}

// settings are the environment the demo's terraform runs with, kept in demo.env so that
// serve and destroy (and a person's shell) can use them again.
type settings map[string]string

func (s settings) list() []string {
	var out []string
	for k, v := range s {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

func (s settings) write(path string) error {
	var b strings.Builder
	b.WriteString("# The demo's settings. Use them in a shell with: . " + path + "\n")
	for _, kv := range s.list() {
		b.WriteString("export " + kv + "\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

func readSettings(path string) (settings, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s is missing: run make demo first", path)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := settings{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "="); ok && !strings.HasPrefix(k, "#") {
			s[k] = v
		}
	}
	return s, sc.Err()
}

// copyConfig copies the configuration's files (not its state or .terraform) to dst.
func copyConfig(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Type().IsRegular() && (strings.HasSuffix(e.Name(), ".tf") || strings.HasSuffix(e.Name(), ".yaml")) {
			if err := copyFile(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name()), 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

func copyFile(src, dst string, mode os.FileMode) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, data, mode)
}

func randomHex() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitReady(ctx context.Context, base string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("catalogd did not become ready at %s: %w (see its log)", base, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
