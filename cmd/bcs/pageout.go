package main

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/bcs-io/bcs/internal/pageout"
)

// releaseStartupPages waits until the replica answers /readyz with 200 —
// start-up (package init, migrations, the schema, ZooKeeper when set) is
// behind it — then gives back the executable's read-only pages start-up
// faulted in (see package pageout).
func releaseStartupPages(ctx context.Context, log *slog.Logger, h http.Handler) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "/readyz", nil)
		if err != nil {
			return
		}
		req.RemoteAddr, req.Host = "127.0.0.1:0", "localhost"
		var st statusOnly
		h.ServeHTTP(&st, req)
		if st.code == http.StatusOK {
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
	// Start-up's garbage (schema parsing, migrations) goes back to the OS
	// too, rather than waiting for the scavenger.
	debug.FreeOSMemory()
	res, err := pageout.Release()
	if err != nil {
		log.Info("start-up pages not released", "err", err)
	} else {
		log.Info("released start-up pages", "regions", res.Regions, "advised_mib", int64(res.Bytes>>20),
			"rss_before_mib", res.RSSBefore>>20, "rss_after_mib", res.RSSAfter>>20)
	}
}

// statusOnly is a ResponseWriter that keeps the status and drops the body.
type statusOnly struct {
	header http.Header
	code   int
}

func (s *statusOnly) Header() http.Header {
	if s.header == nil {
		s.header = http.Header{}
	}
	return s.header
}

func (s *statusOnly) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
}

func (s *statusOnly) Write(b []byte) (int, error) {
	s.WriteHeader(http.StatusOK)
	return len(b), nil
}
