package storage

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"prepay/money"
)

// history31 is a history record of the 31-bucket service, numbered n: the
// shape a top-up writes, its figures moved by n.
func history31(sub Subscriber, n int) Action {
	a := Action{BusinessID: sub.BusinessID, Type: ActionTopup, Description: fmt.Sprintf("limeware,1,1,%d:topupBalance,API,JM", n),
		ConfirmationDate: testNow.Add(time.Duration(n) * time.Minute), Amount: money.Amount(100 * n), Units: "JMD",
		ProductID: sub.ServiceInternalID, PartyAccountID: sub.OwningAccountInternalID, Channel: Channel{"11006", "limeware"},
		MSISDN: sub.ServiceNo, BatchNumber: "-1", RechargeID: "11006", RechargeID2: fmt.Sprint(n), CardNumber: "NON VOUCHER", CurrencyConvRate: "1.0"}
	for i, b := range sub.Buckets {
		amount := b.Balance()
		if i == 0 {
			amount += money.Amount(100 * n)
		}
		a.Balances = append(a.Balances, Snapshot{ID: b.ID, Name: b.Name, UsageType: b.UsageType, Units: b.Units, Amount: amount, ValidTo: b.Expiry})
	}
	for _, c := range sub.Accumulators {
		a.Accumulators = append(a.Accumulators, Snapshot{ID: c.ID, Name: c.Name, UsageType: c.UsageType, Units: c.Units, Amount: c.Amount})
	}
	return a
}

// stored returns the value of the newest history record of product.
func stored(t *testing.T, tx *Tx, bu, product string) []byte {
	t.Helper()
	c := tx.bucket(bucketActions).Cursor()
	prefix := actionPrefix(bu, product)
	var v []byte
	if k, _ := c.Seek(actionKey(prefix, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), 0)); k == nil {
		_, v = c.Last()
	} else {
		_, v = c.Prev()
	}
	return v
}

// TestPackedRecordsReadAsWritten writes history records of a 31-bucket
// service through every case packing has — the family's first record, the
// ones after it, a record of another shape, a dictionary made by a write
// that rolled back and another made in its place — and reads every record
// back as it was written, across a restart.
func TestPackedRecordsReadAsWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prepay.db")
	s := openDemoAt(t, path)
	sub, err := s.Default().subscriber("JM", "18765544355")
	if err != nil {
		t.Fatal(err)
	}
	var written []Action
	add := func(a Action) (packedLen, plainLen int) {
		t.Helper()
		if err := s.Default().Update(func(tx *Tx) error {
			if err := tx.AddAction(&a); err != nil {
				return err
			}
			v := stored(t, tx, a.BusinessID, a.ProductID)
			if v[0] != packedTag {
				t.Errorf("record %d stored plain", a.Seq)
			}
			plain, _ := a.appendJSON(nil)
			packedLen, plainLen = len(v), len(plain)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		written = append([]Action{a}, written...) // newest first, as read
		return packedLen, plainLen
	}

	add(history31(sub, 1)) // the family's first: its own dictionary
	for n := 2; n <= 20; n++ {
		if p, plain := add(history31(sub, n)); p*10 > plain {
			t.Errorf("record %d packed into %d of its %d bytes, want at most a tenth", n, p, plain)
		}
	}

	// A write that made the family's next dictionary and rolled back: the
	// writer's cache holds an index of bytes that are not stored.
	other := history31(sub, 21)
	other.Balances = other.Balances[:3]
	other.Description = fmt.Sprintf("%0600d", 0)
	rollback := errors.New("roll back")
	if err := s.Default().Update(func(tx *Tx) error {
		if err := tx.AddAction(&other); err != nil {
			return err
		}
		return rollback
	}); !errors.Is(err, rollback) {
		t.Fatalf("update = %v, want the rollback", err)
	}
	// Another record of a new shape makes that dictionary version again,
	// of other bytes.
	reshaped := history31(sub, 22)
	reshaped.Balances = reshaped.Balances[5:9]
	reshaped.Description = fmt.Sprintf("%0600d", 1)
	add(reshaped)
	var versions int
	s.Default().View(func(tx *Tx) error {
		c := tx.bucket(bucketDicts).Cursor()
		prefix := append(key(string(bucketActions), sub.ServiceInternalID), sep)
		for k, _ := c.Seek(prefix); k != nil && len(k) == len(prefix)+4 && string(k[:len(prefix)]) == string(prefix); k, _ = c.Next() {
			versions++
		}
		return nil
	})
	if versions != 2 {
		t.Errorf("%d dictionaries of the family, want 2 (the first shape, the new one)", versions)
	}
	for n := 23; n <= 25; n++ {
		a := history31(sub, n)
		a.Balances = a.Balances[5:9]
		a.Description = fmt.Sprintf("%0600d", n)
		add(a)
	}

	read := func(s *Store) []Action {
		var got []Action
		if err := s.Default().View(func(tx *Tx) (err error) {
			got, _, err = tx.Actions(ActionWindow{BusinessID: "JM", ProductID: sub.ServiceInternalID,
				From: testNow, To: testNow.Add(time.Hour)})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	if diff := cmp.Diff(written, read(s)); diff != "" {
		t.Errorf("records read (-written +read):\n%s", diff)
	}
	s.Close()
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if diff := cmp.Diff(written, read(s)); diff != "" {
		t.Errorf("records read after a restart (-written +read):\n%s", diff)
	}
}

// TestUnpackRefusesDamage: a packed value whose header or dictionary is
// wrong is an error, never a panic or another record.
func TestUnpackRefusesDamage(t *testing.T) {
	s := openDemo(t)
	sub, _ := s.Default().subscriber("JM", "18765544355")
	a := history31(sub, 1)
	var good []byte
	if err := s.Default().Update(func(tx *Tx) error {
		if err := tx.AddAction(&a); err != nil {
			return err
		}
		good = append([]byte(nil), stored(t, tx, "JM", sub.ServiceInternalID)...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	famLen := int(good[1])
	tests := []struct {
		name  string
		value []byte
	}{
		{"family longer than the value", []byte{packedTag, 200, 'a'}},
		{"no family length", []byte{packedTag}},
		{"no version", append([]byte(nil), good[:2+famLen]...)},
		{"version past 32 bits", append(append([]byte(nil), good[:2+famLen]...), 0xff, 0xff, 0xff, 0xff, 0x7f)},
		{"a dictionary that is not there", append(append([]byte(nil), good[:2+famLen]...), 9)},
		{"another family", append([]byte{packedTag, 3, 'x', 'y', 'z'}, good[2+famLen:]...)},
		{"a copy past the dictionary", append(append([]byte(nil), good[:3+famLen]...), 0x81, 0x80, 0x01, 0xff, 0xff, 0x7f)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s.Default().View(func(tx *Tx) error {
				var got Action
				if err := tx.decode(bucketActions, tc.value, &got); err == nil {
					t.Errorf("decoded %+v", got)
				}
				return nil
			})
		})
	}
}

// TestRewrittenServiceKeepsOneDictionary: a service rewritten in ever new
// shapes keeps one dictionary, and deleting it deletes that too.
func TestRewrittenServiceKeepsOneDictionary(t *testing.T) {
	s := openDemo(t)
	const bu, no = "JM", "18765544355"
	sub, err := s.Default().subscriber(bu, no)
	if err != nil {
		t.Fatal(err)
	}
	family := sub.family()
	dicts := func() (n int) {
		s.Default().View(func(tx *Tx) error {
			prefix := append(key(string(bucketSubscribers), family), sep)
			c := tx.bucket(bucketDicts).Cursor()
			for k, _ := c.Seek(prefix); k != nil && len(k) == len(prefix)+4 && string(k[:len(prefix)]) == string(prefix); k, _ = c.Next() {
				n++
			}
			return nil
		})
		return n
	}
	for shape := range 10 {
		if err := s.Default().Update(func(tx *Tx) error {
			sub, err := tx.Subscriber(bu, no)
			if err != nil {
				return err
			}
			// Each shape renames every bucket: nothing of the one before packs.
			for i := range sub.Buckets {
				sub.Buckets[i].Name = fmt.Sprintf("shape %d bucket %d %0100d", shape, i, shape)
			}
			return tx.PutSubscriber(sub)
		}); err != nil {
			t.Fatal(err)
		}
		if n := dicts(); n != 1 {
			t.Fatalf("after shape %d: %d dictionaries of the service, want 1", shape, n)
		}
		got, err := s.Default().subscriber(bu, no)
		if err != nil || got.Buckets[3].Name != fmt.Sprintf("shape %d bucket 3 %0100d", shape, shape) {
			t.Fatalf("after shape %d: read %q, %v", shape, got.Buckets[3].Name, err)
		}
	}
	if err := s.Default().Update(func(tx *Tx) error { return tx.DeleteSubscriber(bu, no) }); err != nil {
		t.Fatal(err)
	}
	if n := dicts(); n != 0 {
		t.Errorf("%d dictionaries of the deleted service, want 0", n)
	}
}
