package faults

import (
	"errors"
	"net/http"
	"slices"

	"prepay/auth"
	"prepay/storage"
	"prepay/tmf"
)

// Put serves PUT /sandbox/v1/faults/{name}: it sets the fault (201, with
// Location) or replaces it (200), in one write, and it strikes from the
// next request on. The answer is the fault with its defaults filled in.
func (s *Set) Put() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		var body faultJSON
		if err := tmf.DecodeBody(w, r, &body); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		sb := storage.From(r.Context())
		f, err := body.record(name, sb.BusinessUnits(), s.opts.MaxLatency)
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		client := auth.Client(r.Context())
		if err := entitled(client, f); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		var created bool
		err = s.write(sb, func(tx *storage.Tx) error {
			old, err := tx.Fault(name)
			created = errors.Is(err, storage.ErrNotFound)
			switch {
			case err == nil:
				if err := entitled(client, old); err != nil {
					return storage.Refuse(err)
				}
			case !created:
				return err
			}
			return tx.PutFault(f)
		})
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
			w.Header().Set("Location", "/sandbox/v1/faults/"+name)
		}
		tmf.WriteJSON(w, r, status, view(f))
	})
}

// List serves GET /sandbox/v1/faults: every fault, in name order — the
// order in which a request meets them.
func (s *Set) List() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		all := s.current(r).all
		out := make([]faultView, len(all))
		for i, f := range all {
			out[i] = view(f)
		}
		tmf.WriteJSON(w, r, http.StatusOK, out)
	})
}

// Delete serves DELETE /sandbox/v1/faults/{name}: 204 once the fault is
// gone.
func (s *Set) Delete() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		client := auth.Client(r.Context())
		err := s.write(storage.From(r.Context()), func(tx *storage.Tx) error {
			f, err := tx.Fault(name)
			if errors.Is(err, storage.ErrNotFound) {
				return storage.Refuse(tmf.Fail(tmf.CodeUnknownFault, "no fault is called %q", name))
			}
			if err != nil {
				return err
			}
			if err := entitled(client, f); err != nil {
				return storage.Refuse(err)
			}
			return tx.DeleteFault(name)
		})
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// write runs fn and reads every fault back in one write transaction, then
// publishes them: the faults requests see change with the database, and
// two writes cannot publish out of order.
func (s *Set) write(sb *storage.Sandbox, fn func(*storage.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []storage.Fault
	err := sb.Update(func(tx *storage.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		var err error
		all, err = tx.Faults()
		return err
	})
	if err != nil {
		return err
	}
	s.publish(sb.ID(), all)
	return nil
}

// entitled refuses a client that may not act on f's business unit: one
// entitled to some business units may set faults on those, and only a
// client entitled to all may set a fault on all.
func entitled(c storage.Client, f storage.Fault) error {
	if slices.Contains(c.BusinessUnits, "*") || (f.BusinessID != "" && slices.Contains(c.BusinessUnits, f.BusinessID)) {
		return nil
	}
	if f.BusinessID == "" {
		return tmf.Fail(tmf.CodeForbiddenBU, "client_id %q may not act on fault %q, which strikes every business unit", c.ID, f.Name)
	}
	return tmf.Fail(tmf.CodeForbiddenBU, "client_id %q may not act on fault %q, which strikes businessId %q", c.ID, f.Name, f.BusinessID)
}
