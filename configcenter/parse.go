package configcenter

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
)

// Object is one object of a parsed template: a Kubernetes object or a Mesos
// application. Namespace is as written; empty means the namespace of the
// instance it is rendered into. Line is where the object starts in the
// template.
type Object struct {
	APIVersion string
	Kind       string
	Namespace  string
	Name       string
	// Doc is the object as JSON-compatible values: map[string]any, []any,
	// string, int64, float64, bool and nil.
	Doc  map[string]any
	Line int
	// App is set for Mesos applications: the decoded spec with defaults
	// filled in, as validated.
	App *spec.App
}

// ObjectKey identifies an object within a template and across versions.
type ObjectKey struct {
	Kind      string
	Namespace string
	Name      string
}

func (k ObjectKey) String() string {
	if k.Namespace == "" {
		return k.Kind + " " + k.Name
	}
	return k.Kind + " " + k.Namespace + "/" + k.Name
}

// Key returns the object's identity for diffs and duplicate checks.
func (o Object) Key() ObjectKey {
	return ObjectKey{Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}
}

// Parse splits content (without placeholders, e.g. a rendered template)
// into objects and validates them as kind:
//
//   - K8S: multi-document YAML or JSON; every object needs apiVersion,
//     kind and metadata.name; a v1 List contributes its items.
//   - MESOS: YAML or JSON documents, each a BCS Mesos application (the
//     fields of spec.App, with an optional kind: Application and
//     apiVersion) or a List of them, checked by the spec's rules.
//
// Errors are *Error or Errors, with the line of the problem.
func Parse(kind TemplateKind, content string) ([]Object, error) {
	if err := checkKind(kind); err != nil {
		return nil, err
	}
	if err := checkSize(content); err != nil {
		return nil, err
	}
	return parse(kind, content, nil)
}

// doc is one parsed document or List item.
type doc struct {
	node *yaml.Node // the object's mapping
	val  map[string]any
}

// parser holds what every check needs: the line map to report positions
// in the template, and the problems found.
type parser struct {
	lines *lineMap
	p     problems
}

func (ps *parser) at(n *yaml.Node, field, format string, args ...any) {
	line, col := ps.lines.pos(n.Line, n.Column)
	ps.p.addf(line, col, field, format, args...)
}

func parse(kind TemplateKind, content string, lines *lineMap) ([]Object, error) {
	ps := &parser{lines: lines}
	if err := ps.checkText(content); err != nil {
		return nil, err
	}
	docs, err := ps.documents(content)
	if err != nil {
		return nil, err
	}
	var objs []Object
	if kind == KindK8S {
		objs = ps.kubeObjects(docs)
	} else {
		objs = ps.mesosApps(docs)
	}
	if err := ps.p.err(); err != nil {
		return nil, err
	}
	if len(objs) == 0 {
		return nil, &Error{Line: 1, Message: "the template holds no objects"}
	}
	return objs, nil
}

// checkText finds what the YAML parser reports without a position or
// counts differently: invalid UTF-8, control characters, and line breaks
// other than \n and \r\n.
func (ps *parser) checkText(s string) error {
	line, lineOff := 1, 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		var msg string
		switch {
		case r == utf8.RuneError && size == 1:
			msg = "the text is not valid UTF-8"
		case r == '\n':
			line++
			lineOff = i + 1
		case r == '\r' && !strings.HasPrefix(s[i+1:], "\n"), r == 0x85, r == 0x2028, r == 0x2029:
			// YAML reads these as line breaks; allowing them would make
			// line numbers disagree with every editor's.
			msg = fmt.Sprintf("the line break U+%04X is not allowed: end lines with \\n or \\r\\n", r)
		case !yamlAllowed(r):
			msg = fmt.Sprintf("the control character U+%04X is not allowed", r)
		}
		if msg != "" {
			l, c := ps.lines.pos(line, utf8.RuneCountInString(s[lineOff:i])+1)
			return &Error{Line: l, Column: c, Message: msg}
		}
		i += size
	}
	return nil
}

// yamlAllowed is the set of characters YAML allows in a document.
func yamlAllowed(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r', r == 0x85:
		return true
	case r < 0x20, r >= 0x7f && r < 0xa0, r == 0xfffe, r == 0xffff:
		return false
	}
	return true
}

// yamlLine matches the position yaml.v3 puts in its messages.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// documents parses every YAML document in content and converts each
// non-empty one to JSON-compatible values.
func (ps *parser) documents(content string) ([]doc, error) {
	dec := yaml.NewDecoder(strings.NewReader(content))
	var docs []doc
	lastLine := 1
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, ps.syntaxError(err, content, lastLine)
		}
		if len(n.Content) == 0 {
			continue // an empty document, e.g. between two ---
		}
		root := n.Content[0]
		lastLine = root.Line
		conv := converter{ps: ps, budget: maxNodes}
		v, ok := conv.value(root, 0)
		if !ok {
			continue
		}
		switch v := v.(type) {
		case nil:
			continue // a document holding only null or comments
		case map[string]any:
			docs = append(docs, doc{node: resolve(root), val: v})
		default:
			ps.at(root, "", "a document must be an object (a mapping of fields), not %s", describe(v))
		}
		if ps.p.full() {
			break
		}
	}
	return docs, nil
}

// syntaxError turns a yaml.v3 error into an *Error at the line it names,
// or, when it names none, at the line the failing document seems to be.
func (ps *parser) syntaxError(err error, content string, fallback int) error {
	msg := err.Error()
	line := fallback
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		msg = msg[len(m[0]):]
		if n, convErr := strconv.Atoi(m[1]); convErr == nil {
			line = n
			// yaml.v3 numbers lines from 0 in parser errors (and from 1
			// in scanner errors).
			if isParserProblem(msg) {
				line++
			}
		}
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
		if strings.Contains(msg, "end of stream") {
			line = strings.Count(strings.TrimRight(content, "\n"), "\n") + 1
		}
	}
	total := strings.Count(content, "\n") + 1
	line = max(1, min(line, total))
	l, _ := ps.lines.pos(line, 0)
	return &Error{Line: l, Message: "invalid YAML or JSON: " + msg}
}

// isParserProblem tells yaml.v3's parser errors from its scanner errors
// by their fixed messages.
func isParserProblem(msg string) bool {
	for _, p := range []string{"did not find expected", "found duplicate %", "found incompatible YAML document", "found undefined tag handle"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// describe names the JSON type of a value for messages.
func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case int64, float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// resolve follows an alias to its node.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// child returns the value node of key in mapping n (following aliases), or
// nil. Keys match exactly, or ignoring case with fold (as encoding/json
// matches struct fields).
func child(n *yaml.Node, key string, fold bool) *yaml.Node {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := resolve(n.Content[i])
		if k != nil && (k.Value == key || (fold && strings.EqualFold(k.Value, key))) {
			return n.Content[i+1]
		}
	}
	return nil
}
