package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"               // registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"
)

// DefaultDSN is the embedded default: an SQLite file in the working directory.
const DefaultDSN = "sqlite:catalog.db"

// Open connects to the database named by dsn and brings its schema up to date.
//
//	sqlite:<path>                      an SQLite file (created if missing), WAL mode
//	postgres://user:pass@host/db?...   a PostgreSQL database (postgresql:// too)
func Open(ctx context.Context, dsn string) (Store, error) {
	db, d, err := connect(dsn)
	if err != nil {
		return nil, err
	}
	if err := ping(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s database: %w", d.name(), err)
	}
	if err := migrate(ctx, db, d); err != nil {
		db.Close()
		return nil, err
	}
	return &sqlStore{queries: queries{q: db, d: d}, db: db}, nil
}

// ping makes the first connection. SQLite answers SQLITE_BUSY at once, whatever the busy
// timeout, when another process is switching a new file to WAL mode at the same moment (as
// when a server and an admin command start together): that is waited out, for a while.
func ping(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(10 * time.Second)
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 250*time.Millisecond) {
		err := db.PingContext(ctx)
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
	}
}

func connect(dsn string) (*sql.DB, dialect, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		path = strings.TrimPrefix(path, "//")
		if path == "" {
			return nil, nil, fmt.Errorf("database %q: the sqlite DSN needs a file path, as in sqlite:catalog.db", dsn)
		}
		if strings.ContainsAny(path, "?#") {
			return nil, nil, fmt.Errorf("database %q: options in the sqlite DSN are not supported", dsn)
		}
		// Every connection: wait for locks rather than fail, WAL so readers never block the
		// writer, foreign keys on. Transactions begin IMMEDIATE, so a transaction that reads
		// then writes holds the write lock from its start and never fails to upgrade.
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Set("_txlock", "immediate")
		db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
		if err != nil {
			return nil, nil, fmt.Errorf("open sqlite database %s: %w", path, err)
		}
		return db, sqliteDialect{}, nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, nil, fmt.Errorf("open postgres database: %w", err)
		}
		return db, postgresDialect{}, nil
	}
	return nil, nil, fmt.Errorf("database %q: the DSN must start with sqlite: or postgres://", redact(dsn))
}

// redact hides a password in a DSN before it is shown.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
