package gqlext

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"regexp"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/auditentry"
	"github.com/bcs-io/bcs/internal/apierr"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/redact"
)

// Auditor writes an AuditEntry for every root mutation field, whatever its
// outcome, with secrets redacted from the arguments. The entry is written
// outside the mutation's own transaction, so a refused or failed mutation
// is recorded too.
type Auditor struct {
	Client *ent.Client
	Log    *slog.Logger
	Digest redact.Digester
	// RequestID names the HTTP request an entry came from.
	RequestID func(context.Context) string
}

// ExtensionName implements graphql.HandlerExtension.
func (*Auditor) ExtensionName() string { return "Audit" }

// Validate implements graphql.HandlerExtension.
func (*Auditor) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptField implements graphql.FieldInterceptor.
func (a *Auditor) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Parent == nil || fc.Parent.Parent != nil || fc.Object != "Mutation" {
		return next(ctx)
	}
	res, err := next(ctx)
	a.record(ctx, fc, res, err)
	return res, err
}

func (a *Auditor) record(ctx context.Context, fc *graphql.FieldContext, res any, err error) {
	entry := a.Client.AuditEntry.Create().
		SetAction(fc.Field.Name).
		SetArguments(Redact(a.Digest, fc.Args)).
		SetRequestID(a.RequestID(ctx)).
		SetResult(auditentry.ResultSUCCESS)
	if v := auth.FromContext(ctx); v != nil {
		entry.SetActor(v.UserName).SetActorID(string(v.UserID))
	}
	typ, id, project := target(fc.Args, res)
	entry.SetTargetType(typ).SetTargetID(id).SetProjectID(project)
	if err != nil {
		entry.SetResult(auditentry.ResultFAILURE)
		if e, ok := apierr.As(err); ok {
			entry.SetError(e.Message)
			if e.Code == apierr.Forbidden || e.Code == apierr.Unauthenticated {
				entry.SetResult(auditentry.ResultDENIED)
			}
		} else {
			entry.SetError("internal error")
		}
	}
	if err := entry.Exec(auth.System(context.WithoutCancel(ctx))); err != nil {
		a.Log.ErrorContext(ctx, "write audit entry", "request_id", a.RequestID(ctx), "err", err)
	}
}

// target names what a mutation acted on, from its result or its arguments.
func target(args map[string]any, res any) (typ, id, project string) {
	if res != nil {
		rv := reflect.ValueOf(res)
		if rv.Kind() == reflect.Pointer && !rv.IsNil() && rv.Elem().Kind() == reflect.Struct {
			el := rv.Elem()
			typ = el.Type().Name()
			if f := el.FieldByName("ID"); f.IsValid() {
				id = fmt.Sprint(f.Interface())
			}
			if f := el.FieldByName("ProjectID"); f.IsValid() {
				project = fmt.Sprint(f.Interface())
			}
			if typ == "Project" {
				project = id
			}
		}
	}
	if id == "" {
		if v, ok := args["id"]; ok {
			id = fmt.Sprint(v)
		}
	}
	if project == "" {
		if v, ok := args["projectID"]; ok {
			project = fmt.Sprint(v)
		} else if v := inputProject(args["input"]); v != "" {
			project = v // a refused or failed create: its owners still see it
		} else if len(id) > 4 && id[:4] == "prj_" {
			project = id
		}
	}
	return typ, id, project
}

// inputProject reads the ProjectID of an input object argument.
func inputProject(input any) string {
	rv := reflect.ValueOf(input)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return ""
	}
	if f := rv.FieldByName("ProjectID"); f.IsValid() && f.Kind() == reflect.String {
		return f.String()
	}
	return ""
}

// secretKey matches argument names (GraphQL or Go field names) whose
// values are secrets: a variable's value and a Mesos master list (which may
// carry credentials) included.
var secretKey = regexp.MustCompile(`(?i)(secret|token|passw|kubeconfig|credential|private.?key|api.?key|cert|^values?$|^masters$)`)

// documentKeys name arguments that carry whole documents, which may embed
// Secrets: the entry keeps what an Auditor needs of them instead.
var documentKeys = map[string]func(redact.Digester, string) map[string]any{
	"manifest": redact.Digester.Manifest,
	"draft":    redact.Digester.Digest,
	"document": redact.Digester.Digest,
	"content":  redact.Digester.Digest,
}

// Redact copies arguments into JSON-able values with every value under a
// secret-like key replaced and every document summarised.
func Redact(d redact.Digester, args map[string]any) map[string]any {
	out := make(map[string]any, len(args))
	for k, v := range args {
		out[k] = redactValue(d, k, v)
	}
	return out
}

func redactValue(d redact.Digester, key string, v any) any {
	if secretKey.MatchString(key) && v != nil {
		return redact.Mark
	}
	if summarise, ok := documentKeys[strings.ToLower(key)]; ok {
		switch s := v.(type) {
		case string:
			return summarise(d, s)
		case *string:
			if s != nil {
				return summarise(d, *s)
			}
		}
	}
	rv := reflect.ValueOf(v)
	switch {
	case v == nil:
		return nil
	case rv.Kind() == reflect.Map && rv.Type().Key().Kind() == reflect.String:
		m := map[string]any{}
		for _, k := range rv.MapKeys() {
			m[k.String()] = redactValue(d, k.String(), rv.MapIndex(k).Interface())
		}
		return m
	case rv.Kind() == reflect.Pointer:
		if rv.IsNil() {
			return nil
		}
		return redactValue(d, key, rv.Elem().Interface())
	case rv.Kind() == reflect.Struct:
		m := map[string]any{}
		for i := 0; i < rv.NumField(); i++ {
			f := rv.Type().Field(i)
			if f.IsExported() {
				m[f.Name] = redactValue(d, f.Name, rv.Field(i).Interface())
			}
		}
		return m
	case rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() != reflect.Uint8:
		s := make([]any, rv.Len())
		for i := range s {
			s[i] = redactValue(d, key, rv.Index(i).Interface())
		}
		return s
	}
	return v
}
