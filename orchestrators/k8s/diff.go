package k8s

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/bcs-io/bcs/orchestrators"
)

// diff lists the fields that differ between the live object and the
// result of an apply, ignoring what the server changes on every write.
// Secret values are redacted.
func diff(before, after map[string]any) []orchestrators.FieldChange {
	secret := after["kind"] == "Secret"
	var out []orchestrators.FieldChange
	walk("", normalized(before), normalized(after), func(path string, a, b any) {
		c := orchestrators.FieldChange{Path: path, Old: jsonOf(a), New: jsonOf(b)}
		if secret && (strings.HasPrefix(path, "data") || strings.HasPrefix(path, "stringData")) {
			c.Old, c.New = redact(a), redact(b)
		}
		out = append(out, c)
	})
	return out
}

func normalized(obj map[string]any) map[string]any {
	obj = runtime.DeepCopyJSON(obj)
	delete(obj, "status")
	if md, ok := obj["metadata"].(map[string]any); ok {
		for _, f := range []string{"managedFields", "resourceVersion", "generation", "uid", "creationTimestamp", "selfLink"} {
			delete(md, f)
		}
	}
	return obj
}

// walk calls emit for each differing leaf; lists of equal length are
// compared item by item, others as a whole.
func walk(path string, a, b any, emit func(string, any, any)) {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := slices.Sorted(maps.Keys(am))
		for _, k := range slices.Sorted(maps.Keys(bm)) {
			if _, ok := am[k]; !ok {
				keys = append(keys, k)
			}
		}
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			walk(p, am[k], bm[k], emit)
		}
		return
	}
	as, aok := a.([]any)
	bs, bok := b.([]any)
	if aok && bok && len(as) == len(bs) {
		for i := range as {
			walk(fmt.Sprintf("%s[%d]", path, i), as[i], bs[i], emit)
		}
		return
	}
	if !reflect.DeepEqual(a, b) {
		emit(path, a, b)
	}
}

func jsonOf(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func redact(v any) string {
	if v == nil {
		return ""
	}
	return `"(redacted)"`
}
