package apierr

import (
	"errors"
	"fmt"
	"testing"
)

func TestAsFindsWrappedError(t *testing.T) {
	inner := Invalid("code", "must be a slug")
	err := fmt.Errorf("create project: %w", inner)
	got, ok := As(err)
	if !ok || got != inner {
		t.Fatalf("As = %v, %v", got, ok)
	}
	ext := got.Extensions()
	if ext["code"] != "BAD_USER_INPUT" || ext["field"] != "code" {
		t.Fatalf("extensions = %v", ext)
	}
}

func TestInternalCauseStaysOutOfMessage(t *testing.T) {
	e := &Error{Code: Internal, Message: "internal error", Err: errors.New("pq: password authentication failed")}
	if e.Message != "internal error" {
		t.Fatal("message changed")
	}
	if !errors.Is(e, e.Err) {
		t.Fatal("cause not reachable for logs")
	}
}

func TestDeniedNamesAction(t *testing.T) {
	e := Denied("project_edit")
	if e.Extensions()["action"] != "project_edit" || e.Code != Forbidden {
		t.Fatalf("got %v", e.Extensions())
	}
}
