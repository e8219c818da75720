package configcenter

import (
	"strings"
	"testing"

	"github.com/bcs-io/bcs/internal/redact"
)

func TestRedactSecrets(t *testing.T) {
	const cm = `apiVersion: v1
kind: ConfigMap   # kept byte for byte
metadata: {name: cfg}
data:
  greeting: "hello {{ name }}"
  literal: "\{{ not a placeholder }}"
`
	const secret = `---
# the database account
apiVersion: v1
kind: Secret
metadata:
  name: db
  labels: {app: "{{ name }}"}
type: Opaque
stringData:
  user: admin # the password was s3cr3t-comment
  password: s3cr3t-plain
  dsn: "postgres://admin:{{ db_pass }}@db/app"
  config: |
    token=s3cr3t-block
data:
  key: czNjcjN0LWRhdGE=
`
	const list = `---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: "{{ k }}"
  metadata: {name: x}
  data: {a: s3cr3t-kind-placeholder}
- {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "j"}, "data": {"b": "s3cr3t-json"}}
`
	const broken = `---
kind: Secret
stringData: {password: s3cr3t-broken
`
	got := RedactSecrets(KindK8S, cm+secret+list+broken)
	if strings.Contains(got, "s3cr3t") {
		t.Fatalf("a secret value survived:\n%s", got)
	}
	if !strings.HasPrefix(got, cm+"---\n") {
		t.Errorf("the ConfigMap document changed:\n%s", got)
	}
	for _, want := range []string{
		"# the database account", "name: db", `app: "{{ name }}"`, "user: " + `"` + redact.Mark + `"`,
		"password:", "dsn:", "config:", "key:", "a:", `"b":`, HiddenDocument,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if n := strings.Count(got, redact.Mark); n != 8 { // 5 + 2 + the hidden document
		t.Errorf("%d marks, want 8:\n%s", n, got)
	}
	// What the reader sees is still a template: its placeholders parse and
	// the escaped braces stay escaped.
	refs, err := References(got)
	if err != nil {
		t.Fatalf("redacted text is not a template: %v\n%s", err, got)
	}
	keys := map[string]bool{}
	for _, r := range refs {
		keys[r.Key] = true
	}
	if !keys["name"] || keys["db_pass"] || !keys["k"] {
		t.Errorf("placeholders after redaction: %v", keys)
	}
}

func TestRedactSecretsLeavesOthersAlone(t *testing.T) {
	for _, tc := range []struct {
		kind TemplateKind
		text string
	}{
		{KindK8S, deployment},
		{KindK8S, "---\n" + deployment + "---\n\n"},
		{KindMesos, "id: app\nenv: {PASSWORD: plain}\n---\nnot: [yaml\n"},
	} {
		if got := RedactSecrets(tc.kind, tc.text); got != tc.text {
			t.Errorf("%s text changed:\n%s\nwant\n%s", tc.kind, got, tc.text)
		}
	}
}

func TestRedactSecretsAnchors(t *testing.T) {
	text := `apiVersion: v1
kind: List
items:
- kind: ConfigMap
  metadata: {name: c}
  data: &shared {password: s3cr3t-anchor}
- kind: Secret
  metadata: {name: s}
  stringData:
    <<: *shared
    other: *shared
`
	got := RedactSecrets(KindK8S, text)
	if strings.Contains(got, "s3cr3t") {
		t.Fatalf("an aliased value survived:\n%s", got)
	}
}

func TestRedactSecretsBadPlaceholder(t *testing.T) {
	got := RedactSecrets(KindK8S, "kind: Secret\ndata: {a: {{ }}}\n")
	if got != HiddenDocument {
		t.Fatalf("got %q", got)
	}
}

func TestExportRedacted(t *testing.T) {
	const text = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {password: s3cr3t}\n"
	docs := []ExportedTemplate{{Name: "t", Kind: KindK8S, Draft: text, Versions: []ExportedVersion{{Label: "v1", Content: text}}}}
	b, err := ExportRedacted(docs)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "s3cr3t") || !strings.Contains(string(b), `"redacted": true`) {
		t.Fatalf("export:\n%s", b)
	}
	if _, err := Import(b); err == nil || !strings.Contains(err.Error(), "hides Secret values") {
		t.Fatalf("a redacted export imported: %v", err)
	}
	full, err := Export(docs)
	if err != nil || !strings.Contains(string(full), "s3cr3t") || strings.Contains(string(full), "redacted") {
		t.Fatalf("export: %v\n%s", err, full)
	}
	if _, err := Import(full); err != nil {
		t.Fatal(err)
	}
}

func TestRedactSecretsTypicalVersion(t *testing.T) {
	got := RedactSecrets(KindK8S, benchTemplate)
	i := strings.Index(benchTemplate, "---\napiVersion: v1\nkind: Secret")
	if !strings.HasPrefix(got, benchTemplate[:i]) {
		t.Errorf("documents without a Secret changed:\n%s", got)
	}
	want := "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ app }}-db\n  namespace: {{ SYS_NAMESPACE }}\nstringData:\n  password: \"[REDACTED]\"\n"
	if got[i:] != want {
		t.Errorf("the Secret reads\n%s\nwant\n%s", got[i:], want)
	}
}

// BenchmarkRedactSecrets is what a viewer's read of a typical version
// costs on top of the read.
func BenchmarkRedactSecrets(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if out := RedactSecrets(KindK8S, benchTemplate); !strings.Contains(out, redact.Mark) {
			b.Fatal(out)
		}
	}
}
