// Package catalog is the domain of the service catalog: services and their versions, plans,
// instances and the rules between them. It talks to storage through the store package and
// knows nothing of HTTP.
package catalog

import (
	"errors"
	"fmt"

	"github.com/opencatalog/terraform-provider-catalog/internal/planspec"
)

// Kind classifies a domain error; the HTTP edge maps each kind to one status.
type Kind int

const (
	KindInvalid         Kind = iota + 1 // malformed or out-of-rule input (400)
	KindUnauthenticated                 // no or unknown credentials (401)
	KindForbidden                       // authenticated but not allowed (403)
	KindNotFound                        // missing or invisible to the caller (404)
	KindConflict                        // state or uniqueness conflict (409)
	KindPrecondition                    // If-Match did not match (412)
	KindSemantic                        // well-formed but not acceptable (422)
	KindBadGateway                      // a broker the request depends on failed (502)
)

// Error is a domain error with a stable machine-readable Code, such as
// "InvalidParameter.PlanName", and a message for people.
type Error struct {
	Kind    Kind
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func newError(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports bad input in the named field: Code "InvalidParameter.<field>".
func Invalid(field, format string, args ...any) *Error {
	return newError(KindInvalid, "InvalidParameter."+field, format, args...)
}

// NotFound reports a missing (or invisible) object. The message never says whether the
// object exists in another tenant.
func NotFound(what, id string) *Error {
	return newError(KindNotFound, "EntityNotExist."+what, "%s %q does not exist", what, id)
}

// Semantic reports well-formed input that cannot be accepted (422).
func Semantic(code, format string, args ...any) *Error {
	return newError(KindSemantic, code, format, args...)
}

// BadGateway reports that a broker the request depends on could not be used (502).
func BadGateway(code, format string, args ...any) *Error {
	return newError(KindBadGateway, code, format, args...)
}

// Conflict reports a state or uniqueness conflict.
func Conflict(code, format string, args ...any) *Error {
	return newError(KindConflict, code, format, args...)
}

// PreconditionFailed reports an If-Match mismatch.
func PreconditionFailed(what string) *Error {
	return newError(KindPrecondition, "PreconditionFailed",
		"%s was changed by another writer since it was read (If-Match does not match); read it again and retry", what)
}

// Unauthenticated reports missing or unknown credentials.
func Unauthenticated(format string, args ...any) *Error {
	return newError(KindUnauthenticated, "Unauthenticated", format, args...)
}

// Forbidden reports an operation the tenant may not perform.
func Forbidden(format string, args ...any) *Error {
	return newError(KindForbidden, "Forbidden", format, args...)
}

// AsError returns the domain error inside err, if any. A plan or parameter that breaks a
// rule of the plan model is bad input.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	var fe *planspec.FieldError
	if errors.As(err, &fe) {
		return Invalid(fe.Field, "%s", fe.Message), true
	}
	return nil, false
}
