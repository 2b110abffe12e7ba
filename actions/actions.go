// Package actions serves TMF654's balance actions on the sandbox's state:
// POST, GET (one and the list, in the TMF630 query language) and PATCH of
// topupBalance, adjustBalance, transferBalance and reserveBalance, and
// DELETE of a reservation. Every write is one transaction with its history
// records and idempotency record, durable before the reply; the money rules
// are the ledger's. It imports auth, clock, ledger, money, storage, tmf and
// tmf/query.
package actions

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"prepay/auth"
	"prepay/ledger"
	"prepay/storage"
	"prepay/tmf"
	"prepay/tmf/query"
)

// Create serves POST …/{businessId}/{kind's path}: 201 with the action and
// its Location.
func Create(kind string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sb := storage.From(r.Context())
		clk := sb.Clock()
		bu := auth.BusinessUnit(r.Context())
		req, err := parse(w, r, kind, bu)
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		o := op{kind: kind, req: req, bu: bu, client: auth.Client(r.Context()),
			now: clk.Now().Truncate(time.Millisecond), host: clk.Host(), corr: tmf.CorrelationID(r.Context())}
		var out outcome
		err = sb.Update(func(tx *storage.Tx) error {
			var err error
			out, err = create(tx, o)
			return err
		})
		if te, ok := ledger.Refused(err); ok {
			if perr := sb.Update(func(tx *storage.Tx) error {
				return ledger.PublishFailure(tx, o.asked(), te, bu, o.now, o.corr)
			}); perr != nil {
				err = fmt.Errorf("publish refused %s: %w", kind, perr)
			}
		}
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		var loc struct {
			Href string `json:"href"`
		}
		if json.Unmarshal(out.body, &loc) == nil && loc.Href != "" {
			w.Header().Set("Location", loc.Href)
		}
		if out.replayed {
			w.Header().Set("Idempotent-Replayed", "true")
		}
		tmf.WriteRaw(w, out.status, out.body)
	})
}

// Get serves GET …/{kind's path}/{id}.
func Get(kind string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sb := storage.From(r.Context())
		clk := sb.Clock()
		bu := auth.BusinessUnit(r.Context())
		fields, err := query.ParseFields(r.URL.RawQuery, spec)
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		seq, err := idOf(r, bu, kind)
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		var o storage.Operation
		err = sb.View(func(tx *storage.Tx) (err error) {
			o, err = tx.Operation(bu.ID, kind, seq)
			return err
		})
		if err != nil {
			if err == storage.ErrNotFound {
				err = notFound(bu, kind, seq)
			}
			tmf.WriteError(w, r, err)
			return
		}
		writeOne(w, r, render(o, seq, bu, clk.Now()), fields, http.StatusOK)
	})
}

// List serves GET …/{kind's path}: newest first; product.id is served
// from the operations' product index, the rest evaluated over the records.
func List(kind string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sb := storage.From(r.Context())
		clk := sb.Clock()
		bu := auth.BusinessUnit(r.Context())
		q, err := query.ParseRequest(r, spec, bu.Location())
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		products, _ := q.TakeValues("product.id")
		var ops []storage.Operation
		err = sb.View(func(tx *storage.Tx) (err error) {
			ops, err = tx.Operations(bu.ID, kind, products)
			return err
		})
		if err != nil {
			tmf.WriteError(w, r, fmt.Errorf("list %s of %s: %w", kind, bu.ID, err))
			return
		}
		now := clk.Now()
		records := make([][]byte, len(ops))
		for i, o := range ops {
			if records[i], err = json.Marshal(render(o, o.Seq, bu, now)); err != nil {
				tmf.WriteError(w, r, fmt.Errorf("encode %s %d: %w", kind, o.Seq, err))
				return
			}
		}
		query.WriteSelected(w, r, q, records)
	})
}

// Patch serves PATCH …/{kind's path}/{id} with {"status": …}: 200 with the
// action after.
func Patch(kind string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sb := storage.From(r.Context())
		clk := sb.Clock()
		bu := auth.BusinessUnit(r.Context())
		var b struct {
			Status *string `json:"status"`
		}
		if err := tmf.DecodeBody(w, r, &b); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		if b.Status == nil || *b.Status == "" {
			tmf.WriteError(w, r, tmf.Fail(tmf.CodeMissingField, "status is required: the status to move the action to"))
			return
		}
		seq, err := idOf(r, bu, kind)
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		o, err := changeStatus(sb, r, bu, kind, seq, *b.Status)
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		writeOne(w, r, render(o, seq, bu, clk.Now()), nil, http.StatusOK)
	})
}

// Delete serves DELETE …/reserveBalance/{id}: releases the hold, 204.
func Delete() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sb := storage.From(r.Context())
		bu := auth.BusinessUnit(r.Context())
		seq, err := idOf(r, bu, storage.ActionReserve)
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		if _, err := changeStatus(sb, r, bu, storage.ActionReserve, seq, storage.StatusCancelled); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func changeStatus(sb *storage.Sandbox, r *http.Request, bu storage.BusinessUnit, kind string, seq uint64, want string) (storage.Operation, error) {
	now := sb.Clock().Now().Truncate(time.Millisecond)
	client := auth.Client(r.Context())
	corr := tmf.CorrelationID(r.Context())
	var o storage.Operation
	err := sb.Update(func(tx *storage.Tx) (err error) {
		o, err = change(tx, bu, client, kind, seq, want, now, corr)
		return err
	})
	return o, err
}

// idOf reads the path's id: an action number.
func idOf(r *http.Request, bu storage.BusinessUnit, kind string) (uint64, error) {
	id := r.PathValue("id")
	seq, err := strconv.ParseUint(id, 10, 64)
	if err != nil || seq == 0 {
		return 0, notFound(bu, kind, id)
	}
	return seq, nil
}

func writeOne(w http.ResponseWriter, r *http.Request, rec resource, fields []string, status int) {
	b, err := json.Marshal(rec)
	if err == nil && fields != nil {
		b, err = query.Project(b, fields)
	}
	if err != nil {
		tmf.WriteError(w, r, fmt.Errorf("encode %s %s: %w", rec.Type, rec.ID, err))
		return
	}
	tmf.WriteRaw(w, status, b)
}

// spec is what every action list can be filtered, sorted and projected on.
var spec = query.Spec{
	Attrs: []query.Attr{
		{Name: "id"},
		{Name: "status"},
		{Name: "requestedDate", Kind: query.Time},
		{Name: "confirmationDate", Kind: query.Time},
		{Name: "amount.amount", Kind: query.Amount},
		{Name: "amount.units"},
		{Name: "bucket.id"},
		{Name: "product.id", Indexed: true},
		{Name: "partyAccount.id"},
		{Name: "logicalResource.value"},
		{Name: "receiverProduct.id"},
		{Name: "receiverLogicalResource.value"},
		{Name: "channel.id"},
		{Name: "reason"},
		{Name: "voucher"},
	},
	Fields: []string{"id", "href", "@type", "@baseType", "status", "requestedDate", "confirmationDate", "amount",
		"voucher", "reason", "adjustType", "bucket", "product", "partyAccount", "logicalResource", "receiverBucket",
		"receiverProduct", "receiverLogicalResource", "transferCost", "costOwner", "validFor", "channel", "impactedBucket"},
	MaxLimit: 1000,
}
