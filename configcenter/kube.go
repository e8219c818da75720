package configcenter

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// kubeObjects checks every document as a Kubernetes object (expanding v1
// Lists) and reports duplicates.
func (ps *parser) kubeObjects(docs []doc) []Object {
	return ps.objects(docs, isList, "object", ps.kubeObject)
}

// objects checks every document with check, expanding the Lists isList
// recognises into their items, and reports duplicates. noun names an item
// in messages.
func (ps *parser) objects(docs []doc, isList func(map[string]any) bool, noun string, check func(doc) (Object, bool)) []Object {
	var objs []Object
	add := func(d doc) {
		if o, ok := check(d); ok {
			objs = append(objs, o)
		}
	}
	for _, d := range docs {
		if !isList(d.val) {
			add(d)
			continue
		}
		items, ok := d.val["items"].([]any)
		itemsNode := resolve(child(d.node, "items", false))
		if !ok {
			ps.at(orNode(itemsNode, d.node), "items", "a List needs items, a list of %ss", noun)
			continue
		}
		for i, item := range items {
			n := d.node
			if itemsNode != nil && itemsNode.Kind == yaml.SequenceNode && i < len(itemsNode.Content) {
				n = resolve(itemsNode.Content[i])
			}
			m, isMap := item.(map[string]any)
			if !isMap {
				ps.at(n, fmt.Sprintf("items[%d]", i), "must be an %s, not %s", noun, describe(item))
				continue
			}
			add(doc{node: n, val: m})
		}
	}
	ps.duplicates(objs)
	return objs
}

func isList(v map[string]any) bool {
	kind, _ := v["kind"].(string)
	api, _ := v["apiVersion"].(string)
	return kind == "List" && api == "v1"
}

func orNode(n, fallback *yaml.Node) *yaml.Node {
	if n != nil {
		return n
	}
	return fallback
}

// kubeObject checks the fields every Kubernetes object needs; the rest is
// the API server's to judge (a dry run).
func (ps *parser) kubeObject(d doc) (Object, bool) {
	before := len(ps.p.list)
	str := func(parent *yaml.Node, m map[string]any, key, path string) string {
		v, present := m[key]
		s, isStr := v.(string)
		switch {
		case !present || v == nil:
			ps.at(parent, path, "is required")
		case !isStr:
			ps.at(orNode(child(parent, key, false), parent), path, "must be a string, not %s", describe(v))
		case strings.TrimSpace(s) == "":
			ps.at(orNode(child(parent, key, false), parent), path, "must not be empty")
		}
		return s
	}
	o := Object{Doc: d.val}
	o.APIVersion = str(d.node, d.val, "apiVersion", "apiVersion")
	o.Kind = str(d.node, d.val, "kind", "kind")
	if o.Kind == "List" {
		ps.at(d.node, "kind", "a List cannot be nested in a List")
	}
	metaNode := orNode(child(d.node, "metadata", false), d.node)
	meta, isMap := d.val["metadata"].(map[string]any)
	switch {
	case d.val["metadata"] == nil:
		ps.at(d.node, "metadata.name", "is required")
	case !isMap:
		ps.at(metaNode, "metadata", "must be an object, not %s", describe(d.val["metadata"]))
	default:
		if _, hasName := meta["name"]; !hasName && meta["generateName"] != nil {
			ps.at(metaNode, "metadata.name", "is required: template objects need fixed names so that upgrades find them (generateName is not supported)")
		} else if name := str(metaNode, meta, "name", "metadata.name"); name != "" {
			o.Name = name
			ps.checkName(orNode(child(metaNode, "name", false), metaNode), name)
		}
		if ns, present := meta["namespace"]; present && ns != nil {
			nsNode := orNode(child(metaNode, "namespace", false), metaNode)
			s, isStr := ns.(string)
			switch {
			case !isStr:
				ps.at(nsNode, "metadata.namespace", "must be a string, not %s", describe(ns))
			case s != "" && (len(s) > 63 || !dnsLabel.MatchString(s)):
				ps.at(nsNode, "metadata.namespace", "%q is not a namespace name: lower-case letters, digits and '-', at most 63", s)
			default:
				o.Namespace = s
			}
		}
	}
	o.Line, _ = ps.lines.pos(d.node.Line, 0)
	return o, len(ps.p.list) == before
}

// checkName applies the rules every Kubernetes name shares (it must work
// as a URL path segment); kinds add their own, which the dry run checks.
func (ps *parser) checkName(n *yaml.Node, name string) {
	switch {
	case len(name) > 253:
		ps.at(n, "metadata.name", "must be at most 253 characters")
	case name == "." || name == "..":
		ps.at(n, "metadata.name", "must not be %q", name)
	case strings.ContainsAny(name, "/%"):
		ps.at(n, "metadata.name", "%q must not contain '/' or '%%'", name)
	}
}

// duplicates reports objects defined twice: an instance tracks its objects
// by kind, namespace and name.
func (ps *parser) duplicates(objs []Object) {
	seen := make(map[ObjectKey]int, len(objs))
	for _, o := range objs {
		k := o.Key()
		if line, dup := seen[k]; dup {
			ps.p.addf(o.Line, 0, "", "%s is defined twice (first on line %d)", k, line)
			continue
		}
		seen[k] = o.Line
	}
}
