package transport

import (
	"net/url"
	"testing"
)

func TestDecodeBody(t *testing.T) {
	p, err := decodeBody([]byte(`{"query":"{ a }","operationName":"A","variables":{"n":1},"extensions":null}`))
	if err != nil || p.Query != "{ a }" || p.OperationName != "A" || p.Variables["n"] == nil {
		t.Fatalf("got %+v, %v", p, err)
	}
	for _, body := range []string{``, `null`, `[]`, `{"query":1}`, `{"query":"{a}","variables":[1]}`, `{"query":"{a}"} {}`, `{"operationName":"x"}`} {
		if _, err := decodeBody([]byte(body)); err == nil {
			t.Errorf("decodeBody(%q) accepted", body)
		}
	}
}

func TestNegotiate(t *testing.T) {
	for accept, want := range map[string]string{
		"":                                  mediaJSON,
		"*/*":                               mediaJSON,
		"application/json":                  mediaJSON,
		"application/graphql-response+json": mediaGraphQLResponse,
		"application/graphql-response+json, application/json;q=0.9": mediaGraphQLResponse,
		"application/json, application/graphql-response+json;q=0.5": mediaJSON,
	} {
		if got, ok := negotiate(accept); !ok || got != want {
			t.Errorf("negotiate(%q) = %q, %v; want %q", accept, got, ok, want)
		}
	}
	if _, ok := negotiate("text/html"); ok {
		t.Error("text/html accepted")
	}
}

// FuzzDecodeBody: the request decoder never panics and never accepts a
// request without a query.
func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{`{"query":"{ __typename }"}`, `{"query":"q","variables":{"a":[1,{"b":null}]}}`, `{`, `[]`, `{"query":null}`, `{"query":"x","extensions":{"persistedQuery":{"version":1}}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := decodeBody(body)
		if err == nil && p.Query == "" {
			t.Fatalf("accepted a request without a query: %q", body)
		}
	})
}

func FuzzDecodeQuery(f *testing.F) {
	f.Add("query=%7B+a+%7D&variables=%7B%7D")
	f.Add("query=x&variables=nope")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		if p, err := decodeQuery(q); err == nil && p.Query == "" {
			t.Fatalf("accepted GET without a query: %q", raw)
		}
	})
}

// A persisted query names its document by hash and may omit the text; a
// request with neither is still malformed.
func TestDecodeBodyPersistedQuery(t *testing.T) {
	p, err := decodeBody([]byte(`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"ab"}}}`))
	if err != nil || p.Query != "" || p.Extensions["persistedQuery"] == nil {
		t.Fatalf("got %+v, %v", p, err)
	}
	for _, body := range []string{`{"extensions":{}}`, `{"extensions":{"persistedQuery":null}}`} {
		if _, err := decodeBody([]byte(body)); err == nil {
			t.Errorf("decodeBody(%q) accepted", body)
		}
	}
}
