package configcenter

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// site is where a placeholder stands, as the scanner saw it.
type site struct {
	mode     mode
	flow     bool   // inside [ ] or { }
	atStart  bool   // the placeholder begins a node (nothing of its scalar before it)
	atIndent bool   // only the line's indentation precedes the placeholder
	column1  bool   // the placeholder is at column 1
	indent   string // the line's leading spaces, for block scalars
	prev     byte   // the output byte before the placeholder ('\n' at a line start)
	next     byte   // the template byte after it ('\n' at a line end)
}

// insert appends value v of variable key to b as the rules in doc.go
// say, or returns why it cannot stand at s.
func (s site) insert(b *strings.Builder, key, v string) error {
	if !utf8.ValidString(v) {
		return fmt.Errorf("the value of %q is not valid UTF-8", key)
	}
	switch s.mode {
	case modeDouble:
		writeDoubleQuoted(b, v)
		return nil
	case modeBlock:
		return s.insertBlock(b, key, v)
	}
	if err := checkOneLine(key, v, s.mode); err != nil {
		return err
	}
	switch s.mode {
	case modeSingle:
		b.WriteString(strings.ReplaceAll(v, "'", "''"))
		return nil
	case modeComment:
		b.WriteString(v)
		return nil
	}
	if err := s.checkPlain(key, v); err != nil {
		return err
	}
	b.WriteString(v)
	return nil
}

// unsafeRune reports runes YAML either reads as a line break or does not
// allow in a document: C0 and C1 controls (tab aside), DEL, the Unicode
// line and paragraph separators, and the byte-order mark.
func unsafeRune(r rune) bool {
	switch {
	case r == '\t':
		return false
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x2028, r == 0x2029, r == 0xfeff:
		return true
	}
	return false
}

func isLineBreak(r rune) bool {
	return r == '\n' || r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029
}

// quoteHint says how to make a value with special characters safe.
func quoteHint(key string) string {
	return fmt.Sprintf(`write "{{ %s }}" (in double quotes) to insert it as an escaped string`, key)
}

// checkOneLine refuses line breaks and control characters, which would
// end or corrupt a plain scalar, a single-quoted string or a comment.
func checkOneLine(key, v string, m mode) error {
	where := map[mode]string{modePlain: "an unquoted value", modeSingle: "a single-quoted string", modeComment: "a comment"}[m]
	for _, r := range v {
		if isLineBreak(r) {
			return fmt.Errorf("the value of %q contains a line break, which cannot stand in %s; %s, or use a block scalar (|) for several lines", key, where, quoteHint(key))
		}
		if unsafeRune(r) || (r == '\t' && m == modePlain) {
			return fmt.Errorf("the value of %q contains the control character U+%04X, which cannot stand in %s; %s", key, r, where, quoteHint(key))
		}
	}
	return nil
}

// checkPlain refuses values that YAML would read as syntax when written
// unquoted at s, together with the text around the placeholder: a mapping
// indicator (": "), a comment (" #"), the end of a flow collection, an
// indicator or nothing at all where a node starts, or a change of
// indentation.
func (s site) checkPlain(key, v string) error {
	refuse := func(what, why string) error {
		return fmt.Errorf("the value of %q %s, which YAML reads as %s here; %s", key, what, why, quoteHint(key))
	}
	if strings.TrimLeft(v, " ") == "" && s.atStart {
		// An empty node also lets the next lines attach to it.
		return refuse("is empty", "null")
	}
	// The pairs of bytes the value is part of, boundaries included.
	joined := string(s.prev) + v + string(s.next)
	for i := 0; i+1 < len(joined); i++ {
		a, b := joined[i], joined[i+1]
		switch {
		case a == ':' && (b == ' ' || b == '\t' || b == '\n' || b == '\r'):
			return refuse(`forms ": "`, "a mapping")
		case (a == ' ' || a == '\t' || a == '\n') && b == '#':
			return refuse(`forms " #"`, "the start of a comment")
		}
	}
	if s.flow {
		if i := strings.IndexAny(v, ",[]{}"); i >= 0 {
			return refuse(fmt.Sprintf("contains %q", v[i]), "the end of a flow collection")
		}
	}
	if v == "" {
		return nil
	}
	if v[0] == ' ' && (s.atIndent || strings.IndexByte("-?:", s.prev) >= 0) {
		return refuse("begins with a space", "indentation or an indicator")
	}
	if !s.atStart {
		return nil
	}
	if strings.ContainsRune("[]{},&*!|>'\"%@`#", rune(v[0])) {
		return refuse(fmt.Sprintf("begins with %q", v[0]), "syntax at the start of a value")
	}
	if strings.ContainsRune("-?:", rune(v[0])) && (len(v) == 1 || v[1] == ' ') {
		return refuse(fmt.Sprintf("begins with %q", v[:1]), "syntax at the start of a value")
	}
	if v == "<<" {
		return refuse("is <<", "a merge key")
	}
	if s.column1 && (strings.HasPrefix(v, "---") || strings.HasPrefix(v, "...")) {
		return refuse(fmt.Sprintf("begins with %q", v[:3]), "a document marker at the start of a line")
	}
	return nil
}

// insertBlock writes a value into a block scalar: line breaks are kept and
// every further line gets the placeholder line's indentation, so the value
// stays inside the scalar.
func (s site) insertBlock(b *strings.Builder, key, v string) error {
	if s.atIndent && strings.HasPrefix(v, " ") {
		// The first line of a block scalar sets its indentation.
		return fmt.Errorf("the value of %q begins with a space, which would change the indentation of the block scalar here; put text before {{ %s }} on its line, or write \"{{ %s }}\" in double quotes", key, key, key)
	}
	for _, r := range v {
		if r != '\n' && (isLineBreak(r) || unsafeRune(r)) {
			return fmt.Errorf("the value of %q contains the character U+%04X, which cannot stand in a block scalar; %s", key, r, quoteHint(key))
		}
	}
	for i, line := range strings.Split(v, "\n") {
		if i > 0 {
			b.WriteByte('\n')
			b.WriteString(s.indent)
		}
		b.WriteString(line)
	}
	return nil
}

// writeDoubleQuoted escapes v for the inside of a double-quoted string.
// The escapes are the ones JSON and YAML share, so the same rule serves
// Kubernetes YAML and Mesos JSON.
func writeDoubleQuoted(b *strings.Builder, v string) {
	for _, r := range v {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if unsafeRune(r) {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
}
