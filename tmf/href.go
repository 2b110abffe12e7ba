package tmf

import "net/url"

// TMF654Base is the path of the TMF654 prepayBalanceManagement v4 API, the
// seed's, before the business unit.
const TMF654Base = "/tmf-api/prepayBalanceManagement/v4/"

// BucketID is a bucket's TMF654 id: the service's internal id and the
// bucket's own id joined by "-" (32970253-1).
func BucketID(productID, bucketID string) string { return productID + "-" + bucketID }

// BucketHref is the absolute path on this server of the bucket bucketID of
// product productID in business unit bu.
func BucketHref(bu, productID, bucketID string) string {
	return TMF654Base + bu + "/bucket/" + url.PathEscape(BucketID(productID, bucketID))
}

// AccumulatedBalanceHref is the absolute path on this server of the
// accumulated balance id in business unit bu.
func AccumulatedBalanceHref(bu, id string) string {
	return TMF654Base + bu + "/accumulatedBalance/" + url.PathEscape(id)
}
