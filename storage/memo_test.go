package storage

import (
	"encoding/json"
	"errors"
	"testing"

	"prepay/money"
)

// readRaw decodes the stored subscriber without the memo: the truth the
// memo must always agree with. The value may be packed (pack.go).
func readRaw(t *testing.T, s *Store, bu, serviceNo string) Subscriber {
	t.Helper()
	var got Subscriber
	err := s.Default().View(func(tx *Tx) error {
		plain, err := unpack(tx.bucket(bucketDicts), bucketSubscribers, tx.bucket(bucketSubscribers).Get(key(bu, serviceNo)))
		if err != nil {
			return err
		}
		return json.Unmarshal(plain, &got)
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func read(t *testing.T, s *Store, bu, serviceNo string) Subscriber {
	t.Helper()
	var got Subscriber
	if err := s.Default().View(func(tx *Tx) (err error) {
		got, err = tx.Subscriber(bu, serviceNo)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

func same(t *testing.T, what string, want, got Subscriber) {
	t.Helper()
	w, _ := json.Marshal(want)
	g, _ := json.Marshal(got)
	if string(w) != string(g) {
		t.Errorf("%s:\nwant %s\ngot  %s", what, w, g)
	}
}

// TestMemoNeverServesWhatIsNotStored: the memo answers a read only with
// the decoding of the bytes stored now — not of a write rolled back, not of
// a write refused, not of the value before a commit — and what a caller
// does to its copy reaches nobody else.
func TestMemoNeverServesWhatIsNotStored(t *testing.T) {
	s := openDemo(t)
	const bu, no = "JM", "18765544355"
	before := read(t, s, bu, no)
	same(t, "first read", readRaw(t, s, bu, no), before)

	// A caller changes its copy, deeply: the next read does not see it.
	before.Buckets[0].Charges = money.MustParse("1.00")
	before.Buckets[0].Holds = append(before.Buckets[0].Holds, Hold{Seq: 9})
	before.Accumulators[0].Amount = money.MustParse("2.00")
	same(t, "read after a caller changed its copy", readRaw(t, s, bu, no), read(t, s, bu, no))

	// A write that fails after putting is rolled back: its value, read in
	// its own transaction (and so memoised), is never served after.
	bad := errors.New("fail after the put")
	err := s.Default().Update(func(tx *Tx) error {
		sub, err := tx.Subscriber(bu, no)
		if err != nil {
			return err
		}
		sub.Buckets[0].Allowance = money.MustParse("7.00")
		if err := tx.PutSubscriber(sub); err != nil {
			return err
		}
		if got, _ := tx.Subscriber(bu, no); got.Buckets[0].Allowance != money.MustParse("7.00") {
			t.Errorf("inside the write: allowance %s, want 7.00", got.Buckets[0].Allowance)
		}
		return bad
	})
	if !errors.Is(err, bad) {
		t.Fatalf("update = %v, want %v", err, bad)
	}
	got := read(t, s, bu, no)
	same(t, "read after a rolled-back write", readRaw(t, s, bu, no), got)
	if got.Buckets[0].Allowance == money.MustParse("7.00") {
		t.Error("the rolled-back allowance was served")
	}

	// A committed write is served at once.
	if err := s.Default().Update(func(tx *Tx) error {
		sub, err := tx.Subscriber(bu, no)
		if err != nil {
			return err
		}
		sub.Buckets[0].Allowance = money.MustParse("8.00")
		return tx.PutSubscriber(sub)
	}); err != nil {
		t.Fatal(err)
	}
	got = read(t, s, bu, no)
	same(t, "read after a commit", readRaw(t, s, bu, no), got)
	if got.Buckets[0].Allowance != money.MustParse("8.00") {
		t.Errorf("allowance %s after the commit, want 8.00", got.Buckets[0].Allowance)
	}
}
