// Command demo is the quickstart behind `make demo`. It starts a real catalogd on an SQLite
// file and the sample broker on loopback, creates a tenant, and runs the real terraform on
// examples/quickstart with the locally built provider (from a filesystem mirror: no registry
// is needed). While the instance deploys it shows the catalog's progress; then it prints the
// outputs, shows that a second plan has nothing to do, and stops both processes.
//
//	demo up       the quickstart (make demo)
//	demo serve    start the servers again on the demo's data, until Ctrl-C (make demo-serve)
//	demo destroy  start them, terraform destroy, stop them, remove the demo's directory (make demo-destroy)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
)

func main() {
	fs := flag.NewFlagSet("demo", flag.ExitOnError)
	bin := fs.String("bin", "bin", "directory holding catalogd, sample-broker and terraform-provider-catalog")
	example := fs.String("example", "examples/quickstart", "the Terraform configuration to apply")
	dir := fs.String("dir", ".demo", "where the demo keeps its files")
	version := fs.String("provider-version", "0.1.0", "the version the local provider is mirrored as")
	mode := "up"
	args := os.Args[1:]
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		mode, args = args[0], args[1:]
	}
	_ = fs.Parse(args)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	abs := func(p string) string { a, _ := filepath.Abs(p); return a }
	d := &demo{bin: abs(*bin), example: abs(*example), dir: abs(*dir), providerVersion: *version, out: os.Stdout}
	var err error
	switch mode {
	case "up":
		err = d.up(ctx)
	case "serve":
		err = d.serve(ctx)
	case "destroy":
		err = d.destroy(ctx)
	default:
		err = fmt.Errorf("unknown mode %q: use up, serve or destroy", mode)
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			err = errors.New("interrupted")
		}
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}
