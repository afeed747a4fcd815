# FerretDB 1.x (MongoDB wire protocol) on SQLite files.
# shellcheck shell=bash disable=SC2034 # its tables and template values are read by lib.sh

FERRETDB_VERSION=v1.24.2
FERRETDB_BUILD="$FERRETDB_VERSION+pushdown.1" # what ferretdb_build makes; a change rebuilds
FERRETDB_BIN="$BIN_DIR/ferretdb"
FERRETDB_DIR="$VAR_DIR/ferretdb"

PORTS["ferretdb"]="$FLIGHTDECK_MONGO_PORT"
MARKER["ferretdb"]="$FERRETDB_BIN"
PROGRAM["ferretdb"]=ferretdb
LOGS["ferretdb"]="$LOG_DIR/ferretdb.log"
READY_TIMEOUT["ferretdb"]=30
STOP_TIMEOUT["ferretdb"]=15

# A plain `go install .../cmd/ferretdb@version` builds a binary that panics at start: the
# version is read from build/version/version.txt, which the module zip does not contain.
# So build from a writable copy of the module source with that file written in.
ferretdb_build() {
  local module src="$FERRETDB_DIR/src"
  say_component ferretdb "building FerretDB $FERRETDB_VERSION (go)"
  module=$(go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -d $module ]] || die "ferretdb: go mod download found no source for $FERRETDB_VERSION"
  rm -rf "$src"
  cp -R "$module" "$src"
  chmod -R u+w "$src"
  printf '%s\n' "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  ferretdb_push_down "$src"
  (cd "$src" && go build -buildvcs=false -trimpath -o "$FERRETDB_BIN.tmp" ./cmd/ferretdb) \
    >"$LOG_DIR/ferretdb-build.log" 2>&1 ||
    { tail -n 40 "$LOG_DIR/ferretdb-build.log" >&2; die "ferretdb: go build failed"; }
  mv -f "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
  printf '%s\n' "$FERRETDB_BUILD" >"$FERRETDB_BIN.build"
  rm -rf "$src"
}

# Edits so that SQLite's indexes serve lookups, filters and sorted listings instead of FerretDB
# decoding every document (2 s for a page of 20 executions out of 20k; see bench/results/store.md):
#  - the handler queries `json->'$._id'` while its unique _id index is on `json->"_id"`, an
#    expression SQLite does not consider the same, so the index was never used;
#  - indexes key a top-level field by its SQL value (`->>`), patches/ferretdb/metadata_index_column.go;
#  - a filter's conditions on indexed fields narrow the SQL query, and a find's sort on indexed
#    fields becomes its ORDER BY, skipping the handler's in-memory sort
#    (patches/ferretdb/sqlite_pushdown.go, handler_order.go; the assumptions are written there).
ferretdb_push_down() {
  local src=$1 patches="$LOCAL_DIR/patches/ferretdb"
  local backend="$src/internal/backends/sqlite" handler="$src/internal/handler"
  sed -i "s|IDColumn = DefaultColumn + \"->'\$._id'\"|IDColumn = DefaultColumn + \`->\"_id\"\`|" \
    "$backend/metadata/metadata.go"
  cp "$patches/metadata_index_column.go" "$backend/metadata/flightdeck_index_column.go"
  cp "$patches/sqlite_pushdown.go" "$backend/flightdeck_pushdown.go"
  cp "$patches/handler_order.go" "$handler/flightdeck_order.go"
  sed -i 's|^\t\t\tcolumns\[i\] = fmt.Sprintf("%s->%s", DefaultColumn, strings.Join(fields, "->"))$|\t\t\tcolumns[i] = IndexColumn(key.Field)|' \
    "$backend/metadata/registry.go"
  sed -i -e 's|^\tq += whereClause$|\twhereClause, args = narrowing(meta, params.Filter)\n&|' \
    -e 's|^\tq += prepareOrderByClause(params.Sort)$|&\n\torderBy, ordered := ordering(meta, params)\n\tq += orderBy|' \
    -e 's|^\t\tIter: newQueryIterator(ctx, rows, params.OnlyRecordIDs),$|&\n\t\tOrdered: ordered,|' \
    -e 's|^\torderByClause := prepareOrderByClause(params.Sort)$|&\n\twhereClause, args, orderByClause, filterPushdown = explainPushdown(meta, params, whereClause, args, orderByClause, filterPushdown)|' \
    "$backend/collection.go"
  sed -i -e 's|^type QueryParams struct {$|&\n\tOrderBy *types.Document|' \
    -e 's|^type QueryResult struct {$|&\n\tOrdered bool|' \
    -e 's|^type ExplainParams struct {$|&\n\tOrderBy *types.Document|' \
    "$src/internal/backends/collection.go"
  sed -i -e 's|^\th.L.DebugContext(ctx, fmt.Sprintf("Converted %+v for %+v to %+v.", params, cInfo, qp))$|\tqp.OrderBy = backendOrder(params.Sort)\n&|' \
    -e 's|h.makeFindIter(queryRes.Iter, closer, params)|h.makeFindIter(queryRes.Iter, closer, orderedFindParams(params, queryRes))|' \
    "$handler/msg_find.go"
  sed -i 's|h.makeFindIter(queryRes.Iter, closer, data.findParams)|h.makeFindIter(queryRes.Iter, closer, orderedFindParams(data.findParams, queryRes))|' \
    "$handler/msg_getmore.go"
  sed -i 's|^\tvar cList \*backends.ListCollectionsResult$|\tqp.OrderBy = backendOrder(params.Sort)\n&|' \
    "$handler/msg_explain.go"
  local expected
  for expected in \
    "$backend/metadata/metadata.go:IDColumn = DefaultColumn + \`->\"_id\"\`" \
    "$backend/metadata/registry.go:columns[i] = IndexColumn(key.Field)" \
    "$backend/collection.go:whereClause, args = narrowing(meta, params.Filter)" \
    "$backend/collection.go:orderBy, ordered := ordering(meta, params)" \
    "$backend/collection.go:Ordered: ordered," \
    "$backend/collection.go:= explainPushdown(meta, params," \
    "$src/internal/backends/collection.go:Ordered bool" \
    "$handler/msg_find.go:qp.OrderBy = backendOrder(params.Sort)" \
    "$handler/msg_find.go:orderedFindParams(params, queryRes)" \
    "$handler/msg_getmore.go:orderedFindParams(data.findParams, queryRes)" \
    "$handler/msg_explain.go:qp.OrderBy = backendOrder(params.Sort)"; do
    grep -qF "${expected#*:}" "${expected%%:*}" ||
      die "ferretdb: the pushdown edits no longer apply to $FERRETDB_VERSION's source (${expected%%:*})"
  done
}

ferretdb_prepare() {
  mkdir -p "$FERRETDB_DIR/data" "$FERRETDB_DIR/state"
  [[ -x $FERRETDB_BIN && $(cat "$FERRETDB_BIN.build" 2>/dev/null) == "$FERRETDB_BUILD" ]] ||
    ferretdb_build
}

# --debug-addr=-: its default 127.0.0.1:8088 is the edge's HTTP port.
ferretdb_launch() {
  spawn "$LOG_DIR/ferretdb.log" "$FERRETDB_BIN" \
    --handler=sqlite --sqlite-url="file:$FERRETDB_DIR/data/" \
    --listen-addr="127.0.0.1:$FLIGHTDECK_MONGO_PORT" \
    --state-dir="$FERRETDB_DIR/state" \
    --debug-addr=- --telemetry=disable --log-level=warn
}
