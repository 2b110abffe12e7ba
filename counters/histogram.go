package counters

import (
	"strconv"
	"sync/atomic"
	"time"
)

// boundsMicros are the upper bounds, in microseconds, of the latency
// buckets; a last bucket takes everything slower. They are fixed so that
// two readings of /debug/vars can be subtracted bucket by bucket.
var boundsMicros = [...]int64{100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000,
	50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000}

// histogram counts durations into the buckets of boundsMicros. It is an
// expvar.Var that writes its buckets in order of their bounds.
type histogram struct {
	counts [len(boundsMicros) + 1]atomic.Int64
	sum    atomic.Int64 // microseconds, for a mean
}

func (h *histogram) observe(d time.Duration) {
	us := d.Microseconds()
	i := 0
	for i < len(boundsMicros) && us > boundsMicros[i] {
		i++
	}
	h.counts[i].Add(1)
	h.sum.Add(us)
}

// String writes {"100":n,"250":n,…,"+Inf":n,"count":n,"sum_us":n}: each key
// a bucket's upper bound, each count the requests that took more than the
// previous bound and at most this one.
func (h *histogram) String() string {
	b := []byte{'{'}
	var count int64
	for i := range h.counts {
		bound := "+Inf"
		if i < len(boundsMicros) {
			bound = strconv.FormatInt(boundsMicros[i], 10)
		}
		n := h.counts[i].Load()
		count += n
		b = strconv.AppendQuote(b, bound)
		b = append(b, ':')
		b = strconv.AppendInt(b, n, 10)
		b = append(b, ',')
	}
	b = append(b, `"count":`...)
	b = strconv.AppendInt(b, count, 10)
	b = append(b, `,"sum_us":`...)
	b = strconv.AppendInt(b, h.sum.Load(), 10)
	return string(append(b, '}'))
}
