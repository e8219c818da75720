package transport

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// DefaultMaxBodyBytes is the request body limit when HTTP.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 1 << 20

// HTTP serves queries and mutations over GET and POST.
type HTTP struct {
	// MaxBodyBytes bounds a POST body; larger ones get 413.
	MaxBodyBytes int64
}

var _ graphql.Transport = HTTP{}

// Supports claims every plain HTTP request; websocket upgrades and SSE
// requests go to their own transports, which are listed first.
func (HTTP) Supports(r *http.Request) bool {
	return r.Header.Get("Upgrade") == ""
}

// Do implements graphql.Transport.
func (h HTTP) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	mediaType, ok := negotiate(r.Header.Get("Accept"))
	if !ok {
		writeResult(w, mediaJSON, http.StatusNotAcceptable, requestError("the response can only be application/graphql-response+json or application/json"))
		return
	}
	var (
		params *graphql.RawParams
		err    error
	)
	switch r.Method {
	case http.MethodGet:
		params, err = decodeQuery(r.URL.Query())
	case http.MethodPost:
		params, err = h.readPost(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		writeResult(w, mediaType, http.StatusMethodNotAllowed, requestError("method "+r.Method+" is not allowed: use GET or POST"))
		return
	}
	if err != nil {
		var status int
		var tooLarge *http.MaxBytesError
		var unsupported errUnsupportedMedia
		switch {
		case errors.As(err, &tooLarge):
			status = http.StatusRequestEntityTooLarge
			err = badParams("request body is larger than %d bytes", tooLarge.Limit)
		case errors.As(err, &unsupported):
			status = http.StatusUnsupportedMediaType
		default:
			status = http.StatusBadRequest
		}
		writeResult(w, mediaType, status, dispatchRequestError(ctx, exec, err.Error()))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: graphql.Now(), End: graphql.Now()}

	rc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		status := http.StatusOK // application/json: request errors are still 200
		if mediaType == mediaGraphQLResponse {
			status = http.StatusBadRequest
		}
		writeResult(w, mediaType, status, requestResult(resp))
		return
	}
	if r.Method == http.MethodGet && rc.Operation != nil && rc.Operation.Operation != ast.Query {
		w.Header().Set("Allow", "POST")
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, rc),
			gqlerror.List{gqlerror.Errorf("%s operations must use POST", rc.Operation.Operation)})
		writeResult(w, mediaType, http.StatusMethodNotAllowed, requestResult(resp))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	writeResult(w, mediaType, http.StatusOK, responses(ctx))
}

type errUnsupportedMedia struct{ errBadParams }

func (h HTTP) readPost(w http.ResponseWriter, r *http.Request) (*graphql.RawParams, error) {
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || (mt != mediaJSON && mt != "application/graphql") {
		return nil, errUnsupportedMedia{errBadParams{"Content-Type must be application/json"}}
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return nil, errUnsupportedMedia{errBadParams{"only the utf-8 charset is supported"}}
	}
	limit := h.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, err
		}
		return nil, badParams("could not read the request body")
	}
	if mt == "application/graphql" {
		return &graphql.RawParams{Query: string(body)}, nil
	}
	return decodeBody(body)
}

// requestError is a response for a request rejected before the executor.
func requestError(msg string) *requestOnly {
	return requestResult(&graphql.Response{Errors: gqlerror.List{&gqlerror.Error{
		Message:    msg,
		Extensions: map[string]any{"code": "BAD_USER_INPUT"},
	}}})
}

// dispatchRequestError runs a malformed-request error through the executor
// so the error presenter (and metrics) see it like any other.
func dispatchRequestError(ctx context.Context, exec graphql.GraphExecutor, msg string) any {
	resp := exec.DispatchError(ctx, gqlerror.List{&gqlerror.Error{
		Message:    msg,
		Extensions: map[string]any{"code": "BAD_USER_INPUT"},
	}})
	return requestResult(resp)
}

// requestOnly is a response without a data entry: a request error means
// execution never started, and the spec says data must then be absent.
type requestOnly struct {
	Errors     gqlerror.List  `json:"errors"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

func requestResult(resp *graphql.Response) *requestOnly {
	return &requestOnly{Errors: resp.Errors, Extensions: resp.Extensions}
}

func writeResult(w http.ResponseWriter, mediaType string, status int, v any) {
	w.Header().Set("Content-Type", mediaType+"; charset=utf-8")
	w.WriteHeader(status)
	// A result's data is JSON already: copy it rather than have
	// encoding/json re-scan and compact it (half the encoding of a page).
	if r, ok := v.(*graphql.Response); ok {
		if b, err := appendResponse(make([]byte, 0, len(r.Data)+64), r); err == nil {
			_, _ = w.Write(append(b, '\n'))
			return
		}
	}
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}
