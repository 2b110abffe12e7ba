package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"

	bolt "go.etcd.io/bbolt"

	"prepay/storage/delta"
)

// Packing. A service's records repeat one another: each history record,
// operation and event of a 31-bucket service spells out the same 31
// buckets, names, units and dates, with a few amounts changed, and its
// subscriber record is rewritten the same way on every write. A value of
// a packed kind at least packMin long is therefore stored as its
// differences (package delta) from a dictionary: an earlier value of its
// family — the same kind, and the same service, client or event type —
// kept once in bucketDicts. A 4.8 KB history record packs into a few
// hundred bytes, so a top-up writes a fraction of the pages it would.
//
// A packed value is packedTag, the family's length and bytes, the
// dictionary's version (uvarints) and the delta encoding. Any other value
// is the record's JSON, which starts with '{': files written before
// packing are read as they are, and a value is packed when it is next
// written.
//
// Dictionaries are written once and never changed, so a packed value
// decodes for as long as its dictionary's key exists; they are dropped
// with their sandbox's records (a reset, a deleted sandbox). When a value
// packs poorly against its family's dictionary (its family has changed
// shape: a service's buckets replaced, or the data set's record was in
// another format), the value itself becomes the family's next version.
var bucketDicts = []byte("dicts")

// packedKinds are the record kinds whose values may be packed: those a
// write adds or rewrites many times over, and that are large for a service
// with many buckets.
var packedKinds = [][]byte{bucketSubscribers, bucketActions, bucketOperations, bucketEvents, bucketIdempotency}

const (
	// packMin is the length from which a value is packed: below it, the
	// value shares its page with others anyway.
	packMin = 512
	// packedTag starts every packed value; JSON never does.
	packedTag = 0x01
	// repackRatio: a value whose packing is longer than its length over
	// this becomes its family's next dictionary.
	repackRatio = 4
)

// jsonAppender is a record that encodes itself as json.Marshal would, byte
// for byte, only faster.
type jsonAppender interface {
	appendJSON([]byte) ([]byte, error)
}

// packable is a record that says which family its values pack against. A
// subscriber's family is its key, spelled so that no two keys share one
// (see rewritten).
type packable interface{ family() string }

func (s Subscriber) family() string {
	return strconv.Itoa(len(s.BusinessID)) + ":" + s.BusinessID + s.ServiceNo
}
func (a Action) family() string      { return a.ProductID }
func (o Operation) family() string   { return o.Type + "|" + o.Party.ProductID }
func (r Idempotency) family() string { return r.ClientID + "|" + r.BusinessID }
func (e Event) family() string {
	if len(e.ProductIDs) > 0 {
		return e.Type + "|" + e.ProductIDs[0]
	}
	return e.Type
}

// encode returns v as the value stored in kind: its JSON, packed when v is
// packable and long enough. A record that encodes itself is written into a
// reused buffer, of which only the packed value, or an exact copy, is
// kept: growing a buffer from nothing for each record was most of what a
// top-up allocated.
func (t *Tx) encode(kind []byte, v any) ([]byte, error) {
	var data []byte
	var err error
	if a, ok := v.(jsonAppender); ok {
		buf := scratch.Get().(*[]byte)
		defer scratch.Put(buf)
		data, err = a.appendJSON((*buf)[:0])
		*buf = data[:0]
	} else {
		data, err = json.Marshal(v)
	}
	if err != nil {
		return nil, err
	}
	p, ok := v.(packable)
	if !ok || len(data) < packMin || t.plain {
		return bytes.Clone(data), nil
	}
	return t.pack(kind, p.family(), data)
}

// scratch holds the buffers encode and AddEvent write JSON into.
var scratch = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// decode decodes value data of kind into v, unpacking it first if packed.
func (t *Tx) decode(kind, data []byte, v any) error {
	plain, err := unpack(t.bucket(bucketDicts), kind, data)
	if err != nil {
		return err
	}
	return json.Unmarshal(plain, v)
}

// dictKey is the key of version ver of family's dictionary for kind:
// kind | 0x00 | family | 0x00 | big-endian version, so that a family's
// newest version is the last key of its prefix.
func dictKey(kind []byte, family string, ver uint32) []byte {
	return binary.BigEndian.AppendUint32(append(key(string(kind), family), sep), ver)
}

// pack returns data, a value of kind in family, packed against the
// family's newest dictionary, making one of data when there is none or
// data packs poorly against it. data is encode's buffer: what is kept of
// it is copied.
func (t *Tx) pack(kind []byte, family string, data []byte) ([]byte, error) {
	dicts := t.bucket(bucketDicts)
	prefix := append(key(string(kind), family), sep)
	ver, dict := uint32(0), []byte(nil)
	last := dictKey(kind, family, ^uint32(0))
	c := dicts.Cursor()
	k, v := c.Seek(last)
	switch {
	case k == nil:
		k, v = c.Last()
	case !bytes.Equal(k, last):
		k, v = c.Prev()
	}
	if k != nil && len(k) == len(prefix)+4 && bytes.HasPrefix(k, prefix) {
		ver, dict = binary.BigEndian.Uint32(k[len(prefix):]), v
	}
	if dict != nil {
		out := t.packWith(kind, family, ver, dict, data)
		if len(out) <= len(data)/repackRatio {
			return out, nil
		}
	}
	if ver == ^uint32(0) {
		return bytes.Clone(data), nil // no versions left: stored plain
	}
	ver++
	data = bytes.Clone(data) // the dictionary, stored
	if err := dicts.Put(dictKey(kind, family, ver), data); err != nil {
		return nil, fmt.Errorf("dictionary of %s %q: %w", kind, family, err)
	}
	if rewritten(kind) && ver > 1 {
		// The one value that used the version before is being replaced.
		if err := dicts.Delete(dictKey(kind, family, ver-1)); err != nil {
			return nil, fmt.Errorf("dictionary of %s %q: %w", kind, family, err)
		}
	}
	return t.packWith(kind, family, ver, data, data), nil
}

// rewritten reports whether kind's families are each one record, rewritten
// in place (a subscriber's family is its own key): a dictionary its value
// no longer uses is used by none, and is deleted, so that a service
// rewritten in ever new shapes keeps one dictionary, not one a shape.
func rewritten(kind []byte) bool { return bytes.Equal(kind, bucketSubscribers) }

// dropDicts deletes every dictionary of family for kind: the family's one
// record is deleted.
func (t *Tx) dropDicts(kind []byte, family string) error {
	prefix := append(key(string(kind), family), sep)
	c := t.bucket(bucketDicts).Cursor()
	for k, _ := c.Seek(prefix); k != nil && len(k) == len(prefix)+4 && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

func (t *Tx) packWith(kind []byte, family string, ver uint32, dict, data []byte) []byte {
	out := make([]byte, 0, 16+len(family)+len(data)/8)
	out = append(out, packedTag)
	out = binary.AppendUvarint(out, uint64(len(family)))
	out = append(out, family...)
	out = binary.AppendUvarint(out, uint64(ver))
	return t.dicts().index(t.space, dictKey(kind, family, ver), dict).Encode(out, data)
}

// unpack returns the JSON of value data of kind, read from a sandbox whose
// dictionaries are dicts: data itself when it is not packed.
func unpack(dicts *bolt.Bucket, kind, data []byte) ([]byte, error) {
	if len(data) == 0 || data[0] != packedTag {
		return data, nil
	}
	rest := data[1:]
	n, k := binary.Uvarint(rest)
	if k <= 0 || n > uint64(len(rest)-k) {
		return nil, fmt.Errorf("packed %s value: bad family", kind)
	}
	family := string(rest[k : k+int(n)])
	rest = rest[k+int(n):]
	ver, k := binary.Uvarint(rest)
	if k <= 0 || ver > uint64(^uint32(0)) {
		return nil, fmt.Errorf("packed %s value: bad dictionary version", kind)
	}
	dict := dicts.Get(dictKey(kind, family, uint32(ver)))
	if dict == nil {
		return nil, fmt.Errorf("packed %s value: no dictionary %d of %q", kind, ver, family)
	}
	plain, err := delta.Decode(make([]byte, 0, 2*len(dict)), dict, rest[k:])
	if err != nil {
		return nil, fmt.Errorf("packed %s value of %q: %w", kind, family, err)
	}
	return plain, nil
}

// packed reports whether kind's values may be packed.
func packed(kind []byte) bool {
	for _, p := range packedKinds {
		if bytes.Equal(kind, p) {
			return true
		}
	}
	return false
}

// dictIndexes keeps the index of the dictionaries a writer packs against,
// so that packing a value costs a pass over it, not one over its
// dictionary too. An entry answers only the dictionary bytes it was made
// from: a dictionary written by a transaction that rolled back, and another
// written in its place, can make it miss but never make it wrong.
type dictIndexes struct {
	mu      sync.Mutex
	entries map[string]*delta.Dict // by sandbox id | 0x00 | dictionary key
}

// dictIndexesSize bounds the indexes kept; past it the cache starts again
// empty.
const dictIndexesSize = 1024

// dicts returns the transaction's cache of dictionary indexes: the
// store's, or a fresh one for a transaction made without a store.
func (t *Tx) dicts() *dictIndexes {
	if t.memo != nil {
		return &t.memo.dicts
	}
	return &dictIndexes{}
}

// index returns the index of dict, stored under dk in sandbox space.
func (c *dictIndexes) index(space string, dk, dict []byte) *delta.Dict {
	ck := space + "\x00" + string(dk)
	c.mu.Lock()
	defer c.mu.Unlock()
	if d := c.entries[ck]; d != nil && bytes.Equal(d.Data(), dict) {
		return d
	}
	// bbolt's bytes are valid only inside the transaction: keep a copy.
	d := delta.NewDict(bytes.Clone(dict))
	if c.entries == nil || len(c.entries) >= dictIndexesSize {
		c.entries = map[string]*delta.Dict{}
	}
	c.entries[ck] = d
	return d
}
