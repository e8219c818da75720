package transport

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// The one-pass reader must agree with encoding/json: the same bodies
// accepted, the same members, the same strings.
func FuzzMembersAgreeWithEncodingJSON(f *testing.F) {
	for _, s := range []string{
		`{"query":"{ a }","operationName":"A","variables":{"n":1},"extensions":null}`,
		`{"query":"q\n\"x\"\\ \/ \b\f\r\t \u00e9 \ud83d\ude00 \ud83d x \udc00 \u0041"}`,
		"{\"query\":\"\xff\xfe ok \xe2\x82\"}", `{"query":"a\u0000b"}`, "{\"query\":\"a\x01b\"}",
		` { "a" : 1 , "b" : [true,false,null] , "c" : -1.5e3 } `, `{"a":1}x`, `{"a":1,}`, `{"a" 1}`,
		`{"a":"x`, `{"a":"x\`, `{"a":"\u12"}`, `{"a":"\q"}`, `{}`, `{ }`, `[]`, `null`, ``, `{"a":{"b":"}"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := members(body, "query")
		if q, ok := got["query"]; ok && q[0] == '"' {
			if _, qerr := unquote(q); qerr != nil {
				err = qerr // what decodeBody's caller does with it
			}
		}
		var want map[string]json.RawMessage
		dec := json.NewDecoder(bytes.NewReader(body))
		werr := dec.Decode(&want)
		if werr == nil && (want == nil || len(bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n")) > 0) {
			werr = errNotObject
		}
		if (err == nil) != (werr == nil) {
			t.Fatalf("%q: members err %v, encoding/json err %v", body, err, werr)
		}
		if err != nil {
			return
		}
		if len(got) != len(want) {
			t.Fatalf("%q: members %d, encoding/json %d", body, len(got), len(want))
		}
		for k, raw := range want {
			var w any
			json.Unmarshal(raw, &w) //nolint:errcheck // raw is valid: Decode took it
			var g any
			if err := json.Unmarshal(got[k], &g); err != nil || !reflect.DeepEqual(g, w) {
				t.Fatalf("%q: member %q = %s, encoding/json %s", body, k, got[k], raw)
			}
			if ws, ok := w.(string); ok {
				if gs, err := unquote(got[k]); err != nil || gs != ws {
					t.Fatalf("%q: unquote(%q) = %q, %v; encoding/json %q", body, got[k], gs, err, ws)
				}
			}
		}
	})
}
