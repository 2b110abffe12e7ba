package storage

import (
	"bytes"
	"errors"
	"fmt"
)

// The product index: business unit | 0x00 | serviceInternalId | 0x00 |
// serviceNo, with no value. TMF654 names a service by its internal id (the
// product id); subscribers are keyed by service number, so this index turns
// the one into the other with one Seek instead of a scan of the business
// unit. Keys end in the service number so that a data set giving two
// services one internal id loses neither.
func productKey(bu, productID, serviceNo string) []byte {
	return key(bu, productID, serviceNo)
}

// ServicesByProduct returns the services of business unit bu whose
// serviceInternalId is productID, in service number order; none is an
// empty slice, not an error.
func (t *Tx) ServicesByProduct(bu, productID string) ([]Subscriber, error) {
	prefix := append(key(bu, productID), sep)
	c := t.bucket(bucketByProduct).Cursor()
	var out []Subscriber
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		s, err := t.Subscriber(bu, string(k[len(prefix):]))
		if err != nil {
			return nil, fmt.Errorf("product index %q: %w", k, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// indexProduct adds s to the product index, first removing the entry of the
// record it replaces, whose internal id may differ.
func (t *Tx) indexProduct(s Subscriber) error {
	idx := t.bucket(bucketByProduct)
	k := productKey(s.BusinessID, s.ServiceInternalID, s.ServiceNo)
	old, _, err := t.lookSubscriber(s.BusinessID, s.ServiceNo)
	switch {
	case err == nil && old.ServiceInternalID == s.ServiceInternalID && idx.Get(k) != nil:
		// Unchanged (a credit, a debit): writing it again would only
		// dirty the index's pages in this commit.
		return nil
	case err == nil:
		if err := idx.Delete(productKey(s.BusinessID, old.ServiceInternalID, old.ServiceNo)); err != nil {
			return err
		}
	case !errors.Is(err, ErrNotFound):
		return err
	}
	return idx.Put(k, nil)
}

// unindexProduct removes the index entry of the stored service serviceNo,
// if there is one.
func (t *Tx) unindexProduct(bu, serviceNo string) error {
	old, _, err := t.lookSubscriber(bu, serviceNo)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return t.bucket(bucketByProduct).Delete(productKey(bu, old.ServiceInternalID, old.ServiceNo))
}

// indexAllProducts fills the product index from every subscriber, for a
// file written before the index existed.
func (t *Tx) indexAllProducts() error {
	idx := t.bucket(bucketByProduct)
	return t.bucket(bucketSubscribers).ForEach(func(k, v []byte) error {
		var s Subscriber
		if err := t.decode(bucketSubscribers, v, &s); err != nil {
			return fmt.Errorf("decode subscriber %q: %w", k, err)
		}
		return idx.Put(productKey(s.BusinessID, s.ServiceInternalID, s.ServiceNo), nil)
	})
}
