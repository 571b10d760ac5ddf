package sim

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// traceHandler records the nodes' log lines (leader changes, membership,
// liveness) in the cluster's trace, so a replayed seed shows them in order.
type traceHandler struct {
	c     *Cluster
	attrs []slog.Attr
}

func (h traceHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h traceHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	for _, a := range h.attrs {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
	}
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	h.c.Tracef("%s", b.String())
	return nil
}

func (h traceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return traceHandler{c: h.c, attrs: append(append([]slog.Attr(nil), h.attrs...), attrs...)}
}

func (h traceHandler) WithGroup(string) slog.Handler { return h }
