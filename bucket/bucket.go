// Package bucket serves TMF654's read side of balances: the buckets of a
// product (GET bucket, GET bucket/{id}) and their sums per unit (GET
// accumulatedBalance, GET accumulatedBalance/{id}). Every figure is the
// stored bucket's own (storage.Bucket.Balance), the one realTimeBalances
// shows, so the two agree at every moment. Lists take the TMF630 query
// language; product.id is served from storage's product index. It imports
// auth, clock, storage, tmf and tmf/query.
package bucket

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"prepay/auth"
	"prepay/storage"
	"prepay/tmf"
	"prepay/tmf/query"
)

// maxLimit bounds a page, as history's does.
const maxLimit = 1000

// attrProduct is the indexed attribute of both lists.
const attrProduct = "product.id"

// List serves GET /tmf-api/prepayBalanceManagement/v4/{businessId}/bucket:
// every bucket, expired ones included, of the products asked for (all the
// business unit's without product.id), in service number order and each
// service's own bucket order.
func List() http.Handler {
	return list(bucketSpec, func(bu storage.BusinessUnit, sub storage.Subscriber, now time.Time) []any {
		out := make([]any, len(sub.Buckets))
		for i, b := range sub.Buckets {
			out[i] = renderBucket(bu, sub, b, now)
		}
		return out
	})
}

// ListAccumulated serves GET …/{businessId}/accumulatedBalance: per
// product, one accumulated balance per unit of its active non-loan buckets.
func ListAccumulated() http.Handler {
	return list(accumulatedSpec, func(bu storage.BusinessUnit, sub storage.Subscriber, now time.Time) []any {
		acc := accumulate(bu, sub, now)
		out := make([]any, len(acc))
		for i, a := range acc {
			out[i] = a
		}
		return out
	})
}

// list is a list endpoint over the services of a business unit: render
// turns one service into its records.
func list(spec query.Spec,
	render func(storage.BusinessUnit, storage.Subscriber, time.Time) []any) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bu := auth.BusinessUnit(r.Context())
		q, err := query.ParseRequest(r, spec, bu.Location())
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		var subs []storage.Subscriber
		sb := storage.From(r.Context())
		err = sb.View(func(tx *storage.Tx) (err error) {
			products, filtered := q.TakeValues(attrProduct)
			subs, err = services(tx, bu.ID, products, filtered)
			return err
		})
		if err != nil {
			tmf.WriteError(w, r, fmt.Errorf("read services of %s: %w", bu.ID, err))
			return
		}
		now := sb.Clock().Now()
		var records [][]byte
		for _, sub := range subs {
			for _, rec := range render(bu, sub, now) {
				b, err := json.Marshal(rec)
				if err != nil {
					tmf.WriteError(w, r, fmt.Errorf("encode %s %s: %w", bu.ID, sub.ServiceNo, err))
					return
				}
				records = append(records, b)
			}
		}
		query.WriteSelected(w, r, q, records)
	})
}

// services returns the services of the product ids the product.id filters
// allow, from the product index, or every service of bu when there was no
// such filter; in service number order either way.
func services(tx *storage.Tx, bu string, ids []string, filtered bool) ([]storage.Subscriber, error) {
	if !filtered {
		return tx.Subscribers(bu)
	}
	slices.Sort(ids)
	var out []storage.Subscriber
	for _, id := range slices.Compact(ids) {
		subs, err := tx.ServicesByProduct(bu, id)
		if err != nil {
			return nil, err
		}
		out = append(out, subs...)
	}
	slices.SortFunc(out, func(a, b storage.Subscriber) int { return cmp.Compare(a.ServiceNo, b.ServiceNo) })
	return out, nil
}

// Get serves GET …/{businessId}/bucket/{id}.
func Get() http.Handler {
	return get(bucketSpec, func(bu storage.BusinessUnit, sub storage.Subscriber, rest, _ string, now time.Time) (any, bool) {
		for _, b := range sub.Buckets {
			if b.ID == rest {
				return renderBucket(bu, sub, b, now), true
			}
		}
		return nil, false
	}, func(bu storage.BusinessUnit, id string) error {
		return tmf.Fail(tmf.CodeBucketNotFound, "bucket %q names no bucket of businessId %s", id, bu.ID)
	})
}

// GetAccumulated serves GET …/{businessId}/accumulatedBalance/{id}.
func GetAccumulated() http.Handler {
	return get(accumulatedSpec, func(bu storage.BusinessUnit, sub storage.Subscriber, _, id string, now time.Time) (any, bool) {
		for _, a := range accumulate(bu, sub, now) {
			if a.ID == id {
				return a, true
			}
		}
		return nil, false
	}, func(bu storage.BusinessUnit, id string) error {
		return tmf.Fail(tmf.CodeAccumulatedBalanceNotFound, "accumulatedBalance %q names no accumulated balance of businessId %s", id, bu.ID)
	})
}

// get serves one resource whose id is a product id, "-" and the rest. Both
// parts may hold "-" themselves, so each split is tried, the shortest
// product id first, until find knows the rest. find is given the service,
// the rest, the whole id and the sandbox clock's now.
func get(spec query.Spec,
	find func(bu storage.BusinessUnit, sub storage.Subscriber, rest, id string, now time.Time) (any, bool),
	notFound func(bu storage.BusinessUnit, id string) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bu := auth.BusinessUnit(r.Context())
		id := r.PathValue("id")
		fields, err := query.ParseFields(r.URL.RawQuery, spec)
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		sb := storage.From(r.Context())
		now := sb.Clock().Now()
		var found any
		err = sb.View(func(tx *storage.Tx) error {
			for i := strings.IndexByte(id, '-'); i >= 0 && found == nil; i = nextDash(id, i) {
				subs, err := tx.ServicesByProduct(bu.ID, id[:i])
				if err != nil {
					return err
				}
				for _, sub := range subs {
					if rec, ok := find(bu, sub, id[i+1:], id, now); ok {
						found = rec
						break
					}
				}
			}
			return nil
		})
		if err != nil {
			tmf.WriteError(w, r, fmt.Errorf("read %s %q: %w", bu.ID, id, err))
			return
		}
		if found == nil {
			tmf.WriteError(w, r, notFound(bu, id))
			return
		}
		b, err := json.Marshal(found)
		if err == nil {
			b, err = query.Project(b, fields)
		}
		if err != nil {
			tmf.WriteError(w, r, fmt.Errorf("encode %s %q: %w", bu.ID, id, err))
			return
		}
		tmf.WriteRaw(w, http.StatusOK, b)
	})
}

// nextDash returns the index of the first '-' of s after i, or -1.
func nextDash(s string, i int) int {
	j := strings.IndexByte(s[i+1:], '-')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}
