package query

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"prepay/tmf"
)

// identity is what every record keeps whatever fields= says: what the
// resource is and where it lives.
var identity = []string{"id", "href", "@type"}

// Write answers a page of a list: the records (projected to q.Fields) as a
// JSON array, X-Total-Count (the records that match) and X-Result-Count
// (those returned). A page that is not the whole result is 206 Partial
// Content with Content-Range "items first-last/total" (0-based, both ends
// inclusive), or "items */total" for a page past the end.
func Write(w http.ResponseWriter, r *http.Request, q Query, page [][]byte, total int) {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, rec := range page {
		if i > 0 {
			b.WriteByte(',')
		}
		p, err := Project(rec, q.Fields)
		if err != nil {
			tmf.WriteError(w, r, err)
			return
		}
		b.Write(p)
	}
	b.WriteByte(']')
	h := w.Header()
	h.Set("X-Total-Count", strconv.Itoa(total))
	h.Set("X-Result-Count", strconv.Itoa(len(page)))
	status := http.StatusOK
	if len(page) < total {
		status = http.StatusPartialContent
		if len(page) == 0 {
			h.Set("Content-Range", fmt.Sprintf("items */%d", total))
		} else {
			h.Set("Content-Range", fmt.Sprintf("items %d-%d/%d", q.Offset, q.Offset+len(page)-1, total))
		}
	}
	tmf.WriteRaw(w, status, b.Bytes())
}

// WriteSelected answers the page of records that q selects, filtered,
// sorted and paged over all of them, as Write does: for a list that renders
// every candidate record before the query is applied.
func WriteSelected(w http.ResponseWriter, r *http.Request, q Query, records [][]byte) {
	page, total, err := q.Select(records)
	if err != nil {
		tmf.WriteError(w, r, err)
		return
	}
	Write(w, r, q, page, total)
}

// Project returns the JSON object rec with only the members fields names
// and the identity members (id, href, @type), in rec's own order. Nil
// fields is every member: rec as it is.
func Project(rec []byte, fields []string) ([]byte, error) {
	if fields == nil {
		return rec, nil
	}
	dec := json.NewDecoder(bytes.NewReader(rec))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("project record: not a JSON object")
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("project record: %w", err)
		}
		name, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("project record: %w", err)
		}
		if !slices.Contains(fields, name) && !slices.Contains(identity, name) {
			continue
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(name) // a string always encodes
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// ParseFields reads the query of a single resource (GET …/{id}), which
// takes fields= alone: any other parameter is a 400 naming it.
func ParseFields(raw string, spec Spec) ([]string, error) {
	q, err := Values(raw)
	if err != nil {
		return nil, err
	}
	for p := range q {
		if p != ParamFields {
			return nil, Invalid("%q is not a parameter of a single resource; it takes %s alone", p, ParamFields)
		}
	}
	return parseFields(q, spec)
}
