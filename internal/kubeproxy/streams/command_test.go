package streams

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRecordedCommandIsBounded(t *testing.T) {
	if got := recordedCommand([]string{"sh", "-c", "echo hi"}); strings.Join(got, " ") != "sh -c echo hi" {
		t.Fatalf("a short command changed: %q", got)
	}
	huge := []string{"sh", "-c", strings.Repeat("é", 300_000)}
	got := recordedCommand(huge)
	total := 0
	for _, a := range got {
		total += len(a)
		if !utf8.ValidString(a) {
			t.Fatalf("cut mid-character: %q", a[len(a)-20:])
		}
	}
	if total > maxRecordedCommand+len("…[truncated]") || !strings.HasSuffix(got[len(got)-1], "…[truncated]") {
		t.Fatalf("recorded %d bytes of a 600 KB command, marked %v", total, strings.HasSuffix(got[len(got)-1], "…[truncated]"))
	}
	many := make([]string, 100_000)
	for i := range many {
		many[i] = "x"
	}
	if got := recordedCommand(many); len(got) > maxRecordedCommand+1 {
		t.Fatalf("kept %d arguments", len(got))
	}
}
