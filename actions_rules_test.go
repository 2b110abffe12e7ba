package main

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"prepay/money"
	"prepay/storage"
)

// ruleStep is one request of a rule's scenario and the answer it must get.
type ruleStep struct {
	method, path, body string
	header             map[string]string
	want               int
	golden             string // testdata/actions/rules/<golden>.golden; "" for none
	nextDay            bool   // move the sandbox clock a day on first
}

// post is a ruleStep POSTing body to the TMF action route path as the
// admin client.
func post(path, body string, want int, golden string) ruleStep {
	return ruleStep{method: "POST", path: path, body: body, header: asAdmin, want: want, golden: golden}
}

// repeat is step n times.
func repeat(n int, step ruleStep) []ruleStep {
	steps := make([]ruleStep, n)
	for i := range steps {
		steps[i] = step
	}
	return steps
}

// Demo JM services the rule tests move money between, besides svcRich and
// svcLoan: a FIXED line with 150.00 JMD and two buckets.
const svcFixed = "18769990001"

// TestActionRules drives each rule of the TMF654 actions to its edge, one
// scenario per rule on a server of its own: the request just inside it
// succeeds, the one past it is refused naming the rule. Every refusal
// leaves the database as it was (its digest before and after), even with
// an Idempotency-Key.
func TestActionRules(t *testing.T) {
	receiverPays := func(ds *storage.DataSet) {
		for i := range ds.BusinessUnits {
			if ds.BusinessUnits[i].ID == "JM" {
				ds.BusinessUnits[i].Transfer = &storage.TransferRules{
					MinAmount: money.MustParse("1.00"), MaxDailyCount: 10,
					Fee: money.MustParse("5.00"), CostOwner: storage.CostReceiver,
				}
			}
		}
	}
	topup10 := fmt.Sprintf(`{"logicalResource":{"value":%q},"amount":{"amount":10.00}}`, svcLoan)
	tests := []struct {
		name    string
		dataSet func(*storage.DataSet) // changes to the demo data set; nil: none
		steps   []ruleStep
		check   func(t *testing.T, s *testServer)
	}{
		{
			name: "maxDailyCount",
			steps: append(repeat(10, post("transferBalance", transferBody(svcRich, svcLoan, "15.00"), 201, "")),
				post("transferBalance", transferBody(svcRich, svcLoan, "15.00"), 422, "daily-count"),
				ruleStep{method: "POST", path: "transferBalance", body: transferBody(svcRich, svcLoan, "15.00"),
					header: with(asAdmin, "Idempotency-Key", "eleventh"), want: 422},
				// The count is the sender's: the receiver may still send.
				post("transferBalance", transferBody(svcLoan, svcRich, "15.00"), 201, ""),
				ruleStep{method: "POST", path: "transferBalance", body: transferBody(svcRich, svcLoan, "15.00"),
					header: with(asAdmin, "Idempotency-Key", "eleventh"), want: 201, nextDay: true},
			),
		},
		{
			name: "maxDailyAmount",
			steps: []ruleStep{
				post("adjustBalance", `{"product":{"id":"32970253"},"amount":{"amount":30000.00},"reason":"float"}`, 201, ""),
				post("transferBalance", transferBody(svcRich, svcLoan, "19985.00"), 201, ""),
				post("transferBalance", transferBody(svcRich, svcLoan, "15.01"), 422, "daily-amount"),
				post("transferBalance", transferBody(svcRich, svcLoan, "15.00"), 201, ""), // 20,000.00 exactly
				post("transferBalance", transferBody(svcRich, svcLoan, "15.00"), 422, ""),
				{method: "POST", path: "transferBalance", body: transferBody(svcRich, svcLoan, "15.00"), header: asAdmin, want: 201, nextDay: true},
			},
		},
		{
			name:    "costOwner receiver",
			dataSet: receiverPays,
			steps: []ruleStep{
				// 20.00 leaves the FIXED line; 15.00 arrives, 2.00 of it
				// repaying seed 001's loan.
				post("transferBalance", transferBody(svcFixed, svcLoan, "20.00"), 201, "receiver-pays"),
				post("transferBalance", transferBody(svcFixed, svcLoan, "5.00"), 422, "receiver-pays-fee"),
				post("transferBalance", transferBody(svcFixed, svcLoan, "5.01"), 201, ""),
			},
			check: func(t *testing.T, s *testServer) {
				want := map[string]money.Amount{svcFixed + " 1": money.MustParse("124.99"),
					svcLoan + " 1": money.MustParse("22.59") + money.MustParse("13.00") + money.MustParse("0.01"), svcLoan + " 21": 0}
				got := map[string]money.Amount{}
				for _, n := range []string{svcFixed, svcLoan} {
					for _, b := range s.subscriber(t, "JM", n).Buckets {
						if b.Units == "JMD" {
							got[n+" "+b.ID] = b.Balance()
						}
					}
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("balances (-want +got):\n%s", diff)
				}
				// Each side's history says what it gave or got, newest first.
				wantRecords := map[string][]money.Amount{
					"32970301": {money.MustParse("-5.01"), money.MustParse("-20.00")},
					"32970101": {money.MustParse("0.01"), money.MustParse("15.00")},
				}
				gotRecords := map[string][]money.Amount{}
				for product := range wantRecords {
					for _, a := range s.actions(t, "JM", product) {
						if a.Type == storage.ActionTransfer {
							gotRecords[product] = append(gotRecords[product], a.Amount)
						}
					}
				}
				if diff := cmp.Diff(wantRecords, gotRecords); diff != "" {
					t.Errorf("TransferBalance records (-want +got):\n%s", diff)
				}
			},
		},
		{
			name: "top-up cancel after the money was spent",
			steps: []ruleStep{
				post("topupBalance", topup10, 201, ""), // 2.00 to the loan, 8.00: 22.59 → 30.59
				{method: "POST", path: "/sandbox/v1/JM/services/" + svcLoan + "/usage", body: `{"bucketId":"1","amount":25.00}`, header: asAdmin, want: 200},
				{method: "PATCH", path: "topupBalance/1", body: `{"status":"cancelled"}`, header: asAdmin, want: 409, golden: "topup-cancel-spent"},
				// A second top-up, whole, cancels.
				post("topupBalance", topup10, 201, ""),
				{method: "PATCH", path: "topupBalance/2", body: `{"status":"cancelled"}`, header: asAdmin, want: 200},
			},
		},
		{
			name: "top-up cancel while the money is held",
			steps: []ruleStep{
				post("topupBalance", topup10, 201, ""),
				post("reserveBalance", fmt.Sprintf(`{"logicalResource":{"value":%q},"amount":{"amount":25.00}}`, svcLoan), 201, ""),
				{method: "PATCH", path: "topupBalance/1", body: `{"status":"cancelled"}`, header: asAdmin, want: 409, golden: "topup-cancel-held"},
				{method: "DELETE", path: "reserveBalance/2", header: asAdmin, want: 204},
				{method: "PATCH", path: "topupBalance/1", body: `{"status":"cancelled"}`, header: asAdmin, want: 200},
			},
		},
		{
			name: "usage never spends held money",
			steps: []ruleStep{
				post("reserveBalance", fmt.Sprintf(`{"logicalResource":{"value":%q},"amount":{"amount":20.00}}`, svcLoan), 201, ""),
				{method: "POST", path: "/sandbox/v1/JM/services/" + svcLoan + "/usage", body: `{"bucketId":"1","amount":2.60}`, header: asAdmin, want: 422, golden: "usage-past-hold"},
				{method: "POST", path: "/sandbox/v1/JM/services/" + svcLoan + "/usage", body: `{"bucketId":"1","amount":2.59}`, header: asAdmin, want: 200},
				{method: "PATCH", path: "reserveBalance/1", body: `{"status":"completed"}`, header: asAdmin, want: 200},
				// Nothing held any more: usage runs into overage, as ever.
				{method: "POST", path: "/sandbox/v1/JM/services/" + svcLoan + "/usage", body: `{"bucketId":"1","amount":1.00}`, header: asAdmin, want: 200},
			},
			check: func(t *testing.T, s *testServer) {
				b := s.subscriber(t, "JM", svcLoan).Buckets[0]
				if b.Balance() != 0 || b.Overage() != money.MustParse("1.00") || len(b.Holds) != 0 {
					t.Errorf("primary balance %s, overage %s, holds %v; want 0.00, 1.00, none", b.Balance(), b.Overage(), b.Holds)
				}
			},
		},
		{
			name: "service shapes",
			steps: []ruleStep{
				post("transferBalance", `{"receiverLogicalResource":{"value":"18763187057"},"amount":{"amount":20}}`, 400, "service-neither"),
				post("transferBalance", `{"product":{"id":"32970253"},"logicalResource":{"value":"18763187057"},"receiverLogicalResource":{"value":"18763187057"},"amount":{"amount":20}}`, 400, "service-disagree"),
				post("transferBalance", `{"product":[{"id":"32970253"},{"id":"32970253"}],"receiverLogicalResource":{"value":"18763187057"},"amount":{"amount":20}}`, 400, "service-two-products"),
				post("transferBalance", `{"logicalResource":[{"value":"18765544355"},{"value":"18763187057"}],"receiverLogicalResource":{"value":"18763187057"},"amount":{"amount":20}}`, 400, "service-two-resources"),
				post("transferBalance", `{"product":{"id":"32970253"},"receiverLogicalResource":[],"amount":{"amount":20}}`, 400, "receiver-empty-array"),
				post("transferBalance", `{"product":{"id":"32970253"},"receiverProduct":{"id":"32970253"},"receiverLogicalResource":{"value":"18763187057"},"amount":{"amount":20}}`, 400, "receiver-disagree"),
				post("topupBalance", `{"product":"32970253","amount":{"amount":20}}`, 400, ""),
				post("adjustBalance", `{"logicalResource":{"@type":"IMSI","value":"18765544355"},"amount":{"amount":1},"reason":"x"}`, 400, ""),
				// Both, agreeing, one as an array of one: accepted.
				post("transferBalance", `{"product":[{"id":"32970253"}],"logicalResource":{"id":"18765544355"},"receiverProduct":{"id":"32970101"},"receiverLogicalResource":[{"@type":"MSISDN","value":"18763187057"}],"amount":{"amount":20}}`, 201, ""),
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ds, err := storage.ParseDataSet(storage.Demo)
			if err != nil {
				t.Fatal(err)
			}
			if tc.dataSet != nil {
				tc.dataSet(ds)
			}
			s := newTestServerWith(t, ds)
			day := testNow
			for i, st := range tc.steps {
				if st.nextDay {
					day = day.Add(24 * time.Hour)
					s.clock.Freeze(day)
				}
				target := st.path
				if target[0] != '/' {
					target = tmfJM + target
				}
				before := storeDigest(t, s)
				rec := s.do(t, st.method, target, with(st.header, "X-Correlation-ID", fmt.Sprintf("rules-%d", i)), st.body)
				if rec.Code != st.want {
					t.Fatalf("step %d: %s %s = %d, want %d: %s", i, st.method, st.path, rec.Code, st.want, rec.Body)
				}
				if st.want >= 400 && !bytes.Equal(before, storeDigest(t, s)) {
					t.Errorf("step %d: the refused %s %s changed the database", i, st.method, st.path)
				}
				if st.golden != "" {
					checkGolden(t, "actions/rules/"+st.golden, rec)
				}
			}
			if tc.check != nil {
				tc.check(t, s)
			}
		})
	}
}

// storeDigest is the digest of everything s's database holds.
func storeDigest(t *testing.T, s *testServer) []byte {
	t.Helper()
	d, err := s.store.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}
