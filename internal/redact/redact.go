// Package redact decides what BCS keeps, logs or shows of text that may
// carry secrets. A manifest or template handed to BCS is kept as a summary
// (its objects' kinds and names, and a keyed digest), never as text,
// wherever it would outlive the request (operations, audit entries); a
// Secret object loses the values of its data and stringData (keys stay)
// before it is stored in the change log or shown to a caller who may not
// edit it.
package redact

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/util/yaml"
)

// Mark replaces a redacted value.
const Mark = "[REDACTED]"

// maxObjects bounds a manifest summary; objectCount still tells the total.
const maxObjects = 100

// Digester computes the digests kept of texts. They are keyed (HMAC-SHA256
// with a secret every replica derives alike): equal texts get equal
// digests, but a reader cannot test guesses offline, as they could against
// a plain hash of a manifest whose only unknown is a short password.
type Digester struct{ key []byte }

// Deriver derives a secret from the server's key (secrets.Box).
type Deriver interface{ Derive(label string) []byte }

// KeyedBy returns the Digester keyed by d's secret for digests.
func KeyedBy(d Deriver) Digester { return Digester{key: d.Derive("redact/digest")} }

// Digest is what is kept of a text: enough to tell whether two texts are
// the same, not what either says.
func (d Digester) Digest(text string) map[string]any {
	m := hmac.New(sha256.New, d.key)
	m.Write([]byte(text))
	return map[string]any{"digest": hex.EncodeToString(m.Sum(nil)), "bytes": len(text)}
}

// Manifest summarises multi-document YAML or JSON: the Digest, and each
// object's apiVersion, kind, namespace and name (v1 Lists expanded).
// Documents that do not decode end the list; the digest still covers them.
func (d Digester) Manifest(text string) map[string]any {
	out := d.Digest(text)
	objects := []any{}
	count := 0
	add := func(doc map[string]any) {
		count++
		if len(objects) < maxObjects {
			objects = append(objects, ref(doc))
		}
	}
	dec := yaml.NewYAMLOrJSONDecoder(strings.NewReader(text), 4096)
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) || err != nil {
			break
		}
		if doc == nil {
			continue
		}
		if items, ok := doc["items"].([]any); ok && doc["kind"] == "List" {
			for _, it := range items {
				if m, ok := it.(map[string]any); ok {
					add(m)
				}
			}
			continue
		}
		add(doc)
	}
	out["objects"], out["objectCount"] = objects, count
	return out
}

func ref(doc map[string]any) map[string]any {
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	meta, _ := doc["metadata"].(map[string]any)
	return map[string]any{"apiVersion": str(doc, "apiVersion"), "kind": str(doc, "kind"),
		"namespace": str(meta, "namespace"), "name": str(meta, "name")}
}

// Object returns obj without a Secret's payload: the values under data and
// stringData become Mark. kind is the object's kind ("" reads obj["kind"]).
// Other objects come back as they are; obj itself is never modified.
func Object(kind string, obj map[string]any) map[string]any {
	if kind == "" {
		kind, _ = obj["kind"].(string)
	}
	if kind != "Secret" || obj == nil {
		return obj
	}
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		out[k] = v
	}
	for _, field := range []string{"data", "stringData"} {
		switch m := obj[field].(type) {
		case nil:
		case map[string]any:
			r := make(map[string]any, len(m))
			for k := range m {
				r[k] = Mark
			}
			out[field] = r
		default:
			out[field] = Mark
		}
	}
	return out
}

// SecretPath reports whether a field path of a Secret (data.password,
// stringData["k"], data) lies in its payload.
func SecretPath(path string) bool {
	for _, f := range []string{"data", "stringData"} {
		if rest, ok := strings.CutPrefix(path, f); ok && (rest == "" || rest[0] == '.' || rest[0] == '[') {
			return true
		}
	}
	return false
}
