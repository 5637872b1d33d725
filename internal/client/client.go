// Package client is the Go client of the catalog API, used by the Terraform provider and by
// tests. It retries what is safe to retry and returns API errors as *APIError.
package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
)

// APIError is an error answer of the API.
type APIError struct {
	StatusCode int
	Code       string
	Message    string
	RequestId  string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s (HTTP %d, RequestId %s): %s", e.Code, e.StatusCode, e.RequestId, e.Message)
}

// IsNotFound tells whether err is a 404 answer.
func IsNotFound(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.StatusCode == http.StatusNotFound
}

// Config configures a Client.
type Config struct {
	Endpoint   string // such as http://127.0.0.1:8080
	APIKey     string
	HTTPClient *http.Client // default: one with a 60 s timeout
	// MaxRetries is how often a retryable call is tried again (default 4; negative: never).
	MaxRetries int
	// RetryWait is the first wait between tries; it doubles each time (default 250 ms).
	RetryWait time.Duration
	UserAgent string
}

// Client calls the catalog API.
type Client struct {
	base *url.URL
	cfg  Config
}

// New checks cfg and returns a client.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(cfg.Endpoint, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("catalog endpoint %q must be an http or https URL, such as http://127.0.0.1:8080", cfg.Endpoint)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 60 * time.Second}
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 4
	}
	if cfg.RetryWait == 0 {
		cfg.RetryWait = 250 * time.Millisecond
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "opencatalog-client"
	}
	return &Client{base: u, cfg: cfg}, nil
}

// Response is what a call returned besides its body.
type Response struct {
	StatusCode int
	ETag       string
	RequestId  string
}

type request struct {
	method  string
	path    string
	query   url.Values
	body    any
	headers map[string]string
	// retry marks calls that are safe to repeat: reads, PUT, DELETE, and creates that carry
	// an idempotency key.
	retry bool
}

// do sends req and decodes a success body into out (when not nil).
func (c *Client) do(ctx context.Context, req request, out any) (Response, error) {
	var body []byte
	if req.body != nil {
		var err error
		if body, err = json.Marshal(req.body); err != nil {
			return Response{}, fmt.Errorf("encode %s %s: %w", req.method, req.path, err)
		}
	}
	u := *c.base
	u.Path += req.path
	u.RawQuery = req.query.Encode()
	wait := c.cfg.RetryWait
	for attempt := 0; ; attempt++ {
		resp, err := c.once(ctx, req, u.String(), body, out)
		if err == nil || !req.retry || attempt >= c.cfg.MaxRetries || !retryable(err) || ctx.Err() != nil {
			return resp, err
		}
		select {
		case <-ctx.Done():
			return resp, fmt.Errorf("%w (gave up retrying: %w)", err, ctx.Err())
		case <-time.After(wait):
		}
		wait *= 2
	}
}

func (c *Client) once(ctx context.Context, req request, u string, body []byte, out any) (Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, u, rd)
	if err != nil {
		return Response{}, fmt.Errorf("build %s %s: %w", req.method, req.path, err)
	}
	hr.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	hr.Header.Set("Accept", "application/json")
	hr.Header.Set("User-Agent", c.cfg.UserAgent)
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	for k, v := range req.headers {
		if v != "" {
			hr.Header.Set(k, v)
		}
	}
	resp, err := c.cfg.HTTPClient.Do(hr)
	if err != nil {
		return Response{}, &transportError{err: fmt.Errorf("%s %s: %w", req.method, req.path, err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return Response{}, &transportError{err: fmt.Errorf("read answer to %s %s: %w", req.method, req.path, err)}
	}
	r := Response{StatusCode: resp.StatusCode, ETag: resp.Header.Get("ETag"), RequestId: resp.Header.Get("X-Request-Id")}
	if resp.StatusCode >= 400 {
		e := &APIError{StatusCode: resp.StatusCode, RequestId: r.RequestId}
		var body api.Error
		if json.Unmarshal(data, &body) == nil && body.Code != "" {
			e.Code, e.Message, e.RequestId = body.Code, body.Message, body.RequestId
		} else {
			e.Code, e.Message = http.StatusText(resp.StatusCode), strings.TrimSpace(string(data))
		}
		return r, e
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		if err := d.Decode(out); err != nil {
			return r, fmt.Errorf("decode answer to %s %s: %w", req.method, req.path, err)
		}
	}
	return r, nil
}

type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// retryable: connection failures, 429, 5xx but 501, and a create whose idempotency key is
// held by a request still in flight.
func retryable(err error) bool {
	var te *transportError
	if errors.As(err, &te) {
		return true
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.StatusCode == http.StatusTooManyRequests || (ae.StatusCode >= 500 && ae.StatusCode != http.StatusNotImplemented) ||
			ae.Code == "IdempotencyKeyInUse"
	}
	return false
}

// NewIdempotencyKey returns a random key for a create.
func NewIdempotencyKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// orNewKey picks the idempotency key of a create: the one given, else the request's
// ClientToken, else a new one.
func orNewKey(key, clientToken string) string {
	switch {
	case key != "":
		return key
	case clientToken != "":
		return clientToken
	}
	return NewIdempotencyKey()
}
