package catalog

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/opencatalog/terraform-provider-catalog/internal/store"
)

// Caller is the tenant an API request acts for.
type Caller struct {
	TenantID   string
	TenantName string
	Admin      bool
}

// API keys look like "ock_<key id>_<secret>". The key id finds the stored hash; the whole
// key is hashed with SHA-256 (the secret has 256 random bits, so no slow hash is needed).
const keyPrefix = "ock_"

// CreateTenant creates a tenant and its first API key. The key is returned once and only its
// hash is stored.
func (c *Catalog) CreateTenant(ctx context.Context, name string, admin bool) (store.Tenant, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 128 {
		return store.Tenant{}, "", Invalid("TenantName", "a tenant name must be 1-128 characters")
	}
	t := store.Tenant{ID: newID("tenant-"), Name: name, Admin: admin, CreateTime: c.now()}
	var key string
	err := c.store.InTx(ctx, func(q store.Queries) error {
		if err := q.CreateTenant(ctx, t); err != nil {
			return fmt.Errorf("create tenant: %w", err)
		}
		var err error
		key, err = c.createKey(ctx, q, t.ID)
		return err
	})
	return t, key, err
}

// CreateAPIKey adds an API key to an existing tenant.
func (c *Catalog) CreateAPIKey(ctx context.Context, tenantID string) (string, error) {
	var key string
	err := c.store.InTx(ctx, func(q store.Queries) error {
		if _, err := q.GetTenant(ctx, tenantID); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return NotFound("Tenant", tenantID)
			}
			return fmt.Errorf("read tenant: %w", err)
		}
		var err error
		key, err = c.createKey(ctx, q, tenantID)
		return err
	})
	return key, err
}

func (c *Catalog) createKey(ctx context.Context, q store.Queries, tenantID string) (string, error) {
	id := randomHex(8)
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", fmt.Errorf("generate key: %w", err)
	}
	key := keyPrefix + id + "_" + base64.RawURLEncoding.EncodeToString(secret)
	err := q.CreateAPIKey(ctx, store.APIKey{KeyID: id, TenantID: tenantID, Hash: hashKey(key), CreateTime: c.now()})
	if err != nil {
		return "", fmt.Errorf("store API key: %w", err)
	}
	return key, nil
}

func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// Authenticate finds the tenant of an API key.
func (c *Catalog) Authenticate(ctx context.Context, key string) (Caller, error) {
	rest, ok := strings.CutPrefix(key, keyPrefix)
	id, _, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 || id == "" {
		return Caller{}, Unauthenticated("the API key is malformed")
	}
	k, err := c.store.GetAPIKey(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Caller{}, Unauthenticated("the API key is not valid")
	}
	if err != nil {
		return Caller{}, fmt.Errorf("read API key: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(hashKey(key)), []byte(k.Hash)) != 1 {
		return Caller{}, Unauthenticated("the API key is not valid")
	}
	t, err := c.store.GetTenant(ctx, k.TenantID)
	if err != nil {
		return Caller{}, fmt.Errorf("read tenant of API key: %w", err)
	}
	return Caller{TenantID: t.ID, TenantName: t.Name, Admin: t.Admin}, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // the system is unusable
	}
	return hex.EncodeToString(b)
}

func newID(prefix string) string { return prefix + randomHex(10) }
