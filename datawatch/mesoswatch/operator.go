package mesoswatch

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mesos/mesos-go/api/v1/lib/master"

	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler"
)

// The master's operator event stream: POST /api/v1 {"type":"SUBSCRIBE"},
// answered 200 with RecordIO-framed events in the accepted type (JSON
// here), or 307 to the leader from a follower.

// streamClient has no overall timeout (the stream lives long; silence is
// detected by missed heartbeats) and does not follow redirects itself: a
// 307's Location is scheme-relative and the body must be resent.
var streamClient = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		ResponseHeaderTimeout: 15 * time.Second,
		IdleConnTimeout:       time.Minute,
	},
}

// streamClientFor is streamClient, confined to cfg's MasterPolicy when it
// has one (clusters registered by users who are not platform admins).
func streamClientFor(cfg scheduler.Config) *http.Client {
	if cfg.MasterPolicy == nil {
		return streamClient
	}
	t := streamClient.Transport.(*http.Transport).Clone()
	cfg.ConfineTransport(t)
	c := *streamClient
	c.Transport = t
	return &c
}

// maxRedirects bounds 307 hops (masters pointing at each other mid-election).
const maxRedirects = 3

// operatorStream is one open SUBSCRIBE response.
type operatorStream struct {
	master string // base URL actually streaming
	body   io.ReadCloser
	frames *bufio.Reader
	once   sync.Once
}

// subscribe opens the stream at base (http://host:port), following
// redirects to the leading master.
func subscribe(ctx context.Context, client *http.Client, base string) (*operatorStream, error) {
	target := strings.TrimRight(base, "/") + "/api/v1"
	for range maxRedirects + 1 {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(`{"type":"SUBSCRIBE"}`))
		if err != nil {
			return nil, fmt.Errorf("operator subscribe: %w", err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("operator subscribe %s: %w", target, err)
		}
		switch resp.StatusCode {
		case http.StatusOK:
			u, _ := url.Parse(target)
			return &operatorStream{master: u.Scheme + "://" + u.Host, body: resp.Body,
				frames: bufio.NewReaderSize(resp.Body, 64<<10)}, nil
		case http.StatusTemporaryRedirect:
			loc, err := req.URL.Parse(resp.Header.Get("Location")) // "//leader:5050/api/v1"
			resp.Body.Close()
			if err != nil || resp.Header.Get("Location") == "" {
				return nil, fmt.Errorf("operator subscribe %s: redirect without a usable Location", target)
			}
			target = loc.String()
		default:
			msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			resp.Body.Close()
			return nil, fmt.Errorf("operator subscribe %s: %s: %s", target, resp.Status, strings.TrimSpace(string(msg)))
		}
	}
	return nil, fmt.Errorf("operator subscribe %s: too many redirects", base)
}

// maxFrame bounds one record: SUBSCRIBED carries the whole state, far
// larger than other events on a big cluster, but not without limit.
const maxFrame = 256 << 20

// readFrame reads one RecordIO record: a decimal length, a newline, then
// that many bytes (mesos-go's reader caps records at 4 MiB and would
// preallocate half of any larger cap).
func (s *operatorStream) readFrame() ([]byte, error) {
	line, err := s.frames.ReadSlice('\n')
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(line)))
	if err != nil || n <= 0 || n > maxFrame {
		return nil, fmt.Errorf("bad record length %q", line)
	}
	frame := make([]byte, n)
	if _, err := io.ReadFull(s.frames, frame); err != nil {
		return nil, err
	}
	return frame, nil
}

// next reads one event. Frames are decoded with encoding/json, which the
// mesos-go types support (enums as names, nulls for empty lists).
func (s *operatorStream) next() (*master.Event, error) {
	frame, err := s.readFrame()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("operator stream ended")
		}
		return nil, fmt.Errorf("operator stream: %w", err)
	}
	ev := &master.Event{}
	if err := json.Unmarshal(frame, ev); err != nil {
		return nil, fmt.Errorf("operator stream: decode event: %w", err)
	}
	return ev, nil
}

// close ends the stream; safe to call more than once and concurrently with
// next, which then fails.
func (s *operatorStream) close() { s.once.Do(func() { s.body.Close() }) }
