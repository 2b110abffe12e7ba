package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"prepay/money"
)

// TestCrashEvents runs the real binary with a subscription to
// TopupBalanceCreateEvent under concurrent top-ups, kills it with SIGKILL
// mid-load and restarts it on the same file. Every request that was sent
// is retried with its key after the restart; then every top-up that ended
// done has its event delivered, signed, exactly once by eventId (repeats
// carry the same eventId and body), and no event exists for a request
// refused (a voucher's losing racer) or never sent. The feed agrees with
// what was delivered. The receiver refuses some attempts, so retries are
// pending when the kill comes.
func TestCrashEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary: skipped with -short")
	}
	// startBinary's process takes the environment: short retries.
	t.Setenv("PREPAY_DELIVERY_BACKOFF", "5ms")
	t.Setenv("PREPAY_DELIVERY_MAX_BACKOFF", "20ms")
	t.Setenv("PREPAY_DELIVERY_TIMEOUT", "2s")
	bin := buildBinary(t)
	db := filepath.Join(t.TempDir(), "prepay.db")
	rng := rand.New(rand.NewPCG(*crashSeed, 1))
	t.Logf("seed %d (-crash.seed to change it)", *crashSeed)

	rc := newEventLog(t)
	srv := startBinary(t, bin, db)
	var sub struct{ ID, Secret string }
	answer := crashSend(t, "POST", srv.base+tmfJM+"hub", fmt.Sprintf(`{"callback":%q,"query":"eventType=TopupBalanceCreateEvent"}`, rc.URL+"/hook"), http.StatusCreated)
	if err := json.Unmarshal(answer, &sub); err != nil {
		t.Fatal(err)
	}
	rc.setSecret(sub.Secret)

	var reqs []*crashRequest
	for i := range 200 {
		reqs = append(reqs, &crashRequest{
			corr: fmt.Sprintf("crash-events-%d-amount-%d", *crashSeed, i),
			body: []byte(amountTopup(crashService, money.Amount(1000+i).String())),
		})
	}
	for i := range 8 {
		code := fmt.Sprintf("7799%04d", i)
		createVoucher(t, srv.base, code, money.Amount(500))
		for racer := range 2 {
			reqs = append(reqs, &crashRequest{
				corr:    fmt.Sprintf("crash-events-%d-voucher-%d-%d", *crashSeed, i, racer),
				body:    []byte(fmt.Sprintf(`{"partyAccount":{"id":%q},"voucher":%q}`, crashService, code)),
				voucher: code,
			})
		}
	}
	rng.Shuffle(len(reqs), func(i, j int) { reqs[i], reqs[j] = reqs[j], reqs[i] })

	killAt := len(reqs)/4 + rng.IntN(len(reqs)/2)
	t.Logf("SIGKILL after %d answers of %d", killAt, len(reqs))
	killed := false
	sendAll(srv.base, reqs, killAt, func() {
		killed = true
		srv.kill(t)
	}, func(r *crashRequest, status int, answer []byte, _ bool, _ string, err error) {
		r.sent = true
		if err == nil {
			r.status, r.answer = status, answer
		}
	})
	if !killed {
		t.Fatalf("the load ended before %d answers: the server was never killed", killAt)
	}
	deliveredBefore := rc.distinct()

	srv = startBinary(t, bin, db)
	// Every request sent before the kill, again with its key; those never
	// sent stay so.
	var sent []*crashRequest
	for _, r := range reqs {
		if r.sent {
			sent = append(sent, r)
		}
	}
	var mu sync.Mutex
	final := map[string]int{} // correlationId → status after the retry
	sendAll(srv.base, sent, 0, nil, func(r *crashRequest, status int, answer []byte, _ bool, _ string, err error) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err != nil:
			t.Errorf("%s after the restart: %v", r.corr, err)
		case r.status == http.StatusOK && status != http.StatusOK:
			t.Errorf("%s was answered 200 before the kill, %d after the restart: %s", r.corr, status, answer)
		case status != http.StatusOK && (status != http.StatusConflict || r.voucher == ""):
			t.Errorf("%s after the restart: %d %s", r.corr, status, answer)
		}
		final[r.corr] = status
	})
	if t.Failed() {
		return
	}
	want := map[string]bool{} // correlationId → its event must exist
	acknowledged, refused, unsent := 0, 0, 0
	for _, r := range reqs {
		done := final[r.corr] == http.StatusOK
		want[r.corr] = done
		switch {
		case r.status == http.StatusOK:
			acknowledged++
		case !r.sent:
			unsent++
		case !done:
			refused++
		}
	}

	// Wait, with a deadline, until every done top-up's event has arrived.
	deadline := time.After(60 * time.Second)
	for {
		missing := 0
		got := rc.byCorrelation()
		for corr, w := range want {
			if w && len(got[corr]) == 0 {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		select {
		case <-rc.arrived:
		case <-deadline:
			t.Fatalf("%d done top-ups' events never arrived", missing)
		}
	}

	// Delivered: exactly one eventId per done top-up, none for the others.
	// A few more attempts may still be under way; what arrived is checked.
	got := rc.byCorrelation()
	for corr, w := range want {
		switch ids := got[corr]; {
		case w && len(ids) != 1:
			t.Errorf("%s: events %v delivered; want exactly one", corr, ids)
		case !w && len(ids) != 0:
			t.Errorf("%s was refused or never sent, yet events %v were delivered", corr, ids)
		}
	}

	// The feed holds the same events, under the same eventIds.
	feed := map[string][]string{}
	after := "0"
	for {
		var page []envelopeJSON
		crashGet(t, srv.base+"/sandbox/v1/JM/events?limit=1000&after="+after, &page)
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			if e.EventType == "TopupBalanceCreateEvent" {
				feed[e.CorrelationID] = append(feed[e.CorrelationID], e.EventID)
			}
		}
		after = page[len(page)-1].EventID
	}
	wantFeed := map[string][]string{}
	for corr, w := range want {
		if w {
			wantFeed[corr] = got[corr]
		}
	}
	for corr := range feed {
		if _, ours := want[corr]; !ours {
			delete(feed, corr)
		}
	}
	if diff := cmp.Diff(wantFeed, feed); diff != "" {
		t.Errorf("the feed's TopupBalanceCreateEvents by correlationId (-delivered +feed):\n%s", diff)
	}

	attempts, repeats, badSig := rc.stats()
	if badSig > 0 {
		t.Errorf("%d deliveries whose signature did not verify", badSig)
	}
	t.Logf("%d acknowledged before the kill, %d refused, %d never sent; %d events delivered before the kill; %d attempts in all, %d repeats of a delivered eventId",
		acknowledged, refused, unsent, deliveredBefore, attempts, repeats)
	if err := srv.terminate(); err != nil {
		t.Errorf("SIGTERM: %v, want exit status 0\n%s", err, srv.stderr.String())
	}
}

// eventLog is a receiver in the test process that verifies each
// delivery's signature, answers 500 to every seventh attempt, and keeps
// what it took by eventId.
type eventLog struct {
	*httptest.Server
	arrived chan struct{} // a value after each delivery taken

	mu       sync.Mutex
	secret   string
	n        int
	byID     map[string][]byte // eventId → body
	repeats  int
	badSig   int
	attempts int
}

func newEventLog(t *testing.T) *eventLog {
	t.Helper()
	l := &eventLog{arrived: make(chan struct{}, 1), byID: map[string][]byte{}}
	l.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		l.attempts++
		if l.n++; l.n%7 == 0 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		if _, ok := signed(l.secret, r.Header.Get("X-Prepay-Signature"), body); !ok {
			l.badSig++
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var e envelopeJSON
		if err := json.Unmarshal(body, &e); err != nil || e.EventID == "" || e.EventID != r.Header.Get("X-Prepay-Event-Id") {
			t.Errorf("delivery %s: envelope %v, X-Prepay-Event-Id %q", body, err, r.Header.Get("X-Prepay-Event-Id"))
		}
		if prev, ok := l.byID[e.EventID]; ok {
			l.repeats++
			if !bytes.Equal(prev, body) {
				t.Errorf("event %s delivered again with another body:\n%s\n%s", e.EventID, prev, body)
			}
		}
		l.byID[e.EventID] = body
		w.WriteHeader(http.StatusNoContent)
		select {
		case l.arrived <- struct{}{}:
		default:
		}
	}))
	t.Cleanup(l.Close)
	return l
}

func (l *eventLog) setSecret(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.secret = s
}

// byCorrelation returns the eventIds taken, by correlationId, sorted.
func (l *eventLog) byCorrelation() map[string][]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string][]string{}
	for id, body := range l.byID {
		var e envelopeJSON
		json.Unmarshal(body, &e)
		out[e.CorrelationID] = append(out[e.CorrelationID], id)
	}
	for _, ids := range out {
		slices.Sort(ids)
	}
	return out
}

func (l *eventLog) distinct() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.byID)
}

func (l *eventLog) stats() (attempts, repeats, badSig int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.attempts, l.repeats, l.badSig
}

// signed reports whether sig, an X-Prepay-Signature value, signs body
// with secret, as a receiver checks it, and returns its t.
func signed(secret, sig string, body []byte) (ts string, ok bool) {
	var v1 string
	for part := range strings.SplitSeq(sig, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			v1 = v
		}
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	return ts, ts != "" && hmac.Equal([]byte(v1), []byte(hex.EncodeToString(mac.Sum(nil))))
}
