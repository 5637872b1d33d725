package store_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/opencatalog/terraform-provider-catalog/internal/catalog"
	"github.com/opencatalog/terraform-provider-catalog/internal/catalogtest"
	"github.com/opencatalog/terraform-provider-catalog/internal/store"
	"github.com/opencatalog/terraform-provider-catalog/internal/store/storetest"
)

func openSQLite(t *testing.T) store.Store {
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestSQLiteConformance(t *testing.T) { storetest.Run(t, openSQLite) }

func openPostgres(t *testing.T) store.Store {
	st, err := store.Open(context.Background(), catalogtest.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestPostgresConformance(t *testing.T) { storetest.Run(t, openPostgres) }

func TestMigrationsAreIdempotentAndConcurrent(t *testing.T) {
	path := "sqlite:" + filepath.Join(t.TempDir(), "catalog.db")
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := store.Open(context.Background(), path)
			if err == nil {
				err = st.Close()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent open: %v", err)
		}
	}
}

func TestOpenRejectsBadDSN(t *testing.T) {
	for dsn, want := range map[string]string{
		"mysql://x":           "must start with sqlite: or postgres://",
		"sqlite:":             "needs a file path",
		"sqlite:a.db?mode=ro": "options in the sqlite DSN are not supported",
		"postgres://u:secret@127.0.0.1:1/db?connect_timeout=1": "connect to postgres database",
	} {
		_, err := store.Open(context.Background(), dsn)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Open(%q) = %v, want an error containing %q", dsn, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("Open(%q) error shows the password: %v", dsn, err)
		}
	}
}

// TestBackup: the copy opens as a catalog, holds what was written before it, and the source
// keeps working; a second backup to the same file, or of PostgreSQL, is refused.
func TestBackup(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "catalog.db")
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cat := catalog.New(st)
	tn, _, err := cat.CreateTenant(ctx, "before", false)
	if err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(dir, "backup.db")
	if err := store.Backup(ctx, dsn, dest); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cat.CreateTenant(ctx, "after", false); err != nil {
		t.Fatalf("the source after the backup: %v", err)
	}
	copied, err := store.Open(ctx, "sqlite:"+dest)
	if err != nil {
		t.Fatal(err)
	}
	defer copied.Close()
	got, err := copied.GetTenant(ctx, tn.ID)
	if err != nil || got.Name != "before" {
		t.Fatalf("the backup's tenant: %+v, %v", got, err)
	}
	if err := store.Backup(ctx, dsn, dest); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("backup over an existing file: %v", err)
	}
	if err := store.Backup(ctx, "postgres://localhost/catalog", filepath.Join(dir, "pg.db")); err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Fatalf("backup of PostgreSQL: %v", err)
	}
}
