package storage

// NextActionSeq returns the sequence number the next AddAction in this
// transaction will give. A top-up quotes it (rechargeId2, description)
// inside the very record AddAction stores, so it must be known first; only
// one write transaction runs at a time, so no one can take it in between.
func (t *Tx) NextActionSeq() uint64 {
	return t.bucket(bucketActions).Sequence() + 1
}
