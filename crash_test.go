package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"prepay/money"
	"prepay/storage"
)

var crashSeed = flag.Uint64("crash.seed", 20261123, "seed of TestCrashSafety's requests and kill points")

// The crash test's shape: rounds of load, each ended by a SIGKILL after a
// random number of answers. Each round sends crashAmounts amount top-ups
// and, for each of crashVouchers new vouchers, two top-ups racing for it,
// and crashTransferRuns transfers each way between every two of
// crashTransferSvcs, from crashWorkers clients at once.
const (
	crashRounds   = 4
	crashAmounts  = 160
	crashVouchers = 24
	crashWorkers  = 16
	crashService  = "18763187057"
	crashProduct  = "32970101" // its serviceInternalId, which history is queried by
	// Each of the three services sends 2×5 transfers a round: the demo JM
	// rules allow 10 a day, and the sandbox clock moves a day on each round.
	crashTransferRuns = 5
	crashFee          = money.Amount(500) // the demo JM rules' fee, paid by the sender
	crashStartBal     = money.Amount(500_000)
)

// crashTransferSvcs are the services the crash test creates to transfer
// between, apart from crashService so that its top-up checks stand alone.
var crashTransferSvcs = []string{"18768880001", "18768880002", "18768880003"}

// TestCrashSafety runs the real binary under concurrent top-ups, kills it
// with SIGKILL mid-load, restarts it on the same file and checks that no
// answered top-up was lost and none was credited twice: every 200 is in the
// balance and in the history, each request retried after the restart with
// its X-Correlation-ID is a replay or a first credit, never a second one,
// the balance moved by exactly the sum of the history records, and each
// voucher was credited once. Transfers between three services run in the
// same load: every 201 is on both sides (both histories, both balances,
// its Location), none is on one side alone, and the balances with the fees
// paid add up to what the services started with. It repeats with other
// kill points on the same file, so later rounds start from a file that has
// been killed before.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary: skipped with -short")
	}
	start := time.Now()
	bin := buildBinary(t)
	db := filepath.Join(t.TempDir(), "prepay.db")
	rng := rand.New(rand.NewPCG(*crashSeed, 0))
	t.Logf("seed %d (-crash.seed to change it)", *crashSeed)

	srv := startBinary(t, bin, db)
	for i, n := range crashTransferSvcs {
		createCrashService(t, srv.base, n, i)
	}
	for round := range crashRounds {
		srv = crashRound(t, rng, round, bin, db, srv)
		if t.Failed() {
			return
		}
	}
	if err := srv.terminate(); err != nil {
		t.Errorf("SIGTERM after the last round: %v, want exit status 0\n%s", err, srv.stderr.String())
	}
	t.Logf("%d rounds in %v, build included", crashRounds, time.Since(start).Round(time.Millisecond))
}

// crashRequest is one top-up or transfer of the crash test and what
// became of it before the kill.
type crashRequest struct {
	corr     string
	body     []byte
	voucher  string       // "" for an amount top-up
	amount   money.Amount // what it credits: its amount or its voucher's face value
	from, to string       // a transfer's services; "" for a top-up
	sent     bool         // before the kill
	status   int          // the answer before the kill; 0 when it was lost or not sent
	answer   []byte
	location string // a transfer's Location
}

// done is the status of a request that did what it asked.
func (r *crashRequest) done() int {
	if r.from != "" {
		return http.StatusCreated
	}
	return http.StatusOK
}

// crashRound runs one round against srv and returns the server restarted
// after the kill.
func crashRound(t *testing.T, rng *rand.Rand, round int, bin, db string, srv *binaryServer) *binaryServer {
	// A new sandbox day: the transfers' daily count starts again.
	var clk struct{ Now time.Time }
	crashGet(t, srv.base+"/sandbox/v1/clock", &clk)
	crashSend(t, "PUT", srv.base+"/sandbox/v1/clock", fmt.Sprintf(`{"now":%q}`, clk.Now.Add(24*time.Hour).Format(time.RFC3339)), http.StatusOK)
	before := readCrashState(t, srv.base)
	beforeT := readCrashTransfers(t, srv.base)

	// Amounts differ from each other, so each history record names the
	// request it came from (vouchers are named by cardNumber).
	var reqs []*crashRequest
	for i := range crashAmounts {
		amount := money.Amount((round+1)*100_000 + i + 1)
		reqs = append(reqs, &crashRequest{
			corr:   fmt.Sprintf("crash-%d-%d-amount-%d", *crashSeed, round, i),
			body:   []byte(amountTopup(crashService, amount.String())),
			amount: amount,
		})
	}
	faceValue := map[string]money.Amount{}
	for i := range crashVouchers {
		code := fmt.Sprintf("77%02d%04d", round, i)
		faceValue[code] = money.Amount(100 + rng.IntN(4900))
		createVoucher(t, srv.base, code, faceValue[code])
		for racer := range 2 {
			reqs = append(reqs, &crashRequest{
				corr:    fmt.Sprintf("crash-%d-%d-voucher-%d-%d", *crashSeed, round, i, racer),
				body:    []byte(fmt.Sprintf(`{"partyAccount":{"id":%q},"voucher":%q}`, crashService, code)),
				voucher: code,
				amount:  faceValue[code],
			})
		}
	}
	// Amounts differ from each other, in this round and the others, so each
	// history record names the transfer it came from.
	for i := range crashTransferRuns * len(crashTransferSvcs) * 2 {
		from := i % len(crashTransferSvcs)
		to := (from + 1 + i/len(crashTransferSvcs)%2) % len(crashTransferSvcs)
		amount := money.Amount(1500 + round*100 + i)
		reqs = append(reqs, &crashRequest{
			corr:   fmt.Sprintf("crash-%d-%d-transfer-%d", *crashSeed, round, i),
			body:   []byte(transferBody(crashTransferSvcs[from], crashTransferSvcs[to], amount.String())),
			amount: amount,
			from:   crashTransferSvcs[from],
			to:     crashTransferSvcs[to],
		})
	}
	rng.Shuffle(len(reqs), func(i, j int) { reqs[i], reqs[j] = reqs[j], reqs[i] })

	killAt := len(reqs)/8 + rng.IntN(len(reqs)*5/8)
	t.Logf("round %d: SIGKILL after %d answers of %d", round, killAt, len(reqs))
	killed := false
	sendAll(srv.base, reqs, killAt, func() {
		killed = true
		srv.kill(t)
	}, func(r *crashRequest, status int, answer []byte, _ bool, location string, err error) {
		r.sent = true
		if err == nil { // else lost: retried after the restart
			r.status, r.answer, r.location = status, answer, location
		}
	})
	if !killed {
		t.Fatalf("the load ended before %d answers: the server was never killed", killAt)
	}

	answered, lost, unsent := 0, 0, 0
	for _, r := range reqs {
		switch {
		case !r.sent:
			unsent++
		case r.status == 0:
			lost++
		case r.status == r.done(), r.status == http.StatusConflict && r.voucher != "":
			answered++
		default:
			t.Errorf("%s before the kill: %d %s", r.corr, r.status, r.answer)
		}
	}
	checkFile(t, db)

	srv = startBinary(t, bin, db)
	// First look: before any retry, what was answered must be there.
	after := readCrashState(t, srv.base)
	checkCrashHistory(t, before, after, reqs, faceValue, false)
	afterT := readCrashTransfers(t, srv.base)
	checkCrashTransfers(t, srv.base, beforeT, afterT, reqs, false)

	// Then every request again, with its own X-Correlation-ID.
	var mu sync.Mutex
	replayed, fresh := 0, 0
	sendAll(srv.base, reqs, 0, nil, func(r *crashRequest, status int, answer []byte, replay bool, _ string, err error) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err != nil:
			t.Errorf("%s after the restart: %v", r.corr, err)
		case r.status == r.done() && (status != r.done() || !replay || !bytes.Equal(answer, r.answer)):
			t.Errorf("%s was answered %d before the kill; after the restart %d, replayed %v, same body %v:\n%s",
				r.corr, r.status, status, replay, bytes.Equal(answer, r.answer), answer)
		case r.status == http.StatusConflict && status != http.StatusConflict:
			t.Errorf("%s was answered 409 before the kill; after the restart %d %s", r.corr, status, answer)
		case r.status != 0:
		case status == r.done() && replay:
			replayed++ // committed before the kill, its answer lost with it
		case status == r.done():
			fresh++
		case status == http.StatusConflict && r.voucher != "":
			// Its racer redeemed the voucher; the history check below
			// finds that credit.
		default:
			t.Errorf("%s, lost in the kill, retried after the restart: %d %s", r.corr, status, answer)
		}
	})
	final := readCrashState(t, srv.base)
	checkCrashHistory(t, before, final, reqs, faceValue, true)
	finalT := readCrashTransfers(t, srv.base)
	checkCrashTransfers(t, srv.base, beforeT, finalT, reqs, true)

	t.Logf("round %d: %d answered, %d answers lost, %d not sent; on retry %d replayed (committed before the kill), %d done; %d new top-up records after the restart, %d after the retries; %d transfers after the restart, %d after the retries",
		round, answered, lost, unsent, replayed, fresh, len(after.records)-len(before.records), len(final.records)-len(before.records),
		afterT.transfers-beforeT.transfers, finalT.transfers-beforeT.transfers)
	return srv
}

// sendAll sends reqs from crashWorkers clients at once and tells done of
// each answer or error. When killAt > 0, kill runs as the killAt-th answer
// arrives, and no request is sent after it.
func sendAll(base string, reqs []*crashRequest, killAt int, kill func(),
	done func(r *crashRequest, status int, answer []byte, replayed bool, location string, err error)) {
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: crashWorkers}}
	defer client.CloseIdleConnections()
	var (
		mu       sync.Mutex
		next     int
		answered int
		killed   bool
		wg       sync.WaitGroup
	)
	take := func() *crashRequest {
		mu.Lock()
		defer mu.Unlock()
		if next >= len(reqs) || killed {
			return nil
		}
		next++
		return reqs[next-1]
	}
	for range crashWorkers {
		wg.Go(func() {
			for r := take(); r != nil; r = take() {
				status, answer, replayed, location, err := postCrash(client, base, r)
				if err == nil {
					mu.Lock()
					answered++
					if answered == killAt {
						killed = true
						kill()
					}
					mu.Unlock()
				}
				done(r, status, answer, replayed, location, err)
			}
		})
	}
	wg.Wait()
}

// postCrash sends r: a BOT UX top-up, or a TMF654 transfer whose
// X-Correlation-ID is its idempotency key.
func postCrash(client *http.Client, base string, r *crashRequest) (status int, answer []byte, replayed bool, location string, err error) {
	url, header := base+"/bot-ux/v1/JM/topupBalance", topupHeaders("PREPAID", r.corr)
	if r.from != "" {
		url, header = base+tmfJM+"transferBalance", with(asAdmin, "X-Correlation-ID", r.corr)
	}
	req, err := http.NewRequest("POST", url, bytes.NewReader(r.body))
	if err != nil {
		return 0, nil, false, "", err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, false, "", err
	}
	defer resp.Body.Close()
	if answer, err = io.ReadAll(resp.Body); err != nil {
		return 0, nil, false, "", err
	}
	return resp.StatusCode, answer, resp.Header.Get("Idempotent-Replayed") == "true", resp.Header.Get("Location"), nil
}

// crashState is what the API shows of the crash test's service: its money
// and its whole history.
type crashState struct {
	// net is the service's currency balances less the loans it owes: a
	// top-up raises it by exactly its amount, whatever part repays a loan.
	net     money.Amount
	primary money.Amount
	records map[string]crashRecord // by rechargeId2, unique per record
	newest  crashRecord
}

// crashRecord is one history record as the crash test reads it.
type crashRecord struct {
	amount       money.Amount
	card         string       // the voucher, or NON VOUCHER
	primaryAfter money.Amount // the primary balance in its BalanceHistory
}

func readCrashState(t *testing.T, base string) crashState {
	t.Helper()
	var sub struct {
		Buckets []struct {
			ID, UsageType, Units, Type   string
			Allowance, Rollover, Charges money.Amount
		}
	}
	crashGet(t, base+"/sandbox/v1/JM/services/"+crashService, &sub)
	var s crashState
	for _, b := range sub.Buckets {
		if b.UsageType != storage.UsageCurrency || b.Units != "JMD" {
			continue
		}
		balance := max(0, b.Allowance+b.Rollover-b.Charges)
		switch {
		case b.Type == storage.BucketLoan:
			s.net -= balance
		default:
			s.net += balance
		}
		if b.ID == "1" {
			s.primary = balance
		}
	}

	s.records = map[string]crashRecord{}
	const limit = 1000
	for offset := 0; ; offset += limit {
		var page []struct {
			Amount       struct{ Amount money.Amount }
			RelatedParty []struct{ ID, Name string }
			Impacted     []struct {
				Type  string `json:"@type"`
				Items []struct {
					ID     string
					Amount struct{ Amount money.Amount }
				} `json:"impactedBucketItem"`
			} `json:"impactedBucket"`
		}
		crashGet(t, fmt.Sprintf("%s/tmf-api/prepayBalanceManagement/v4/JM/balanceActionHistory?product.id=%s&@type=TopupBalance&dateTime.gte=2000-01-01&dateTime.lte=2100-01-01&limit=%d&offset=%d",
			base, crashProduct, limit, offset), &page)
		for i, p := range page {
			rec, id := crashRecord{amount: p.Amount.Amount}, ""
			for _, rp := range p.RelatedParty {
				switch rp.Name {
				case "rechargeId2":
					id = rp.ID
				case "cardNumber":
					rec.card = rp.ID
				}
			}
			for _, ib := range p.Impacted {
				for _, item := range ib.Items {
					if ib.Type == "BalanceHistory" && item.ID == "1" {
						rec.primaryAfter = item.Amount.Amount
					}
				}
			}
			if _, dup := s.records[id]; dup {
				t.Fatalf("two history records with rechargeId2 %q", id)
			}
			s.records[id] = rec
			if offset == 0 && i == 0 {
				s.newest = rec
			}
		}
		if len(page) < limit {
			return s
		}
	}
}

// checkCrashHistory compares the records added since before with the
// requests: none credited twice, no record that no request explains, every
// request answered 200 or 409 there, and the balance moved by their sum.
// complete says every request has been retried to an answer, so every one
// must be there.
func checkCrashHistory(t *testing.T, before, after crashState, reqs []*crashRequest, faceValue map[string]money.Amount, complete bool) {
	t.Helper()
	byAmount := map[money.Amount]*crashRequest{}
	for _, r := range reqs {
		if r.voucher == "" && r.from == "" {
			byAmount[r.amount] = r
		}
	}
	seen := map[string]int{} // by request's corr for amounts, by code for vouchers
	var sum money.Amount
	for id, rec := range after.records {
		if _, old := before.records[id]; old {
			continue
		}
		sum += rec.amount
		switch face, ok := faceValue[rec.card]; {
		case rec.card == "NON VOUCHER" && byAmount[rec.amount] != nil:
			seen[byAmount[rec.amount].corr]++
		case ok && rec.amount == face:
			seen[rec.card]++
		default:
			t.Errorf("history record %s (%s, card %s) matches no request", id, rec.amount, rec.card)
		}
	}
	for key, n := range seen {
		if n > 1 {
			t.Errorf("%s credited %d times", key, n)
		}
	}
	for _, r := range reqs {
		if r.from != "" {
			continue // checkCrashTransfers' business
		}
		key := r.corr
		if r.voucher != "" {
			key = r.voucher
		}
		if seen[key] == 0 && (complete || r.status != 0) {
			t.Errorf("%s (answered %d before the kill; 0: lost) is not in the history", r.corr, r.status)
		}
	}
	if delta := after.net - before.net; delta != sum {
		t.Errorf("balance moved by %s; the %d new history records sum to %s", delta, len(after.records)-len(before.records), sum)
	}
	if len(after.records) > len(before.records) && after.newest.primaryAfter != after.primary {
		t.Errorf("newest history record shows a primary balance of %s; the service has %s",
			after.newest.primaryAfter, after.primary)
	}
}

// crashTransfers is what the API shows of the transfer services: each
// one's currency balance, its TransferBalance history records by
// rechargeId2, and how many transfers the sandbox holds.
type crashTransfers struct {
	net       map[string]money.Amount
	records   map[string]map[string]money.Amount
	transfers int // X-Total-Count of the transferBalance collection
}

func readCrashTransfers(t *testing.T, base string) crashTransfers {
	t.Helper()
	s := crashTransfers{net: map[string]money.Amount{}, records: map[string]map[string]money.Amount{}}
	for i, n := range crashTransferSvcs {
		var sub struct {
			Buckets []struct {
				UsageType, Units             string
				Allowance, Rollover, Charges money.Amount
			}
		}
		crashGet(t, base+"/sandbox/v1/JM/services/"+n, &sub)
		for _, b := range sub.Buckets {
			if b.UsageType == storage.UsageCurrency && b.Units == "JMD" {
				s.net[n] += max(0, b.Allowance+b.Rollover-b.Charges)
			}
		}
		var page []struct {
			Amount       struct{ Amount money.Amount }
			RelatedParty []struct{ ID, Name string }
		}
		crashGet(t, fmt.Sprintf("%s%sbalanceActionHistory?product.id=%s&@type=TransferBalance&dateTime.gte=2000-01-01&dateTime.lte=2100-01-01&limit=1000",
			base, tmfJM, crashProductOf(i)), &page)
		s.records[n] = map[string]money.Amount{}
		for _, p := range page {
			for _, rp := range p.RelatedParty {
				if rp.Name == "rechargeId2" {
					s.records[n][rp.ID] = p.Amount.Amount
				}
			}
		}
	}
	req, _ := http.NewRequest("GET", base+tmfJM+"transferBalance?fields=none&limit=1", nil)
	for k, v := range asAdmin {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s.transfers, err = strconv.Atoi(resp.Header.Get("X-Total-Count")); err != nil {
		t.Fatalf("transferBalance X-Total-Count %q: %v", resp.Header.Get("X-Total-Count"), err)
	}
	return s
}

// checkCrashTransfers compares the transfer records added since before
// with the round's transfers: each one is on both sides or on neither,
// once at most, every one answered 201 (every one, when complete) is on
// both and its Location reads it; each balance moved by its records, and
// the balances with the fees paid add up to what the services started
// with.
func checkCrashTransfers(t *testing.T, base string, before, after crashTransfers, reqs []*crashRequest, complete bool) {
	t.Helper()
	type side struct{ out, in int }
	sides := map[*crashRequest]*side{}
	byOut, byIn := map[string]*crashRequest{}, map[string]*crashRequest{}
	for _, r := range reqs {
		if r.from != "" {
			sides[r] = &side{}
			byOut[r.from+" "+(-r.amount-crashFee).String()] = r
			byIn[r.to+" "+r.amount.String()] = r
		}
	}
	pairs, total := 0, money.Amount(0)
	for _, n := range crashTransferSvcs {
		var sum money.Amount
		for id, amount := range after.records[n] {
			if amount > 0 {
				pairs++ // every transfer credits exactly one record
			}
			if _, old := before.records[n][id]; old {
				continue
			}
			sum += amount
			switch key := n + " " + amount.String(); {
			case byOut[key] != nil:
				sides[byOut[key]].out++
			case byIn[key] != nil:
				sides[byIn[key]].in++
			default:
				t.Errorf("service %s: TransferBalance record %s of %s matches no transfer", n, id, amount)
			}
		}
		if delta := after.net[n] - before.net[n]; delta != sum {
			t.Errorf("service %s: balance moved by %s; its new transfer records sum to %s", n, delta, sum)
		}
		total += after.net[n]
	}
	for r, sd := range sides {
		switch {
		case sd.out > 1 || sd.in > 1:
			t.Errorf("%s is %d times in the sender's history, %d in the receiver's", r.corr, sd.out, sd.in)
		case sd.out != sd.in:
			t.Errorf("%s (answered %d before the kill; 0: lost) is on one side alone: sender %d, receiver %d", r.corr, r.status, sd.out, sd.in)
		case sd.out == 0 && (complete || r.status == http.StatusCreated):
			t.Errorf("%s (answered %d before the kill; 0: lost) is in neither history", r.corr, r.status)
		case r.status == http.StatusCreated && !complete:
			var got struct{ Status string }
			crashGet(t, base+r.location, &got)
			if got.Status != storage.StatusCompleted {
				t.Errorf("%s: GET %s says %q, want completed", r.corr, r.location, got.Status)
			}
		}
	}
	if pairs != after.transfers {
		t.Errorf("the histories show %d transfers; the transferBalance collection has %d", pairs, after.transfers)
	}
	start := crashStartBal * money.Amount(len(crashTransferSvcs))
	if fees := crashFee * money.Amount(pairs); total+fees != start {
		t.Errorf("balances %s + fees %s (%d transfers) = %s, want what the services started with, %s", total, fees, pairs, total+fees, start)
	}
}

// crashProductOf is the serviceInternalId of crashTransferSvcs[i].
func crashProductOf(i int) string { return fmt.Sprintf("3298800%d", i+1) }

// createCrashService creates crashTransferSvcs[i] with crashStartBal on
// its primary balance.
func createCrashService(t *testing.T, base, serviceNo string, i int) {
	t.Helper()
	crashSend(t, "PUT", base+"/sandbox/v1/JM/services/"+serviceNo, fmt.Sprintf(`{"lob":"PREPAID","accountNo":18768880000%d,
		"serviceInternalId":%q,"owningAccountInternalId":"3289800%d",
		"buckets":[{"id":"1","name":"Primary Balance","usageType":"Currency","allowance":%s,"expiry":"+30d"}],"accumulators":[]}`,
		i+1, crashProductOf(i), i+1, crashStartBal), http.StatusCreated)
}

// crashSend sends body as the admin client and wants status.
// crashSend sends body as the admin client, fails the test on another
// status than want, and returns the answer.
func crashSend(t *testing.T, method, url, body string, want int) []byte {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	for k, v := range asAdmin {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s = %d, want %d: %s", method, url, resp.StatusCode, want, answer)
	}
	return answer
}

func createVoucher(t *testing.T, base, code string, amount money.Amount) {
	t.Helper()
	crashSend(t, "POST", base+"/sandbox/v1/JM/vouchers", fmt.Sprintf(`{"voucher":%q,"amount":%s}`, code, amount), http.StatusCreated)
}

// crashGet reads a JSON answer of the admin client into v.
func crashGet(t *testing.T, url string, v any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, val := range asAdmin {
		req.Header.Set(k, val)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s %v", url, resp.StatusCode, body, err)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// checkFile opens the file the killed server left, as the next start will,
// and walks every page of it.
func checkFile(t *testing.T, db string) {
	t.Helper()
	// Open walks every page first (bbolt's Tx.Check) and refuses a file
	// with any inconsistency.
	store, err := storage.Open(db)
	if err != nil {
		t.Fatalf("the file a SIGKILL left does not open: %v", err)
	}
	store.Close()
}

// buildBinary builds the program into a temp dir and returns its path.
func buildBinary(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go tool to build the binary with: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "prepay")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// binaryServer is the built program running as a process of its own.
type binaryServer struct {
	cmd    *exec.Cmd
	base   string
	stderr *bytes.Buffer // read only once ended is closed
	ended  chan struct{} // closed once the process has ended
	err    error         // how it ended
}

// startBinary starts bin on db and a loopback :0 address, and returns once
// it logs the address it listens on. The process is killed at the end of
// the test if it still runs.
func startBinary(t *testing.T, bin, db string) *binaryServer {
	t.Helper()
	pr, pw := io.Pipe()
	s := &binaryServer{cmd: exec.Command(bin, "-addr", "127.0.0.1:0", "-db", db),
		stderr: &bytes.Buffer{}, ended: make(chan struct{})}
	s.cmd.Stdout, s.cmd.Stderr = pw, s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s.err = s.cmd.Wait()
		pw.Close()
		close(s.ended)
	}()
	t.Cleanup(func() {
		select {
		case <-s.ended:
		default:
			s.cmd.Process.Kill()
			<-s.ended
		}
	})
	addr := listenAddr(pr)
	select {
	case a := <-addr:
		s.base = "http://" + a
	case <-s.ended:
		t.Fatalf("%s exited before listening: %v\n%s", bin, s.err, s.stderr)
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not log its address within 10 s", bin)
	}
	return s
}

// kill ends the process with SIGKILL, as a crash would, and waits for it.
func (s *binaryServer) kill(t *testing.T) {
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Errorf("SIGKILL: %v", err)
	}
	if <-s.ended; s.err == nil {
		t.Errorf("the process exited normally before the SIGKILL")
	}
}

// terminate ends the process with SIGTERM and returns how it exited.
func (s *binaryServer) terminate() error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	<-s.ended
	return s.err
}
