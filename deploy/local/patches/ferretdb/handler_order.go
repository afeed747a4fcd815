// Added to FerretDB v1.24's handler by flightdeck's deploy/local (components/ferretdb.sh): a find
// hands its sort to the backend, and skips its in-memory sort when the backend ordered the rows,
// so that a limited find stops reading at its limit.

package handler

import (
	"slices"

	"github.com/FerretDB/FerretDB/internal/backends"
	"github.com/FerretDB/FerretDB/internal/handler/common"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// backendOrder is the sort a backend may apply itself; $natural has its own pushdown.
func backendOrder(sort *types.Document) *types.Document {
	if sort.Len() == 0 || slices.Contains(sort.Keys(), "$natural") {
		return nil
	}

	return sort
}

// orderedFindParams drops the sort the backend has already applied.
func orderedFindParams(params *common.FindParams, res *backends.QueryResult) *common.FindParams {
	if !res.Ordered {
		return params
	}

	unsorted := *params
	unsorted.Sort = must.NotFail(types.NewDocument())

	return &unsorted
}
