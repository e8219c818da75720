package configcenter

import (
	"errors"
	"strings"
	"testing"
)

// wantProblem checks that err carries an *Error at line and column (a
// negative column is not checked) whose message contains text, and
// returns it.
func wantProblem(t *testing.T, err error, line, col int, text string) *Error {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one at line %d containing %q", line, text)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	for _, p := range Problems(err) {
		if p.Line == line && (col < 0 || p.Column == col) && strings.Contains(p.Error(), text) {
			return p
		}
	}
	t.Fatalf("error %q: no problem at line %d column %d containing %q", err, line, col, text)
	return nil
}

func vals(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ name }}
  namespace: {{ SYS_NAMESPACE }}
spec:
  replicas: {{ replicas }}
  template:
    spec:
      containers:
      - name: app
        image: "{{ image }}"
`
