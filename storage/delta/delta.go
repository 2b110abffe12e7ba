// Package delta encodes a value as its differences from a dictionary: a
// run of copies of the dictionary's bytes and literal bytes. Records of
// one kind and one service repeat one another almost byte for byte (the
// same buckets, names, units and dates, a few amounts changed), so a
// record coded against an earlier one of its family is a small fraction of
// its size, and coding costs a pass over it, not a compressor's tables.
//
// An encoding is a sequence of operations, each a uvarint n<<1|c: c = 0 is
// n literal bytes, which follow; c = 1 copies n bytes of the dictionary
// from the offset in the uvarint after it.
package delta

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// minCopy is the shortest copy worth its operation: a shorter one costs
// more bytes than the literals it replaces.
const minCopy = 6

// window is the number of bytes the index hashes: a copy is found only
// where at least this many bytes match.
const window = 4

// Dict is a dictionary with its index: where in it each window of bytes
// was last seen. It is read-only once made and safe to share.
type Dict struct {
	data  []byte
	shift uint
	index []int32 // by hash of a window: its offset + 1, or 0
}

// NewDict indexes data, which the Dict keeps and which must not change.
func NewDict(data []byte) *Dict {
	bits := uint(10)
	for bits < 20 && 1<<bits < len(data) {
		bits++
	}
	d := &Dict{data: data, shift: 32 - bits, index: make([]int32, 1<<bits)}
	for p := 0; p+window <= len(data); p++ {
		d.index[d.hash(data[p:])] = int32(p + 1)
	}
	return d
}

// Data returns the dictionary's bytes.
func (d *Dict) Data() []byte { return d.data }

func (d *Dict) hash(b []byte) uint32 {
	return binary.LittleEndian.Uint32(b) * 2654435761 >> d.shift
}

// Encode appends the encoding of src against d to dst.
func (d *Dict) Encode(dst, src []byte) []byte {
	lit := 0      // start of the literals not yet written
	aligned := -1 // where in the dictionary src[i] would be, had the last copy gone on
	for i := 0; i+window <= len(src); {
		at, n := -1, 0
		if aligned >= 0 && aligned < len(d.data) {
			if m := d.match(aligned, src[i:]); m >= minCopy {
				at, n = aligned, m
			}
		}
		if p := int(d.index[d.hash(src[i:])]) - 1; p >= 0 && p != at {
			if m := d.match(p, src[i:]); m >= minCopy && m > n {
				at, n = p, m
			}
		}
		if at < 0 {
			i++
			if aligned >= 0 {
				aligned++
			}
			continue
		}
		// Take back literals that the copy's bytes also precede.
		for i > lit && at > 0 && src[i-1] == d.data[at-1] {
			i, at, n = i-1, at-1, n+1
		}
		dst = literal(dst, src[lit:i])
		dst = binary.AppendUvarint(dst, uint64(n)<<1|1)
		dst = binary.AppendUvarint(dst, uint64(at))
		i += n
		lit, aligned = i, at+n
	}
	return literal(dst, src[lit:])
}

// match returns how many bytes of src the dictionary holds from offset p,
// comparing eight bytes at a time: matches run for hundreds of bytes.
func (d *Dict) match(p int, src []byte) int {
	dict := d.data[p:]
	if len(src) > len(dict) {
		src = src[:len(dict)]
	}
	n := 0
	for ; n+8 <= len(src); n += 8 {
		if x := binary.LittleEndian.Uint64(src[n:]) ^ binary.LittleEndian.Uint64(dict[n:]); x != 0 {
			return n + bits.TrailingZeros64(x)/8
		}
	}
	for n < len(src) && src[n] == dict[n] {
		n++
	}
	return n
}

func literal(dst, b []byte) []byte {
	if len(b) == 0 {
		return dst
	}
	dst = binary.AppendUvarint(dst, uint64(len(b))<<1)
	return append(dst, b...)
}

// ErrCorrupt is the error of an encoding that no Encode against the
// dictionary given could have made.
var ErrCorrupt = errors.New("delta: corrupt encoding")

// Decode appends to dst the value that src encodes against dict. It never
// reads outside src or dict, whatever src holds.
func Decode(dst, dict, src []byte) ([]byte, error) {
	for len(src) > 0 {
		op, k := binary.Uvarint(src)
		if k <= 0 {
			return nil, fmt.Errorf("%w: operation", ErrCorrupt)
		}
		src = src[k:]
		n := op >> 1
		if op&1 == 0 {
			if n > uint64(len(src)) {
				return nil, fmt.Errorf("%w: %d literal bytes, %d left", ErrCorrupt, n, len(src))
			}
			dst, src = append(dst, src[:n]...), src[n:]
			continue
		}
		at, k := binary.Uvarint(src)
		if k <= 0 {
			return nil, fmt.Errorf("%w: copy offset", ErrCorrupt)
		}
		src = src[k:]
		if at > uint64(len(dict)) || n > uint64(len(dict))-at {
			return nil, fmt.Errorf("%w: copy of %d bytes at %d from a dictionary of %d", ErrCorrupt, n, at, len(dict))
		}
		dst = append(dst, dict[at:at+n]...)
	}
	return dst, nil
}
