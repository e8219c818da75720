package gqlext

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/internal/apierr"
	"github.com/bcs-io/bcs/internal/auth"
)

// Presenter turns every error into one with extensions.code. Client-safe
// errors keep their message; anything else is logged with the request id
// and shown only as INTERNAL with that id.
type Presenter struct {
	Log *slog.Logger
	// RequestID names the HTTP request an error came from.
	RequestID func(context.Context) string
	// Count counts each presented error by its code; nil counts none.
	Count func(code string)
}

// Present is gqlgen's error presenter.
func (p *Presenter) Present(ctx context.Context, err error) *gqlerror.Error {
	gerr := graphql.DefaultErrorPresenter(ctx, err)
	safe := p.classify(ctx, err, gerr)
	gerr.Message = safe.Message
	gerr.Extensions = safe.Extensions()
	gerr.Err = nil
	if p.Count != nil {
		p.Count(string(safe.Code))
	}
	return gerr
}

func (p *Presenter) classify(ctx context.Context, err error, gerr *gqlerror.Error) *apierr.Error {
	if e, ok := apierr.As(err); ok {
		return e
	}
	var (
		validation *ent.ValidationError
		constraint *ent.ConstraintError
		own        *gqlerror.Error
	)
	switch {
	case errors.Is(err, gid.ErrInvalid):
		return apierr.New(apierr.BadUserInput, "%s", innermost(err))
	case errors.As(err, &validation):
		return apierr.Invalid(lowerCamel(validation.Name), "invalid value for field %s", lowerCamel(validation.Name))
	case errors.As(err, &constraint):
		if field := uniqueField(constraint); field != "" {
			return &apierr.Error{Code: apierr.Conflict, Field: field, Message: fmt.Sprintf("%s is already taken", field)}
		}
		return apierr.New(apierr.Conflict, "the change conflicts with existing data")
	case errors.Is(err, auth.ErrInvalidToken), errors.Is(err, auth.ErrScopeChanged):
		// A read refused for a viewer that ended while it worked.
		return apierr.New(apierr.Unauthenticated, "your API token or project memberships changed: sign in again")
	case ent.IsNotFound(err):
		return apierr.New(apierr.NotFound, "not found")
	case strings.HasPrefix(innermost(err), "ent: empty predicate "):
		// entgql refuses an empty where input nested in another
		// (hasXWith: [{}], idIn: [] alone): the client's filter is at fault.
		return apierr.Invalid("where", "a filter inside where is empty: give it at least one predicate")
	case errors.Is(err, context.DeadlineExceeded):
		return p.internal(ctx, err, "the request took longer than the server's query timeout")
	case errors.As(err, &own) && own.Err == nil:
		// gqlparser's own parse, validation and coercion errors: the
		// client's document or variables are at fault.
		if code, ok := own.Extensions["code"].(string); ok && knownCode(code) {
			return apierr.New(apierr.Code(code), "%s", own.Message)
		}
		safe := apierr.New(apierr.BadUserInput, "%s", own.Message)
		if code, ok := own.Extensions["code"].(string); ok && code != string(apierr.BadUserInput) {
			safe.Extra = map[string]any{"reason": code}
		}
		return safe
	}
	return p.internal(ctx, err, "")
}

func (p *Presenter) internal(ctx context.Context, err error, msg string) *apierr.Error {
	id := p.RequestID(ctx)
	p.Log.ErrorContext(ctx, "internal error", "request_id", id, "err", err)
	if msg == "" {
		msg = "internal error"
	}
	return &apierr.Error{
		Code:    apierr.Internal,
		Message: fmt.Sprintf("%s (request id %s)", msg, id),
		Extra:   map[string]any{"requestId": id},
	}
}

// Recover logs a resolver panic with its stack; the client sees INTERNAL.
func (p *Presenter) Recover(ctx context.Context, v any) error {
	p.Log.ErrorContext(ctx, "panic in resolver", "request_id", p.RequestID(ctx), "panic", v, "stack", string(debug.Stack()))
	return fmt.Errorf("panic: %v", v)
}

// SQLite: "UNIQUE constraint failed: projects.name";
// PostgreSQL: `… unique constraint "project_name_key" … Key (name)=(x) …`.
var (
	sqliteUnique   = regexp.MustCompile(`UNIQUE constraint failed: \w+\.(\w+)`)
	postgresUnique = regexp.MustCompile(`Key \((\w+)[,)]`)
)

func uniqueField(err error) string {
	msg := err.Error()
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		msg = pgErr.Detail
	}
	for _, re := range []*regexp.Regexp{sqliteUnique, postgresUnique} {
		if m := re.FindStringSubmatch(msg); m != nil {
			return lowerCamel(m[1])
		}
	}
	return ""
}

func lowerCamel(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] == "id" {
			parts[i] = "ID"
		} else if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

func innermost(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil || next == gid.ErrInvalid {
			return err.Error()
		}
		err = next
	}
}

func knownCode(code string) bool {
	switch apierr.Code(code) {
	case apierr.BadUserInput, apierr.Unauthenticated, apierr.Forbidden, apierr.NotFound,
		apierr.Conflict, apierr.RateLimited, apierr.Internal:
		return true
	}
	return false
}
