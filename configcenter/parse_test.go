package configcenter

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestParseKubernetesDocuments(t *testing.T) {
	content := `# leading comment
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: prod
spec:
  ports: [{port: 80}]
---
# only a comment
---
---
{"apiVersion": "v1", "kind": "ConfigMap",
	"metadata": {"name": "cfg"},
	"data": {"when": "2024-01-01"}}
...
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Secret
  metadata: {name: s1}
- apiVersion: v1
  kind: Secret
  metadata: {name: s2}
`
	objs, err := Parse(KindK8S, content)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range objs {
		got = append(got, o.Key().String()+"@"+strconv.Itoa(o.Line))
	}
	want := []string{"Service prod/web@3", "ConfigMap cfg@14", "Secret s1@22", "Secret s2@25"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("objects %v, want %v", got, want)
	}
	port := objs[0].Doc["spec"].(map[string]any)["ports"].([]any)[0].(map[string]any)["port"]
	if port != int64(80) {
		t.Fatalf("port %#v: integers are int64", port)
	}
	if when := objs[1].Doc["data"].(map[string]any)["when"]; when != "2024-01-01" {
		t.Fatalf("timestamp-like %#v: stays the string written", when)
	}
}

func TestParseAnchorsAndMerge(t *testing.T) {
	content := `apiVersion: v1
kind: ConfigMap
metadata:
  name: x
  labels: &l {app: web, tier: front}
  annotations:
    <<: *l
    tier: back
data: {a: "1", b: 2.5, c: true, d: ~, e: 0x10}
`
	objs, err := Parse(KindK8S, content)
	if err != nil {
		t.Fatal(err)
	}
	meta := objs[0].Doc["metadata"].(map[string]any)
	if !reflect.DeepEqual(meta["annotations"], map[string]any{"app": "web", "tier": "back"}) {
		t.Fatalf("merge: %#v", meta["annotations"])
	}
	data := objs[0].Doc["data"]
	if !reflect.DeepEqual(data, map[string]any{"a": "1", "b": 2.5, "c": true, "d": nil, "e": int64(16)}) {
		t.Fatalf("data %#v", data)
	}
}

// TestParseErrors: every bad input names its line (and column when the
// parser knows it).
func TestParseErrors(t *testing.T) {
	obj := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
	cases := []struct {
		name      string
		content   string
		line, col int
		text      string
	}{
		{"yaml syntax", "apiVersion: v1\nkind: ConfigMap\nmetadata: name: x\n", 3, 0, "invalid YAML or JSON: mapping values are not allowed"},
		{"yaml syntax in a later document", obj + "---\n" + obj + "data:\n  a: [1, 2\n", 11, 0, "invalid YAML"},
		{"bad indentation", obj + "data:\n  a: 1\n b: 2\n", 7, 0, "invalid YAML"},
		{"json syntax", "{\"apiVersion\": \"v1\",\n \"kind\": \"ConfigMap\"\n \"metadata\": {}}", 3, 0, "invalid YAML"},
		{"unterminated quote", obj + "data:\n  a: 'x\n", 6, 0, "invalid YAML"},
		{"missing apiVersion", "kind: ConfigMap\nmetadata: {name: x}\n", 1, 1, "apiVersion: is required"},
		{"missing kind", "---\napiVersion: v1\nmetadata: {name: x}\n", 2, 1, "kind: is required"},
		{"empty kind", "apiVersion: v1\nkind: ''\nmetadata: {name: x}\n", 2, 7, "kind: must not be empty"},
		{"missing metadata", "apiVersion: v1\nkind: ConfigMap\n", 1, 1, "metadata.name: is required"},
		{"missing name", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\n", 4, 3, "metadata.name: is required"},
		{"generateName", "apiVersion: v1\nkind: Pod\nmetadata:\n  generateName: web-\n", 4, 3, "generateName is not supported"},
		{"name not a string", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [a]\n", 4, 9, "metadata.name: must be a string, not a list"},
		{"name with slash", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a/b\n", 4, 9, "must not contain '/'"},
		{"metadata not an object", "apiVersion: v1\nkind: ConfigMap\nmetadata: x\n", 3, 11, "metadata: must be an object"},
		{"bad namespace", obj + "  namespace: Prod_1\n", 5, 14, "not a namespace name"},
		{"document is a list", obj + "---\n- a\n- b\n", 6, 1, "must be an object"},
		{"document is a string", "hello\n", 1, 1, "must be an object"},
		{"duplicate key", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  name: y\n", 5, 3, `key "name" is defined twice (first on line 4)`},
		{"duplicate object", obj + "---\n" + obj, 6, 0, "ConfigMap x is defined twice (first on line 1)"},
		{"list without items", "apiVersion: v1\nkind: List\n", 1, 1, "a List needs items"},
		{"list item not an object", "apiVersion: v1\nkind: List\nitems:\n- 3\n", 4, 3, "items[0]: must be an object"},
		{"control character", obj + "data:\n  a: \"x\x01\"\n", 6, 8, "control character U+0001"},
		{"lone carriage return", obj + "data:\r  a: 1\n", 5, 6, "line break U+000D is not allowed"},
		{"unicode line separator", obj + "data: {a: \"x\u2028y\"}\n", 5, 13, "line break U+2028"},
		{"invalid utf-8", obj + "data:\n  a: \xff\n", 6, 6, "not valid UTF-8"},
		{"not a number", obj + "data:\n  a: .nan\n", 6, 6, "cannot be represented in JSON"},
		{"huge integer", obj + "data:\n  a: !!int 99999999999999999999\n", 6, 6, "not an integer"},
		{"scanner error", obj + "data:\n  a: @x\n", 6, 0, "cannot start any token"},
		{"parser error at the end", "[a, b\n", 2, 0, "did not find expected"},
		{"tab indentation", obj + "data:\n\ta: 1\n", 6, 0, "invalid YAML"},
		{"complex key", obj + "data:\n  ? [a]\n  : b\n", 6, 5, "a key must be a string"},
		{"alias cycle", obj + "data: &a\n  b: *a\n", 6, 6, "contains it"},
		{"empty", "", 1, 0, "holds no objects"},
		{"only comments", "# nothing\n---\n", 1, 0, "holds no objects"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(KindK8S, c.content)
			wantProblem(t, err, c.line, c.col, c.text)
		})
	}
}

func TestParseAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		b.WriteString("a" + strconv.Itoa(i) + ": &a" + strconv.Itoa(i) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + strconv.Itoa(i-1))
		}
		b.WriteString("]\n")
	}
	_, err := Parse(KindK8S, b.String())
	if err == nil || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("alias expansion not bounded: %v", err)
	}
}

func TestParseReportsSeveralProblems(t *testing.T) {
	_, err := Parse(KindK8S, "kind: A\nmetadata: {name: a}\n---\napiVersion: v1\nmetadata: {name: b}\n")
	if ps := Problems(err); len(ps) != 2 {
		t.Fatalf("want 2 problems, got %v", err)
	}
}

func TestErrorFormat(t *testing.T) {
	cases := map[string]*Error{
		"line 3, column 7: metadata.name: is required": {Line: 3, Column: 7, Field: "metadata.name", Message: "is required"},
		"line 3: bad":         {Line: 3, Message: "bad"},
		"label: is required":  {Field: "label", Message: "is required"},
		"nothing to say here": {Message: "nothing to say here"},
	}
	for want, e := range cases {
		if e.Error() != want {
			t.Errorf("%+v: %q, want %q", e, e.Error(), want)
		}
	}
	if Problems(nil) != nil {
		t.Error("Problems(nil) is not nil")
	}
}
