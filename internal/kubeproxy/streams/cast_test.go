package streams_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"

	"github.com/bcs-io/bcs/ent/schema/gid"
)

type castEvent struct {
	at   float64
	kind string
	data string
}

// parseCast reads an asciicast v2 document strictly: a JSON header, then
// [time, kind, data] lines with non-decreasing times.
func parseCast(t testing.TB, doc []byte) (map[string]any, []castEvent) {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(doc))
	sc.Buffer(nil, 1<<20)
	if !sc.Scan() {
		t.Fatal("empty recording")
	}
	var header map[string]any
	if err := json.Unmarshal(sc.Bytes(), &header); err != nil {
		t.Fatalf("header %q: %v", sc.Text(), err)
	}
	var events []castEvent
	last := 0.0
	for sc.Scan() {
		var raw []any
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil || len(raw) != 3 {
			t.Fatalf("event %q: %v", sc.Text(), err)
		}
		at, ok1 := raw[0].(float64)
		kind, ok2 := raw[1].(string)
		data, ok3 := raw[2].(string)
		if !ok1 || !ok2 || !ok3 || at < last {
			t.Fatalf("event %q is not [time, kind, data] in order", sc.Text())
		}
		last = at
		events = append(events, castEvent{at, kind, data})
	}
	return header, events
}

func idOf(s string) gid.ID { return gid.ID(s) }
