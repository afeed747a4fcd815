# FerretDB 1.x (MongoDB wire protocol) on SQLite files.
# shellcheck shell=bash disable=SC2034 # its tables and template values are read by lib.sh

FERRETDB_VERSION=v1.24.2
FERRETDB_BUILD="$FERRETDB_VERSION+id-lookups.2" # what ferretdb_build makes; a change rebuilds
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
  ferretdb_index_id_lookups "$src/internal/backends/sqlite"
  (cd "$src" && go build -buildvcs=false -trimpath -o "$FERRETDB_BIN.tmp" ./cmd/ferretdb) \
    >"$LOG_DIR/ferretdb-build.log" 2>&1 ||
    { tail -n 40 "$LOG_DIR/ferretdb-build.log" >&2; die "ferretdb: go build failed"; }
  mv -f "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
  printf '%s\n' "$FERRETDB_BUILD" >"$FERRETDB_BIN.build"
  rm -rf "$src"
}

# Edits so that a filter naming _id is an index search instead of a read of every document
# (0.3 s at 100k executions; 30 s when the filter names anything besides _id):
#  - the handler queries `json->'$._id'` while its unique _id index is on `json->"_id"`, an
#    expression SQLite does not consider the same, so the index was never used;
#  - patches/ferretdb/id_lookups.go narrows a query by _id (equality or $in) whatever else the
#    filter names; upstream narrows only a filter that is exactly {_id: value}.
ferretdb_index_id_lookups() {
  local backend=$1
  sed -i "s|IDColumn = DefaultColumn + \"->'\$._id'\"|IDColumn = DefaultColumn + \`->\"_id\"\`|" \
    "$backend/metadata/metadata.go"
  cp "$LOCAL_DIR/patches/ferretdb/id_lookups.go" "$backend/flightdeck_id_lookups.go"
  sed -i 's|^\tq += whereClause$|\twhereClause, args = idLookup(params.Filter)\n&|' \
    "$backend/collection.go"
  grep -qF 'IDColumn = DefaultColumn + `->"_id"`' "$backend/metadata/metadata.go" &&
    grep -qF 'whereClause, args = idLookup(params.Filter)' "$backend/collection.go" ||
    die "ferretdb: the _id lookup edits no longer apply to $FERRETDB_VERSION's source"
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
