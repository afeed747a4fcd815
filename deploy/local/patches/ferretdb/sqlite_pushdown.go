// Added to FerretDB v1.24's SQLite backend by flightdeck's deploy/local (components/ferretdb.sh).
//
// Upstream answers every query that is not exactly {_id: value} by decoding the whole table. This
// file lets SQLite's indexes serve flightdeck's lookups and listings:
//
//   - an index on a top-level field is built on the field's SQL value (`->>`) rather than on its
//     JSON text (`->`), so numbers and dates order as numbers and strings as strings;
//   - a filter's conditions on indexed fields (equality, $eq, $in, $gt/$gte/$lt/$lte, null,
//     joined by $and or $or) become a WHERE clause that narrows the rows read;
//   - a find's sort on indexed fields becomes an ORDER BY, so the handler neither reads nor sorts
//     the whole result when it stops at a limit.
//
// Narrowing never decides what matches: the handler filters every row it gets by the whole filter
// again, so a WHERE clause only needs to keep every row the filter could match. That holds for the
// scalar values flightdeck indexes; the one assumption is that an indexed field never holds an
// array (MongoDB's equality also matches an array's elements), nor mixes types whose SQL order
// differs from BSON's (booleans or dates among numbers, ObjectIds among strings) under one sort.

package sqlite

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/FerretDB/FerretDB/internal/backends"
	"github.com/FerretDB/FerretDB/internal/backends/sqlite/metadata"
	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// condition is a piece of WHERE clause with its arguments; an empty sql narrows nothing.
type condition struct {
	sql  string
	args []any
}

func (c condition) empty() bool { return c.sql == "" }

// narrowing is the WHERE clause (with its leading space) that keeps every row filter may match.
func narrowing(meta *metadata.Collection, filter *types.Document) (string, []any) {
	if filter.Len() == 0 {
		return "", nil
	}

	c := conjunction(indexedFields(meta), filter)
	if c.empty() {
		return "", nil
	}

	return " WHERE " + c.sql, c.args
}

// ordering is the ORDER BY clause for a find's sort when SQLite can produce that order itself:
// every sort key is a plain indexed field, so its SQL order is its BSON order.
func ordering(meta *metadata.Collection, params *backends.QueryParams) (string, bool) {
	if params.OrderBy.Len() == 0 || params.Sort.Len() != 0 {
		return "", false
	}

	indexed := indexedFields(meta)
	terms := make([]string, 0, params.OrderBy.Len())

	iter := params.OrderBy.Iterator()
	defer iter.Close()

	for {
		field, direction, err := iter.Next()
		if err != nil {
			break
		}

		if !indexed[field] {
			return "", false
		}

		term := metadata.IndexColumn(field)

		switch direction {
		case int64(1), int32(1):
		case int64(-1), int32(-1):
			term += " DESC"
		default:
			return "", false
		}

		terms = append(terms, term)
	}

	return " ORDER BY " + strings.Join(terms, ", "), true
}

// indexedFields are the fields whose conditions may narrow a query: _id and the plain top-level
// fields some index names.
func indexedFields(meta *metadata.Collection) map[string]bool {
	fields := map[string]bool{"_id": true}

	for _, index := range meta.Settings.Indexes {
		for _, key := range index.Key {
			if metadata.PlainField.MatchString(key.Field) {
				fields[key.Field] = true
			}
		}
	}

	return fields
}

func conjunction(indexed map[string]bool, filter *types.Document) condition {
	var parts []string
	var args []any

	iter := filter.Iterator()
	defer iter.Close()

	for {
		key, value, err := iter.Next()
		if err != nil {
			break
		}

		var c condition

		switch {
		case key == "$and":
			c = joined(indexed, value, " AND ", false)
		case key == "$or":
			c = joined(indexed, value, " OR ", true)
		case indexed[key]:
			c = fieldCondition(key, value)
		}

		if !c.empty() {
			parts = append(parts, c.sql)
			args = append(args, c.args...)
		}
	}

	if len(parts) == 0 {
		return condition{}
	}

	return condition{sql: "(" + strings.Join(parts, " AND ") + ")", args: args}
}

// joined combines the documents of an $and or $or. A branch of an $or that narrows nothing could
// match any row, so then the whole $or narrows nothing.
func joined(indexed map[string]bool, value any, separator string, everyBranch bool) condition {
	branches, ok := value.(*types.Array)
	if !ok || branches.Len() == 0 {
		return condition{}
	}

	var parts []string
	var args []any

	for i := 0; i < branches.Len(); i++ {
		branch, ok := must.NotFail(branches.Get(i)).(*types.Document)
		if !ok {
			return condition{}
		}

		c := conjunction(indexed, branch)
		if c.empty() {
			if everyBranch {
				return condition{}
			}

			continue
		}

		parts = append(parts, c.sql)
		args = append(args, c.args...)
	}

	if len(parts) == 0 {
		return condition{}
	}

	return condition{sql: "(" + strings.Join(parts, separator) + ")", args: args}
}

func fieldCondition(field string, value any) condition {
	column := metadata.IndexColumn(field)

	operators, ok := value.(*types.Document)
	if !ok {
		return equality(field, column, value)
	}

	if len(operators.Keys()) == 0 || !strings.HasPrefix(operators.Keys()[0], "$") {
		return condition{} // an embedded document compared whole
	}

	var parts []string
	var args []any

	iter := operators.Iterator()
	defer iter.Close()

	for {
		operator, operand, err := iter.Next()
		if err != nil {
			break
		}

		var c condition

		switch operator {
		case "$eq":
			c = equality(field, column, operand)
		case "$in":
			c = membership(field, column, operand)
		case "$gt", "$gte", "$lt", "$lte":
			c = bound(field, column, operator, operand)
		}

		if !c.empty() {
			parts = append(parts, c.sql)
			args = append(args, c.args...)
		}
	}

	if len(parts) == 0 {
		return condition{}
	}

	return condition{sql: strings.Join(parts, " AND "), args: args}
}

func equality(field, column string, value any) condition {
	if _, null := value.(types.NullType); null {
		return condition{sql: column + " IS NULL"}
	}

	arg, ok := sqlValue(field, value)
	if !ok {
		return condition{}
	}

	return condition{sql: column + " = ?", args: []any{arg}}
}

func membership(field, column string, value any) condition {
	candidates, ok := value.(*types.Array)
	if !ok {
		return condition{}
	}

	if candidates.Len() == 0 {
		return condition{sql: "FALSE"}
	}

	var args []any
	var null bool

	for i := 0; i < candidates.Len(); i++ {
		candidate := must.NotFail(candidates.Get(i))
		if _, isNull := candidate.(types.NullType); isNull {
			null = true
			continue
		}

		arg, ok := sqlValue(field, candidate)
		if !ok {
			return condition{}
		}

		args = append(args, arg)
	}

	var parts []string
	if len(args) > 0 {
		parts = append(parts, fmt.Sprintf("%s IN (%s)", column, strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")))
	}

	if null {
		parts = append(parts, column+" IS NULL")
	}

	return condition{sql: "(" + strings.Join(parts, " OR ") + ")", args: args}
}

var comparisons = map[string]string{"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}

// bound keeps the rows on the bound's side. MongoDB compares only within a type bracket, so SQL's
// wider answer (text above every number, say) is a superset the handler filters again.
func bound(field, column, operator string, value any) condition {
	if field == "_id" {
		return condition{} // its JSON text does not order like its value
	}

	arg, ok := sqlValue(field, value)
	if !ok {
		return condition{}
	}

	return condition{sql: fmt.Sprintf("%s %s ?", column, comparisons[operator]), args: []any{arg}}
}

// sqlValue is the value SQLite holds for a stored BSON value under the field's index expression.
func sqlValue(field string, value any) (any, bool) {
	if field == "_id" {
		switch value.(type) {
		case string, types.ObjectID:
			return string(must.NotFail(sjson.MarshalSingleValue(value))), true
		default:
			return nil, false
		}
	}

	switch v := value.(type) {
	case string:
		return v, true
	case int32:
		return int64(v), true
	case int64:
		return v, true
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, false
		}

		return v, true
	case bool:
		if v {
			return int64(1), true
		}

		return int64(0), true
	case time.Time:
		return v.UnixMilli(), true
	case types.ObjectID:
		return fmt.Sprintf("%x", v[:]), true
	default:
		return nil, false
	}
}

// explainPushdown makes `explain` show the query plan of the SQL a find would run.
func explainPushdown(
	meta *metadata.Collection, params *backends.ExplainParams,
	where string, args []any, orderBy string, filtered bool,
) (string, []any, string, bool) {
	if narrowed, narrowedArgs := narrowing(meta, params.Filter); narrowed != "" {
		where, args, filtered = narrowed, narrowedArgs, true
	}

	if sorted, ok := ordering(meta, &backends.QueryParams{Sort: params.Sort, OrderBy: params.OrderBy}); ok {
		orderBy = sorted
	}

	return where, args, orderBy, filtered
}
