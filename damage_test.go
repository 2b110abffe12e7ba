package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"prepay/storage"
)

// TestRunRefusesDamageInTheMiddle damages one page in the middle of a file
// that serves cleanly — its type, or the element table inside it — and
// checks that the server refuses to start on it with one line and leaves it
// byte for byte as it was.
func TestRunRefusesDamageInTheMiddle(t *testing.T) {
	clean := filepath.Join(t.TempDir(), "clean.db")
	_, stop := startRun(t, clean)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	s, err := storage.Open(clean)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Default().Update(func(tx *storage.Tx) error {
		for i := range 5000 {
			if err := tx.PutVoucher(storage.Voucher{BusinessID: "JM", Code: fmt.Sprintf("%08d", i), Amount: 500}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	pageSize := os.Getpagesize() // bbolt's page size for a file it creates
	data, err := os.ReadFile(clean)
	if err != nil {
		t.Fatal(err)
	}

	damages := []struct {
		name   string
		damage func(page []byte)
	}{
		{"page type", func(page []byte) { page[8], page[9] = 0x00, 0x00 }},
		{"element table", func(page []byte) {
			for i := 16; i < 64; i++ {
				page[i] = 0xff
			}
		}},
	}
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			// Leaf pages from the middle on; a page that turns out to be
			// free does not count (Check rightly ignores it), so try the
			// next one.
			pages := len(data) / pageSize
			for p := pages / 2; p < pages; p++ {
				page := data[p*pageSize : (p+1)*pageSize]
				const leaf = 0x02
				if binary.LittleEndian.Uint64(page) != uint64(p) || binary.LittleEndian.Uint16(page[8:]) != leaf {
					continue
				}
				damaged := bytes.Clone(data)
				d.damage(damaged[p*pageSize : (p+1)*pageSize])
				path := filepath.Join(t.TempDir(), "damaged.db")
				if err := os.WriteFile(path, damaged, 0o600); err != nil {
					t.Fatal(err)
				}
				// A context already done: a server that does start stops at once.
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				err := run(ctx, []string{"prepay", "-addr", "127.0.0.1:0", "-db", path},
					func(string) string { return "" }, io.Discard, io.Discard)
				if err == nil || !strings.Contains(err.Error(), "corrupt") {
					continue // a free page, or the server ran: try the next page
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("page %d of %d: run = %q, want one line", p, pages, err)
				}
				after, _ := os.ReadFile(path)
				if !bytes.Equal(after, damaged) {
					t.Errorf("page %d: run changed the damaged file", p)
				}
				return
			}
			t.Fatalf("no leaf page from the middle on was refused when damaged (%d pages)", pages)
		})
	}
}
