package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// DefaultSSEHeartbeat is the interval of SSE heartbeat comments when
// SSE.Heartbeat is 0; it keeps proxies from timing out a quiet stream.
const DefaultSSEHeartbeat = 12 * time.Second

const mediaEventStream = "text/event-stream"

// SSE serves GraphQL over Server-Sent Events in graphql-sse's "distinct
// connections" mode: one operation per GET or POST request whose Accept
// includes text/event-stream. It must be added before HTTP, which claims
// every plain request.
type SSE struct {
	// MaxBodyBytes bounds a POST body; larger ones get 413.
	MaxBodyBytes int64
	// Heartbeat is the interval of ":" comment lines; negative disables.
	Heartbeat time.Duration
	// WriteTimeout bounds one event write (0: DefaultWriteTimeout).
	WriteTimeout time.Duration
	// Open, if set, admits a stream before its request is read: it may
	// refuse (a *gqlerror.Error keeps its extensions; the answer is 429),
	// and release runs when the stream ends. It lets a server cap the
	// streams one client holds.
	Open func(ctx context.Context) (release func(), err error)
	// Logger receives stream-level failures; nil means slog.Default().
	Logger *slog.Logger
}

var _ graphql.Transport = SSE{}

// Supports claims GET and POST requests that accept text/event-stream.
func (SSE) Supports(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return false
	}
	if r.Header.Get("Upgrade") != "" {
		return false
	}
	return acceptsEventStream(r.Header.Values("Accept"))
}

func acceptsEventStream(accept []string) bool {
	for _, header := range accept {
		for _, part := range strings.Split(header, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil || mt != mediaEventStream {
				continue
			}
			if q, ok := params["q"]; ok {
				if v, err := strconv.ParseFloat(q, 64); err == nil && v <= 0 {
					continue
				}
			}
			return true
		}
	}
	return false
}

// Do implements graphql.Transport. Malformed request parameters get the
// GraphQL-over-HTTP 4xx answers as JSON; everything the executor rejects
// (parse, validation, coercion) is streamed as one next event carrying the
// errors, then complete, as the graphql-sse protocol requires.
func (s SSE) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	if s.WriteTimeout <= 0 {
		s.WriteTimeout = DefaultWriteTimeout
	}
	if s.Heartbeat == 0 {
		s.Heartbeat = DefaultSSEHeartbeat
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	ctx := r.Context()
	if s.Open != nil {
		release, err := s.Open(ctx)
		if err != nil {
			gqlErr := (*gqlerror.Error)(nil)
			if !errors.As(err, &gqlErr) {
				gqlErr = &gqlerror.Error{Message: err.Error()}
			}
			writeResult(w, mediaJSON, http.StatusTooManyRequests, &requestOnly{Errors: gqlerror.List{gqlErr}})
			return
		}
		defer release()
	}
	params, status, err := s.readParams(w, r)
	if err != nil {
		writeResult(w, mediaJSON, status, dispatchRequestError(ctx, exec, err.Error()))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: graphql.Now(), End: graphql.Now()}

	rc, errs := exec.CreateOperationContext(ctx, params)
	if errs == nil && r.Method == http.MethodGet && rc.Operation.Operation == ast.Mutation {
		w.Header().Set("Allow", "POST")
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, rc),
			gqlerror.List{gqlerror.Errorf("mutations must use POST")})
		writeResult(w, mediaJSON, http.StatusMethodNotAllowed, requestResult(resp))
		return
	}

	st := &sseStream{w: w, rc: http.NewResponseController(w), timeout: s.WriteTimeout}
	h := w.Header()
	h.Set("Content-Type", mediaEventStream+"; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx would otherwise buffer the stream
	w.WriteHeader(http.StatusOK)
	if err := st.rc.Flush(); err != nil {
		s.Logger.WarnContext(ctx, "sse: response cannot be flushed; events will arrive late", "err", err)
	}

	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		if st.event("next", requestResult(resp)) == nil {
			_ = st.event("complete", nil)
		}
		return
	}
	s.stream(ctx, st, exec, rc)
}

func (s SSE) readParams(w http.ResponseWriter, r *http.Request) (*graphql.RawParams, int, error) {
	var (
		params *graphql.RawParams
		err    error
	)
	if r.Method == http.MethodGet {
		params, err = decodeQuery(r.URL.Query())
	} else {
		params, err = HTTP{MaxBodyBytes: s.MaxBodyBytes}.readPost(w, r)
	}
	if err == nil {
		return params, http.StatusOK, nil
	}
	var tooLarge *http.MaxBytesError
	var unsupported errUnsupportedMedia
	switch {
	case errors.As(err, &tooLarge):
		return nil, http.StatusRequestEntityTooLarge, badParams("request body is larger than %d bytes", tooLarge.Limit)
	case errors.As(err, &unsupported):
		return nil, http.StatusUnsupportedMediaType, err
	default:
		return nil, http.StatusBadRequest, err
	}
}

// stream runs the operation: a producer goroutine drives the executor's
// response handler while this goroutine alone writes events and heartbeats.
// It ends with complete, or silently when the client goes away.
func (s SSE) stream(ctx context.Context, st *sseStream, exec graphql.GraphExecutor, rc *graphql.OperationContext) {
	ctx, cancel := context.WithCancel(graphql.WithOperationContext(ctx, rc))
	results := make(chan *graphql.Response)
	go func() {
		defer close(results)
		defer func() {
			if r := recover(); r != nil {
				resp := &graphql.Response{Errors: gqlerror.List{presentPanic(ctx, rc, r)}}
				select {
				case results <- resp:
				case <-ctx.Done():
				}
			}
		}()
		responses, ctx := exec.DispatchOperation(ctx, rc)
		for {
			resp := responses(ctx)
			if resp == nil {
				return
			}
			// gqlgen reuses the buffer behind a subscription's resp.Data
			// for its next response: copy before another goroutine writes it.
			resp.Data = append(json.RawMessage(nil), resp.Data...)
			select {
			case results <- resp:
			case <-ctx.Done():
				return
			}
		}
	}()
	// The handler must not return while the producer still runs.
	defer func() {
		cancel()
		for range results {
		}
	}()

	var heartbeat <-chan time.Time
	if s.Heartbeat > 0 {
		t := time.NewTicker(s.Heartbeat)
		defer t.Stop()
		heartbeat = t.C
	}
	for {
		var err error
		select {
		case resp, ok := <-results:
			if !ok {
				if ctx.Err() == nil { // an ended stream, not a departed client
					_ = st.event("complete", nil)
				} else {
					endedBy(st, ctx)
				}
				return
			}
			err = st.event("next", resp)
		case <-heartbeat:
			err = st.write([]byte(":\n\n"))
		case <-ctx.Done():
			endedBy(st, ctx)
			return // client gone, or the server ended the stream
		}
		if err != nil {
			s.Logger.DebugContext(ctx, "sse: client went away", "err", err)
			return
		}
	}
}

// endedBy tells the client why the server ended its stream: a request
// context ending with a *gqlerror.Error cause (the viewer's token was
// revoked, say) gets a last next event carrying it, then complete.
func endedBy(st *sseStream, ctx context.Context) {
	var gqlErr *gqlerror.Error
	if !errors.As(context.Cause(ctx), &gqlErr) {
		return
	}
	if st.event("next", &graphql.Response{Errors: gqlerror.List{gqlErr}}) == nil {
		_ = st.event("complete", nil)
	}
}

// sseStream writes events and flushes each one.
type sseStream struct {
	w       io.Writer
	rc      *http.ResponseController
	timeout time.Duration
}

// event writes one event; data nil gives an empty data line, which
// EventSource needs to dispatch the event at all.
func (st *sseStream) event(name string, data any) error {
	b := make([]byte, 0, 256)
	b = append(b, "event: "...)
	b = append(b, name...)
	b = append(b, "\ndata:"...)
	head := len(b)
	switch data := data.(type) {
	case nil:
	case *graphql.Response:
		var err error
		b = append(b, ' ')
		if b, err = appendResponse(b, data); err != nil {
			return fmt.Errorf("sse %s event: %w", name, err)
		}
	default:
		payload, err := marshalPayload(data)
		if err != nil {
			return fmt.Errorf("sse %s event: %w", name, err)
		}
		b = append(b, ' ')
		b = append(b, payload...)
	}
	// A raw newline would end the data field early. JSON strings cannot
	// hold raw newlines, so any here are whitespace (gqlgen's Map marshaller
	// ends with one) and can go.
	if bytes.ContainsAny(b[head:], "\r\n") {
		payload := bytes.ReplaceAll(bytes.ReplaceAll(b[head:], []byte("\r"), nil), []byte("\n"), nil)
		b = append(b[:head], payload...)
	}
	b = append(b, "\n\n"...)
	return st.write(b)
}

func (st *sseStream) write(b []byte) error {
	// Deadlines bound a stalled client; they also lift the server's
	// WriteTimeout, which would otherwise cut every long stream.
	if err := st.rc.SetWriteDeadline(time.Now().Add(st.timeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return fmt.Errorf("sse deadline: %w", err)
	}
	if _, err := st.w.Write(b); err != nil {
		return fmt.Errorf("sse write: %w", err)
	}
	if err := st.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return fmt.Errorf("sse flush: %w", err)
	}
	return nil
}
