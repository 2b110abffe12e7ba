package topup

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"prepay/ledger"
	"prepay/money"
	"prepay/storage"
	"prepay/tmf"
)

// stubFile is the fixed top-up that business units in stub mode answer: a
// credit of a primary balance, without a voucher, with the business unit's
// currency and zone filled in.
//
//go:embed testdata/stub.json
var stubFile []byte

// stub is stubFile, parsed.
type stub struct {
	Amount        money.Amount   `json:"amount"`
	BalanceBefore money.Amount   `json:"balanceBefore"`
	Bucket        storage.Bucket `json:"bucket"`
}

func parseStub(data []byte) (stub, error) {
	var s stub
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("stub top-up answer: %w", err)
	}
	return s, nil
}

// answerStub sends the fixed answer, built like a live one, marked X-Stub.
// It reads and changes nothing, so it is not remembered for idempotency.
func (h *handler) answerStub(w http.ResponseWriter, r *http.Request, bu storage.BusinessUnit) {
	b := h.stub.Bucket
	b.Units = bu.Currency
	resp := newResponse(bu, "", "", h.stub.Amount, []storage.Bucket{b}, 0,
		[]ledger.Change{{Index: 0, Before: h.stub.BalanceBefore}}, time.Time{}) // a stub holds nothing
	w.Header().Set("X-Stub", "true")
	tmf.WriteRaw(w, http.StatusOK, resp.appendJSON(nil))
}
