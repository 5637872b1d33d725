// Package osb is the platform side of the Open Service Broker API v2.17: a small client over
// the endpoints the catalog uses (catalog, provision, update, deprovision, last operation,
// fetch instance). It reports what the broker answered (status, body, Retry-After) and leaves
// what an answer means for each operation to its caller, because the spec's rules (success
// codes, orphan mitigation) differ per endpoint.
package osb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// APIVersion is the OSB version the catalog speaks (the X-Broker-API-Version header).
const APIVersion = "2.17"

// maxBody bounds what is read of a broker's answer.
const maxBody = 1 << 20

// Broker is where a broker is and how to log in to it.
type Broker struct {
	URL      string
	Username string
	Password string
}

// Client calls brokers. Its zero value is not usable; use New.
type Client struct {
	http *http.Client
}

// New returns a client whose requests time out after timeout (the spec's typical platform
// timeout is 60 seconds).
func New(timeout time.Duration) *Client {
	return &Client{http: &http.Client{Timeout: timeout}}
}

// Response is what a broker answered.
type Response struct {
	Status int
	Body   []byte
	// RetryAfter is the delay the broker asked for (Retry-After), or 0.
	RetryAfter time.Duration
}

// Decode reads the body as JSON into v; a body that is not the JSON object expected is an
// error naming the status and quoting the start of the body.
func (r *Response) Decode(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("broker answered %d with malformed JSON (%w): %s", r.Status, err, Quote(r.Body))
	}
	return nil
}

// ErrorBody is the body of a broker's error answer.
type ErrorBody struct {
	Error            string `json:"error"`
	Description      string `json:"description"`
	InstanceUsable   *bool  `json:"instance_usable"`
	UpdateRepeatable *bool  `json:"update_repeatable"`
}

// Failure describes an answer that is not a success in the broker's own words: its error
// code and description when the body is an OSB error, else the start of the body.
func (r *Response) Failure() (ErrorBody, string) {
	var e ErrorBody
	if err := json.Unmarshal(r.Body, &e); err == nil && (e.Error != "" || e.Description != "") {
		msg := fmt.Sprintf("broker answered HTTP %d", r.Status)
		if e.Error != "" {
			msg += " " + e.Error
		}
		if e.Description != "" {
			msg += ": " + e.Description
		}
		return e, msg
	}
	if len(bytes.TrimSpace(r.Body)) == 0 {
		return e, fmt.Sprintf("broker answered HTTP %d with an empty body", r.Status)
	}
	return e, fmt.Sprintf("broker answered HTTP %d: %s", r.Status, Quote(r.Body))
}

// Quote shortens a body for a message.
func Quote(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return strconv.Quote(s)
}

// TransportError is a request that got no answer.
type TransportError struct {
	Method, URL string
	Err         error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("%s %s: %v", e.Method, e.URL, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// NotSent tells whether the request certainly never reached the broker (the connection
// could not be made), so that repeating it cannot do anything twice.
func (e *TransportError) NotSent() bool {
	var op *net.OpError
	return errors.As(e.Err, &op) && op.Op == "dial"
}

// Timeout tells whether the request timed out waiting for the broker.
func (e *TransportError) Timeout() bool {
	var ne net.Error
	return errors.As(e.Err, &ne) && ne.Timeout()
}

// do sends one request. A transport failure is a *TransportError; any answer, whatever its
// status, is a Response.
func (c *Client) do(ctx context.Context, b Broker, method, path string, query url.Values, body any) (*Response, error) {
	u := strings.TrimRight(b.URL, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, reader)
	if err != nil {
		return nil, fmt.Errorf("build %s %s: %w", method, path, err)
	}
	req.Header.Set("X-Broker-API-Version", APIVersion)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if b.Username != "" || b.Password != "" {
		req.SetBasicAuth(b.Username, b.Password)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, &TransportError{Method: method, URL: redact(u), Err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, &TransportError{Method: method, URL: redact(u), Err: fmt.Errorf("read answer: %w", err)}
	}
	return &Response{Status: resp.StatusCode, Body: data, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now())}, nil
}

// unwrapURLError drops net/http's *url.Error wrapper, whose text repeats the URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// redact drops the query (it carries ids only, but keeps messages short).
func redact(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i]
	}
	return u
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
