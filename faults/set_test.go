package faults

import (
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"prepay/storage"
)

// TestOldFile: a database written before faults were kept has no faults
// bucket. Opening it adds one, so that a reset — which drops every bucket —
// and the admin routes work on it.
func TestOldFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prepay.db")
	store, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := storage.ParseDataSet(storage.Demo)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	if err := store.Load(ds, now); err != nil {
		t.Fatal(err)
	}
	store.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("sandboxes")).Bucket([]byte(storage.DefaultSandbox)).DeleteBucket([]byte("faults"))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	store, err = storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	s, err := New(store, Options{MaxLatency: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	sandboxOf.Store(s, store.Default())
	if err := store.Default().Reset(ds, now); err != nil {
		t.Fatalf("reset of an old file: %v", err)
	}
	set(t, s, storage.Fault{Name: "f", Route: RouteTopup, Percent: 100, Status: 503, When: WhenBefore})
	req := httptest.NewRequest("GET", "/", nil)
	if got := s.current(req.WithContext(storage.WithSandbox(req.Context(), store.Default()))).all; len(got) != 1 {
		t.Errorf("faults = %v, want the one set", got)
	}
}

// TestEmptyFileLeftAlone: New on a file with no data set yet writes
// nothing, so that the file still reads as empty and the data set loads.
func TestEmptyFileLeftAlone(t *testing.T) {
	store, err := storage.Open(filepath.Join(t.TempDir(), "prepay.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := New(store, Options{MaxLatency: time.Second}); err != nil {
		t.Fatal(err)
	}
	if empty, err := store.Empty(); !empty || err != nil {
		t.Errorf("Empty() = %v, %v after New, want true", empty, err)
	}
}
