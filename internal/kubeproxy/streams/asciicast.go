package streams

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
)

// recorder writes an asciicast v2 document
// (https://docs.asciinema.org/manual/asciicast/v2/) in memory, up to a size
// cap; past it the document ends with an "m" (marker) event saying so.
type recorder struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	start     time.Time
	limit     int
	truncated bool
}

// Default terminal size: the first resize event (a tty session sends one at
// once) gives the real one.
const defaultWidth, defaultHeight = 80, 24

func newRecorder(s *Session, limit int, now time.Time) *recorder {
	r := &recorder{start: now, limit: limit}
	header := map[string]any{
		"version":   2,
		"width":     defaultWidth,
		"height":    defaultHeight,
		"timestamp": now.Unix(),
		"command":   strings.Join(s.Command, " "),
		"title":     fmt.Sprintf("%s %s/%s %s", s.Kind, s.Namespace, s.Pod, s.Container),
	}
	line, _ := json.Marshal(header) // plain values: cannot fail
	r.buf.Write(line)
	r.buf.WriteByte('\n')
	return r
}

// event appends [seconds, kind, data]. Bytes that are not UTF-8 become
// U+FFFD, as asciicast stores text.
func (r *recorder) event(now time.Time, kind string, data []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.truncated {
		return
	}
	line, _ := json.Marshal([]any{seconds(now.Sub(r.start)), kind, string(data)})
	if r.buf.Len()+len(line)+1 > r.limit {
		r.truncated = true
		marker, _ := json.Marshal([]any{seconds(now.Sub(r.start)), "m",
			fmt.Sprintf("recording truncated: it reached the %d-byte cap", r.limit)})
		r.buf.Write(marker)
		r.buf.WriteByte('\n')
		return
	}
	r.buf.Write(line)
	r.buf.WriteByte('\n')
}

// seconds rounds to microseconds, asciicast's usual precision.
func seconds(d time.Duration) float64 { return float64(d.Microseconds()) / 1e6 }

func (r *recorder) result() ([]byte, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Clone(r.buf.Bytes()), r.truncated
}
