// Command figures is the Go half of scripts/figures.sh: what wrk cannot
// measure. Subcommands:
//
//	raw -dir D -d 5s          raw bbolt on D's disk: serial db.Update commits
//	                          of one small put, then db.Batch with 64 callers,
//	                          then serial commits of one put in each of as
//	                          many nested buckets as a top-up writes kinds,
//	                          and in each of two (a journal layout)
//	size FILE                 bytes of FILE in use (bbolt's high-water mark)
//	check FILE                milliseconds bbolt's Tx.Check takes on FILE
//	                          (the start-up's whole-file check alone)
//	kinds FILE                records and bytes (keys and values) of each
//	                          record kind, summed over the sandboxes
//	big -db FILE -n 1000000   a database of the demo data set plus n
//	                          one-bucket subscribers, for the start-up figure
//
// Each prints one line of "name value" pairs for the script to read.
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"prepay/money"
	"prepay/storage"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: figures raw|size|big …")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "raw":
		err = raw(os.Args[2:])
	case "size":
		err = size(os.Args[2:])
	case "check":
		err = checkTime(os.Args[2:])
	case "kinds":
		err = kinds(os.Args[2:])
	case "big":
		err = big(os.Args[2:])
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "figures:", err)
		os.Exit(1)
	}
}

// raw measures the disk's ceiling as bbolt sees it: a 100-byte put per
// commit, fsync on (bbolt's defaults), serially and with 64 callers of
// db.Batch.
func raw(args []string) error {
	fs := flag.NewFlagSet("raw", flag.ExitOnError)
	dir := fs.String("dir", os.TempDir(), "directory on the disk to measure")
	d := fs.Duration("d", 5*time.Second, "duration of each measurement")
	callers := fs.Int("callers", 64, "concurrent db.Batch callers")
	fs.Parse(args)

	path := filepath.Join(*dir, "raw.db")
	os.Remove(path)
	defer os.Remove(path)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	value := make([]byte, 100)
	var seq atomic.Uint64
	put := func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("raw"))
		if err != nil {
			return err
		}
		return b.Put(binary.BigEndian.AppendUint64(nil, seq.Add(1)), value)
	}

	n, start := 0, time.Now()
	for time.Since(start) < *d {
		if err := db.Update(put); err != nil {
			return err
		}
		n++
	}
	serial := float64(n) / time.Since(start).Seconds()

	var total atomic.Int64
	var wg sync.WaitGroup
	var fail atomic.Value
	start = time.Now()
	for range *callers {
		wg.Go(func() {
			for time.Since(start) < *d {
				if err := db.Batch(put); err != nil {
					fail.Store(err)
					return
				}
				total.Add(1)
			}
		})
	}
	wg.Wait()
	if err, _ := fail.Load().(error); err != nil {
		return err
	}
	batch := float64(total.Load()) / time.Since(start).Seconds()

	layout, err := rawLayout(filepath.Join(*dir, "layout.db"), *d, value, topupKinds)
	if err != nil {
		return err
	}
	journal, err := rawLayout(filepath.Join(*dir, "journal.db"), *d, value, journalKinds)
	if err != nil {
		return err
	}
	fmt.Printf("serial %.0f batch %.0f layout %.0f journal %.0f\n", serial, batch, layout, journal)
	return nil
}

// topupKinds is how many record kinds a top-up writes: the service, the
// due index (its bucket's new expiry), the history record, the operation
// and its product index, the event, and the idempotency record and its
// time index.
const topupKinds = 8

// journalKinds is the fewest kinds a top-up could write: its service, and
// one journal record that history, operations, events and replays would
// all be read from.
const journalKinds = 2

// rawLayout measures serial commits of openLayout's file of kinds for d:
// the least a commit with that layout costs on this disk, with no
// encoding at all.
func rawLayout(path string, d time.Duration, value []byte, kinds int) (float64, error) {
	os.Remove(path)
	defer os.Remove(path)
	db, commit, err := openLayout(path, value, kinds)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	n, start := 0, time.Now()
	for time.Since(start) < d {
		if err := commit(); err != nil {
			return 0, err
		}
		n++
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// openLayout makes a bbolt file at path of kinds buckets nested as a
// sandbox's kinds are, each already holding enough records to be a tree of
// more than one page, and returns it with commit: one commit that puts
// value once at the end of each.
func openLayout(path string, value []byte, kinds int) (*bolt.DB, func() error, error) {
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		return nil, nil, err
	}
	const prefill = 10000
	seq := uint64(0)
	putAll := func(tx *bolt.Tx, n int) error {
		sb, err := tx.CreateBucketIfNotExists([]byte("sandboxes"))
		if err != nil {
			return err
		}
		ns, err := sb.CreateBucketIfNotExists([]byte("default"))
		if err != nil {
			return err
		}
		for range n {
			seq++
			for k := range kinds {
				b, err := ns.CreateBucketIfNotExists([]byte{byte('a' + k)})
				if err != nil {
					return err
				}
				if err := b.Put(binary.BigEndian.AppendUint64(nil, seq), value); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := db.Update(func(tx *bolt.Tx) error { return putAll(tx, prefill) }); err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, func() error { return db.Update(func(tx *bolt.Tx) error { return putAll(tx, 1) }) }, nil
}

// size prints the bytes of a bbolt file in use: its pages up to the
// high-water mark, which is what its records cost whatever the file's
// preallocated tail.
func size(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("size FILE")
	}
	db, err := bolt.Open(args[0], 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	return db.View(func(tx *bolt.Tx) error {
		fmt.Printf("bytes %d\n", tx.Size())
		return nil
	})
}

// checkTime times the whole-file check the server makes before it
// serves, alone: open read-only, walk every page.
func checkTime(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("check FILE")
	}
	start := time.Now()
	db, err := bolt.Open(args[0], 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	fmt.Printf("ms %d\n", time.Since(start).Milliseconds())
	return err
}

// kinds prints, for each record kind, how many records every sandbox
// holds together and their bytes: where a write's bytes go.
func kinds(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("kinds FILE")
	}
	db, err := bolt.Open(args[0], 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	type sum struct{ n, bytes int }
	sums := map[string]*sum{}
	err = db.View(func(tx *bolt.Tx) error {
		spaces := tx.Bucket([]byte("sandboxes"))
		if spaces == nil {
			return fmt.Errorf("no sandboxes")
		}
		return spaces.ForEachBucket(func(id []byte) error {
			ns := spaces.Bucket(id)
			return ns.ForEachBucket(func(kind []byte) error {
				s := sums[string(kind)]
				if s == nil {
					s = &sum{}
					sums[string(kind)] = s
				}
				return ns.Bucket(kind).ForEach(func(k, v []byte) error {
					s.n++
					s.bytes += len(k) + len(v)
					return nil
				})
			})
		})
	})
	if err != nil {
		return err
	}
	names := slices.Sorted(maps.Keys(sums))
	for _, k := range names {
		fmt.Printf("%s %d %d\n", k, sums[k].n, sums[k].bytes)
	}
	return nil
}

// big writes the demo data set and n one-bucket PREPAID subscribers of
// business unit JM, 10,000 to a commit.
func big(args []string) error {
	fs := flag.NewFlagSet("big", flag.ExitOnError)
	path := fs.String("db", "", "database to create")
	n := fs.Int("n", 1_000_000, "subscribers to add")
	fs.Parse(args)

	os.Remove(*path)
	s, err := storage.Open(*path)
	if err != nil {
		return err
	}
	defer s.Close()
	ds, err := storage.ParseDataSet(storage.Demo)
	if err != nil {
		return err
	}
	now := time.Now()
	if err := s.Load(ds, now); err != nil {
		return err
	}
	sb := s.Default()
	const perCommit = 10_000
	for i := 0; i < *n; i += perCommit {
		err := sb.Update(func(tx *storage.Tx) error {
			for j := i; j < min(i+perCommit, *n); j++ {
				no := fmt.Sprintf("1555%07d", j) // no demo service starts so
				sub := storage.Subscriber{
					BusinessID: "JM", ServiceNo: no, LOB: "PREPAID",
					AccountNo: "9" + no, ServiceInternalID: "8" + no, OwningAccountInternalID: "7" + no,
					Buckets: []storage.Bucket{{
						ID: "1", Name: "primary balance", UsageType: storage.UsageCurrency, Units: "JMD",
						Type: storage.BucketCore, Allowance: money.MustParse("100.00"), Expiry: now.AddDate(1, 0, 0),
					}},
				}
				if err := tx.PutSubscriber(sub); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	fmt.Printf("subscribers %d\n", *n)
	return nil
}
