package money

import (
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    Amount
		wantErr error
	}{
		{in: "0", want: 0},
		{in: "-0", want: 0},
		{in: "0.1", want: 10},
		{in: "0.10", want: 10},
		{in: "5", want: 500},
		{in: "5.00", want: 500},
		{in: "600.31", want: 60031},
		{in: "-0.25", want: -25},
		{in: "92233720368547758.07", want: math.MaxInt64},
		{in: "-92233720368547758.07", want: -math.MaxInt64},
		{in: "92233720368547758.08", wantErr: ErrRange},
		{in: "99999999999999999999999", wantErr: ErrRange},
		{in: "5.001", wantErr: ErrPrecision},
		{in: "5.000", wantErr: ErrPrecision},
		{in: "1e2", wantErr: ErrSyntax},
		{in: "1E2", wantErr: ErrSyntax},
		{in: "", wantErr: ErrSyntax},
		{in: "-", wantErr: ErrSyntax},
		{in: "+5", wantErr: ErrSyntax},
		{in: ".5", wantErr: ErrSyntax},
		{in: "5.", wantErr: ErrSyntax},
		{in: " 5", wantErr: ErrSyntax},
		{in: "5 ", wantErr: ErrSyntax},
		{in: "NaN", wantErr: ErrSyntax},
		{in: `"5.00"`, wantErr: ErrSyntax},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Parse(tc.in)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Parse(%q) error = %v, want %v", tc.in, err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("Parse(%q) = %d, want %d", tc.in, got, tc.want)
			}
		})
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		in   Amount
		want string
	}{
		{0, "0.00"},
		{5, "0.05"},
		{10, "0.10"},
		{500, "5.00"},
		{60031, "600.31"},
		{-25, "-0.25"},
		{-100, "-1.00"},
		{math.MaxInt64, "92233720368547758.07"},
		{math.MinInt64, "-92233720368547758.08"},
	}
	for _, tc := range tests {
		if got := tc.in.String(); got != tc.want {
			t.Errorf("Amount(%d).String() = %q, want %q", int64(tc.in), got, tc.want)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	type body struct {
		Amount struct {
			Amount Amount `json:"amount"`
			Units  string `json:"units"`
		} `json:"amount"`
	}
	var b body
	if err := json.Unmarshal([]byte(`{"amount":{"amount":5,"units":"JMD"}}`), &b); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(`{"amount":{"amount":5.00,"units":"JMD"}}`, string(out)); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

// TestUnmarshalNamesField checks that a bad amount deep in a body comes back
// as a type error carrying the JSON path, which the body decoder names.
func TestUnmarshalNamesField(t *testing.T) {
	tests := []struct {
		body, wantField, wantValue string
	}{
		{`{"amount":{"amount":5.001}}`, "amount.amount", "5.001"},
		{`{"amount":{"amount":1e2}}`, "amount.amount", "1e2"},
		{`{"amount":{"amount":"5.00"}}`, "amount.amount", `"5.00"`},
		{`{"amount":{"amount":true}}`, "amount.amount", "true"},
	}
	for _, tc := range tests {
		t.Run(tc.body, func(t *testing.T) {
			var b struct {
				Amount struct {
					Amount Amount `json:"amount"`
				} `json:"amount"`
			}
			err := json.Unmarshal([]byte(tc.body), &b)
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) {
				t.Fatalf("Unmarshal error = %v, want *json.UnmarshalTypeError", err)
			}
			if te.Field != tc.wantField || te.Value != tc.wantValue {
				t.Errorf("field, value = %q, %q; want %q, %q", te.Field, te.Value, tc.wantField, tc.wantValue)
			}
		})
	}
}

func TestMulRate(t *testing.T) {
	tests := []struct {
		name           string
		quantity, rate string
		want           string
		wantErr        error
	}{
		{"exact", "20.00", "0.50", "10.00", nil},
		{"half rounds to even down", "1.25", "0.10", "0.12", nil},
		{"half rounds to even up", "1.35", "0.10", "0.14", nil},
		{"above half", "1.26", "0.10", "0.13", nil},
		{"below half", "1.24", "0.10", "0.12", nil},
		{"zero quantity", "0", "9.99", "0.00", nil},
		{"zero rate", "12.34", "0", "0.00", nil},
		{"negative", "-1.25", "0.10", "-0.12", nil},
		{"overflow", "92233720368547758.07", "2.00", "", ErrLimit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MulRate(MustParse(tc.quantity), MustParse(tc.rate))
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
			if err == nil && got.String() != tc.want {
				t.Errorf("MulRate(%s, %s) = %s, want %s", tc.quantity, tc.rate, got, tc.want)
			}
		})
	}
}

// TestArithmeticBounds holds Add, Sub and MulRate to ±Max at every edge,
// the int64 extremes included: no operand can make them overflow.
func TestArithmeticBounds(t *testing.T) {
	tests := []struct {
		name    string
		op      func(a, b Amount) (Amount, error)
		a, b    Amount
		want    Amount
		wantErr error
	}{
		{"add", Add, MustParse("22.59"), MustParse("3.00"), MustParse("25.59"), nil},
		{"add to max", Add, Max - 1, 1, Max, nil},
		{"add past max", Add, Max, 1, 0, ErrLimit},
		{"add below -max", Add, -Max, -1, 0, ErrLimit},
		{"add int64 overflow", Add, math.MaxInt64, 1, 0, ErrLimit},
		{"add int64 underflow", Add, math.MinInt64, -1, 0, ErrLimit},
		{"add huge operands that cancel", Add, math.MaxInt64, -math.MaxInt64, 0, nil},
		{"sub", Sub, MustParse("25.59"), MustParse("3.00"), MustParse("22.59"), nil},
		{"sub to -max", Sub, 0, Max, -Max, nil},
		{"sub past -max", Sub, -1, Max, 0, ErrLimit},
		{"sub int64 overflow", Sub, math.MinInt64, 1, 0, ErrLimit},
		{"sub int64 underflow", Sub, math.MaxInt64, -1, 0, ErrLimit},
		{"rate at max", MulRate, Max, MustParse("1.00"), Max, nil},
		{"rate past max", MulRate, Max, MustParse("1.01"), 0, ErrLimit},
		{"rate of int64 extremes", MulRate, math.MaxInt64, math.MaxInt64, 0, ErrLimit},
		{"rate of min int64", MulRate, math.MinInt64, MustParse("1.00"), 0, ErrLimit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.op(tc.a, tc.b)
			if !errors.Is(err, tc.wantErr) || (err == nil && got != tc.want) {
				t.Errorf("%s(%d, %d) = %s, %v; want %s, %v", tc.name, tc.a, tc.b, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// TestUnmarshalBound refuses an amount beyond ±Max on the way in, as a type
// error the body decoder names, and takes Max itself.
func TestUnmarshalBound(t *testing.T) {
	for _, in := range []string{"1000000000.01", "-1000000000.01", "92233720368547758.07"} {
		var a Amount
		var te *json.UnmarshalTypeError
		if err := json.Unmarshal([]byte(in), &a); !errors.As(err, &te) {
			t.Errorf("Unmarshal(%s) = %v, want a type error", in, err)
		}
	}
	var a Amount
	if err := json.Unmarshal([]byte("1000000000.00"), &a); err != nil || a != Max {
		t.Errorf("Unmarshal(1000000000.00) = %s, %v; want Max", a, err)
	}
}
