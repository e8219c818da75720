package configcenter

import (
	"fmt"

	"github.com/bcs-io/bcs/internal/redact"
	"github.com/bcs-io/bcs/orchestrators/objdiff"
)

// Change says how an object or a field differs between two renderings.
type Change = objdiff.Change

// Changes.
const (
	Added     = objdiff.Added
	Removed   = objdiff.Removed
	Changed   = objdiff.Changed
	Unchanged = objdiff.Unchanged
)

// Redacted replaces Secret values in diffs and previews.
const Redacted = objdiff.Redacted

// FieldChange is one differing field (see objdiff.FieldChange).
type FieldChange = objdiff.FieldChange

// ObjectDiff is how one object differs; Fields is set for Changed only.
type ObjectDiff struct {
	Key    ObjectKey
	Change Change
	Fields []FieldChange
}

// Diff compares two sets of objects by kind, namespace and name: the
// objects of new in order (added, changed or unchanged), then those only
// in old (removed). Fields are compared by objdiff.Fields: lists by
// position, without the fields the server owns, Secret values redacted.
//
// A live object also carries defaults the template never set; to preview
// an upgrade against what runs, compare it with a server-side dry run of
// the rendered objects rather than with them directly.
func Diff(old, new []Object) []ObjectDiff {
	oldByKey := make(map[ObjectKey]Object, len(old))
	for _, o := range old {
		if _, dup := oldByKey[o.Key()]; !dup {
			oldByKey[o.Key()] = o
		}
	}
	seen := make(map[ObjectKey]bool, len(new))
	var out []ObjectDiff
	for _, n := range new {
		k := n.Key()
		if seen[k] {
			continue
		}
		seen[k] = true
		o, found := oldByKey[k]
		if !found {
			out = append(out, ObjectDiff{Key: k, Change: Added})
			continue
		}
		if fields := objdiff.Fields(o.Kind, o.Doc, n.Doc); len(fields) == 0 {
			out = append(out, ObjectDiff{Key: k, Change: Unchanged})
		} else {
			out = append(out, ObjectDiff{Key: k, Change: Changed, Fields: fields})
		}
	}
	for _, o := range old {
		k := o.Key()
		if !seen[k] {
			seen[k] = true
			out = append(out, ObjectDiff{Key: k, Change: Removed})
		}
	}
	return out
}

// Redact returns o with the values of a Secret's data and stringData
// replaced by Redacted (keys stay visible), for previews. Other objects
// are returned as they are.
func Redact(o Object) Object {
	o.Doc = redact.Object(o.Kind, o.Doc)
	return o
}

// String is a one-line summary, e.g. "CHANGED Deployment web (2 fields)".
func (d ObjectDiff) String() string {
	if d.Change == Changed {
		return fmt.Sprintf("%s %s (%d fields)", d.Change, d.Key, len(d.Fields))
	}
	return fmt.Sprintf("%s %s", d.Change, d.Key)
}
