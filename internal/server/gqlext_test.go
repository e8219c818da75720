package server

import "github.com/bcs-io/bcs/internal/gqlext"

// The tests here predate internal/gqlext and name its parts as they were
// named in this package.
var (
	documentHash         = gqlext.DocumentHash
	newDocumentCache     = gqlext.NewDocumentCache
	LoadTrustedDocuments = gqlext.LoadTrustedDocuments
	Redact               = gqlext.Redact
)

const PersistedQueryNotFound = gqlext.PersistedQueryNotFound

type (
	TrustedDocuments = gqlext.TrustedDocuments
	operationTimeout = gqlext.OperationTimeout
)
