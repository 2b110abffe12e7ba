package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"

	"prepay/money"
	"prepay/tmf"
)

var testNow = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)

func openDemo(t testing.TB) *Store {
	t.Helper()
	return openDemoAt(t, filepath.Join(t.TempDir(), "prepay.db"))
}

// openDemoAt is openDemo on the file at path, which the test may close and
// open again itself.
func openDemoAt(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ds, err := ParseDataSet(Demo)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Load(ds, testNow); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOpenLockedFileFailsFast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prepay.db")
	first, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	second, err := Open(path)
	if err == nil {
		second.Close()
		t.Fatal("second Open of a locked file succeeded")
	}
	if !strings.Contains(err.Error(), "locked by another process") {
		t.Errorf("error = %q, want it to say the file is locked", err)
	}
}

func TestOpenRefusesForeignFiles(t *testing.T) {
	dir := t.TempDir()
	foreign := filepath.Join(dir, "foreign.db")
	db, err := bolt.Open(foreign, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("other")); return err })
	db.Close()

	oldSchema := filepath.Join(dir, "old.db")
	db, _ = bolt.Open(oldSchema, 0o600, nil)
	db.Update(func(tx *bolt.Tx) error {
		b, _ := tx.CreateBucket(bucketMeta)
		return b.Put(keySchema, []byte("0"))
	})
	db.Close()

	garbage := filepath.Join(dir, "garbage.db")
	content := []byte(strings.Repeat("definitely not bbolt\n", 500))
	os.WriteFile(garbage, content, 0o600)

	tests := []struct {
		name, path, want string
	}{
		{"garbage", garbage, "not a prepay database or corrupt"},
		{"another program's bbolt file", foreign, `holds bucket "other" but no schema`},
		{"other schema version", oldSchema, `schema version "0", want "3"`},
		{"directory", dir, "is a directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(tc.path)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error = %q, want one line containing %q", err, tc.want)
			}
		})
	}
	after, _ := os.ReadFile(garbage)
	if diff := cmp.Diff(content, after); diff != "" {
		t.Error("garbage file was modified")
	}
}

func TestLoadOnlyIntoEmpty(t *testing.T) {
	s := openDemo(t)
	ds, _ := ParseDataSet(Demo)
	if err := s.Load(ds, testNow); err == nil {
		t.Fatal("second Load succeeded")
	}
	if empty, _ := s.Empty(); empty {
		t.Error("Empty after Load")
	}
	if err := s.Ping(); err != nil {
		t.Errorf("Ping = %v", err)
	}
}

func TestDemoDataSet(t *testing.T) {
	s := openDemo(t)
	jm, err := s.Default().BusinessUnit("JM")
	if err != nil || jm.Currency != "JMD" || jm.Location().String() != "America/Jamaica" {
		t.Fatalf("JM = %+v, %v", jm, err)
	}
	if _, err := s.Default().BusinessUnit("XX"); !errors.Is(err, ErrNotFound) {
		t.Errorf("BusinessUnit(XX) error = %v", err)
	}
	err = s.Default().View(func(tx *Tx) error {
		sub, err := tx.Service("JM", "18763187057", tmf.LOBPrepaid)
		if err != nil {
			return err
		}
		// "+30d" is midnight in Jamaica thirty days after the load.
		wantExpiry := time.Date(2026, 12, 23, 5, 0, 0, 0, time.UTC)
		if got := sub.Buckets[0]; got.Balance() != money.MustParse("22.59") || !got.Expiry.Equal(wantExpiry) {
			t.Errorf("primary = %+v, want 22.59 until %v", got, wantExpiry)
		}
		if _, err := tx.Service("JM", "18763187057", tmf.LOBPostpaid); !errors.Is(err, ErrNotFound) {
			t.Errorf("service under another lob: %v, want ErrNotFound", err)
		}
		v, err := tx.Voucher("JM", "89742282598199")
		if err != nil || v.Amount != 500 || v.Redeemed() {
			t.Errorf("voucher = %+v, %v", v, err)
		}
		c, err := tx.Client("sandbox-admin")
		if err != nil || !c.CheckSecret("sandbox-admin-secret") || c.CheckSecret("sandbox-admin-secreT") {
			t.Errorf("client secret check failed: %+v %v", c, err)
		}
		if strings.Contains(fmt.Sprint(c), "sandbox-admin-secret") {
			t.Error("client record holds the plain secret")
		}
		actions, total, err := tx.Actions(ActionWindow{BusinessID: "JM", ProductID: "32970253",
			From: time.Date(2022, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2022, 11, 30, 0, 0, 0, 0, time.UTC)})
		if err != nil || total != 1 || len(actions[0].Balances) != 31 || len(actions[0].Accumulators) != 9 {
			t.Errorf("seed 002 history: total %d, %v", total, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestParseDataSetErrors(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"not JSON", `{`, "data set"},
		{"unknown field", `{"businessUnit":[]}`, "unknown field"},
		{"bad id", `{"businessUnits":[{"id":"jm","currency":"JMD","zone":"America/Jamaica","topup":"live"}]}`, "2–3 capital letters"},
		{"bad zone", `{"businessUnits":[{"id":"JM","currency":"JMD","zone":"Mars/Base","topup":"live"}]}`, `unknown zone "Mars/Base"`},
		{"bad mode", `{"businessUnits":[{"id":"JM","currency":"JMD","zone":"UTC","topup":"maybe"}]}`, `got "maybe"`},
		{"short secret", `{"clients":[{"id":"abcde","secret":"x"}]}`, "at least 5"},
		{"bad scope", `{"clients":[{"id":"abcde","secret":"abcde","scopes":["all"]}]}`, `unknown scope "all"`},
		{"subscriber of unknown unit", `{"subscribers":[{"businessId":"JM","serviceNo":"1","lob":"PREPAID"}]}`, "unknown business unit"},
		{"bad expiry", `{"businessUnits":[{"id":"JM","currency":"JMD","zone":"UTC","topup":"live"}],
			"subscribers":[{"businessId":"JM","serviceNo":"1","lob":"PREPAID","buckets":[{"id":"1","type":"Core","expiry":"soon"}]}]}`, `got "soon"`},
		{"bad lob", `{"businessUnits":[{"id":"JM","currency":"JMD","zone":"UTC","topup":"live"}],
			"subscribers":[{"businessId":"JM","serviceNo":"1","lob":"prepaid"}]}`, "lob must be"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseDataSet([]byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseDataSet error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestResolveExpiry(t *testing.T) {
	nassau, _ := time.LoadLocation("America/Nassau")
	tests := []struct {
		in   string
		want time.Time
	}{
		{"+0d", time.Date(2026, 11, 23, 5, 0, 0, 0, time.UTC)},
		{"+30d", time.Date(2026, 12, 23, 5, 0, 0, 0, time.UTC)},
		{"+365d", time.Date(2027, 11, 23, 5, 0, 0, 0, time.UTC)},
		// Crossing into summer time: midnight is then at 04:00 UTC.
		{"+200d", time.Date(2027, 6, 11, 4, 0, 0, 0, time.UTC)},
		{"2030-01-01T00:00:00-05:00", time.Date(2030, 1, 1, 5, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		got, err := resolveExpiry(tc.in, testNow, nassau)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("resolveExpiry(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// TestGroupCommit holds the writer in one transaction while more writes
// queue, then checks that the queued writes share one transaction and that
// one failing write undoes only itself.
func TestGroupCommit(t *testing.T) {
	s := openDemo(t)
	release := make(chan struct{})
	started := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.Default().Update(func(tx *Tx) error {
			select {
			case <-started:
			default:
				close(started)
			}
			<-release
			return nil
		})
	}()
	<-started

	const n = 20
	ids := make([]int, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Default().Update(func(tx *Tx) error {
				ids[i] = tx.ID()
				v := Voucher{BusinessID: "JM", Code: fmt.Sprintf("group-%02d", i), Amount: 100}
				if err := tx.PutVoucher(v); err != nil {
					return err
				}
				if i == 7 {
					return errors.New("refused after writing")
				}
				return nil
			})
		}()
	}
	// Wait until every write is queued behind the held transaction.
	deadline := time.Now().Add(10 * time.Second)
	for len(s.writes) < n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()

	for i, err := range errs {
		if (i == 7) != (err != nil) {
			t.Errorf("write %d: error %v", i, err)
		}
	}
	shared := map[int]bool{}
	for i, id := range ids {
		if i != 7 {
			shared[id] = true
		}
	}
	if len(shared) != 1 {
		t.Errorf("the %d queued writes committed in %d transactions, want 1", n-1, len(shared))
	}
	s.Default().View(func(tx *Tx) error {
		for i := range n {
			_, err := tx.Voucher("JM", fmt.Sprintf("group-%02d", i))
			if (i == 7) != errors.Is(err, ErrNotFound) {
				t.Errorf("voucher %d after commit: %v", i, err)
			}
		}
		return nil
	})
}

func TestUpdateRecoversPanic(t *testing.T) {
	s := openDemo(t)
	err := s.Default().Update(func(tx *Tx) error { panic("bad write") })
	if err == nil || !strings.Contains(err.Error(), "panic") {
		t.Fatalf("Update = %v, want a panic error", err)
	}
	if err := s.Default().Update(func(tx *Tx) error { return nil }); err != nil {
		t.Fatalf("writer dead after a panic: %v", err)
	}
}

func TestUpdateAfterClose(t *testing.T) {
	s := openDemo(t)
	s.Close()
	if err := s.Default().Update(func(tx *Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("Update after Close = %v, want ErrClosed", err)
	}
}

func TestActionsWindow(t *testing.T) {
	s := openDemo(t)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	err := s.Default().Update(func(tx *Tx) error {
		for i := range 10 {
			a := &Action{BusinessID: "JM", ProductID: "p1", Type: "TopupBalance",
				ConfirmationDate: base.Add(time.Duration(i) * time.Hour), Amount: money.Amount(i)}
			if err := tx.AddAction(a); err != nil {
				return err
			}
		}
		// A product whose id extends p1 must not leak into p1's window.
		return tx.AddAction(&Action{BusinessID: "JM", ProductID: "p10", ConfirmationDate: base.Add(2 * time.Hour)})
	})
	if err != nil {
		t.Fatal(err)
	}
	hour := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }
	tests := []struct {
		name        string
		w           ActionWindow
		wantAmounts []money.Amount
		wantTotal   int
	}{
		{"inclusive bounds", ActionWindow{From: hour(2), To: hour(5)}, []money.Amount{5, 4, 3, 2}, 4},
		{"limit", ActionWindow{From: hour(0), To: hour(9), Limit: 3}, []money.Amount{9, 8, 7}, 10},
		{"offset and limit", ActionWindow{From: hour(0), To: hour(9), Offset: 8, Limit: 3}, []money.Amount{1, 0}, 10},
		{"offset past the end", ActionWindow{From: hour(0), To: hour(9), Offset: 20}, nil, 10},
		{"window past the end", ActionWindow{From: hour(50), To: hour(60)}, nil, 0},
		{"window before the start", ActionWindow{From: hour(-10), To: hour(-1)}, nil, 0},
		{"upper bound after everything", ActionWindow{From: hour(8), To: hour(1000)}, []money.Amount{9, 8}, 2},
		{"one millisecond short", ActionWindow{From: hour(3).Add(time.Millisecond), To: hour(4).Add(-time.Millisecond)}, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.w.BusinessID, tc.w.ProductID = "JM", "p1"
			var got []money.Amount
			var total int
			s.Default().View(func(tx *Tx) error {
				actions, n, err := tx.Actions(tc.w)
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range actions {
					got = append(got, a.Amount)
				}
				total = n
				return nil
			})
			if diff := cmp.Diff(tc.wantAmounts, got); diff != "" || total != tc.wantTotal {
				t.Errorf("amounts (-want +got):\n%s total %d, want %d", diff, total, tc.wantTotal)
			}
		})
	}
}

func TestPurgeIdempotency(t *testing.T) {
	s := openDemo(t)
	err := s.Default().Update(func(tx *Tx) error {
		for i := range 5 {
			r := Idempotency{ClientID: "c", BusinessID: "JM", Key: fmt.Sprint("k", i), Status: 200,
				Created: testNow.Add(time.Duration(i) * time.Hour)}
			if err := tx.PutIdempotency(r); err != nil {
				return err
			}
		}
		// k0 is stored again later: its old index entry must not delete it.
		return tx.PutIdempotency(Idempotency{ClientID: "c", BusinessID: "JM", Key: "k0", Status: 200,
			Created: testNow.Add(10 * time.Hour)})
	})
	if err != nil {
		t.Fatal(err)
	}
	var purged int
	s.Default().Update(func(tx *Tx) (err error) {
		purged, err = tx.PurgeIdempotency(testNow.Add(3*time.Hour), 100)
		return err
	})
	if purged != 3 { // k0's old entry, k1, k2
		t.Errorf("purged %d index entries, want 3", purged)
	}
	s.Default().View(func(tx *Tx) error {
		for i, want := range []bool{true, false, false, true, true} {
			_, err := tx.Idempotency("c", "JM", fmt.Sprint("k", i))
			if got := err == nil; got != want {
				t.Errorf("k%d kept = %v, want %v", i, got, want)
			}
		}
		return nil
	})
	// The purge is bounded per call.
	s.Default().Update(func(tx *Tx) (err error) {
		purged, err = tx.PurgeIdempotency(testNow.Add(100*time.Hour), 1)
		return err
	})
	if purged != 1 {
		t.Errorf("bounded purge removed %d, want 1", purged)
	}
}

// TestRefusalsRunOnce holds a batch of writes, half of which refuse, behind
// one slow transaction: each function runs exactly once (a refusal costs
// its neighbours no rerun), every refusal reaches its caller as the answer
// it gave, and only once its neighbours' writes are committed.
func TestRefusalsRunOnce(t *testing.T) {
	s := openDemo(t)
	release := make(chan struct{})
	started := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.Default().Update(func(tx *Tx) error {
			close(started)
			<-release
			return nil
		})
	}()
	<-started

	const n = 128
	answer := errors.New("refused: nothing to do")
	calls := make([]atomic.Int32, n)
	errs := make([]error, n)
	committedBefore := make([]int, n) // writers' vouchers visible when a refusal is answered
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Default().Update(func(tx *Tx) error {
				calls[i].Add(1)
				if i%2 == 1 {
					return Refuse(answer)
				}
				return tx.PutVoucher(Voucher{BusinessID: "JM", Code: fmt.Sprintf("refusal-%03d", i), Amount: 100})
			})
			if i%2 == 1 {
				s.Default().View(func(tx *Tx) error {
					for j := 0; j < n; j += 2 {
						if _, err := tx.Voucher("JM", fmt.Sprintf("refusal-%03d", j)); err == nil {
							committedBefore[i]++
						}
					}
					return nil
				})
			}
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(s.writes) < n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()

	for i := range n {
		if got := calls[i].Load(); got != 1 {
			t.Errorf("write %d ran %d times, want 1", i, got)
		}
		switch {
		case i%2 == 1 && !errors.Is(errs[i], answer):
			t.Errorf("refusing write %d = %v, want its answer", i, errs[i])
		case i%2 == 1 && committedBefore[i] != n/2:
			t.Errorf("refusal %d answered when %d of %d neighbours had committed", i, committedBefore[i], n/2)
		case i%2 == 0 && errs[i] != nil:
			t.Errorf("write %d = %v", i, errs[i])
		}
	}
}
