// Added to FerretDB v1.24's SQLite backend by flightdeck's deploy/local (components/ferretdb.sh).

package sqlite

import (
	"fmt"
	"strings"

	"github.com/FerretDB/FerretDB/internal/backends/sqlite/metadata"
	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// idLookup narrows a query to the rows whose _id the filter names, by equality or by an $in of
// strings and ObjectIDs, so that SQLite searches the _id index. Upstream narrows only a filter
// that is exactly {_id: value} and reads every row for anything else. Narrowing is safe because
// every caller filters the rows it gets by the whole filter again.
func idLookup(filter *types.Document) (string, []any) {
	if filter.Len() == 0 {
		return "", nil
	}

	value, _ := filter.Get("_id")

	var ids []any

	switch v := value.(type) {
	case string, types.ObjectID:
		ids = []any{v}
	case *types.Document:
		if v.Len() != 1 {
			return "", nil
		}

		listed, _ := v.Get("$in")

		candidates, ok := listed.(*types.Array)
		if !ok {
			return "", nil
		}

		if candidates.Len() == 0 {
			return ` WHERE FALSE`, nil
		}

		for i := 0; i < candidates.Len(); i++ {
			candidate := must.NotFail(candidates.Get(i))

			switch candidate.(type) {
			case string, types.ObjectID:
				ids = append(ids, candidate)
			default:
				return "", nil
			}
		}
	default:
		return "", nil
	}

	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = string(must.NotFail(sjson.MarshalSingleValue(id)))
	}

	placeholders := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")

	return fmt.Sprintf(` WHERE %s IN (%s)`, metadata.IDColumn, placeholders), args
}
