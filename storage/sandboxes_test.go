package storage

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"prepay/money"
)

// TestEveryKeyInItsNamespace makes sandboxes, writes into each through every
// path a request has, and walks every key of the file: the top level holds
// only meta and sandboxes, and every record lies in a record kind of one
// sandbox's namespace.
func TestEveryKeyInItsNamespace(t *testing.T) {
	s := openDemo(t)
	ds, _ := ParseDataSet(Demo)
	for i := range 3 {
		sb, _, err := s.CreateSandbox(NewSandbox{Name: fmt.Sprint(i), DataSet: ds, Max: 10})
		if err != nil {
			t.Fatal(err)
		}
		if err := sb.Update(func(tx *Tx) error {
			if err := tx.PutVoucher(Voucher{BusinessID: "JM", Code: "77", Amount: 100}); err != nil {
				return err
			}
			if err := tx.PutFault(Fault{Name: "f", Route: "topupBalance", Percent: 100}); err != nil {
				return err
			}
			if err := tx.FreezeClock(testNow); err != nil {
				return err
			}
			a := Action{BusinessID: "JM", ProductID: "32970101", ConfirmationDate: testNow}
			if err := tx.AddAction(&a); err != nil {
				return err
			}
			return tx.PutIdempotency(Idempotency{ClientID: "c", BusinessID: "JM", Key: "k", Created: testNow})
		}); err != nil {
			t.Fatal(err)
		}
	}
	kinds := slices.Concat(allBuckets, keptBuckets)
	records := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, top *bolt.Bucket) error {
			switch string(name) {
			case string(bucketMeta):
				return top.ForEach(func(k, v []byte) error {
					if !bytes.Equal(k, keySchema) {
						t.Errorf("meta holds %q: only the schema belongs there", k)
					}
					return nil
				})
			case string(bucketSandboxes):
			default:
				t.Errorf("top-level bucket %q outside every sandbox", name)
				return nil
			}
			return top.ForEach(func(id, v []byte) error {
				if v != nil {
					t.Errorf("sandboxes holds a key %q outside every namespace", id)
					return nil
				}
				return top.Bucket(id).ForEach(func(kind, v []byte) error {
					if v != nil || !slices.ContainsFunc(kinds, func(k []byte) bool { return bytes.Equal(k, kind) }) {
						t.Errorf("sandbox %s holds %q, which is not a record kind", id, kind)
						return nil
					}
					return top.Bucket(id).Bucket(kind).ForEach(func(k, v []byte) error {
						if v == nil {
							t.Errorf("sandbox %s kind %s holds a nested bucket %q", id, kind, k)
						}
						records++
						return nil
					})
				})
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if records < 100 {
		t.Errorf("walked %d records: the walk missed the data", records)
	}
}

// TestMigrateSchemaOne turns a file into the layout of schema 1 — every
// record kind at the top — and opens it: its records are the default
// sandbox's, unchanged, and it is of schema 2.
func TestMigrateSchemaOne(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	s := openDemoAt(t, path)
	before := s.Default().digestRecords(t)
	s.Close()

	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		ns := namespace(tx, DefaultSandbox)
		for _, name := range slices.Concat(allBuckets, [][]byte{bucketClock}) {
			if err := tx.MoveBucket(name, ns, nil); err != nil {
				return err
			}
		}
		if err := tx.DeleteBucket(bucketSandboxes); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchema, []byte("1"))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err = Open(path)
	if err != nil {
		t.Fatalf("open a schema 1 file: %v", err)
	}
	defer s.Close()
	if after := s.Default().digestRecords(t); !bytes.Equal(before, after) {
		t.Error("the default sandbox's records changed in the move")
	}
	if sub, err := s.Default().subscriber("JM", "18763187057"); err != nil || sub.Buckets[0].Allowance != money.MustParse("22.59") {
		t.Errorf("seed 001's subscriber after the move: %+v, %v", sub, err)
	}
	s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(keySchema); string(v) != SchemaVersion {
			t.Errorf("schema after the move = %q", v)
		}
		return nil
	})
}

// TestMigrateSchemaTwo writes a file as schema 2 did — every value plain
// JSON, no dictionaries — and opens it: its records read unchanged, it is
// of this schema, and a value written again is packed.
func TestMigrateSchemaTwo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	s := openDemoAt(t, path)
	const bu, no = "JM", "18765544355" // 31 buckets: packed
	if err := s.Default().Update(func(tx *Tx) error {
		sub, err := tx.Subscriber(bu, no)
		if err != nil {
			return err
		}
		if err := tx.PutSubscriber(sub); err != nil { // written by a write: packed
			return err
		}
		return tx.AddAction(&Action{BusinessID: bu, ProductID: sub.ServiceInternalID, Description: strings.Repeat("x", 2*packMin)})
	}); err != nil {
		t.Fatal(err)
	}
	before := s.Default().digestRecords(t)
	s.Close()

	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	packedValues := 0
	if err := db.Update(func(tx *bolt.Tx) error {
		ns := namespace(tx, DefaultSandbox)
		for _, kind := range packedKinds {
			b := ns.Bucket(kind)
			plain := map[string][]byte{}
			if err := b.ForEach(func(k, v []byte) error {
				p, err := unpack(ns.Bucket(bucketDicts), kind, v)
				if len(p) != len(v) {
					packedValues++
				}
				plain[string(k)] = bytes.Clone(p)
				return err
			}); err != nil {
				return err
			}
			for k, v := range plain {
				if err := b.Put([]byte(k), v); err != nil {
					return err
				}
			}
		}
		if err := ns.DeleteBucket(bucketDicts); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchema, []byte("2"))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if packedValues < 2 {
		t.Fatalf("%d packed values in the file before it was made schema 2: the test tests nothing", packedValues)
	}

	s, err = Open(path)
	if err != nil {
		t.Fatalf("open a schema 2 file: %v", err)
	}
	defer s.Close()
	if after := s.Default().digestRecords(t); !bytes.Equal(before, after) {
		t.Error("the records read otherwise after the migration")
	}
	s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(keySchema); string(v) != SchemaVersion {
			t.Errorf("schema after the migration = %q", v)
		}
		return nil
	})
	if err := s.Default().Update(func(tx *Tx) error {
		sub, err := tx.Subscriber(bu, no)
		if err != nil {
			return err
		}
		sub.Buckets[0].Allowance = money.MustParse("5.00")
		return tx.PutSubscriber(sub)
	}); err != nil {
		t.Fatal(err)
	}
	s.Default().View(func(tx *Tx) error {
		if v := tx.bucket(bucketSubscribers).Get(key(bu, no)); v[0] != packedTag {
			t.Errorf("the subscriber written again is not packed: %.40q", v)
		}
		return nil
	})
	if sub, err := s.Default().subscriber(bu, no); err != nil || sub.Buckets[0].Allowance != money.MustParse("5.00") {
		t.Errorf("subscriber after the write: %v, %v", sub.Buckets[0].Allowance, err)
	}
}

// digestRecords lists the sandbox's records of the kinds that a data set
// fills, packed ones unpacked: what is recorded, however it is packed.
func (sb *Sandbox) digestRecords(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	err := sb.View(func(tx *Tx) error {
		for _, name := range allBuckets {
			if bytes.Equal(name, bucketDicts) {
				continue
			}
			err := tx.bucket(name).ForEach(func(k, v []byte) error {
				plain, err := unpack(tx.bucket(bucketDicts), name, v)
				fmt.Fprintf(&buf, "%s/%x=%x\n", name, k, plain)
				return err
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (sb *Sandbox) subscriber(bu, serviceNo string) (sub Subscriber, err error) {
	err = sb.View(func(tx *Tx) error {
		sub, err = tx.Subscriber(bu, serviceNo)
		return err
	})
	return sub, err
}

// TestDeletedSandboxRefusesItsWrites: a request authenticated just before
// its sandbox was deleted writes nothing and is told why.
func TestDeletedSandboxRefusesItsWrites(t *testing.T) {
	s := openDemo(t)
	ds, _ := ParseDataSet(Demo)
	sb, _, err := s.CreateSandbox(NewSandbox{DataSet: ds, Max: 10})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSandbox(sb.ID()); err != nil {
		t.Fatal(err)
	}
	err = sb.Update(func(tx *Tx) error { return tx.PutVoucher(Voucher{BusinessID: "JM", Code: "1", Amount: 1}) })
	if err == nil {
		t.Fatal("a write into a deleted sandbox succeeded")
	}
	if !errors.Is(s.DeleteSandbox(sb.ID()), ErrNotFound) {
		t.Error("deleting twice: want ErrNotFound")
	}
}

var sandboxRecords = 100_000

// BenchmarkSandboxLifecycle measures making a sandbox from the demo data
// set, and deleting one that holds 100,000 records (vouchers), each one
// transaction through the writer; while it runs, no other sandbox's write
// can commit, so its time is the longest another sandbox's write waits.
// Reads never wait (bbolt's readers do not block on the writer).
func BenchmarkSandboxLifecycle(b *testing.B) {
	s := openDemo(b)
	ds, _ := ParseDataSet(Demo)
	b.Run("create", func(b *testing.B) {
		for b.Loop() {
			sb, _, err := s.CreateSandbox(NewSandbox{DataSet: ds, Max: 1 << 30})
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			s.DeleteSandbox(sb.ID())
			b.StartTimer()
		}
	})
	b.Run(fmt.Sprintf("delete-%d-records", sandboxRecords), func(b *testing.B) {
		var worst time.Duration
		for b.Loop() {
			b.StopTimer()
			sb, _, err := s.CreateSandbox(NewSandbox{DataSet: ds, Max: 1 << 30})
			if err != nil {
				b.Fatal(err)
			}
			for n := 0; n < sandboxRecords; n += 10_000 {
				if err := sb.Update(func(tx *Tx) error {
					for i := range 10_000 {
						if err := tx.PutVoucher(Voucher{BusinessID: "JM", Code: fmt.Sprintf("%08d", n+i), Amount: 100}); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			b.StartTimer()
			start := time.Now()
			if err := s.DeleteSandbox(sb.ID()); err != nil {
				b.Fatal(err)
			}
			worst = max(worst, time.Since(start))
		}
		b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
	})
}
