package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Backup writes a consistent copy of an SQLite catalog to the file dest, which must not
// exist. It may run while a server uses the database: the copy is one read transaction
// (VACUUM INTO), so it holds every write committed before it began and none after. A
// PostgreSQL catalog is backed up with pg_dump instead.
func Backup(ctx context.Context, dsn, dest string) error {
	if !strings.HasPrefix(dsn, "sqlite:") {
		return errors.New("backup copies SQLite catalogs; back up PostgreSQL with pg_dump")
	}
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("backup: %s already exists", dest)
	}
	source := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "//")
	if _, err := os.Stat(source); err != nil {
		return fmt.Errorf("backup: the database file: %w", err)
	}
	db, _, err := connect(dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := ping(ctx, db); err != nil {
		return fmt.Errorf("backup: open %s: %w", source, err)
	}
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", dest); err != nil {
		return fmt.Errorf("backup %s to %s: %w", source, dest, err)
	}
	return nil
}
