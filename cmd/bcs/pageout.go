package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
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
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodGet, "/readyz", nil))
		if rec.Code == http.StatusOK {
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
