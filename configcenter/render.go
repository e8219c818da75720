package configcenter

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// TemplateKind is what a template holds; the values match the Template
// schema's kind enum.
type TemplateKind string

// Template kinds.
const (
	KindK8S   TemplateKind = "K8S"   // Kubernetes objects, multi-document YAML or JSON
	KindMesos TemplateKind = "MESOS" // BCS Mesos applications, YAML or JSON
)

// Size limits keep one render cheap enough to repeat for hundreds of
// namespaces in one request.
const (
	MaxTemplateBytes = 1 << 20
	MaxRenderedBytes = 4 << 20
)

// Rendered is a template rendered for one target.
type Rendered struct {
	// Content is the text after substitution, as sent to the cluster.
	Content string
	// Objects are parsed and validated from Content; their Line is in the
	// template as written.
	Objects []Object
	// Used lists the variable keys the template refers to, sorted.
	Used []string
}

// Reference is one {{ key }} in a template; Line and Column (1-based,
// counted in characters) are where its "{{" stands.
type Reference struct {
	Key    string
	Line   int
	Column int
}

// References lists every {{ key }} in content in order, or the syntax
// errors of its placeholders. It needs no values, so it can check a draft
// or tell which variables a version needs.
func References(content string) ([]Reference, error) {
	if err := checkSize(content); err != nil {
		return nil, err
	}
	w := walker{content: content}
	w.run()
	if err := w.p.err(); err != nil {
		return nil, err
	}
	return w.refs, nil
}

// Render substitutes values for the template's {{ key }} placeholders,
// then parses and validates the result as kind (see Parse). Every problem
// is reported as an *Error positioned in content: unknown variables,
// malformed placeholders, values that cannot stand where their placeholder
// is (see the package documentation for the rule), YAML and JSON syntax
// errors and invalid objects.
func Render(kind TemplateKind, content string, values map[string]string) (*Rendered, error) {
	if err := checkKind(kind); err != nil {
		return nil, err
	}
	if err := checkSize(content); err != nil {
		return nil, err
	}
	w := walker{content: content, values: values, render: true}
	w.out.Grow(len(content) + len(content)/4)
	w.lines.add(1)
	w.run()
	if err := w.p.err(); err != nil {
		return nil, err
	}
	w.lines.last = strings.Count(content, "\n") + 1
	out := w.out.String()
	objs, err := parse(kind, out, &w.lines)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	used := []string{}
	for _, r := range w.refs {
		if !seen[r.Key] {
			seen[r.Key] = true
			used = append(used, r.Key)
		}
	}
	sort.Strings(used)
	return &Rendered{Content: out, Objects: objs, Used: used}, nil
}

func checkKind(kind TemplateKind) error {
	if kind != KindK8S && kind != KindMesos {
		return &Error{Line: 1, Field: "kind", Message: fmt.Sprintf("must be K8S or MESOS, not %q", kind)}
	}
	return nil
}

func checkSize(content string) error {
	if len(content) > MaxTemplateBytes {
		return &Error{Line: 1, Message: fmt.Sprintf("the template is %d bytes; at most %d are allowed", len(content), MaxTemplateBytes)}
	}
	return nil
}

// walker goes once through a template, finding placeholders and, when
// rendering, writing the substituted text.
type walker struct {
	content string
	values  map[string]string
	render  bool

	out   strings.Builder
	lines lineMap
	p     problems
	refs  []Reference

	ctx       *yamlContext
	line      int // current template line
	lineOff   int // offset where it starts
	textStart int // start of template text not yet written
	stopped   bool
}

// flush writes the template text before end.
func (w *walker) flush(end int) {
	if w.render && end > w.textStart {
		w.out.WriteString(w.content[w.textStart:end])
	}
	w.textStart = end
}

func (w *walker) run() {
	w.ctx = newYAMLContext()
	w.line = 1
	s := w.content
	for i := 0; i < len(s) && !w.p.full() && !w.stopped; {
		if i == w.lineOff {
			end := strings.IndexByte(s[i:], '\n')
			if end < 0 {
				end = len(s) - i
			}
			w.ctx.lineStart(s[i : i+end])
		}
		switch c := s[i]; {
		case c == '\n':
			w.ctx.step(s, i)
			i++
			w.flush(i)
			w.line++
			w.lineOff = i
			if w.render {
				w.lines.add(w.line)
			}
		case c == '\\' && strings.HasPrefix(s[i+1:], "{{"):
			// \{{ is a literal {{: drop the backslash.
			w.flush(i)
			w.textStart = i + 1
			w.ctx.step(s, i+1)
			w.ctx.step(s, i+2)
			i += 3
		case c == '{' && strings.HasPrefix(s[i:], "{{"):
			i = w.placeholder(i)
		default:
			w.ctx.step(s, i)
			i++
		}
	}
	if !w.stopped {
		w.flush(len(s))
	}
}

// placeholder handles the "{{" at offset i and returns where scanning
// goes on.
func (w *walker) placeholder(i int) int {
	s := w.content
	w.flush(i)
	col := utf8.RuneCountInString(s[w.lineOff:i]) + 1
	end, key, msg := parsePlaceholder(s, i)
	w.textStart = end
	if msg != "" {
		w.p.add(&Error{Line: w.line, Column: col, Message: msg})
		return end
	}
	ref := Reference{Key: key, Line: w.line, Column: col}
	w.refs = append(w.refs, ref)
	if !w.render {
		return end
	}
	v, ok := w.values[key]
	if !ok {
		w.p.addf(ref.Line, ref.Column, "", "unknown variable %q: define it, or check the spelling", key)
		return end
	}
	st := w.site(i, end)
	start := w.out.Len()
	if err := st.insert(&w.out, key, v); err != nil {
		w.p.add(&Error{Line: ref.Line, Column: ref.Column, Message: err.Error()})
		return end
	}
	if w.out.Len() > MaxRenderedBytes {
		w.p.addf(ref.Line, ref.Column, "", "the rendered template would exceed %d bytes", MaxRenderedBytes)
		w.stopped = true
		return len(s)
	}
	// The rest of this line, and any lines the value added, no longer
	// have the template's columns.
	w.lines.markInexact()
	for n := strings.Count(w.out.String()[start:], "\n"); n > 0; n-- {
		w.lines.add(w.line)
		w.lines.markInexact()
	}
	w.ctx.afterValue(v)
	return end
}

// site describes where the placeholder from offset i to end stands.
func (w *walker) site(i, end int) site {
	line := w.content[w.lineOff:]
	indent := 0
	for indent < len(line) && line[indent] == ' ' {
		indent++
	}
	st := site{
		mode:     w.ctx.mode,
		flow:     w.ctx.flow > 0,
		atStart:  w.ctx.canStart && !w.ctx.inToken,
		atIndent: strings.Trim(w.content[w.lineOff:i], " \t") == "",
		column1:  i == w.lineOff,
		indent:   line[:indent],
		prev:     '\n',
		next:     '\n',
	}
	if out := w.out.String(); out != "" && i > w.lineOff {
		st.prev = out[len(out)-1]
	}
	if end < len(w.content) {
		st.next = w.content[end]
	}
	return st
}

// parsePlaceholder reads the placeholder whose "{{" is at offset i. It
// returns the offset after it, its key, or a message saying what is wrong
// (then end is where scanning should go on).
func parsePlaceholder(s string, i int) (end int, key, msg string) {
	rest := s[i+2:]
	lineEnd := strings.IndexByte(rest, '\n')
	if lineEnd < 0 {
		lineEnd = len(rest)
	}
	closing := strings.Index(rest[:lineEnd], "}}")
	if closing < 0 {
		// Skip the rest of the line: every later "{{" on it would be
		// reported as unterminated too.
		return i + 2 + lineEnd, "", `unterminated "{{": a placeholder is {{ key }} on one line; write \{{ for literal braces`
	}
	end = i + 2 + closing + 2
	inner := rest[:closing]
	key = strings.Trim(inner, " \t")
	switch {
	case key == "":
		return end, "", `empty placeholder "{{}}": write {{ key }}`
	case ValidateKey(key) != nil:
		shown := inner
		if utf8.RuneCountInString(shown) > 40 {
			shown = string([]rune(shown)[:40]) + "…"
		}
		return end, "", fmt.Sprintf(`"{{%s}}" is not a variable reference: keys are 1 to %d letters, digits, '_' and '.'; write \{{ for literal braces`, shown, MaxKeyLen)
	}
	return end, key, ""
}

// lineMap maps the lines of rendered text back to the template: a value
// with line breaks adds lines, and any substitution shifts columns.
type lineMap struct {
	origin  []int  // origin[r-1] is the template line of rendered line r
	inexact []bool // columns on rendered line r differ from the template's
	last    int    // the template's line count
}

func (m *lineMap) add(tplLine int) {
	m.origin = append(m.origin, tplLine)
	m.inexact = append(m.inexact, false)
}

func (m *lineMap) markInexact() { m.inexact[len(m.inexact)-1] = true }

// pos maps a rendered position to the template; a column that cannot be
// mapped becomes 0. A nil map is the identity.
func (m *lineMap) pos(line, col int) (int, int) {
	if m == nil || len(m.origin) == 0 {
		return line, col
	}
	switch {
	case line < 1:
		return 1, 0
	case line > len(m.origin):
		return m.last, 0
	}
	if m.inexact[line-1] {
		col = 0
	}
	return m.origin[line-1], col
}
