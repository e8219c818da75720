package configcenter

import (
	"errors"
	"io"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/bcs-io/bcs/internal/redact"
)

// HiddenDocument replaces, in RedactSecrets' output, a document that does
// not read as YAML: what it holds cannot be told, so it may be a Secret.
const HiddenDocument = "# " + redact.Mark + ": this document does not read as YAML and may hold a Secret; members who may edit templates see it\n"

// RedactSecrets returns a template's text as a reader who may not edit
// it sees it: the values under data and stringData of every Secret become
// redact.Mark (keys stay), and so do those of any object whose kind a
// placeholder decides. Documents without such objects are returned byte
// for byte; a document holding one is re-encoded from its YAML nodes, so
// order and most comments survive but not the exact layout, and comments
// inside the payload are dropped (they may repeat a value). A document
// that does not read as YAML is replaced by HiddenDocument.
//
// Placeholders stand in the text as the template has them: each is first
// swapped for a plain token, so that YAML reads the template as it will
// read the rendered text, and swapped back afterwards.
//
// Mesos templates come back unchanged: BCS's Mesos applications have no
// Secret kind (their env is plain configuration, like a Deployment's);
// values that must stay hidden belong in secret variables.
func RedactSecrets(kind TemplateKind, content string) string {
	if kind == KindMesos {
		return content
	}
	var b strings.Builder
	for _, chunk := range splitDocuments(content) {
		b.WriteString(redactDocument(chunk))
	}
	return b.String()
}

// splitDocuments cuts text before each line that starts a document
// ("---" at column 1). YAML forbids such a line inside any scalar, so the
// cut never falls inside a value.
func splitDocuments(text string) []string {
	var out []string
	start := 0
	for off := 0; off < len(text); {
		end := strings.IndexByte(text[off:], '\n')
		next := len(text)
		if end >= 0 {
			next = off + end + 1
		}
		line := text[off:next]
		if off > start && strings.HasPrefix(line, "---") &&
			(len(line) == 3 || strings.ContainsRune(" \t\r\n", rune(line[3]))) {
			out = append(out, text[start:off])
			start = off
		}
		off = next
	}
	return append(out, text[start:])
}

// redactDocument redacts one chunk of splitDocuments.
func redactDocument(chunk string) string {
	if strings.TrimSpace(chunk) == "" {
		return chunk
	}
	masked, unmask, ok := maskPlaceholders(chunk)
	if !ok {
		return hidden(chunk)
	}
	dec := yaml.NewDecoder(strings.NewReader(masked))
	var docs []*yaml.Node
	changed := false
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return hidden(chunk)
		}
		if len(n.Content) > 0 && redactObject(n.Content[0], unmask.prefix) {
			changed = true
		}
		docs = append(docs, &n)
	}
	if !changed {
		return chunk
	}
	var b strings.Builder
	if strings.HasPrefix(chunk, "---") {
		b.WriteString("---\n")
	}
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	for _, n := range docs {
		if err := enc.Encode(n); err != nil {
			return hidden(chunk)
		}
	}
	if err := enc.Close(); err != nil {
		return hidden(chunk)
	}
	// Braces left in the text were written \{{ in the template.
	return unmask.r.Replace(strings.ReplaceAll(b.String(), "{{", `\{{`))
}

// hidden keeps a chunk's document marker line and hides the rest.
func hidden(chunk string) string {
	if strings.HasPrefix(chunk, "---") {
		return "---\n" + HiddenDocument
	}
	return HiddenDocument
}

type unmasker struct {
	prefix string
	r      *strings.Replacer
}

// maskPlaceholders renders chunk with a distinct plain token for each
// variable it names; tokens are letters and digits, so they may stand
// wherever a placeholder may. ok is false when a placeholder is malformed.
func maskPlaceholders(chunk string) (string, unmasker, bool) {
	refs, err := References(chunk)
	if err != nil {
		return "", unmasker{}, false
	}
	prefix := "bcsph"
	for strings.Contains(chunk, prefix) {
		prefix += "x"
	}
	values := map[string]string{}
	var pairs []string
	for _, r := range refs {
		if _, ok := values[r.Key]; ok {
			continue
		}
		tok := prefix + strconv.Itoa(len(values)) + "z"
		values[r.Key] = tok
		pairs = append(pairs, tok, "{{ "+r.Key+" }}")
	}
	w := walker{content: chunk, values: values, render: true}
	w.lines.add(1)
	w.run()
	if w.p.err() != nil {
		return "", unmasker{}, false
	}
	return w.out.String(), unmasker{prefix: prefix, r: strings.NewReplacer(pairs...)}, true
}

// redactObject redacts the payload of n if it is, or may be, a Secret,
// and of every item of a list; it reports whether it changed anything.
func redactObject(n *yaml.Node, token string) bool {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return false
	}
	changed := false
	if items := resolve(child(n, "items", false)); items != nil && items.Kind == yaml.SequenceNode {
		for _, it := range items.Content {
			changed = redactObject(it, token) || changed
		}
	}
	kind := resolve(child(n, "kind", false))
	if kind == nil || (kind.Kind == yaml.ScalarNode && kind.Value != "Secret" && !strings.Contains(kind.Value, token)) {
		return changed
	}
	for _, field := range []string{"data", "stringData"} {
		if v := child(n, field, false); v != nil {
			hideValues(v, 0)
			changed = true
		}
	}
	return changed
}

// hideValues replaces every value under n with redact.Mark; mapping keys
// stay (merge keys included). Aliases are followed, so an anchored value is
// hidden wherever it is used.
func hideValues(n *yaml.Node, depth int) {
	n.HeadComment, n.LineComment, n.FootComment = "", "", ""
	switch {
	case depth > 100:
	case n.Kind == yaml.AliasNode:
		if n.Alias != nil {
			hideValues(n.Alias, depth+1)
		}
		return
	case n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			k.HeadComment, k.LineComment, k.FootComment = "", "", ""
			hideValues(n.Content[i+1], depth+1)
		}
		return
	}
	*n = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Style: yaml.DoubleQuotedStyle, Value: redact.Mark, Anchor: n.Anchor, Line: n.Line, Column: n.Column}
}
