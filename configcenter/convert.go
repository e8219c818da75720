package configcenter

import (
	"math"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Limits on one document: aliases can make a small text expand
// enormously, and objects never nest this deep.
const (
	maxNodes = 1 << 20
	maxDepth = 512
)

// converter turns a YAML node tree into JSON-compatible values, as the
// Kubernetes API reads them: mappings with string keys, no timestamps or
// binary types, no NaN. Aliases and merge keys (<<) are expanded;
// duplicate keys are errors.
type converter struct {
	ps     *parser
	budget int
	active []*yaml.Node // aliases being expanded, to catch cycles
}

func (c *converter) fail(n *yaml.Node, format string, args ...any) (any, bool) {
	c.ps.at(n, "", format, args...)
	return nil, false
}

func (c *converter) value(n *yaml.Node, depth int) (any, bool) {
	if c.budget--; c.budget < 0 {
		return c.fail(n, "the document expands to more than %d values (through aliases?)", maxNodes)
	}
	if depth > maxDepth {
		return c.fail(n, "the document nests more than %d levels deep", maxDepth)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, true
		}
		return c.value(n.Content[0], depth)
	case yaml.AliasNode:
		if n.Alias == nil {
			return c.fail(n, "alias *%s names no anchor", n.Value)
		}
		for _, a := range c.active {
			if a == n.Alias {
				return c.fail(n, "alias *%s refers to a value that contains it", n.Value)
			}
		}
		c.active = append(c.active, n.Alias)
		v, ok := c.value(n.Alias, depth+1)
		c.active = c.active[:len(c.active)-1]
		return v, ok
	case yaml.ScalarNode:
		return c.scalar(n)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, item := range n.Content {
			v, ok := c.value(item, depth+1)
			if !ok {
				return nil, false
			}
			out = append(out, v)
		}
		return out, true
	case yaml.MappingNode:
		return c.mapping(n, depth)
	}
	return c.fail(n, "unsupported YAML node")
}

func (c *converter) scalar(n *yaml.Node) (any, bool) {
	switch n.ShortTag() {
	case "!!null":
		return nil, true
	case "!!bool":
		switch n.Value {
		case "true":
			return true, true
		case "false":
			return false, true
		}
		var b bool
		if err := n.Decode(&b); err != nil {
			return c.fail(n, "%q is not a boolean", n.Value)
		}
		return b, true
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
			return i, true
		}
		var i int64
		if err := n.Decode(&i); err != nil {
			return c.fail(n, "%s is not an integer between -2^63 and 2^63-1", n.Value)
		}
		return i, true
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return c.fail(n, "%q is not a number", n.Value)
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return c.fail(n, "%s cannot be represented in JSON", n.Value)
		}
		return f, true
	}
	// Strings, and timestamps, binary and custom tags as the text written,
	// as the Kubernetes YAML reader leaves them.
	return n.Value, true
}

func (c *converter) mapping(n *yaml.Node, depth int) (any, bool) {
	out := make(map[string]any, len(n.Content)/2)
	first := make(map[string]*yaml.Node, len(n.Content)/2)
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		if kn.Kind == yaml.ScalarNode && kn.ShortTag() == "!!merge" {
			merges = append(merges, vn)
			continue
		}
		key, ok := c.key(kn)
		if !ok {
			return nil, false
		}
		if prev, dup := first[key]; dup {
			line, _ := c.ps.lines.pos(prev.Line, 0)
			return c.fail(kn, "key %q is defined twice (first on line %d)", key, line)
		}
		first[key] = kn
		v, ok := c.value(vn, depth+1)
		if !ok {
			return nil, false
		}
		out[key] = v
	}
	// Keys written in the mapping override merged ones; among merged
	// mappings the first wins, as YAML's merge key specifies.
	for _, m := range merges {
		v, ok := c.value(m, depth+1)
		if !ok {
			return nil, false
		}
		sources := []any{v}
		if list, isList := v.([]any); isList {
			sources = list
		}
		for _, src := range sources {
			sm, isMap := src.(map[string]any)
			if !isMap {
				return c.fail(m, "a merge key (<<) needs a mapping or a list of mappings")
			}
			for k, sv := range sm {
				if _, set := out[k]; !set {
					out[k] = sv
				}
			}
		}
	}
	return out, true
}

// key returns a mapping key as a string; JSON has no other kind of key.
func (c *converter) key(kn *yaml.Node) (string, bool) {
	k := resolve(kn)
	if k == nil || k.Kind != yaml.ScalarNode {
		_, ok := c.fail(kn, "a key must be a string, not a list or mapping")
		return "", ok
	}
	if k.ShortTag() == "!!null" {
		return "null", true // ~ and an empty key, as the Kubernetes reader names them
	}
	return k.Value, true
}
