package catalog

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/osb"
	"github.com/opencatalog/terraform-provider-catalog/internal/store"
)

// Catalog carries out the catalog's operations for a caller.
type Catalog struct {
	store   store.Store
	now     func() time.Time
	brokers *osb.Client
	queued  func()
}

// Option configures a Catalog.
type Option func(*Catalog)

// WithBrokerTimeout bounds the requests the catalog makes to brokers to check their
// catalogs (when publishing a service and writing its plans).
func WithBrokerTimeout(d time.Duration) Option {
	return func(c *Catalog) { c.brokers = osb.New(d) }
}

// WithQueuedHook calls fn after an operation is queued for the broker (to wake a worker).
func WithQueuedHook(fn func()) Option {
	return func(c *Catalog) { c.queued = fn }
}

// New returns a Catalog over st.
func New(st store.Store, opts ...Option) *Catalog {
	c := &Catalog{store: st, now: func() time.Time { return time.Now().UTC() }, brokers: osb.New(30 * time.Second), queued: func() {}}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Store returns the catalog's store.
func (c *Catalog) Store() store.Store { return c.store }

func formatTime(t time.Time) string { return api.FormatTime(t) }

// Paging limits.
const (
	DefaultMaxResults = 20
	MaxMaxResults     = 100
)

// Page is a request for one page of a listing.
type Page struct {
	MaxResults int
	NextToken  string
}

func (p Page) limit() (int, error) {
	switch {
	case p.MaxResults == 0:
		return DefaultMaxResults, nil
	case p.MaxResults < 1 || p.MaxResults > MaxMaxResults:
		return 0, Invalid("MaxResults", "MaxResults must be between 1 and %d, got %d", MaxMaxResults, p.MaxResults)
	}
	return p.MaxResults, nil
}

// bounds returns the page size and where the page starts.
func (p Page) bounds() (int, *store.Cursor, error) {
	limit, err := p.limit()
	if err != nil {
		return 0, nil, err
	}
	after, err := p.cursor()
	return limit, after, err
}

func (p Page) cursor() (*store.Cursor, error) {
	if p.NextToken == "" {
		return nil, nil
	}
	bad := Invalid("NextToken", "NextToken is not one this catalog issued; start the listing again without it")
	raw, err := base64.RawURLEncoding.DecodeString(p.NextToken)
	if err != nil {
		return nil, bad
	}
	usText, id, ok := strings.Cut(string(raw), "|")
	usVal, err := strconv.ParseInt(usText, 10, 64)
	if !ok || err != nil || id == "" {
		return nil, bad
	}
	return &store.Cursor{CreateTime: time.UnixMicro(usVal).UTC(), ID: id}, nil
}

func nextToken(created time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(created.UnixMicro(), 10) + "|" + id))
}

// etag quotes a revision tag as an HTTP entity tag.
func etag(parts ...int64) string {
	s := make([]string, len(parts))
	for i, p := range parts {
		s[i] = strconv.FormatInt(p, 10)
	}
	return `"` + strings.Join(s, ".") + `"`
}

// checkIfMatch compares an If-Match header with the current ETag; an empty header matches.
func checkIfMatch(ifMatch, current, what string) error {
	if ifMatch == "" || ifMatch == "*" {
		return nil
	}
	for _, candidate := range strings.Split(ifMatch, ",") {
		if strings.TrimPrefix(strings.TrimSpace(candidate), "W/") == current {
			return nil
		}
	}
	return PreconditionFailed(what)
}

// mustJSON marshals values the catalog built itself.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("marshal %T: %v", v, err))
	}
	return b
}

// decodeJSON reads a stored JSON document, keeping numbers exact.
func decodeJSON(data []byte, v any) error {
	if len(data) == 0 {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("decode stored %T: %w", v, err)
	}
	return nil
}

// requestHash fingerprints a create request for idempotency checks.
func requestHash(v any) string {
	sum := sha256.Sum256(mustJSON(v))
	return hex.EncodeToString(sum[:])
}

// idempotent looks up a create's idempotency key inside a transaction. It returns the id of
// the resource an earlier identical request created, or "" when the key is new.
func idempotent(ctx context.Context, q store.Queries, tenantID, scope, key, hash string) (string, error) {
	if key == "" {
		return "", nil
	}
	if len(key) > 128 {
		return "", Invalid("ClientToken", "an idempotency key (Idempotency-Key or ClientToken) is at most 128 characters")
	}
	rec, err := q.GetIdempotencyKey(ctx, tenantID, scope, key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("read idempotency key: %w", err)
	case rec.RequestHash != hash:
		return "", Conflict("IdempotentParameterMismatch",
			"the idempotency key %q was already used with a different request; use a new key for a new request", key)
	}
	return rec.ResourceID, nil
}

func (c *Catalog) rememberIdempotent(ctx context.Context, q store.Queries, tenantID, scope, key, hash, id string) error {
	if key == "" {
		return nil
	}
	err := q.CreateIdempotencyKey(ctx, store.IdempotencyKey{TenantID: tenantID, Scope: scope, Key: key, RequestHash: hash, ResourceID: id, CreateTime: c.now()})
	if errors.Is(err, store.ErrConflict) {
		return Conflict("IdempotencyKeyInUse", "a request with idempotency key %q is being processed; retry it", key)
	}
	return err
}

// storeErr turns a store error into a domain error where one fits.
func storeErr(err error, what, id string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return NotFound(what, id)
	case errors.Is(err, store.ErrConflict):
		return Conflict("ConcurrentModification", "%s %q was changed concurrently; retry the request", what, id)
	}
	return fmt.Errorf("%s %q: %w", strings.ToLower(what), id, err)
}
