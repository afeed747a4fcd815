// Added to FerretDB v1.24's SQLite metadata package by flightdeck's deploy/local
// (components/ferretdb.sh); the backend's sqlite_pushdown.go says why.

package metadata

import (
	"fmt"
	"regexp"
	"strings"
)

// PlainField is a field name that may be spliced into SQL as a JSON path: no quoting, no nesting.
var PlainField = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// IndexColumn is the SQL expression an index keys a field by, and the one queries must repeat
// for SQLite to use that index. _id keeps upstream's JSON-text expression: the unique _id index
// of every collection is built on it, and so are _id lookups.
func IndexColumn(field string) string {
	if field == "_id" {
		return IDColumn
	}

	if PlainField.MatchString(field) {
		return fmt.Sprintf(`%s->>'$.%s'`, DefaultColumn, field)
	}

	parts := strings.Split(field, ".")
	for i, part := range parts {
		parts[i] = fmt.Sprintf("%q", part)
	}

	return fmt.Sprintf("%s->%s", DefaultColumn, strings.Join(parts, "->"))
}
