package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bcs-io/bcs/internal/secrets"
	"github.com/bcs-io/bcs/internal/server"
)

// records hands the log records of one message to a channel.
type records struct {
	slog.Handler
	msg string
	ch  chan slog.Record
}

func (h records) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.ch <- r.Clone()
	}
	return h.Handler.Handle(ctx, r)
}

// Once ready, serve gives back the start-up pages, and then answers
// health, GraphQL and GraphiQL as before: the code it pages out faults
// back in.
func TestServeReleasesStartupPagesAndServesOn(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	box, err := secrets.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.DefaultConfig
	cfg.Secrets = box
	released := make(chan slog.Record, 1)
	log := slog.New(records{Handler: slog.NewTextHandler(io.Discard, nil), msg: "released start-up pages", ch: released})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		errc <- serve(ctx, log, addr, "sqlite://"+filepath.Join(t.TempDir(), "bcs.db"), cfg, "", "", true)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Error(err)
		}
	})
	var rec slog.Record
	select {
	case rec = <-released:
	case err := <-errc:
		t.Fatalf("serve ended: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("no release within a minute of start")
	}
	attrs := map[string]int64{}
	rec.Attrs(func(a slog.Attr) bool { attrs[a.Key] = a.Value.Int64(); return true })
	if attrs["regions"] == 0 || attrs["rss_after_mib"] >= attrs["rss_before_mib"] {
		t.Fatalf("release: %v", attrs)
	}

	base := "http://" + addr
	for _, c := range []struct{ method, path, body, want string }{
		{"GET", "/readyz", "", "ready"},
		{"GET", "/graphiql", "", "<html"},
		{"POST", "/query", `{"query":"{ __typename }"}`, `"UNAUTHENTICATED"`},
	} {
		req, _ := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(b), c.want) {
			t.Errorf("%s %s after release: %d %.200s", c.method, c.path, res.StatusCode, b)
		}
	}
}
