package transport

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// An HTTP result says what encoding/json would have said for every member
// of a response.
func TestWriteResultIsEncodingJSONs(t *testing.T) {
	yes := true
	for name, r := range map[string]*graphql.Response{
		"data":     {Data: json.RawMessage(`{"projects":{"totalCount":2,"edges":[{"node":{"id":"prj_1","name":"a \"<b>\""}}]}}`)},
		"no data":  {Errors: gqlerror.List{{Message: "no token", Extensions: map[string]any{"code": "UNAUTHENTICATED"}}}},
		"partial":  {Data: json.RawMessage(`{"a":null}`), Errors: gqlerror.List{{Message: "x", Path: ast.Path{ast.PathName("a")}}}},
		"deferred": {Data: json.RawMessage(`{}`), Label: "l", Path: ast.Path{ast.PathName("a"), ast.PathIndex(1)}, HasNext: &yes, Extensions: map[string]any{"cost": 3}},
		"empty":    {},
	} {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		writeResult(w, mediaJSON, 200, r)
		var got, exp any
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatalf("%s: %s is not JSON: %v", name, w.Body, err)
		}
		_ = json.Unmarshal(want, &exp)
		if !reflect.DeepEqual(got, exp) || !bytes.HasSuffix(w.Body.Bytes(), []byte("}\n")) {
			t.Errorf("%s:\n got %s\nwant %s", name, w.Body, want)
		}
	}
}

// go test ./internal/transport -run '^$' -bench WriteResult -benchmem
func BenchmarkWriteResult(b *testing.B) {
	page := []byte(`{"projects":{"totalCount":10000,"edges":[`)
	for i := range 50 {
		if i > 0 {
			page = append(page, ',')
		}
		page = append(page, `{"node":{"id":"prj_01J0000000000000000000000","name":"project","members":{"edges":[{"node":{"role":"OWNER","user":{"name":"alice"}}},{"node":{"role":"VIEWER","user":{"name":"bob"}}}]}}}`...)
	}
	page = append(page, `]}}`...)
	r := &graphql.Response{Data: page}
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			_ = json.NewEncoder(httptest.NewRecorder()).Encode(r)
		}
	})
	b.Run("writeResult", func(b *testing.B) {
		for b.Loop() {
			writeResult(httptest.NewRecorder(), mediaJSON, 200, r)
		}
	})
}
