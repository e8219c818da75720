package configcenter

import (
	"errors"
	"fmt"
	"strings"
)

// Error is one problem with user input: a template, a variable, a label or
// an export document. Line and Column are 1-based positions in the input
// (in the template as written, never in the rendered text); 0 means the
// position is not known, which for template content only happens to
// Column. Field names the offending field (e.g. metadata.name or
// constraints[1].value) when there is one. Messages are written for the
// user and carry no Go internals.
type Error struct {
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.Line > 0 && e.Column > 0:
		fmt.Fprintf(&b, "line %d, column %d: ", e.Line, e.Column)
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// Errors is several problems found in one pass, in input order, so that a
// user can fix them together. errors.As finds the first *Error in it.
type Errors []*Error

// maxProblems bounds how many problems one call reports: past a few dozen
// the rest are usually consequences of the first.
const maxProblems = 50

func (es Errors) Error() string {
	msgs := make([]string, 0, len(es))
	for i, e := range es {
		if i == 10 {
			msgs = append(msgs, fmt.Sprintf("and %d more", len(es)-i))
			break
		}
		msgs = append(msgs, e.Error())
	}
	return strings.Join(msgs, "; ")
}

// Unwrap lets errors.As and errors.Is see every problem.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Problems lists the problems in err: every *Error of an Errors, the one
// *Error, or nil when err carries none (including a nil err).
func Problems(err error) []*Error {
	var es Errors
	if errors.As(err, &es) {
		return es
	}
	var e *Error
	if errors.As(err, &e) {
		return []*Error{e}
	}
	return nil
}

// problems collects *Error values and returns them as one error.
type problems struct{ list Errors }

func (p *problems) add(e *Error) {
	if !p.full() {
		p.list = append(p.list, e)
	}
}

func (p *problems) addf(line, col int, field, format string, args ...any) {
	p.add(&Error{Line: line, Column: col, Field: field, Message: fmt.Sprintf(format, args...)})
}

func (p *problems) full() bool { return len(p.list) >= maxProblems }

// err returns nil, the single *Error, or Errors.
func (p *problems) err() error {
	switch len(p.list) {
	case 0:
		return nil
	case 1:
		return p.list[0]
	}
	return p.list
}
