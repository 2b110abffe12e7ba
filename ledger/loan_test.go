package ledger

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"prepay/money"
)

func TestSplit(t *testing.T) {
	m := money.MustParse
	tests := []struct {
		name       string
		amount     money.Amount
		owed       []money.Amount
		wantRepay  []money.Amount
		wantCredit money.Amount
	}{
		{"seed 001: 5.00 over a 2.00 loan", m("5.00"), []money.Amount{m("2.00")}, []money.Amount{m("2.00")}, m("3.00")},
		{"smaller than the loan: all to the loan", m("1.50"), []money.Amount{m("2.00")}, []money.Amount{m("1.50")}, 0},
		{"exactly the loan", m("2.00"), []money.Amount{m("2.00")}, []money.Amount{m("2.00")}, 0},
		{"one hundredth over the loan", m("2.01"), []money.Amount{m("2.00")}, []money.Amount{m("2.00")}, m("0.01")},
		{"no loan", m("5.00"), nil, []money.Amount{}, m("5.00")},
		{"a loan already repaid", m("5.00"), []money.Amount{0}, []money.Amount{0}, m("5.00")},
		{"two loans, both repaid", m("10.00"), []money.Amount{m("2.00"), m("3.00")}, []money.Amount{m("2.00"), m("3.00")}, m("5.00")},
		{"two loans, the second in part", m("3.00"), []money.Amount{m("2.00"), m("3.00")}, []money.Amount{m("2.00"), m("1.00")}, 0},
		{"two loans, the first in part", m("0.99"), []money.Amount{m("2.00"), m("3.00")}, []money.Amount{m("0.99"), 0}, 0},
		{"one hundredth", m("0.01"), []money.Amount{m("2.00")}, []money.Amount{m("0.01")}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			repay, credit := split(tc.amount, tc.owed)
			if diff := cmp.Diff(tc.wantRepay, repay); diff != "" {
				t.Errorf("repayments (-want +got):\n%s", diff)
			}
			if credit != tc.wantCredit {
				t.Errorf("credit = %s, want %s", credit, tc.wantCredit)
			}
			total := credit
			for _, r := range repay {
				total += r
			}
			if total != tc.amount {
				t.Errorf("repayments + credit = %s, want the amount %s", total, tc.amount)
			}
		})
	}
}
