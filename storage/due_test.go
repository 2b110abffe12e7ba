package storage

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReindexDue: whatever the order and repeats of the keys given, the
// index ends holding every new key and none of the old ones that are not
// also new, and keys of other records are left as they were.
func TestReindexDue(t *testing.T) {
	tests := []struct {
		name     string
		old, new string // keys, space-separated
		want     string
	}{
		{"unchanged in another order", "a b c", "c a b", "a b c"},
		{"one changed", "a b c", "a b2 c", "a b2 c"},
		{"first written", "", "b a", "a b"},
		{"all gone", "a b", "", ""},
		{"repeats count once", "a a b", "a b b", "a b"},
		{"repeated and gone", "a a b", "b", "b"},
		{"disjoint", "a b", "d c", "c d"},
		{"one more at each end", "b c", "a b c d", "a b c d"},
	}
	keys := func(s string) [][]byte {
		var out [][]byte
		for _, f := range strings.Fields(s) {
			out = append(out, []byte("test/"+f))
		}
		return out
	}
	s := openDemo(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			err := s.Default().Update(func(tx *Tx) error {
				idx := tx.bucket(bucketDue)
				for _, k := range append(keys(tc.old), []byte("test/other")) {
					if err := idx.Put(k, nil); err != nil {
						return err
					}
				}
				if err := tx.reindexDue(keys(tc.old), keys(tc.new)); err != nil {
					return err
				}
				c := idx.Cursor()
				for k, _ := c.Seek([]byte("test/")); k != nil && bytes.HasPrefix(k, []byte("test/")); k, _ = c.Next() {
					got = append(got, strings.TrimPrefix(string(k), "test/"))
				}
				// Leave the index as the demo had it for the next case.
				for _, k := range got {
					if err := idx.Delete([]byte("test/" + k)); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			want := append(strings.Fields(tc.want), "other")
			slices.Sort(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("index after reindexDue(%q, %q) (-want +got):\n%s", tc.old, tc.new, diff)
			}
		})
	}
}
