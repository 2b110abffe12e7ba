package ledger

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"prepay/money"
	"prepay/storage"
	"prepay/tmf"
)

var (
	testNow = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	jm      = storage.BusinessUnit{ID: "JM", Currency: "JMD", ValidityDays: 30}
	m       = money.MustParse
)

// primaryOf is a JMD primary balance of allowance less charges, live for a
// week, holding holds.
func primaryOf(allowance, charges money.Amount, holds ...storage.Hold) storage.Bucket {
	return storage.Bucket{ID: "1", UsageType: storage.UsageCurrency, Units: "JMD", Type: storage.BucketCore,
		Allowance: allowance, Charges: charges, Expiry: testNow.AddDate(0, 0, 7), Holds: holds}
}

// code is the TMF630 code of err, "" for nil, and the error text for any
// other error.
func code(err error) string {
	var e *tmf.Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	}
	return err.Error()
}

func TestDebit(t *testing.T) {
	held := func(amount money.Amount, until time.Time) storage.Hold {
		return storage.Hold{Seq: 9, Amount: amount, Until: until}
	}
	expired := primaryOf(m("10.00"), 0)
	expired.Expiry = testNow
	tests := []struct {
		name        string
		bucket      storage.Bucket
		amount      money.Amount
		wantCode    string
		wantBalance money.Amount // after; the balance before when refused
	}{
		{"all that is available", primaryOf(m("10.00"), 0), m("10.00"), "", 0},
		{"one hundredth past it", primaryOf(m("10.00"), 0), m("10.01"), tmf.CodeInsufficientBalance, m("10.00")},
		{"up to the holds", primaryOf(m("10.00"), 0, held(m("4.00"), testNow.Add(time.Minute))), m("6.00"), "", m("4.00")},
		{"past the holds", primaryOf(m("10.00"), 0, held(m("4.00"), testNow.Add(time.Minute))), m("6.01"), tmf.CodeInsufficientBalance, m("10.00")},
		{"a lapsed hold keeps nothing", primaryOf(m("10.00"), 0, held(m("4.00"), testNow)), m("10.00"), "", 0},
		{"holds past the balance: nothing available", primaryOf(m("10.00"), m("8.00"), held(m("4.00"), testNow.Add(time.Minute))), m("0.01"), tmf.CodeInsufficientBalance, m("2.00")},
		{"overdrawn: nothing available", primaryOf(m("10.00"), m("12.00")), m("0.01"), tmf.CodeInsufficientBalance, 0},
		{"expired at now", expired, m("0.01"), tmf.CodeBucketExpired, m("10.00")},
		{"the whole of money.Max", primaryOf(money.Max, 0), money.Max, "", 0},
		{"one hundredth of money.Max", primaryOf(money.Max, money.Max-1), m("0.01"), "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sub := storage.Subscriber{ServiceNo: "18760000001", Buckets: []storage.Bucket{tc.bucket}}
			before := sub.Buckets[0]
			move, err := Debit(&sub, 0, tc.amount, testNow)
			if got := code(err); got != tc.wantCode {
				t.Fatalf("Debit(%s) = %q, want %q", tc.amount, got, tc.wantCode)
			}
			if got := sub.Buckets[0].Balance(); got != tc.wantBalance {
				t.Errorf("balance after = %s, want %s", got, tc.wantBalance)
			}
			if err != nil {
				if diff := cmp.Diff(before, sub.Buckets[0]); diff != "" {
					t.Errorf("a refused debit changed the bucket (-before +after):\n%s", diff)
				}
				return
			}
			want := storage.Move{ServiceNo: "18760000001", BucketID: "1", Charges: tc.amount}
			if diff := cmp.Diff(want, move); diff != "" {
				t.Errorf("move (-want +got):\n%s", diff)
			}
		})
	}
}

// TestHolds walks one bucket through holds, spends and releases: a hold
// takes only what is available, is spent once, is released once, and
// lapses at its end.
func TestHolds(t *testing.T) {
	sub := storage.Subscriber{ServiceNo: "18760000001", Buckets: []storage.Bucket{primaryOf(m("100.00"), 0)}}
	until := testNow.Add(15 * time.Minute)
	steps := []struct {
		name          string
		do            func() error
		wantCode      string
		wantBalance   money.Amount
		wantAvailable money.Amount
	}{
		{"hold 30.00", func() error { return Hold(&sub, 0, 1, m("30.00"), until, testNow) }, "", m("100.00"), m("70.00")},
		{"hold 70.01: more than is available", func() error { return Hold(&sub, 0, 2, m("70.01"), until, testNow) }, tmf.CodeInsufficientBalance, m("100.00"), m("70.00")},
		{"hold the 70.00 left", func() error { return Hold(&sub, 0, 2, m("70.00"), until, testNow) }, "", m("100.00"), 0},
		{"debit held money", func() error { _, err := Debit(&sub, 0, m("0.01"), testNow); return err }, tmf.CodeInsufficientBalance, m("100.00"), 0},
		{"spend the 30.00", func() error { _, err := Spend(&sub, 0, 1, testNow); return err }, "", m("70.00"), 0},
		{"spend it again", func() error { _, err := Spend(&sub, 0, 1, testNow); return err }, tmf.CodeInvalidStatusChange, m("70.00"), 0},
		{"release the 70.00", func() error { return found(Release(&sub, 2)) }, "", m("70.00"), m("70.00")},
		{"release it again", func() error { return found(Release(&sub, 2)) }, "not found", m("70.00"), m("70.00")},
		{"spend a released hold", func() error { _, err := Spend(&sub, 0, 2, testNow); return err }, tmf.CodeInvalidStatusChange, m("70.00"), m("70.00")},
		{"hold 10.00 for a minute", func() error { return Hold(&sub, 0, 3, m("10.00"), testNow.Add(time.Minute), testNow) }, "", m("70.00"), m("60.00")},
		{"spend it as it lapses", func() error { _, err := Spend(&sub, 0, 3, testNow.Add(time.Minute)); return err }, tmf.CodeInvalidStatusChange, m("70.00"), m("60.00")},
		{"prune it", func() error { Prune(&sub, testNow.Add(time.Minute)); return nil }, "", m("70.00"), m("70.00")},
	}
	for _, st := range steps {
		before := sub.Buckets[0]
		err := st.do()
		if got := code(err); got != st.wantCode {
			t.Fatalf("%s: %q, want %q", st.name, got, st.wantCode)
		}
		if err != nil {
			if diff := cmp.Diff(before, sub.Buckets[0]); diff != "" {
				t.Errorf("%s: refused, yet the bucket changed (-before +after):\n%s", st.name, diff)
			}
		}
		b := sub.Buckets[0]
		if b.Balance() != st.wantBalance || b.Available(testNow) != st.wantAvailable {
			t.Errorf("%s: balance %s, available %s; want %s, %s", st.name, b.Balance(), b.Available(testNow), st.wantBalance, st.wantAvailable)
		}
	}
	if h := sub.Buckets[0].Holds; h != nil {
		t.Errorf("holds after the last was pruned = %v, want nil", h)
	}
}

func TestUsable(t *testing.T) {
	hold := func(amount money.Amount, until time.Time) storage.Hold {
		return storage.Hold{Seq: 1, Amount: amount, Until: until}
	}
	live := testNow.Add(time.Minute)
	tests := []struct {
		name     string
		bucket   storage.Bucket
		amount   money.Amount
		wantCode string
	}{
		{"no hold: into overage", primaryOf(m("10.00"), 0), m("15.00"), ""},
		{"no hold, already overdrawn", primaryOf(m("10.00"), m("12.00")), m("1.00"), ""},
		{"up to the hold", primaryOf(m("10.00"), 0, hold(m("4.00"), live)), m("6.00"), ""},
		{"into the hold", primaryOf(m("10.00"), 0, hold(m("4.00"), live)), m("6.01"), tmf.CodeInsufficientBalance},
		{"all held", primaryOf(m("10.00"), 0, hold(m("10.00"), live)), m("0.01"), tmf.CodeInsufficientBalance},
		{"a lapsed hold holds nothing", primaryOf(m("10.00"), 0, hold(m("10.00"), testNow)), m("15.00"), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := code(Usable(tc.bucket, "18760000001", tc.amount, testNow)); got != tc.wantCode {
				t.Errorf("Usable(%s) = %q, want %q", tc.amount, got, tc.wantCode)
			}
		})
	}
}

func found(ok bool) error {
	if !ok {
		return errors.New("not found")
	}
	return nil
}

// TestReverse undoes what Credit, Give and Debit did, exactly, and refuses
// — changing nothing — once the money has moved on.
func TestReverse(t *testing.T) {
	const svc = "18760000001"
	soon := testNow.AddDate(0, 0, 3)
	loan := storage.Bucket{ID: "21", UsageType: storage.UsageCurrency, Units: "JMD", Type: storage.BucketLoan,
		Allowance: m("2.00"), Expiry: soon}
	start := func() storage.Subscriber {
		p := primaryOf(m("22.59"), 0)
		p.Expiry = soon
		return storage.Subscriber{ServiceNo: svc, Buckets: []storage.Bucket{p, loan}}
	}
	only := func(mv storage.Move, err error) []storage.Move {
		if err != nil {
			t.Fatal(err)
		}
		return []storage.Move{mv}
	}
	credit := func(sub *storage.Subscriber) []storage.Move {
		_, moves, err := Credit(sub, 0, m("5.00"), testNow, jm)
		if err != nil {
			t.Fatal(err)
		}
		return moves
	}
	tests := []struct {
		name string
		// apply does the operation on sub and what happens after it, and
		// returns the operation's moves.
		apply    func(sub *storage.Subscriber) []storage.Move
		wantCode string
	}{
		{"a credit that repaid a loan and extended validity", credit, ""},
		{"a debit", func(sub *storage.Subscriber) []storage.Move {
			return only(Debit(sub, 0, m("22.59"), testNow))
		}, ""},
		{"a credit aimed by Give", func(sub *storage.Subscriber) []storage.Move {
			return only(Give(sub, 0, m("0.01"), testNow))
		}, ""},
		{"a credit of another service's: only this one's moves", func(sub *storage.Subscriber) []storage.Move {
			moves := credit(sub)
			return append(moves, storage.Move{ServiceNo: "18760000002", BucketID: "1", Allowance: m("999.00")})
		}, ""},
		{"a credit since spent", func(sub *storage.Subscriber) []storage.Move {
			moves := credit(sub)
			if _, err := Debit(sub, 0, m("22.60"), testNow); err != nil { // 25.59 → 2.99 < the 3.00 credited
				t.Fatal(err)
			}
			return moves
		}, tmf.CodeCancelNotPossible},
		{"a credit since held", func(sub *storage.Subscriber) []storage.Move {
			moves := credit(sub)
			if err := Hold(sub, 0, 7, m("22.60"), testNow.Add(time.Minute), testNow); err != nil {
				t.Fatal(err)
			}
			return moves
		}, tmf.CodeCancelNotPossible},
		{"a debit whose charge is gone", func(sub *storage.Subscriber) []storage.Move {
			return []storage.Move{{ServiceNo: svc, BucketID: "1", Charges: m("1.00")}}
		}, tmf.CodeCancelNotPossible},
		{"a credit of a bucket since removed", func(sub *storage.Subscriber) []storage.Move {
			return []storage.Move{{ServiceNo: svc, BucketID: "99", Allowance: m("1.00")}}
		}, tmf.CodeCancelNotPossible},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sub := start()
			moves := tc.apply(&sub)
			before := sub
			before.Buckets = append([]storage.Bucket(nil), sub.Buckets...)
			err := Reverse(&sub, moves, testNow)
			if got := code(err); got != tc.wantCode {
				t.Fatalf("Reverse = %q, want %q", got, tc.wantCode)
			}
			want := start() // undone exactly: figures and validity
			if err != nil {
				want = before // refused: nothing changed
			}
			if diff := cmp.Diff(want, sub); diff != "" {
				t.Errorf("after Reverse (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("validity extended since stays extended", func(t *testing.T) {
		sub := start()
		moves := credit(&sub)
		later := testNow.Add(time.Hour)
		if _, _, err := Credit(&sub, 0, m("1.00"), later, jm); err != nil {
			t.Fatal(err)
		}
		if err := Reverse(&sub, moves, later); err != nil {
			t.Fatal(err)
		}
		if got, want := sub.Buckets[0].Expiry, later.Add(jm.Validity()); !got.Equal(want) {
			t.Errorf("expiry = %v, want the later credit's %v", got, want)
		}
		if got, want := balancesByID(sub), map[string]money.Amount{"1": m("23.59"), "21": m("2.00")}; !cmp.Equal(want, got) {
			t.Errorf("balances = %v, want %v", got, want)
		}
	})
}

// TestBoundsAtMax: every function reaches money.Max exactly and refuses
// one hundredth past it with BALANCE_LIMIT, changing nothing.
func TestBoundsAtMax(t *testing.T) {
	tests := []struct {
		name     string
		bucket   storage.Bucket
		do       func(sub *storage.Subscriber) error
		wantCode string
	}{
		{"Give up to Max", primaryOf(money.Max-100, 0), func(sub *storage.Subscriber) error {
			_, err := Give(sub, 0, m("1.00"), testNow)
			return err
		}, ""},
		{"Give past Max", primaryOf(money.Max-100, 0), func(sub *storage.Subscriber) error {
			_, err := Give(sub, 0, m("1.01"), testNow)
			return err
		}, tmf.CodeBalanceLimit},
		{"Give past Max with the rollover", func() storage.Bucket {
			b := primaryOf(money.Max-100, 0)
			b.Rollover = m("0.50")
			return b
		}(), func(sub *storage.Subscriber) error {
			_, err := Give(sub, 0, m("0.51"), testNow)
			return err
		}, tmf.CodeBalanceLimit},
		{"Credit up to Max", primaryOf(money.Max-1, 0), func(sub *storage.Subscriber) error {
			_, _, err := Credit(sub, 0, m("0.01"), testNow, jm)
			return err
		}, ""},
		{"Credit past Max", primaryOf(money.Max, 0), func(sub *storage.Subscriber) error {
			_, _, err := Credit(sub, 0, m("0.01"), testNow, jm)
			return err
		}, tmf.CodeBalanceLimit},
		{"Hold all of Max, then spend it", primaryOf(money.Max, 0), func(sub *storage.Subscriber) error {
			if err := Hold(sub, 0, 1, money.Max, testNow.Add(time.Minute), testNow); err != nil {
				return err
			}
			_, err := Spend(sub, 0, 1, testNow)
			return err
		}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sub := storage.Subscriber{ServiceNo: "18760000001", Buckets: []storage.Bucket{tc.bucket}}
			before := sub.Buckets[0]
			err := tc.do(&sub)
			if got := code(err); got != tc.wantCode {
				t.Fatalf("= %q, want %q", got, tc.wantCode)
			}
			b := sub.Buckets[0]
			if err != nil {
				if diff := cmp.Diff(before, b); diff != "" {
					t.Errorf("refused, yet the bucket changed (-before +after):\n%s", diff)
				}
				return
			}
			if b.Limits() != nil || b.Allowance > money.Max || b.Charges > money.Max {
				t.Errorf("bucket past the bound: %+v", b)
			}
		})
	}
}

func balancesByID(sub storage.Subscriber) map[string]money.Amount {
	out := map[string]money.Amount{}
	for _, b := range sub.Buckets {
		out[b.ID] = b.Balance()
	}
	return out
}
