package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/opencatalog/terraform-provider-catalog/internal/api"
	"github.com/opencatalog/terraform-provider-catalog/internal/catalog"
)

var kindStatus = map[catalog.Kind]int{
	catalog.KindInvalid:         http.StatusBadRequest,
	catalog.KindUnauthenticated: http.StatusUnauthorized,
	catalog.KindForbidden:       http.StatusForbidden,
	catalog.KindNotFound:        http.StatusNotFound,
	catalog.KindConflict:        http.StatusConflict,
	catalog.KindPrecondition:    http.StatusPreconditionFailed,
	catalog.KindSemantic:        http.StatusUnprocessableEntity,
	catalog.KindBadGateway:      http.StatusBadGateway,
}

// writeError answers with the error body. Domain errors map to their status; anything else is
// an internal error, logged in full and reported without detail.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := http.StatusInternalServerError, api.Error{Code: "InternalError",
		Message: "the catalog failed to handle the request; it is logged under this RequestId"}
	var tooLarge *http.MaxBytesError
	if e, ok := catalog.AsError(err); ok {
		status, body.Code, body.Message = kindStatus[e.Kind], e.Code, e.Message
	} else if errors.As(err, &tooLarge) {
		status, body.Code, body.Message = http.StatusRequestEntityTooLarge, "RequestTooLarge",
			fmt.Sprintf("the request body is larger than %d bytes", tooLarge.Limit)
	} else {
		s.log.ErrorContext(r.Context(), "request failed", "request_id", requestID(r.Context()), "error", err)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="catalog"`)
	}
	body.RequestId = requestID(r.Context())
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// decodeError explains why a request body could not be read, naming the field.
func decodeError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return err
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &catalog.Error{Kind: catalog.KindInvalid, Code: "MalformedJSON", Message: "the request body is not valid JSON: it ends before its value does"}
	case errors.As(err, &syntax):
		return &catalog.Error{Kind: catalog.KindInvalid, Code: "MalformedJSON",
			Message: fmt.Sprintf("the request body is not valid JSON (at byte %d): %v", syntax.Offset, syntax)}
	case errors.As(err, &typ):
		// Embedded request structs (ServiceSpec) are not part of the wire names.
		field := strings.TrimPrefix(typ.Field, "ServiceSpec.")
		if field == "" {
			return &catalog.Error{Kind: catalog.KindInvalid, Code: "MalformedJSON",
				Message: fmt.Sprintf("the request body must be a JSON %s, not %s", jsonKind(typ.Type.Kind().String()), typ.Value)}
		}
		return catalog.Invalid(topField(field), "field %s must be %s, not %s", field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return catalog.Invalid(name, "unknown field %q in the request body", name)
	case errors.Is(err, errEmptyBody):
		return &catalog.Error{Kind: catalog.KindInvalid, Code: "MalformedJSON", Message: "the request body is empty; a JSON object is expected"}
	case errors.Is(err, errTrailingData):
		return &catalog.Error{Kind: catalog.KindInvalid, Code: "MalformedJSON", Message: "the request body has data after its JSON object"}
	}
	return &catalog.Error{Kind: catalog.KindInvalid, Code: "MalformedJSON", Message: "the request body could not be read: " + err.Error()}
}

func topField(path string) string {
	first, _, _ := strings.Cut(path, ".")
	return first
}

func jsonKind(goKind string) string {
	switch goKind {
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "a list"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "interface":
		return "a value"
	}
	return "a number"
}

// logAttrs are the fields of a request log line. Headers, bodies and keys never appear.
func logAttrs(r *http.Request, route string, status int, ms float64, tenant string) []slog.Attr {
	return []slog.Attr{slog.String("method", r.Method), slog.String("route", route), slog.String("path", r.URL.Path),
		slog.Int("status", status), slog.Float64("duration_ms", ms), slog.String("request_id", requestID(r.Context())),
		slog.String("tenant", tenant)}
}
