package configcenter

// This file follows the YAML (and so JSON) structure of a template just
// closely enough to know what kind of text each {{ placeholder }} stands in:
// a plain scalar, a double- or single-quoted string, a comment or a block
// scalar. It is not a parser; Parse sees the rendered result and reports
// real syntax errors. Its only job is choosing how a value is inserted so
// that the value cannot change the document's structure.

type mode uint8

const (
	modePlain   mode = iota // structure and plain scalars
	modeDouble              // inside "…"
	modeSingle              // inside '…'
	modeComment             // after # to the end of the line
	modeBlock               // the content lines of a | or > scalar
)

// yamlContext is the scanner state, fed the rendered text byte by byte.
// All YAML syntax is ASCII, so bytes of multi-byte UTF-8 sequences, all
// ≥ 0x80, are never mistaken for syntax.
type yamlContext struct {
	mode mode
	flow int // depth of [ ] and { } collections

	// canStart: the next non-blank byte begins a node (after a line's
	// indentation, "- ", "key: ", "[", "," …), so a quote there opens a
	// quoted scalar and a | or > a block scalar.
	canStart bool
	// prevSpace: the previous byte was blank or a line start, so a #
	// begins a comment.
	prevSpace bool

	escaped   bool // the previous byte in a "…" was a backslash
	quoteSkip bool // the previous byte closed '' inside '…'
	inToken   bool // inside an anchor (&a) or tag (!t) before a node
	skip      int  // bytes of a document marker still to pass over

	// lineIndent is the indentation (spaces) of the current line; a block
	// scalar started on a line lasts while later lines are more indented
	// than that (blockIndent) or blank.
	lineIndent   int
	pendingBlock bool
	blockIndent  int
}

func newYAMLContext() *yamlContext {
	return &yamlContext{canStart: true, prevSpace: true}
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// blankOrEnd reports whether s[i] is a blank, a line break or past the end.
func blankOrEnd(s string, i int) bool {
	return i >= len(s) || s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'
}

// lineStart is called before the first byte of every line of the template
// with that line (without its line break).
func (c *yamlContext) lineStart(line string) {
	indent := 0
	for indent < len(line) && line[indent] == ' ' {
		indent++
	}
	blank := true
	for i := indent; i < len(line); i++ {
		if !isBlank(line[i]) && line[i] != '\r' {
			blank = false
			break
		}
	}
	if c.pendingBlock {
		c.pendingBlock = false
		c.mode = modeBlock
	}
	if c.mode == modeBlock {
		if blank || indent > c.blockIndent {
			return
		}
		c.mode = modePlain
	}
	if c.mode != modePlain {
		return // a quoted scalar may span lines
	}
	c.lineIndent = indent
	c.canStart, c.prevSpace, c.inToken = true, true, false
	if len(line) >= 3 && (line[:3] == "---" || line[:3] == "...") && blankOrEnd(line, 3) {
		// A document marker ends whatever the previous document left open.
		c.flow = 0
		c.skip = 3
	}
}

// step advances over s[i], a byte of the rendered text; s is the template
// around it, for one byte of lookahead.
func (c *yamlContext) step(s string, i int) {
	b := s[i]
	if b == '\n' {
		if c.mode == modeComment {
			c.mode = modePlain
		}
		return // lineStart handles the next line
	}
	if c.skip > 0 {
		c.skip--
		return
	}
	switch c.mode {
	case modeDouble:
		switch {
		case c.escaped:
			c.escaped = false
		case b == '\\':
			c.escaped = true
		case b == '"':
			c.mode, c.canStart, c.prevSpace = modePlain, false, false
		}
		return
	case modeSingle:
		switch {
		case c.quoteSkip:
			c.quoteSkip = false
		case b == '\'' && i+1 < len(s) && s[i+1] == '\'':
			c.quoteSkip = true
		case b == '\'':
			c.mode, c.canStart, c.prevSpace = modePlain, false, false
		}
		return
	case modeComment, modeBlock:
		return
	}
	c.stepPlain(s, i)
}

func (c *yamlContext) stepPlain(s string, i int) {
	b := s[i]
	if isBlank(b) || b == '\r' {
		c.prevSpace = true
		if c.inToken {
			c.inToken, c.canStart = false, true
		}
		return
	}
	wasSpace := c.prevSpace
	c.prevSpace = false
	if b == '#' && wasSpace {
		c.mode = modeComment
		return
	}
	if c.inToken {
		return
	}
	if c.flow > 0 {
		switch b {
		case ',', ':':
			// JSON writes "key":"value", so a colon in flow context
			// starts a value even when no blank follows.
			c.canStart = true
			return
		case ']', '}':
			c.flow--
			c.canStart = false
			return
		case '[', '{':
			c.flow++
			c.canStart = true
			return
		}
	}
	if !c.canStart {
		if b == ':' && blankOrEnd(s, i+1) {
			c.canStart = true
		}
		return
	}
	switch b {
	case '"':
		c.mode = modeDouble
		c.canStart = false
	case '\'':
		c.mode = modeSingle
		c.canStart = false
	case '[', '{':
		c.flow++
	case '|', '>':
		if c.flow == 0 {
			c.pendingBlock = true
			c.blockIndent = c.lineIndent
		}
		c.canStart = false
	case '-', '?', ':':
		if !blankOrEnd(s, i+1) {
			c.canStart = false // -1, ?x, :x are plain scalars
		}
	case '&', '!':
		c.inToken = true
	default:
		c.canStart = false
	}
}

// afterValue updates the state after a value was inserted in plain
// context: the value is now (part of) a plain scalar.
func (c *yamlContext) afterValue(v string) {
	if c.mode != modePlain || v == "" {
		return
	}
	c.canStart = false
	c.inToken = false
	c.prevSpace = isBlank(v[len(v)-1])
}
