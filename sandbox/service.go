package sandbox

import (
	"errors"
	"net/http"

	"prepay/auth"
	"prepay/storage"
	"prepay/tmf"
)

// PutService serves PUT /sandbox/v1/{businessId}/services/{serviceNo}: it
// creates (201, with Location) or replaces (200) the subscriber, and
// answers it as GET would.
func PutService() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sb := storage.From(r.Context())
		clk := sb.Clock()
		bu := auth.BusinessUnit(r.Context())
		serviceNo := r.PathValue("serviceNo")
		var body subscriberJSON
		if err := tmf.DecodeBody(w, r, &body); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		sub, err := body.record(bu, serviceNo, clk.Now())
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		var created bool
		err = sb.Update(func(tx *storage.Tx) error {
			others, err := tx.Subscribers(bu.ID)
			if err != nil {
				return err
			}
			created = true
			for _, o := range others {
				switch {
				case o.ServiceNo == serviceNo:
					created = false
				case o.ServiceInternalID == sub.ServiceInternalID:
					return storage.Refuse(tmf.Fail(tmf.CodeInternalIDInUse, "serviceInternalId %q is already service %s's in business unit %s", sub.ServiceInternalID, o.ServiceNo, bu.ID))
				}
			}
			return tx.PutSubscriber(sub)
		})
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
			w.Header().Set("Location", location(bu.ID, serviceNo))
		}
		tmf.WriteJSON(w, r, status, subscriberView(sub, bu.Location()))
	})
}

// GetService serves GET /sandbox/v1/{businessId}/services/{serviceNo}: the
// whole record, every bucket whether expired or not.
func GetService() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sb := storage.From(r.Context())
		bu := auth.BusinessUnit(r.Context())
		serviceNo := r.PathValue("serviceNo")
		var sub storage.Subscriber
		err := sb.View(func(tx *storage.Tx) (err error) {
			sub, err = tx.Subscriber(bu.ID, serviceNo)
			return err
		})
		if errors.Is(err, storage.ErrNotFound) {
			err = unknownService(bu.ID, serviceNo)
		}
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		tmf.WriteJSON(w, r, http.StatusOK, subscriberView(sub, bu.Location()))
	})
}

// DeleteService serves DELETE /sandbox/v1/{businessId}/services/{serviceNo}:
// 204 once the subscriber is gone. Its history stays, as the operator keeps
// the actions of a closed service.
func DeleteService() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sb := storage.From(r.Context())
		bu := auth.BusinessUnit(r.Context())
		serviceNo := r.PathValue("serviceNo")
		err := sb.Update(func(tx *storage.Tx) error {
			err := tx.DeleteSubscriber(bu.ID, serviceNo)
			if errors.Is(err, storage.ErrNotFound) {
				return storage.Refuse(unknownService(bu.ID, serviceNo))
			}
			return err
		})
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
