package configcenter

import (
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// The seed corpus of both targets is in testdata/fuzz and runs with every
// go test; go test -fuzz FuzzRender (or FuzzParse) explores further.

// FuzzRender: rendering never panics, every error is an *Error on a line
// of the template, and a value never changes the structure of the
// documents: where a render with the fuzzed value and one with a neutral
// value both succeed, their documents have the same shape.
func FuzzRender(f *testing.F) {
	f.Fuzz(func(t *testing.T, content, value string, mesos bool) {
		kind := KindK8S
		if mesos {
			kind = KindMesos
		}
		values, neutral := map[string]string{}, map[string]string{}
		if refs, err := References(content); err == nil {
			for _, r := range refs {
				values[r.Key], neutral[r.Key] = value, "x"
			}
		}
		r, err := Render(kind, content, values)
		if err != nil {
			checkProblems(t, content, err)
		} else {
			for _, o := range r.Objects {
				checkLine(t, content, o.Line, 0)
			}
		}
		got, ok1 := renderShapes(content, values)
		want, ok2 := renderShapes(content, neutral)
		if ok1 && ok2 && got != want {
			t.Fatalf("value %q changed the structure:\n%s\nnot\n%s", value, got, want)
		}
	})
}

// FuzzParse: parsing never panics and every error is an *Error on a line
// of the input.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, content string, mesos bool) {
		kind := KindK8S
		if mesos {
			kind = KindMesos
		}
		objs, err := Parse(kind, content)
		if err != nil {
			checkProblems(t, content, err)
			return
		}
		for _, o := range objs {
			checkLine(t, content, o.Line, 0)
			if o.Name == "" || o.Kind == "" || o.Doc == nil {
				t.Fatalf("incomplete object %+v", o)
			}
		}
	})
}

func checkProblems(t *testing.T, content string, err error) {
	t.Helper()
	ps := Problems(err)
	if len(ps) == 0 {
		t.Fatalf("error %v (%T) carries no *Error", err, err)
	}
	for _, p := range ps {
		if p.Message == "" {
			t.Fatalf("empty message in %+v", p)
		}
		checkLine(t, content, p.Line, p.Column)
	}
}

// checkLine requires a line of content and, when col is set, a column
// within that line (or just after it).
func checkLine(t *testing.T, content string, line, col int) {
	t.Helper()
	lines := strings.Split(content, "\n")
	if line < 1 || line > len(lines) {
		t.Fatalf("line %d is outside the %d lines of the input", line, len(lines))
	}
	if n := utf8.RuneCountInString(lines[line-1]); col < 0 || col > n+1 {
		t.Fatalf("column %d is outside line %d (%d characters)", col, line, n)
	}
}

// renderShapes substitutes and parses the documents (without the object
// checks) and describes their structure without keys or scalar values.
func renderShapes(content string, values map[string]string) (string, bool) {
	w := walker{content: content, values: values, render: true}
	w.lines.add(1)
	w.run()
	if w.p.err() != nil {
		return "", false
	}
	w.lines.last = strings.Count(content, "\n") + 1
	ps := &parser{lines: &w.lines}
	out := w.out.String()
	if ps.checkText(out) != nil {
		return "", false
	}
	docs, err := ps.documents(out)
	if err != nil || ps.p.err() != nil {
		return "", false
	}
	var b strings.Builder
	for _, d := range docs {
		b.WriteString(shape(d.val))
		b.WriteByte('\n')
	}
	return b.String(), true
}

func shape(v any) string {
	switch v := v.(type) {
	case map[string]any:
		parts := make([]string, 0, len(v))
		for _, c := range v {
			parts = append(parts, shape(c))
		}
		sort.Strings(parts)
		return "{" + strings.Join(parts, ",") + "}"
	case []any:
		parts := make([]string, 0, len(v))
		for _, c := range v {
			parts = append(parts, shape(c))
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return "s"
}
