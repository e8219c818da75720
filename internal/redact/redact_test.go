package redact

import (
	"encoding/json"
	"strings"
	"testing"
)

const secretManifest = `apiVersion: v1
kind: Secret
metadata: {name: db, namespace: prod}
stringData: {password: hunter2}
data: {token: aHVudGVyMg==}
---
{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "b"}}]}
`

type key string

func (k key) Derive(label string) []byte { return []byte(string(k) + label) }

func TestManifestKeepsNamesNotValues(t *testing.T) {
	d := KeyedBy(key("k1"))
	got := d.Manifest(secretManifest)
	b, _ := json.Marshal(got)
	for _, leak := range []string{"hunter2", "aHVudGVyMg=="} {
		if strings.Contains(string(b), leak) {
			t.Errorf("summary holds %s: %s", leak, b)
		}
	}
	for _, want := range []string{`"kind":"Secret"`, `"name":"db"`, `"namespace":"prod"`, `"kind":"ConfigMap"`, `"name":"cfg"`, `"objectCount":2`, `"digest":"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("summary lacks %s: %s", want, b)
		}
	}
	if d.Manifest(secretManifest)["digest"] != KeyedBy(key("k1")).Manifest(secretManifest)["digest"] {
		t.Error("equal manifests get different digests under one key")
	}
	if d.Manifest(secretManifest)["digest"] == d.Manifest(secretManifest + "#")["digest"] {
		t.Error("the digest does not tell two manifests apart")
	}
	if d.Manifest(secretManifest)["digest"] == KeyedBy(key("k2")).Manifest(secretManifest)["digest"] {
		t.Error("the digest does not depend on the key: guesses can be tested offline")
	}
	if n := d.Manifest("{not yaml")["objectCount"]; n != 0 {
		t.Errorf("an undecodable manifest counts %v objects", n)
	}
}

func TestObjectStripsSecretPayloads(t *testing.T) {
	in := map[string]any{"kind": "Secret", "metadata": map[string]any{"name": "db"},
		"data": map[string]any{"token": "aHVudGVyMg=="}, "stringData": map[string]any{"password": "hunter2"}, "type": "Opaque"}
	out := Object("", in)
	b, _ := json.Marshal(out)
	if strings.Contains(string(b), "hunter2") || strings.Contains(string(b), "aHVudGVyMg==") {
		t.Fatalf("payload kept: %s", b)
	}
	if !strings.Contains(string(b), `"password":"[REDACTED]"`) || !strings.Contains(string(b), `"type":"Opaque"`) {
		t.Fatalf("keys or other fields lost: %s", b)
	}
	if in["stringData"].(map[string]any)["password"] != "hunter2" {
		t.Fatal("the input was modified")
	}
	if got := Object("Secret", map[string]any{"data": "raw"}); got["data"] != Mark {
		t.Fatalf("a malformed payload is kept: %v", got)
	}
	cm := map[string]any{"kind": "ConfigMap", "data": map[string]any{"a": "b"}}
	if got := Object("", cm); got["data"].(map[string]any)["a"] != "b" {
		t.Fatalf("a ConfigMap was redacted: %v", got)
	}
}

func TestSecretPath(t *testing.T) {
	for path, want := range map[string]bool{"data": true, "data.password": true, `stringData["a.b"]`: true,
		"metadata.name": false, "dataset": false, "type": false, "spec.data": false} {
		if SecretPath(path) != want {
			t.Errorf("SecretPath(%q) = %v", path, !want)
		}
	}
}
