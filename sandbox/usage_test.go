package sandbox

import (
	"testing"

	"prepay/storage"
)

func TestAccumulatorIndex(t *testing.T) {
	mb := storage.Bucket{ID: "32", UsageType: "MB", Units: "MB"}
	tests := []struct {
		name string
		accs []storage.Accumulator
		want int
	}{
		{"same id", []storage.Accumulator{{ID: "1", UsageType: "MB", Units: "MB"}, {ID: "32", UsageType: "MB", Units: "MB"}}, 1},
		{"same id, no units", []storage.Accumulator{{ID: "32"}}, 0},
		{"same id, other units: by usage type", []storage.Accumulator{{ID: "32", UsageType: "mins", Units: "mins"}, {ID: "9", UsageType: "MB", Units: "MB"}}, 1},
		{"first of the usage type", []storage.Accumulator{{ID: "1", UsageType: "Currency", Units: "JMD"}, {ID: "7", UsageType: "MB", Units: "MB"}, {ID: "8", UsageType: "MB", Units: "MB"}}, 1},
		{"usage type, other units", []storage.Accumulator{{ID: "7", UsageType: "MB", Units: "GB"}}, -1},
		{"none", nil, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := accumulatorIndex(storage.Subscriber{Accumulators: tc.accs}, mb); got != tc.want {
				t.Errorf("accumulatorIndex = %d, want %d", got, tc.want)
			}
		})
	}
}
