package k8s

import (
	"encoding/json"
	"fmt"

	"github.com/bcs-io/bcs/orchestrators"
	"github.com/bcs-io/bcs/orchestrators/objdiff"
)

// diff lists the fields that differ between the live object and the
// result of an apply (objdiff.Fields: what the server changes on every
// write ignored, Secret values redacted), their values as JSON.
func diff(before, after map[string]any) []orchestrators.FieldChange {
	kind, _ := after["kind"].(string)
	fields := objdiff.Fields(kind, before, after)
	out := make([]orchestrators.FieldChange, len(fields))
	for i, f := range fields {
		out[i] = orchestrators.FieldChange{Path: f.Path, Old: jsonOf(f.Old), New: jsonOf(f.New)}
	}
	return out
}

func jsonOf(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
