# Jaeger v2 (an OpenTelemetry Collector build), traces kept in memory: `make run` exports to it.
# shellcheck shell=bash disable=SC2034 # its tables and template values are read by lib.sh

JAEGER_VERSION=v1.75.0 # the module's v1 tag of the v2 binary, cmd/jaeger (go-partial.tsv)
JAEGER_BIN="$BIN_DIR/jaeger"
JAEGER_DIR="$VAR_DIR/jaeger"
JAEGER_CONF="$JAEGER_DIR/config.yaml"
JAEGER_LOG="$LOG_DIR/jaeger.log"
# Its query API also serves gRPC, which nothing here uses; it needs a port all the same.
JAEGER_QUERY_GRPC_PORT=$((FLIGHTDECK_JAEGER_UI_PORT - 1))
# A directory of built jaeger-ui assets (its index.html and static/) for the query extension to
# serve. No package registry the project builds from publishes them (the Go module zip leaves out
# the UI build, the npm name jaeger-ui holds no version), so unset = Jaeger's placeholder page.
JAEGER_UI_ASSETS=${FLIGHTDECK_JAEGER_UI_ASSETS:-}

PORTS["jaeger"]="$FLIGHTDECK_JAEGER_UI_PORT $FLIGHTDECK_JAEGER_OTLP_PORT"
MARKER["jaeger"]="$JAEGER_CONF"
PROGRAM["jaeger"]=jaeger
LOGS["jaeger"]="$JAEGER_LOG"
READY_TIMEOUT["jaeger"]=30
STOP_TIMEOUT["jaeger"]=15

# `go install .../cmd/jaeger@version` refuses: the module's go.mod has a replace directive.
# Building inside the downloaded module makes it the main module, where the replace applies.
# The module zip lacks the built jaeger-ui: the UI is its placeholder page unless
# FLIGHTDECK_JAEGER_UI_ASSETS names a build (above).
jaeger_build() {
  local module started=$SECONDS
  say_component jaeger "building Jaeger $JAEGER_VERSION (go; several minutes on a cold cache)"
  module=$(go mod download -json "github.com/jaegertracing/jaeger@$JAEGER_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -d $module ]] || die "jaeger: go mod download found no source for $JAEGER_VERSION"
  (cd "$module" && nice go build -buildvcs=false -trimpath -o "$JAEGER_BIN.tmp" ./cmd/jaeger) \
    >"$LOG_DIR/jaeger-build.log" 2>&1 ||
    { tail -n 40 "$LOG_DIR/jaeger-build.log" >&2; die "jaeger: go build failed"; }
  mv -f "$JAEGER_BIN.tmp" "$JAEGER_BIN"
  printf '%s\n' "$JAEGER_VERSION" >"$JAEGER_BIN.build"
  say_component jaeger "built in $((SECONDS - started))s"
}

jaeger_prepare() {
  mkdir -p "$JAEGER_DIR" "$BIN_DIR"
  [[ -z $JAEGER_UI_ASSETS || -f $JAEGER_UI_ASSETS/index.html ]] ||
    die "jaeger: FLIGHTDECK_JAEGER_UI_ASSETS=$JAEGER_UI_ASSETS has no index.html (a jaeger-ui build)"
  [[ -x $JAEGER_BIN && $(cat "$JAEGER_BIN.build" 2>/dev/null) == "$JAEGER_VERSION" ]] ||
    jaeger_build
  render_template "$LOCAL_DIR/components/jaeger.yaml.tmpl" "$JAEGER_CONF" \
    FLIGHTDECK_JAEGER_UI_PORT FLIGHTDECK_JAEGER_OTLP_PORT JAEGER_QUERY_GRPC_PORT JAEGER_UI_ASSETS
}

jaeger_launch() { spawn "$JAEGER_LOG" "$JAEGER_BIN" --config "$JAEGER_CONF"; }

jaeger_probe() {
  curl -fsS -o /dev/null "http://127.0.0.1:$FLIGHTDECK_JAEGER_UI_PORT/api/services" 2>/dev/null
}
