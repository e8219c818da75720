package testlog

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestRingKeepsTheLastLines(t *testing.T) {
	r := &ring{}
	for i := range keep + 5 {
		fmt.Fprintf(r, "line %d\n", i)
	}
	var out bytes.Buffer
	r.dump(&out)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != keep+1 || !strings.Contains(lines[0], "5 earlier dropped") ||
		lines[1] != "line 5" || lines[keep] != fmt.Sprintf("line %d", keep+4) {
		t.Fatalf("dump: header %q, first %q, last %q (%d lines)", lines[0], lines[1], lines[len(lines)-1], len(lines))
	}
}

func TestWriterDropsLinesAfterTheTest(t *testing.T) {
	var w *testWriter
	t.Run("inner", func(t *testing.T) {
		w = Writer(t).(*testWriter)
		if _, err := w.Write([]byte("during the test\n")); err != nil {
			t.Fatal(err)
		}
	})
	// The inner test is over: testing would panic on its output.
	if n, err := w.Write([]byte("after\n")); n != 6 || err != nil {
		t.Fatalf("write after the test: %d %v", n, err)
	}
}
