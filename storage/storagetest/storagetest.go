// Package storagetest gives tests of the feature packages a store as the
// server would have it: a file in the test's temp dir, loaded with the
// demo data set, the default sandbox's clock frozen. It imports storage.
package storagetest

import (
	"path/filepath"
	"testing"
	"time"

	"prepay/storage"
)

// Demo returns a store on a new file in tb's temp dir, loaded with the demo
// data set at at, the default sandbox's clock frozen there. It is closed
// when the test ends.
func Demo(tb testing.TB, at time.Time) *storage.Store {
	tb.Helper()
	store, err := storage.Open(filepath.Join(tb.TempDir(), "prepay.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	ds, err := storage.ParseDataSet(storage.Demo)
	if err != nil {
		tb.Fatal(err)
	}
	if err := store.Load(ds, at); err != nil {
		tb.Fatal(err)
	}
	store.Default().Clock().Freeze(at)
	return store
}
