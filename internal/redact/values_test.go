package redact

import (
	"reflect"
	"testing"
)

func TestValuesHidesSecretLookingSettings(t *testing.T) {
	in := map[string]any{
		"replicaCount": 2,
		"image":        map[string]any{"repository": "nginx", "tag": "1.27"},
		"db":           map[string]any{"host": "db", "password": "hunter2", "dsn": "postgres://u:p@db"},
		"apiKey":       "k-123",
		"auth":         map[string]any{"user": "admin", "nested": map[string]any{"pin": "1234"}},
		"tls":          map[string]any{"tls.key": "PRIVATE", "enabled": true},
		"tokens":       []any{"a", "b"},
		"env":          []any{map[string]any{"name": "X", "secretValue": "s"}},
	}
	want := map[string]any{
		"replicaCount": 2,
		"image":        map[string]any{"repository": "nginx", "tag": "1.27"},
		"db":           map[string]any{"host": "db", "password": Mark, "dsn": Mark},
		"apiKey":       Mark,
		"auth":         map[string]any{"user": Mark, "nested": map[string]any{"pin": Mark}},
		"tls":          map[string]any{"tls.key": Mark, "enabled": true},
		"tokens":       Mark, // a list under a secret key goes whole
		"env":          []any{map[string]any{"name": "X", "secretValue": Mark}},
	}
	got := Values(in)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Values:\n got %#v\nwant %#v", got, want)
	}
	if in["apiKey"] != "k-123" || in["db"].(map[string]any)["password"] != "hunter2" {
		t.Fatal("Values modified its input")
	}
}
