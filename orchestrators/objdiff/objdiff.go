// Package objdiff compares two versions of one Kubernetes-style object
// (JSON-compatible values: maps, lists, strings, numbers, booleans) field
// by field. It is the one diff BCS shows people: the config center's
// comparison of renderings and the Kubernetes orchestrator's dry run
// against the live object both use it, so they agree on paths, on the
// fields the server owns and on hiding Secret values.
package objdiff

import (
	"encoding/json"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"

	"github.com/bcs-io/bcs/internal/redact"
)

// Change says how an object or a field differs between two versions.
type Change string

// Changes.
const (
	Added     Change = "ADDED"
	Removed   Change = "REMOVED"
	Changed   Change = "CHANGED"
	Unchanged Change = "UNCHANGED"
)

// Redacted replaces Secret values in diffs and previews: the same mark as
// everywhere else BCS hides a secret (package redact).
const Redacted = redact.Mark

// FieldChange is one differing field. Old is nil for an added field, New
// for a removed one; when a field changes type, or a whole subtree is added
// or removed, the values are the subtrees.
type FieldChange struct {
	Path   string // e.g. spec.template.spec.containers[0].image or metadata.labels["app.kubernetes.io/name"]
	Change Change
	Old    any
	New    any
}

// Fields lists how new differs from old, both objects of kind, in path
// order. Lists are compared by position, so inserting a container shows as
// changes to the ones after it — the same as what an apply would change.
//
// Fields the server owns are ignored: status, and metadata's uid,
// resourceVersion, generation, creationTimestamp, managedFields and the
// like, and annotations that tools and controllers set. The values of a
// Secret's data and stringData are shown as Redacted.
func Fields(kind string, old, new map[string]any) []FieldChange {
	d := differ{secret: kind == "Secret"}
	d.values("", withoutServerFields(old), withoutServerFields(new))
	return d.fields
}

// serverMetadata are the metadata fields the API server sets.
var serverMetadata = []string{"uid", "resourceVersion", "generation", "creationTimestamp",
	"deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink"}

// serverAnnotations are annotations that tools and controllers set.
var serverAnnotations = []string{"kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/revision"}

// withoutServerFields returns doc without the fields the server owns; doc itself
// is not modified.
func withoutServerFields(doc map[string]any) map[string]any {
	out := make(map[string]any, len(doc))
	for k, v := range doc {
		if k != "status" {
			out[k] = v
		}
	}
	meta, ok := doc["metadata"].(map[string]any)
	if !ok {
		return out
	}
	m := make(map[string]any, len(meta))
	for k, v := range meta {
		m[k] = v
	}
	for _, k := range serverMetadata {
		delete(m, k)
	}
	if ann, ok := meta["annotations"].(map[string]any); ok {
		a := make(map[string]any, len(ann))
		for k, v := range ann {
			a[k] = v
		}
		for _, k := range serverAnnotations {
			delete(a, k)
		}
		if len(a) == 0 {
			delete(m, "annotations")
		} else {
			m["annotations"] = a
		}
	}
	out["metadata"] = m
	return out
}

type differ struct {
	secret bool
	fields []FieldChange
}

func (d *differ) add(path string, c Change, old, new any) {
	if d.secret && isSecretData(path) {
		if old != nil {
			old = Redacted
		}
		if new != nil {
			new = Redacted
		}
	}
	d.fields = append(d.fields, FieldChange{Path: path, Change: c, Old: old, New: new})
}

func isSecretData(path string) bool { return redact.SecretPath(path) }

func (d *differ) values(path string, old, new any) {
	om, oldIsMap := old.(map[string]any)
	nm, newIsMap := new.(map[string]any)
	if oldIsMap && newIsMap {
		keys := make([]string, 0, len(om)+len(nm))
		for k := range om {
			keys = append(keys, k)
		}
		for k := range nm {
			if _, both := om[k]; !both {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := FieldPath(path, k)
			ov, inOld := om[k]
			nv, inNew := nm[k]
			switch {
			case !inOld:
				d.add(p, Added, nil, nv)
			case !inNew:
				d.add(p, Removed, ov, nil)
			default:
				d.values(p, ov, nv)
			}
		}
		return
	}
	ol, oldIsList := old.([]any)
	nl, newIsList := new.([]any)
	if oldIsList && newIsList {
		for i := 0; i < max(len(ol), len(nl)); i++ {
			p := path + "[" + strconv.Itoa(i) + "]"
			switch {
			case i >= len(ol):
				d.add(p, Added, nil, nl[i])
			case i >= len(nl):
				d.add(p, Removed, ol[i], nil)
			default:
				d.values(p, ol[i], nl[i])
			}
		}
		return
	}
	if !equalScalar(old, new) {
		d.add(path, Changed, old, new)
	}
}

var simpleKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// FieldPath appends a map key: dotted when it is a plain name, else
// ["quoted"] so that keys with dots or slashes stay unambiguous.
func FieldPath(path, key string) string {
	if !simpleKey.MatchString(key) {
		q, _ := json.Marshal(key)
		return path + "[" + string(q) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// equalScalar compares leaves, treating numbers by value: a live object
// decoded from JSON has float64 where a template has int64.
func equalScalar(a, b any) bool {
	if x, ok := number(a); ok {
		y, ok := number(b)
		return ok && x == y
	}
	switch a.(type) {
	case map[string]any, []any:
		return false // a collection against a different type
	}
	switch b.(type) {
	case map[string]any, []any:
		return false
	}
	return reflect.DeepEqual(a, b)
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case int32:
		return float64(x), true
	case float64:
		return x, !math.IsNaN(x)
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}
