package storage

import (
	"bytes"
	"errors"
	"testing"

	"prepay/money"
)

func TestDigest(t *testing.T) {
	digest := func(s *Store) []byte {
		t.Helper()
		d, err := s.Digest()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	a := openDemo(t)
	path := a.db.Path()
	before := digest(a)
	a.Close()
	a, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if !bytes.Equal(digest(a), before) {
		t.Fatal("the digest changed across a close and an open")
	}

	refused := errors.New("refused")
	if err := a.Default().Update(func(tx *Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := a.Default().Update(func(tx *Tx) error {
		tx.PutVoucher(Voucher{BusinessID: "JM", Code: "1", Amount: money.Amount(100)})
		return refused
	}); !errors.Is(err, refused) {
		t.Fatalf("Update = %v, want %v", err, refused)
	}
	if !bytes.Equal(digest(a), before) {
		t.Error("an empty commit and a failed write changed the digest")
	}

	tests := []struct {
		name  string
		write func(*Tx) error
	}{
		{"a value", func(tx *Tx) error {
			return tx.PutVoucher(Voucher{BusinessID: "JM", Code: "1", Amount: money.Amount(100)})
		}},
		{"a sequence alone", func(tx *Tx) error {
			_, err := tx.bucket(bucketActions).NextSequence()
			return err
		}},
		{"an empty nested bucket", func(tx *Tx) error {
			_, err := tx.bucket(bucketVouchers).CreateBucket([]byte("nested"))
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			was := digest(a)
			if err := a.Default().Update(tc.write); err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(digest(a), was) {
				t.Error("the digest did not change")
			}
		})
	}
}
