package transport

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// appendResponse must say what json.Marshal says about a response.
func TestAppendResponseMatchesJSONMarshal(t *testing.T) {
	yes := true
	cases := map[string]*graphql.Response{
		"data":   {Data: []byte(`{"a":1,"b":"<x>"}`)},
		"nil":    {},
		"errors": {Errors: gqlerror.List{{Message: "bad <thing>", Path: ast.Path{ast.PathName("a")}}}, Data: []byte(`null`)},
		"all": {Data: []byte(`{"a":[1,2]}`), Label: "l", Path: ast.Path{ast.PathName("a"), ast.PathIndex(1)},
			HasNext: &yes, Extensions: map[string]any{"cost": 3}},
	}
	for name, resp := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := appendResponse(nil, resp)
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(resp)
			if err != nil {
				t.Fatal(err)
			}
			var g, w any
			if err := json.Unmarshal(got, &g); err != nil {
				t.Fatalf("invalid JSON %s: %v", got, err)
			}
			_ = json.Unmarshal(want, &w)
			if !reflect.DeepEqual(g, w) {
				t.Fatalf("got %s\nwant %s", got, want)
			}
		})
	}
}

func TestFrameAndReason(t *testing.T) {
	if got := string(frame("next", []byte(`"a\"b"`), []byte(`{}`))); got != `{"id":"a\"b","type":"next","payload":{}}` {
		t.Fatalf("frame %s", got)
	}
	if got := string(frame("ping", nil, nil)); got != `{"type":"ping"}` {
		t.Fatalf("frame %s", got)
	}
	if got := truncateReason(strings.Repeat("x", 200)); len(got) != maxCloseReason {
		t.Fatalf("reason of %d bytes; a close frame has room for %d", len(got), maxCloseReason)
	}
	if got := truncateReason(strings.Repeat("é", 100)); len(got) > maxCloseReason || !utf8.ValidString(got) {
		t.Fatalf("reason %q cut inside a rune", got)
	}
}
