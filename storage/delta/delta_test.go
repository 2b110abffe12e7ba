package delta

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// bucketList is a record shaped like a service's: n buckets, each with a
// name, units, an amount and a date, amounts and dates moved by seed.
func bucketList(n, seed int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `{"seq":%d,"description":"limeware,1,1,%d:topupBalance,API,JM","balances":[`, seed, seed)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		amount := 0
		if i%7 == 0 {
			amount = 100*i + seed
		}
		fmt.Fprintf(&b, `{"id":"%d","name":"bucket %d","usageType":"Currency","units":"JMD","amount":%d.%02d,"validTo":"2027-01-%02dT09:17:39.%dZ"}`,
			i, i, amount, seed%100, 1+i%28, seed)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 5000)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	tests := []struct {
		name       string
		dict, src  []byte
		maxPercent int // the encoding's length at most this percent of src's; 0: not judged
	}{
		{"empty value", bucketList(31, 1), nil, 0},
		{"empty dictionary", nil, bucketList(31, 1), 0},
		{"both empty", nil, nil, 0},
		{"the dictionary itself", bucketList(31, 1), bucketList(31, 1), 1},
		{"a later record of the family", bucketList(31, 1), bucketList(31, 2000), 20},
		{"one more bucket", bucketList(31, 1), bucketList(32, 7), 20},
		{"one bucket fewer", bucketList(31, 1), bucketList(30, 7), 20},
		{"shorter than a window", []byte("abcdefgh"), []byte("abc"), 0},
		{"unrelated bytes", bucketList(31, 1), random, 0},
		{"bytes against themselves", random, random, 1},
		{"the dictionary twice over", []byte("0123456789abcdef"), bytes.Repeat([]byte("0123456789abcdef"), 50), 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			enc := NewDict(tc.dict).Encode([]byte("head"), tc.src)
			if !bytes.HasPrefix(enc, []byte("head")) {
				t.Fatalf("Encode dropped what dst held: %.10q", enc)
			}
			got, err := Decode([]byte("x"), tc.dict, enc[len("head"):])
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, append([]byte("x"), tc.src...)) {
				t.Fatalf("round trip:\n got %.200q\nwant %.200q", got, tc.src)
			}
			if n := len(enc) - len("head"); tc.maxPercent > 0 && n*100 > tc.maxPercent*len(tc.src) {
				t.Errorf("encoded %d bytes into %d (%d%%), want at most %d%%", len(tc.src), n, n*100/len(tc.src), tc.maxPercent)
			}
		})
	}
}

func TestDecodeRefusesCorrupt(t *testing.T) {
	dict := []byte("0123456789")
	tests := []struct {
		name string
		src  []byte
	}{
		{"literal past the end", []byte{10 << 1, 'a'}},
		{"copy past the dictionary", []byte{5<<1 | 1, 8}},
		{"copy from past the dictionary", []byte{1<<1 | 1, 11}},
		{"copy with no offset", []byte{2<<1 | 1}},
		{"huge copy", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0}},
		{"huge offset", []byte{2<<1 | 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
		{"truncated operation", []byte{0x80}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Decode(nil, dict, tc.src); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Decode = %v, want ErrCorrupt", err)
			}
		})
	}
}

// FuzzRoundTrip: whatever the dictionary and the value, decoding an
// encoding gives the value back.
func FuzzRoundTrip(f *testing.F) {
	f.Add(bucketList(5, 1), bucketList(5, 2))
	f.Add([]byte("aaaaaaaaaaaa"), []byte("aaaaaaabaaaaaaaa"))
	f.Fuzz(func(t *testing.T, dict, src []byte) {
		got, err := Decode(nil, dict, NewDict(dict).Encode(nil, src))
		if err != nil || !bytes.Equal(got, src) {
			t.Fatalf("round trip: %v\n got %q\nwant %q", err, got, src)
		}
	})
}

// FuzzDecode: any bytes decode or are refused; none panics or reads
// outside the dictionary.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("0123456789"), []byte{5<<1 | 1, 2, 2 << 1, 'a', 'b'})
	f.Fuzz(func(t *testing.T, dict, src []byte) {
		Decode(nil, dict, src)
	})
}

// BenchmarkEncode measures packing a 31-bucket record against an earlier
// one of its family, with the dictionary's index made once.
func BenchmarkEncode(b *testing.B) {
	d := NewDict(bucketList(31, 1))
	src := bucketList(31, 2000)
	b.SetBytes(int64(len(src)))
	var out []byte
	for b.Loop() {
		out = d.Encode(out[:0], src)
	}
	b.ReportMetric(float64(len(out)), "bytes")
}

func BenchmarkDecode(b *testing.B) {
	dict := bucketList(31, 1)
	src := bucketList(31, 2000)
	enc := NewDict(dict).Encode(nil, src)
	b.SetBytes(int64(len(src)))
	var out []byte
	for b.Loop() {
		out, _ = Decode(out[:0], dict, enc)
	}
}

func BenchmarkNewDict(b *testing.B) {
	dict := bucketList(31, 1)
	for b.Loop() {
		NewDict(dict)
	}
}
