package tunnel

import (
	"context"
	"io"
	"log/slog"
	"sync"

	"github.com/sirupsen/logrus"
)

var bridgeOnce sync.Once

// bridgeLogrus sends remotedialer's logrus output to slog (component
// "tunnel"), at debug level except errors: the library logs every
// connection at info, which BCS's own connect and disconnect lines replace.
// logrus is global, so the first logger given wins; BCS uses logrus for
// nothing else.
func bridgeLogrus(log *slog.Logger) {
	bridgeOnce.Do(func() {
		logrus.SetOutput(io.Discard)
		logrus.SetLevel(logrus.InfoLevel)
		logrus.AddHook(slogHook{log: log.With("component", "tunnel", "library", "remotedialer")})
	})
}

type slogHook struct{ log *slog.Logger }

func (slogHook) Levels() []logrus.Level { return logrus.AllLevels }

func (h slogHook) Fire(e *logrus.Entry) error {
	level := slog.LevelDebug
	if e.Level <= logrus.ErrorLevel {
		level = slog.LevelWarn
	}
	attrs := make([]any, 0, 2*len(e.Data))
	for k, v := range e.Data {
		attrs = append(attrs, k, v)
	}
	h.log.Log(context.Background(), level, e.Message, attrs...)
	return nil
}
