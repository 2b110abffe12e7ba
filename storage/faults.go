package storage

import "fmt"

// bucketFaults holds the sandbox's injected faults, keyed by name. It is in
// allBuckets, so a reset, which drops every bucket, clears the faults too.
var bucketFaults = []byte("faults")

// Fault is a failure the sandbox injects into one business route, as an
// administrator set it, its defaults filled in.
type Fault struct {
	Name  string `json:"name"`
	Route string `json:"route"` // realTimeBalances, topupBalance or balanceActionHistory
	// BusinessID limits the fault to one business unit; empty is all.
	BusinessID string `json:"businessId,omitempty"`
	// Percent is the chance, 0 to 100, that a matching request is hit.
	Percent   int `json:"percent"`
	LatencyMs int `json:"latencyMs"`
	// Status is the answer of a hit request; 0 is the real answer, late.
	Status int    `json:"status,omitempty"`
	When   string `json:"when"` // before or after the real handler runs
}

// Fault returns the fault called name, or ErrNotFound.
func (t *Tx) Fault(name string) (Fault, error) {
	var f Fault
	return f, t.get(bucketFaults, []byte(name), &f)
}

// Faults returns every fault, in name order.
func (t *Tx) Faults() ([]Fault, error) {
	b := t.bucket(bucketFaults)
	if b == nil {
		return nil, nil // no data set loaded yet
	}
	var out []Fault
	err := b.ForEach(func(k, v []byte) error {
		var f Fault
		if err := t.decode(bucketFaults, v, &f); err != nil {
			return fmt.Errorf("decode fault %q: %w", k, err)
		}
		out = append(out, f)
		return nil
	})
	return out, err
}

// PutFault creates or replaces the fault f.Name.
func (t *Tx) PutFault(f Fault) error {
	return t.put(bucketFaults, []byte(f.Name), f)
}

// DeleteFault removes the fault called name; ErrNotFound if there is none.
func (t *Tx) DeleteFault(name string) error {
	b := t.bucket(bucketFaults)
	if b.Get([]byte(name)) == nil {
		return ErrNotFound
	}
	return b.Delete([]byte(name))
}
