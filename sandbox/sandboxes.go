package sandbox

import (
	"encoding/json"
	"errors"
	"net/http"

	"prepay/auth"
	"prepay/storage"
	"prepay/tmf"
)

// newSandboxJSON is the body of POST /sandbox/v1/sandboxes: both fields are
// optional.
type newSandboxJSON struct {
	Name    string          `json:"name"`
	DataSet json.RawMessage `json:"dataSet"`
}

// sandboxJSON is a sandbox as the list shows it: never its secrets.
type sandboxJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	CreatedAt string `json:"createdAt"`
}

// createdJSON is the answer that made a sandbox: the only place its
// clients' secrets are ever shown.
type createdJSON struct {
	sandboxJSON
	Clients []issuedJSON `json:"clients"`
}

type issuedJSON struct {
	ClientID      string   `json:"client_id"`
	ClientSecret  string   `json:"client_secret"`
	From          string   `json:"from"`
	BusinessUnits []string `json:"businessUnits"`
	Scopes        []string `json:"scopes"`
}

func sandboxView(info storage.SandboxInfo) sandboxJSON {
	return sandboxJSON{ID: info.ID, Name: info.Name, CreatedAt: formatUTC(info.CreatedAt)}
}

// Sandboxes manages the sandboxes of a server: the routes under
// /sandbox/v1/sandboxes. Only administrators of the default sandbox use
// them; a made sandbox's own clients get 403.
type Sandboxes struct {
	Store *storage.Store
	Guard *auth.Guard
	// Server is the data set a sandbox is made from when the request
	// gives none.
	Server *storage.DataSet
	// Max bounds how many sandboxes the server holds, the default one
	// included.
	Max int
	// Forget drops what the server holds in memory for a deleted sandbox
	// (its faults).
	Forget func(id string)
}

// fromDefault refuses a client of a made sandbox.
func fromDefault(r *http.Request) error {
	if sb := storage.From(r.Context()); sb.ID() != storage.DefaultSandbox {
		return tmf.Fail(tmf.CodeForbiddenScope, "client_id %q belongs to sandbox %s: only the default sandbox's administrators manage sandboxes",
			auth.Client(r.Context()).ID, sb.ID())
	}
	return nil
}

// Create serves POST /sandbox/v1/sandboxes: 201 with the new sandbox and
// its clients (fresh ids and secrets, shown only here) and Location. It is
// not replayed on a repeated key, unlike the business writes: replaying it
// would mean keeping the secrets, which prepay never does.
func (s *Sandboxes) Create() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fromDefault(r); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		var body newSandboxJSON
		if err := tmf.DecodeBody(w, r, &body); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		if err := checkText("name", body.Name); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		n := storage.NewSandbox{Name: body.Name, DataSet: s.Server, Max: s.Max}
		if len(body.DataSet) > 0 && string(body.DataSet) != "null" {
			ds, err := storage.ParseDataSet(body.DataSet)
			if err != nil {
				tmf.WriteError(w, r, tmf.Fail(tmf.CodeInvalidField, "dataSet is not a data set: %s", tmf.Text(err.Error())))
				return
			}
			n.DataSet, n.Raw = ds, body.DataSet
		}
		sb, issued, err := s.Store.CreateSandbox(n)
		if errors.Is(err, storage.ErrSandboxLimit) {
			err = tmf.Fail(tmf.CodeSandboxLimit, "the server holds %d sandboxes, its most (-max-sandboxes); delete one first", s.Max)
		}
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		if err := s.Guard.Reload(); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		out := createdJSON{sandboxJSON: sandboxView(sb.Info()), Clients: make([]issuedJSON, len(issued))}
		for i, c := range issued {
			out.Clients[i] = issuedJSON{ClientID: c.ID, ClientSecret: c.Secret, From: c.From,
				BusinessUnits: c.BusinessUnits, Scopes: c.Scopes}
		}
		w.Header().Set("Location", "/sandbox/v1/sandboxes/"+sb.ID())
		w.Header().Set("Cache-Control", "no-store") // the secrets
		tmf.WriteJSON(w, r, http.StatusCreated, out)
	})
}

// List serves GET /sandbox/v1/sandboxes: every sandbox, oldest first,
// without secrets.
func (s *Sandboxes) List() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fromDefault(r); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		all := s.Store.Sandboxes()
		out := make([]sandboxJSON, len(all))
		for i, sb := range all {
			out[i] = sandboxView(sb.Info())
		}
		tmf.WriteJSON(w, r, http.StatusOK, out)
	})
}

// Delete serves DELETE /sandbox/v1/sandboxes/{id}: 204 once the sandbox
// and every record it holds are gone, durably; its clients are refused
// from then on.
func (s *Sandboxes) Delete() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fromDefault(r); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		id := r.PathValue("id")
		err := s.Store.DeleteSandbox(id)
		switch {
		case errors.Is(err, storage.ErrDefaultSandbox):
			err = tmf.Fail(tmf.CodeDefaultSandbox, "the default sandbox holds the server's own clients and is never deleted")
		case errors.Is(err, storage.ErrNotFound):
			err = tmf.Fail(tmf.CodeUnknownSandbox, "no sandbox has the id %q", id)
		}
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		s.Forget(id)
		if err := s.Guard.Reload(); err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
