package bucket

import "prepay/tmf/query"

// bucketSpec is what GET bucket can be filtered, sorted and projected on.
// product.id is served from the product index; the rest are evaluated over
// the product's buckets.
var bucketSpec = query.Spec{
	Attrs: []query.Attr{
		{Name: "id"},
		{Name: "name"},
		{Name: "@type"},
		{Name: "usageType"},
		{Name: "remainingValue.amount", Kind: query.Amount},
		{Name: "remainingValue.units"},
		{Name: "reservedValue.amount", Kind: query.Amount},
		{Name: "status"},
		{Name: "validFor.endDateTime", Kind: query.Time},
		{Name: attrProduct, Indexed: true},
		{Name: "partyAccount.id"},
		{Name: "logicalResource.value"},
	},
	Fields: []string{"id", "href", "name", "@baseType", "@type", "usageType", "remainingValue",
		"reservedValue", "status", "validFor", "product", "partyAccount", "logicalResource"},
	MaxLimit: maxLimit,
}

// accumulatedSpec is what GET accumulatedBalance can be filtered, sorted
// and projected on.
var accumulatedSpec = query.Spec{
	Attrs: []query.Attr{
		{Name: "id"},
		{Name: "name"},
		{Name: "totalBalance.amount", Kind: query.Amount},
		{Name: "totalBalance.units"},
		{Name: "bucket.id"},
		{Name: attrProduct, Indexed: true},
		{Name: "partyAccount.id"},
		{Name: "logicalResource.value"},
	},
	Fields: []string{"id", "href", "name", "@type", "totalBalance", "bucket", "product",
		"partyAccount", "logicalResource"},
	MaxLimit: maxLimit,
}
