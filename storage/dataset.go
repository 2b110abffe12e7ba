package storage

import (
	"crypto/rand"
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"prepay/tmf"
)

// Demo is the embedded demo data set: the subscribers, vouchers, history and
// clients that let the operator's documented examples replay on a fresh
// server.
//
//go:embed demo.json
var Demo []byte

// DataSet is the content of a data file, as the README documents it. Bucket
// and voucher expiries may be relative to the time the set is loaded
// ("+30d": midnight, in the business unit's zone, thirty days on), so the
// demo never goes stale.
type DataSet struct {
	BusinessUnits []BusinessUnit   `json:"businessUnits"`
	Clients       []DataClient     `json:"clients"`
	Subscribers   []DataSubscriber `json:"subscribers"`
	Vouchers      []DataVoucher    `json:"vouchers"`
	History       []Action         `json:"history"`
}

// DataClient is a client as a data file gives it, with its secret in plain
// text; only a salted hash of it reaches the database.
type DataClient struct {
	ID            string   `json:"id"`
	Secret        string   `json:"secret"`
	BusinessUnits []string `json:"businessUnits"`
	Scopes        []string `json:"scopes"`
	Channel       Channel  `json:"channel"`
	RatePerSecond int      `json:"ratePerSecond,omitempty"`
}

// DataSubscriber is a subscriber whose bucket expiries may be relative.
type DataSubscriber struct {
	Subscriber
	Buckets []DataBucket `json:"buckets"`
}

// DataBucket is a bucket whose expiry may be relative.
type DataBucket struct {
	Bucket
	Expiry string `json:"expiry"`
}

// DataVoucher is a voucher whose expiry may be relative or absent.
type DataVoucher struct {
	Voucher
	Expiry string `json:"expiry,omitempty"`
}

// Scopes a client may hold: what each operation requires (auth checks them).
const (
	ScopeBalances = "balances:read"
	ScopeTopup    = "topup:write"
	ScopeHistory  = "history:read"
	ScopeAdmin    = "sandbox:admin"
	ScopeTransfer = "transfer:write"
	ScopeReserve  = "reserve:write"
	ScopeAdjust   = "adjust:write"
)

// Scopes are every scope, in the order the docs list them.
var Scopes = []string{ScopeBalances, ScopeTopup, ScopeHistory, ScopeAdmin, ScopeTransfer, ScopeReserve, ScopeAdjust}

var (
	businessIDPattern = regexp.MustCompile(`^[A-Z]{2,3}$`)
	relativePattern   = regexp.MustCompile(`^\+([0-9]{1,5})d$`)
)

// ValidBusinessID reports whether id has the form of a business unit id:
// two or three capital letters.
func ValidBusinessID(id string) bool { return businessIDPattern.MatchString(id) }

// ParseDataSet reads and checks a data file. Every error names the record
// and field at fault.
func ParseDataSet(data []byte) (*DataSet, error) {
	var ds DataSet
	if err := tmf.CheckKeys(data, &ds); err != nil {
		return nil, fmt.Errorf("data set: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields() // a data file is ours: a typo should fail loudly
	if err := dec.Decode(&ds); err != nil {
		return nil, fmt.Errorf("data set: %w", err)
	}
	if err := ds.check(); err != nil {
		return nil, fmt.Errorf("data set: %w", err)
	}
	return &ds, nil
}

func (ds *DataSet) check() error {
	units := map[string]BusinessUnit{}
	for _, bu := range ds.BusinessUnits {
		if !ValidBusinessID(bu.ID) {
			return fmt.Errorf("business unit %q: id must be 2–3 capital letters", bu.ID)
		}
		if _, err := time.LoadLocation(bu.Zone); err != nil || bu.Zone == "" {
			return fmt.Errorf("business unit %s: unknown zone %q", bu.ID, bu.Zone)
		}
		if bu.Topup != TopupLive && bu.Topup != TopupStub {
			return fmt.Errorf("business unit %s: topup must be %q or %q; got %q", bu.ID, TopupLive, TopupStub, bu.Topup)
		}
		if bu.Currency == "" || bu.ValidityDays < 0 {
			return fmt.Errorf("business unit %s: needs a currency and a validityDays ≥ 0", bu.ID)
		}
		if r := bu.Transfer; r != nil {
			if r.MinAmount < 0 || r.MaxDailyAmount < 0 || r.MaxDailyCount < 0 || r.Fee < 0 ||
				(r.CostOwner != CostOriginator && r.CostOwner != CostReceiver) {
				return fmt.Errorf("business unit %s: transfer rules need amounts ≥ 0 and a costOwner %q or %q", bu.ID, CostOriginator, CostReceiver)
			}
		}
		if _, dup := units[bu.ID]; dup {
			return fmt.Errorf("business unit %s: listed twice", bu.ID)
		}
		units[bu.ID] = bu
	}
	for _, c := range ds.Clients {
		if len(c.ID) < 5 || len(c.Secret) < 5 {
			return fmt.Errorf("client %q: id and secret must be at least 5 characters", c.ID)
		}
		for _, s := range c.Scopes {
			if !slices.Contains(Scopes, s) {
				return fmt.Errorf("client %s: unknown scope %q", c.ID, s)
			}
		}
		for _, b := range c.BusinessUnits {
			if _, ok := units[b]; !ok && b != "*" {
				return fmt.Errorf("client %s: unknown business unit %q", c.ID, b)
			}
		}
	}
	for _, s := range ds.Subscribers {
		if _, ok := units[s.BusinessID]; !ok {
			return fmt.Errorf("subscriber %s: unknown business unit %q", s.ServiceNo, s.BusinessID)
		}
		if err := s.Subscriber.Check(); err != nil {
			return err
		}
		for _, b := range s.Buckets {
			if _, err := resolveExpiry(b.Expiry, time.Time{}, time.UTC); err != nil {
				return fmt.Errorf("subscriber %s bucket %s: %w", s.ServiceNo, b.ID, err)
			}
		}
	}
	for _, v := range ds.Vouchers {
		if _, ok := units[v.BusinessID]; !ok {
			return fmt.Errorf("voucher %s: unknown business unit %q", v.Code, v.BusinessID)
		}
		if v.Code == "" || v.Amount <= 0 {
			return fmt.Errorf("voucher %q: needs a code and a positive amount", v.Code)
		}
		if v.Expiry != "" {
			if _, err := resolveExpiry(v.Expiry, time.Time{}, time.UTC); err != nil {
				return fmt.Errorf("voucher %s: %w", v.Code, err)
			}
		}
	}
	for i, a := range ds.History {
		if _, ok := units[a.BusinessID]; !ok {
			return fmt.Errorf("history record %d: unknown business unit %q", i, a.BusinessID)
		}
		if a.ProductID == "" || a.ConfirmationDate.IsZero() {
			return fmt.Errorf("history record %d: needs a productId and a confirmationDate", i)
		}
	}
	return nil
}

// Check reports the first thing wrong with a subscriber record: a bad line
// of business, a missing id, a duplicate or negative bucket.
func (s Subscriber) Check() error {
	if s.ServiceNo == "" || strings.IndexByte(s.ServiceNo, sep) >= 0 {
		return fmt.Errorf("subscriber %q: bad service number", s.ServiceNo)
	}
	if !tmf.ValidLOB(s.LOB) {
		return fmt.Errorf("subscriber %s: lob must be one of %s; got %q", s.ServiceNo, tmf.LOBList, s.LOB)
	}
	seen := map[string]bool{}
	for _, b := range s.Buckets {
		if b.ID == "" || seen[b.ID] {
			return fmt.Errorf("subscriber %s: bucket id %q empty or repeated", s.ServiceNo, b.ID)
		}
		seen[b.ID] = true
		if err := b.Limits(); err != nil {
			return fmt.Errorf("subscriber %s: %w", s.ServiceNo, err)
		}
	}
	return nil
}

// resolveExpiry turns "+30d" into midnight in loc thirty days after now, and
// reads anything else as an RFC 3339 time.
func resolveExpiry(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if m := relativePattern.FindStringSubmatch(s); m != nil {
		days, _ := strconv.Atoi(m[1])
		y, mo, d := now.In(loc).Date()
		return time.Date(y, mo, d+days, 0, 0, 0, 0, loc).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || !tmf.InCalendar(t) {
		return time.Time{}, fmt.Errorf("expiry must be like +30d or 2030-01-01T00:00:00-05:00, in years 1 to 9999 in UTC; got %q", s)
	}
	return t.UTC(), nil
}

// writeDataSet writes ds into t's sandbox, creating its record kinds,
// resolving relative expiries against now. Clients are written only when
// clients is true (a made sandbox keeps its own across a reset).
func writeDataSet(t *Tx, ds *DataSet, now time.Time, clients bool) error {
	t.plain = true
	defer func() { t.plain = false }()
	for _, name := range slices.Concat(allBuckets, keptBuckets) {
		if _, err := t.ns.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	// What the data set holds as already past at now (an expired bucket)
	// has no consequence: it was never due in this sandbox's time.
	if err := t.SetDueFloor(now); err != nil {
		return err
	}
	locs := map[string]*time.Location{}
	for _, bu := range ds.BusinessUnits {
		locs[bu.ID], _ = time.LoadLocation(bu.Zone) // checked by ParseDataSet
		if err := t.put(bucketBusinessUnit, []byte(bu.ID), bu); err != nil {
			return err
		}
	}
	for _, c := range ds.Clients {
		if !clients {
			break
		}
		salt := make([]byte, 16)
		rand.Read(salt)
		rec := Client{ID: c.ID, Salt: salt, SecretHash: HashSecret(salt, c.Secret),
			BusinessUnits: c.BusinessUnits, Scopes: c.Scopes, Channel: c.Channel, RatePerSecond: c.RatePerSecond}
		if err := t.put(bucketClients, []byte(c.ID), rec); err != nil {
			return err
		}
	}
	for _, ds := range ds.Subscribers {
		sub := ds.Subscriber
		sub.Buckets = make([]Bucket, len(ds.Buckets))
		for i, b := range ds.Buckets {
			sub.Buckets[i] = b.Bucket
			sub.Buckets[i].Expiry, _ = resolveExpiry(b.Expiry, now, locs[sub.BusinessID])
		}
		if err := t.PutSubscriber(sub); err != nil {
			return err
		}
	}
	for _, dv := range ds.Vouchers {
		v := dv.Voucher
		if dv.Expiry != "" {
			v.Expiry, _ = resolveExpiry(dv.Expiry, now, locs[v.BusinessID])
		}
		if err := t.PutVoucher(v); err != nil {
			return err
		}
	}
	for _, a := range ds.History {
		if err := t.AddAction(&a); err != nil {
			return err
		}
	}
	return nil
}
