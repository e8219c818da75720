package transport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	"github.com/99designs/gqlgen/graphql"
)

// errBadParams is a malformed GraphQL-over-HTTP request: the document was
// never looked at. Its text is safe to show.
type errBadParams struct{ msg string }

func (e errBadParams) Error() string { return e.msg }

func badParams(format string, args ...any) error { return errBadParams{fmt.Sprintf(format, args...)} }

// decodeBody parses a POST body. It is strict about the shape the spec
// gives the parameters, so a wrong type is a 400 rather than a confusing
// execution error.
func decodeBody(body []byte) (*graphql.RawParams, error) {
	raw, err := members(body, "query", "operationName") // fromRaw unquotes these
	if err != nil {
		return nil, badParams("%s", err.Error())
	}
	return fromRaw(raw)
}

func fromRaw(raw map[string]json.RawMessage) (*graphql.RawParams, error) {
	p := &graphql.RawParams{}
	if err := decodeString(raw["query"], &p.Query); err != nil {
		return nil, badParams("query: %v", err)
	}
	if err := decodeString(raw["operationName"], &p.OperationName); err != nil {
		return nil, badParams("operationName: %v", err)
	}
	if err := decodeObject(raw["variables"], &p.Variables); err != nil {
		return nil, badParams("variables: %v", err)
	}
	if err := decodeObject(raw["extensions"], &p.Extensions); err != nil {
		return nil, badParams("extensions: %v", err)
	}
	// A persisted query (APQ, trusted documents) names its document by hash.
	if p.Query == "" && p.Extensions["persistedQuery"] == nil {
		return nil, badParams("query: a GraphQL document is required")
	}
	return p, nil
}

// decodeQuery reads GET parameters; variables and extensions are JSON text.
func decodeQuery(q url.Values) (*graphql.RawParams, error) {
	raw := map[string]json.RawMessage{}
	if v, ok := q["query"]; ok {
		b, _ := json.Marshal(v[0])
		raw["query"] = b
	}
	if v, ok := q["operationName"]; ok && v[0] != "" {
		b, _ := json.Marshal(v[0])
		raw["operationName"] = b
	}
	for _, k := range []string{"variables", "extensions"} {
		if v, ok := q[k]; ok && v[0] != "" {
			if !json.Valid([]byte(v[0])) {
				return nil, badParams("%s: not valid JSON", k)
			}
			raw[k] = json.RawMessage(v[0])
		}
	}
	return fromRaw(raw)
}

func decodeString(m json.RawMessage, dst *string) error {
	if len(m) == 0 || string(m) == "null" {
		return nil
	}
	v, err := unquote(m)
	if err != nil {
		return errString
	}
	*dst = v
	return nil
}

func decodeObject(m json.RawMessage, dst *map[string]any) error {
	if len(m) == 0 || string(m) == "null" {
		return nil
	}
	if m[0] != '{' {
		return errors.New("must be an object")
	}
	d := json.NewDecoder(bytes.NewReader(m))
	d.UseNumber()
	if err := d.Decode(dst); err != nil {
		return errors.New("must be an object")
	}
	return nil
}
