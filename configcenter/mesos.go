package configcenter

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
)

// KindApplication is the kind of Mesos objects, as the Mesos adapter's
// manifests name it.
const KindApplication = "Application"

// mesosApps checks every document (or List item) as a Mesos application,
// in the manifest format the Mesos adapter applies: spec.App's fields plus
// an optional kind and apiVersion.
func (ps *parser) mesosApps(docs []doc) []Object {
	isList := func(v map[string]any) bool { kind, _ := v["kind"].(string); return kind == "List" }
	return ps.objects(docs, isList, "application object", ps.mesosApp)
}

var appType = reflect.TypeFor[spec.App]()

func (ps *parser) mesosApp(d doc) (Object, bool) {
	before := len(ps.p.list)
	o := Object{Kind: KindApplication, Doc: d.val}
	o.Line, _ = ps.lines.pos(d.node.Line, 0)
	fields := make(map[string]any, len(d.val))
	for k, v := range d.val {
		fields[k] = v
	}
	// kind and apiVersion tell a manifest apart; they are not spec fields.
	for _, meta := range []string{"kind", "apiVersion"} {
		v, present := fields[meta]
		if !present {
			continue
		}
		delete(fields, meta)
		s, isStr := v.(string)
		n := orNode(child(d.node, meta, false), d.node)
		switch {
		case !isStr:
			ps.at(n, meta, "must be a string, not %s", describe(v))
		case meta == "kind" && s != KindApplication:
			ps.at(n, meta, "Mesos templates hold %ss, not %q", KindApplication, s)
		case meta == "apiVersion":
			o.APIVersion = s
		}
	}
	tc := typeChecker{ps: ps, root: d.node}
	tc.check(fields, appType, "")
	if len(ps.p.list) != before {
		return o, false
	}
	raw, err := json.Marshal(fields)
	var app spec.App
	if err == nil {
		err = json.Unmarshal(raw, &app)
	}
	if err != nil {
		// The type check should have caught it; say something useful anyway.
		ps.at(d.node, "", "is not a valid application")
		return o, false
	}
	o.Namespace, o.Name = app.Namespace, app.Name
	app = app.WithDefaults()
	if err := app.Validate(); err != nil {
		var ve *spec.ValidationError
		if !errors.As(err, &ve) {
			ps.at(d.node, "", "is not a valid application")
			return o, false
		}
		for _, fe := range ve.Errors {
			ps.at(nodeAt(d.node, fe.Field), fe.Field, "%s", fe.Message)
		}
		return o, false
	}
	o.App = &app
	return o, true
}

// typeChecker compares decoded values with the Go types of spec.App so
// that every unknown field and wrong type is reported with its full path
// and line, which encoding/json's errors do not give.
type typeChecker struct {
	ps   *parser
	root *yaml.Node
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

func (tc typeChecker) fail(path, format string, args ...any) {
	tc.ps.at(nodeAt(tc.root, path), path, format, args...)
}

// unknown reports a field that spec.App does not have, at its key.
func (tc typeChecker) unknown(path, format string, args ...any) {
	n := nodeAt(tc.root, path)
	if k := keyAt(tc.root, path); k != nil {
		n = k
	}
	tc.ps.at(n, path, format, args...)
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func (tc typeChecker) check(v any, t reflect.Type, path string) {
	if v == nil {
		return // null leaves a field at its zero value, as in JSON
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		raw, _ := json.Marshal(v)
		if err := json.Unmarshal(raw, reflect.New(t).Interface()); err != nil {
			tc.fail(path, "must be a count or a percentage such as \"25%%\", not %s", describe(v))
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			tc.fail(path, "must be an object, not %s", describe(v))
			return
		}
		for _, k := range sortedKeys(m) {
			f, found := jsonField(t, k)
			if !found {
				if path == "" {
					tc.unknown(k, "is not a field of a Mesos application")
				} else {
					tc.unknown(join(path, k), "is not a field of %s", path)
				}
				continue
			}
			tc.check(m[k], f.Type, join(path, k))
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			tc.fail(path, "must be an object, not %s", describe(v))
			return
		}
		for _, k := range sortedKeys(m) {
			tc.check(m[k], t.Elem(), join(path, k))
		}
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			tc.fail(path, "must be a list, not %s", describe(v))
			return
		}
		for i, item := range list {
			tc.check(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			tc.fail(path, "must be a string, not %s", describe(v))
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			tc.fail(path, "must be true or false, not %s", describe(v))
		}
	case reflect.Float32, reflect.Float64:
		switch v.(type) {
		case int64, float64:
		default:
			tc.fail(path, "must be a number, not %s", describe(v))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		tc.checkInt(v, t, path)
	}
}

func (tc typeChecker) checkInt(v any, t reflect.Type, path string) {
	var n int64
	switch x := v.(type) {
	case int64:
		n = x
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
			tc.fail(path, "must be a whole number, not %s", strconv.FormatFloat(x, 'g', -1, 64))
			return
		}
		n = int64(x)
	default:
		tc.fail(path, "must be a whole number, not %s", describe(v))
		return
	}
	bits := t.Bits()
	unsigned := t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uint64
	switch {
	case unsigned && n < 0:
		tc.fail(path, "must not be negative")
	case unsigned && bits < 64 && uint64(n) >= 1<<bits:
		tc.fail(path, "must be less than %d", uint64(1)<<bits)
	case !unsigned && bits < 64 && (n >= 1<<(bits-1) || n < -(1<<(bits-1))):
		tc.fail(path, "is out of range")
	}
}

// jsonField finds the struct field a JSON key decodes into, as
// encoding/json does: by tag or field name, exact match first, then
// ignoring case, looking into embedded structs.
func jsonField(t reflect.Type, key string) (reflect.StructField, bool) {
	var folded *reflect.StructField
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name == key {
			return f, true
		}
		if folded == nil && strings.EqualFold(name, key) {
			f := f
			folded = &f
		}
	}
	if folded != nil {
		return *folded, true
	}
	return reflect.StructField{}, false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// nodeAt finds the node for a field path such as constraints[1].value or
// env.A.B (map keys may contain dots) below n; when the path leads
// nowhere (a missing field) it returns the deepest node it reached.
func nodeAt(n *yaml.Node, path string) *yaml.Node {
	v, _ := walkPath(n, path)
	return v
}

// keyAt is the key node of the last field of path, or nil.
func keyAt(n *yaml.Node, path string) *yaml.Node {
	_, k := walkPath(n, path)
	return k
}

// walkPath returns the node path leads to and, when the path ends at a
// mapping key, that key's node.
func walkPath(n *yaml.Node, path string) (node, key *yaml.Node) {
	n = resolve(n)
	for path != "" && n != nil {
		if path[0] == '[' {
			end := strings.IndexByte(path, ']')
			i, err := strconv.Atoi(path[1:max(end, 1)])
			if end < 0 || err != nil || n.Kind != yaml.SequenceNode || i < 0 || i >= len(n.Content) {
				return n, nil
			}
			n, path, key = resolve(n.Content[i]), strings.TrimPrefix(path[end+1:], "."), nil
			continue
		}
		if n.Kind != yaml.MappingNode {
			return n, nil
		}
		// The longest key that the path starts with, so that env.A.B
		// finds the variable "A.B".
		var next, nextKey *yaml.Node
		rest := ""
		best := -1
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := resolve(n.Content[i])
			if k == nil || len(k.Value) <= best || len(k.Value) > len(path) || !strings.EqualFold(path[:len(k.Value)], k.Value) {
				continue
			}
			if r := path[len(k.Value):]; r == "" || r[0] == '.' || r[0] == '[' {
				next, nextKey, rest, best = resolve(n.Content[i+1]), k, strings.TrimPrefix(r, "."), len(k.Value)
			}
		}
		if next == nil {
			return n, nil
		}
		n, key, path = next, nextKey, rest
	}
	return n, key
}
