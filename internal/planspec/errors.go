package planspec

import "fmt"

// FieldError is a plan or parameter that breaks a rule. Field names what is wrong
// ("Metadata", "Parameters", "PlanName", ...); Message says why, naming the key.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

func invalid(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}
