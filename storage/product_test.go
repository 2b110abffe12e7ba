package storage

import (
	"path/filepath"
	"prepay/tmf"
	"testing"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"
)

// servicesOf returns the service numbers the product index gives for
// productID in JM.
func servicesOf(t *testing.T, s *Store, productID string) []string {
	t.Helper()
	var out []string
	err := s.Default().View(func(tx *Tx) error {
		subs, err := tx.ServicesByProduct("JM", productID)
		for _, sub := range subs {
			out = append(out, sub.ServiceNo)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestProductIndex follows the index through a replace that changes the
// internal id, a delete, and ids that are prefixes of each other.
func TestProductIndex(t *testing.T) {
	s := openDemo(t)
	update := func(fn func(*Tx) error) {
		t.Helper()
		if err := s.Default().Update(fn); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name string
		do   func(*Tx) error
		want map[string][]string
	}{
		{name: "demo data set", do: func(*Tx) error { return nil },
			want: map[string][]string{"32970253": {"18765544355"}, "3297025": nil}},
		{name: "new service with a prefix id", do: func(tx *Tx) error {
			return tx.PutSubscriber(Subscriber{BusinessID: "JM", ServiceNo: "1876000", LOB: tmf.LOBPrepaid, ServiceInternalID: "3297025"})
		}, want: map[string][]string{"32970253": {"18765544355"}, "3297025": {"1876000"}}},
		{name: "replaced with another internal id", do: func(tx *Tx) error {
			return tx.PutSubscriber(Subscriber{BusinessID: "JM", ServiceNo: "1876000", LOB: tmf.LOBPrepaid, ServiceInternalID: "777"})
		}, want: map[string][]string{"3297025": nil, "777": {"1876000"}}},
		{name: "deleted", do: func(tx *Tx) error { return tx.DeleteSubscriber("JM", "1876000") },
			want: map[string][]string{"777": nil, "32970253": {"18765544355"}}},
	}
	for _, st := range steps {
		update(st.do)
		for product, want := range st.want {
			if diff := cmp.Diff(want, servicesOf(t, s, product)); diff != "" {
				t.Errorf("%s: services of product %s (-want +got):\n%s", st.name, product, diff)
			}
		}
	}
}

// TestProductIndexFilledOnOpen opens a file written before the product
// index existed: Open builds it from the subscribers.
func TestProductIndexFilledOnOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prepay.db")
	s := openDemoAt(t, path)
	s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return namespace(tx, DefaultSandbox).DeleteBucket(bucketByProduct) }); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if diff := cmp.Diff([]string{"18765544355"}, servicesOf(t, s, "32970253")); diff != "" {
		t.Errorf("services of product 32970253 after Open (-want +got):\n%s", diff)
	}
}
