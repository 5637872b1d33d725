package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	sqlite "modernc.org/sqlite"
)

// dialect holds the few places where SQLite and PostgreSQL differ. All SQL in this package
// is written with '?' placeholders and rebound for PostgreSQL.
type dialect interface {
	name() string
	rebind(query string) string
	isUniqueViolation(err error) bool
	// lockMigrations serialises concurrent migrators inside tx.
	lockMigrations(ctx context.Context, tx *sql.Tx) error
	// readOnly makes conn refuse writes until restore is called, where a read-only
	// transaction alone does not.
	readOnly(ctx context.Context, conn *sql.Conn) (restore func(), err error)
}

type sqliteDialect struct{}

func (sqliteDialect) name() string               { return "sqlite" }
func (sqliteDialect) rebind(query string) string { return query }

func (sqliteDialect) isUniqueViolation(err error) bool {
	var e *sqlite.Error
	if errors.As(err, &e) {
		// SQLITE_CONSTRAINT_PRIMARYKEY (1555) and SQLITE_CONSTRAINT_UNIQUE (2067).
		return e.Code() == 1555 || e.Code() == 2067
	}
	return false
}

// SQLite transactions begin IMMEDIATE (see the DSN), which already serialises migrators.
func (sqliteDialect) lockMigrations(context.Context, *sql.Tx) error { return nil }

// SQLite begins a read-only transaction as a plain deferred one, which could still write, so
// the connection is switched to query_only for its duration. A connection that cannot be
// switched back is discarded rather than returned to the pool.
func (sqliteDialect) readOnly(ctx context.Context, conn *sql.Conn) (func(), error) {
	if _, err := conn.ExecContext(ctx, "PRAGMA query_only = ON"); err != nil {
		return nil, err
	}
	return func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA query_only = OFF"); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}, nil
}

type postgresDialect struct{}

// PostgreSQL enforces READ ONLY transactions itself.
func (postgresDialect) readOnly(context.Context, *sql.Conn) (func(), error) { return func() {}, nil }

func (postgresDialect) name() string { return "postgres" }

func (postgresDialect) rebind(query string) string {
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (postgresDialect) isUniqueViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

func (postgresDialect) lockMigrations(ctx context.Context, tx *sql.Tx) error {
	// An arbitrary constant key for the catalog's schema migrations.
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(72707369)")
	return err
}
