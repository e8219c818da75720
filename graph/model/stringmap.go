// Package model holds GraphQL models that are not ent entities: gqlgen's
// generated models and hand-written scalars.
package model

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalStringMap renders a string map (labels, resource quantities) as a
// JSON object; a nil map is {} so clients never need a null check.
func MarshalStringMap(m map[string]string) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		if m == nil {
			_, _ = io.WriteString(w, "{}")
			return
		}
		b, _ := json.Marshal(m)
		_, _ = w.Write(b)
	})
}

// UnmarshalStringMap accepts a JSON object whose values are all strings.
func UnmarshalStringMap(v any) (map[string]string, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("StringMap must be an object of strings")
	}
	out := make(map[string]string, len(obj))
	for k, val := range obj {
		s, ok := val.(string)
		if !ok {
			return nil, fmt.Errorf("StringMap value for %q must be a string", k)
		}
		out[k] = s
	}
	return out, nil
}
