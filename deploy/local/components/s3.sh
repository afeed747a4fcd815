# SeaweedFS (Apache-2.0) as a real S3-compatible server on loopback, for the object-store tests
# and for running the data proxy on its S3 backend. Not started by a bare `deploy/local/up`:
# name it (`deploy/local/up s3`) or export FLIGHTDECK_LOCAL_S3=1. The first start builds
# SeaweedFS from source with Go (about 15 minutes on two cores; later builds hit Go's cache).
# Clients sign with SigV4 using FLIGHTDECK_S3_ACCESS_KEY / FLIGHTDECK_S3_SECRET_KEY.
# shellcheck shell=bash disable=SC2034 # its tables and template values are read by lib.sh

S3_VERSION=v0.0.0-20261109003541-7506e5f91cd6
S3_BIN="$BIN_DIR/weed"
S3_DIR="$VAR_DIR/s3"
S3_CONFIG="$S3_DIR/s3.json"
: "${FLIGHTDECK_S3_PORT:=18333}"
: "${FLIGHTDECK_S3_MASTER_PORT:=18334}"
: "${FLIGHTDECK_S3_VOLUME_PORT:=18335}"
: "${FLIGHTDECK_S3_FILER_PORT:=18336}"
: "${FLIGHTDECK_S3_ACCESS_KEY:=flightdeck}"
: "${FLIGHTDECK_S3_SECRET_KEY:=flightdeck-local-secret}"

PORTS["s3"]="$FLIGHTDECK_S3_PORT $FLIGHTDECK_S3_MASTER_PORT $FLIGHTDECK_S3_VOLUME_PORT $FLIGHTDECK_S3_FILER_PORT"
MARKER["s3"]="$S3_CONFIG"
PROGRAM["s3"]=weed
LOGS["s3"]="$LOG_DIR/s3.log"
READY_TIMEOUT["s3"]=60
STOP_TIMEOUT["s3"]=20

# `go install …/weed@version` refuses the module (its go.mod has a replace directive), so build
# from the downloaded module source, where the replace applies as it does for SeaweedFS itself.
s3_build() {
  local module
  say_component s3 "building SeaweedFS $S3_VERSION (go; the first build takes a while)"
  module=$(go mod download -json "github.com/seaweedfs/seaweedfs@$S3_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -d $module ]] || die "s3: go mod download found no source for $S3_VERSION"
  (cd "$module" && go build -buildvcs=false -trimpath -o "$S3_BIN.tmp" ./weed) \
    >"$LOG_DIR/s3-build.log" 2>&1 ||
    { tail -n 40 "$LOG_DIR/s3-build.log" >&2; die "s3: go build failed"; }
  mv -f "$S3_BIN.tmp" "$S3_BIN"
}

# One identity with every right; SeaweedFS verifies SigV4 (headers and presigned URLs) for it.
s3_write_config() {
  umask 077
  printf '{"identities": [{"name": "flightdeck", "credentials": [{"accessKey": "%s", "secretKey": "%s"}], "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]}\n' \
    "$FLIGHTDECK_S3_ACCESS_KEY" "$FLIGHTDECK_S3_SECRET_KEY" >"$S3_CONFIG.tmp"
  mv -f "$S3_CONFIG.tmp" "$S3_CONFIG"
}

s3_prepare() {
  mkdir -p "$S3_DIR/data" "$S3_DIR/master"
  [[ -x $S3_BIN ]] || s3_build
  s3_write_config
}

# Every listener on loopback and away from the stack's ports: SeaweedFS's defaults include
# 8181 (its Iceberg catalog, admin's gRPC port here), so the optional gateways are off and the
# gRPC ports are pinned to the HTTP ports + 10000. Small volumes, created as buckets need them.
s3_launch() {
  spawn "$LOG_DIR/s3.log" "$S3_BIN" server \
    -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$S3_DIR/data" -master.dir="$S3_DIR/master" \
    -master.port="$FLIGHTDECK_S3_MASTER_PORT" -master.port.grpc=$((FLIGHTDECK_S3_MASTER_PORT + 10000)) \
    -volume.port="$FLIGHTDECK_S3_VOLUME_PORT" -volume.port.grpc=$((FLIGHTDECK_S3_VOLUME_PORT + 10000)) \
    -filer.port="$FLIGHTDECK_S3_FILER_PORT" -filer.port.grpc=$((FLIGHTDECK_S3_FILER_PORT + 10000)) \
    -s3 -s3.port="$FLIGHTDECK_S3_PORT" -s3.port.grpc=$((FLIGHTDECK_S3_PORT + 10000)) \
    -s3.config="$S3_CONFIG" -s3.port.iceberg=0 -s3.port.lance=0 \
    -master.volumeSizeLimitMB=64 -volume.max=0 -master.telemetry=false
}

# Open ports are not enough: the master must hand out a file id, which needs a volume server
# that has registered; only then can S3 writes succeed.
s3_probe() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$FLIGHTDECK_S3_MASTER_PORT" || exit 1
    printf 'GET /dir/assign HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
    timeout 5 cat <&3 | grep -q '"fid"'
  ) 2>/dev/null
}
