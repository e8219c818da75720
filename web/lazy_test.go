package web

import (
	"io/fs"
	"net/http"
	"sync/atomic"
	"testing"
)

// readCounter counts the files whose contents are opened (directories,
// which WalkDir lists, do not count).
type readCounter struct {
	fs.FS
	reads atomic.Int64
}

func (c *readCounter) Open(name string) (fs.File, error) {
	f, err := c.FS.Open(name)
	if err == nil {
		if st, err := f.Stat(); err == nil && !st.IsDir() {
			c.reads.Add(1)
		}
	}
	return f, err
}

// Building the handlers reads no asset: a replica that serves no browser
// never pages the console and GraphiQL in, nor copies them to the heap.
// The first request does, and gets the same answers as ever.
func TestAssetsAreReadOnFirstRequest(t *testing.T) {
	console := &readCounter{FS: fakeConsole()}
	graphiql := &readCounter{FS: fakeAssets()}
	ch := Console(ConsoleOptions{Assets: console})
	gh := Handler(Options{Assets: graphiql})
	if n, m := console.reads.Load(), graphiql.reads.Load(); n != 0 || m != 0 {
		t.Fatalf("building the handlers read %d console and %d GraphiQL files", n, m)
	}
	if res, body := get(t, ch, "/assets/index-abc123.js"); res.StatusCode != http.StatusOK || body != fakeScript || res.Header.Get("ETag") == "" {
		t.Fatalf("console asset: %d, etag %q, %d bytes", res.StatusCode, res.Header.Get("ETag"), len(body))
	}
	if res, body := get(t, ch, "/"); res.StatusCode != http.StatusOK || body != fakeIndex {
		t.Fatalf("console index: %d %q", res.StatusCode, body)
	}
	if res, body := get(t, gh, "/graphiql/assets/graphiql.min.js"); res.StatusCode != http.StatusOK || body != "/* graphiql.min.js */" {
		t.Fatalf("GraphiQL asset: %d %q", res.StatusCode, body)
	}
	if console.reads.Load() == 0 || graphiql.reads.Load() == 0 {
		t.Fatal("answered without reading the assets")
	}
}
