// Package testlog keeps test output quiet unless a test fails. Writer and
// New send a component's logs to one test's own output, which go test
// shows only when that test fails (or with -v); Run gives slog's default
// logger, which code outside any test writes to, a buffer of its last
// lines that is printed only when the package fails.
package testlog

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"
)

// Writer writes to t's output until t's cleanup ends; lines written later,
// by goroutines that outlive the test, are dropped (testing panics on
// output once a test and its parents have returned). Call it before starting what logs,
// so that its cleanup runs after theirs.
func Writer(t testing.TB) io.Writer {
	w := &testWriter{out: t.Output()}
	t.Cleanup(w.close)
	return w
}

// New returns a text logger writing to Writer(t).
func New(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(Writer(t), nil))
}

type testWriter struct {
	mu  sync.Mutex
	out io.Writer // nil once the test is over
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.out != nil {
		_, _ = w.out.Write(p)
	}
	return len(p), nil
}

func (w *testWriter) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.out = nil
}

// keep is how many of the last default-logger lines Run holds.
const keep = 300

// Run runs the tests with slog's default logger (and so the log package)
// writing to a buffer of its last lines, which it prints to stderr when a
// test failed. It returns m.Run's exit code.
func Run(m *testing.M) int {
	r := &ring{lines: make([][]byte, 0, keep)}
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(r, &slog.HandlerOptions{Level: slog.LevelDebug})))
	code := m.Run()
	slog.SetDefault(prev)
	if code != 0 {
		r.dump(os.Stderr)
	}
	return code
}

// ring holds the last keep lines written to it.
type ring struct {
	mu      sync.Mutex
	lines   [][]byte
	next    int
	dropped int
}

func (r *ring) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, line := range bytes.SplitAfter(p, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		line = bytes.Clone(line)
		if len(r.lines) < keep {
			r.lines = append(r.lines, line)
			continue
		}
		r.lines[r.next] = line
		r.next = (r.next + 1) % keep
		r.dropped++
	}
	return len(p), nil
}

func (r *ring) dump(w io.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.lines) == 0 {
		return
	}
	fmt.Fprintf(w, "--- logs outside any test (last %d lines, %d earlier dropped):\n", len(r.lines), r.dropped)
	for i := range r.lines {
		_, _ = w.Write(r.lines[(r.next+i)%len(r.lines)])
	}
}
