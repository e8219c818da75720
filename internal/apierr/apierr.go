// Package apierr separates errors that are safe to show to API clients from
// internal ones. A resolver returns an *Error for anything the user caused or
// may know about; everything else is internal, is logged with the request id
// and reaches the client only as INTERNAL with that id.
package apierr

import (
	"errors"
	"fmt"
)

// Code is the value of a GraphQL error's extensions.code.
type Code string

// The codes BCS answers with.
const (
	BadUserInput    Code = "BAD_USER_INPUT"
	Unauthenticated Code = "UNAUTHENTICATED"
	Forbidden       Code = "FORBIDDEN"
	NotFound        Code = "NOT_FOUND"
	Conflict        Code = "CONFLICT"
	RateLimited     Code = "RATE_LIMITED"
	Internal        Code = "INTERNAL"
)

// Error is a client-safe error: its Message is shown as is, so it must never
// be built from an internal error's text. Err, if set, is for logs only.
type Error struct {
	Code    Code
	Message string
	// Field names the input field at fault, when there is one.
	Field string
	// Extra holds further extensions (e.g. "action" for FORBIDDEN).
	Extra map[string]any
	// Err is the internal cause; never shown to clients.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

// Extensions returns the GraphQL error extensions for e.
func (e *Error) Extensions() map[string]any {
	ext := map[string]any{"code": string(e.Code)}
	if e.Field != "" {
		ext["field"] = e.Field
	}
	for k, v := range e.Extra {
		ext[k] = v
	}
	return ext
}

// New returns a client-safe error with the given code.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports bad input in the named field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: BadUserInput, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Missing reports that the object of the given type and id does not exist
// (or is not visible to the caller: the two are not distinguished).
func Missing(typ string, id fmt.Stringer) *Error {
	return &Error{Code: NotFound, Message: fmt.Sprintf("%s %s not found", typ, id)}
}

// Taken reports a uniqueness conflict on the named field.
func Taken(field, value string) *Error {
	return &Error{Code: Conflict, Field: field, Message: fmt.Sprintf("%s %q is already taken", field, value)}
}

// Denied reports that the caller lacks the named action.
func Denied(action string) *Error {
	return &Error{Code: Forbidden, Message: fmt.Sprintf("permission denied: %s", action), Extra: map[string]any{"action": action}}
}

// As returns the client-safe error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
