package due

import (
	"context"
	"log/slog"
	"time"

	"prepay/storage"
)

// Every is how often the worker looks for what has fallen due: things
// happen at most about this late on a running clock.
const Every = time.Second

// Run passes over every sandbox of store each time tick fires, until ctx
// is done; it returns when the pass in progress has ended, so the caller
// can close the store after it.
func Run(ctx context.Context, store *storage.Store, tick <-chan time.Time, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
			PassAll(ctx, store, log)
		}
	}
}

// PassAll runs Pass on every sandbox of store, stopping early when ctx is
// done. A sandbox that fails is logged and left for the next pass.
func PassAll(ctx context.Context, store *storage.Store, log *slog.Logger) {
	for _, sb := range store.Sandboxes() {
		if ctx.Err() != nil {
			return
		}
		h, err := Pass(sb)
		if err != nil {
			log.Warn("due: pass failed", "sandbox", sb.ID(), "err", err.Error())
			continue
		}
		if h != (storage.Happened{}) {
			log.Info("due: happened", "sandbox", sb.ID(), "bucketsExpired", h.BucketsExpired,
				"reservationsReleased", h.ReservationsReleased, "topupsCredited", h.TopupsCredited)
		}
	}
}
