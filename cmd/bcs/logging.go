package main

import (
	"log/slog"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// logFlags configure the structured logger every long-running command uses.
type logFlags struct {
	format, level string
}

func (l *logFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&l.format, "log-format", envOr("BCS_LOG_FORMAT", "text"), "text or json (BCS_LOG_FORMAT)")
	cmd.Flags().StringVar(&l.level, "log-level", envOr("BCS_LOG_LEVEL", "info"), "debug, info, warn or error (BCS_LOG_LEVEL)")
}

func (l *logFlags) logger() *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(l.level)); err != nil {
		lvl = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lvl}
	var h slog.Handler = slog.NewTextHandler(os.Stderr, opts)
	if strings.EqualFold(l.format, "json") {
		h = slog.NewJSONHandler(os.Stderr, opts)
	}
	log := slog.New(h)
	slog.SetDefault(log)
	return log
}

// redactURL drops the password from a database URL before it is logged.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}
