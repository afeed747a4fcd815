# nginx from Debian as the single edge: gRPC (h2c) and HTTP/1.1 in front of the services.
# shellcheck shell=bash disable=SC2034 # its tables and template values are read by lib.sh

NGINX_DIR="$VAR_DIR/nginx"
NGINX_CONF="$NGINX_DIR/nginx.conf"
EDGE_PID_FILE="$RUN_DIR/edge.pid"
EDGE_LOG="$LOG_DIR/edge.log"
EDGE_ACCESS_LOG="$LOG_DIR/edge-access.log"
TLS_DIR="$VAR_DIR/tls"

# TLS on both edge ports: a PEM certificate (chain) and its key, or FLIGHTDECK_EDGE_TLS=self-signed
# for a local CA and a localhost certificate generated into var/tls/ (clients trust ca.crt).
: "${FLIGHTDECK_EDGE_TLS:=}" "${FLIGHTDECK_EDGE_TLS_CERT:=}" "${FLIGHTDECK_EDGE_TLS_KEY:=}"

PORTS["edge"]="$FLIGHTDECK_EDGE_GRPC_PORT $FLIGHTDECK_EDGE_HTTP_PORT"
MARKER["edge"]="$NGINX_CONF"
PROGRAM["edge"]=nginx
LOGS["edge"]="$EDGE_LOG"
READY_TIMEOUT["edge"]=15
STOP_TIMEOUT["edge"]=15

EDGE_TEMPLATE_VARS=(
  VAR_DIR NGINX_DIR EDGE_PID_FILE EDGE_LOG EDGE_ACCESS_LOG EDGE_USER_DIRECTIVE
  EDGE_GRPC_LISTEN_HTTP2 EDGE_HTTP2_DIRECTIVE EDGE_LISTEN_TLS EDGE_TLS_DIRECTIVES
  FLIGHTDECK_EDGE_GRPC_PORT FLIGHTDECK_EDGE_HTTP_PORT
  FLIGHTDECK_ADMIN_GRPC_PORT FLIGHTDECK_ADMIN_HTTP_PORT
  FLIGHTDECK_EVENTS_GATEWAY_GRPC_PORT FLIGHTDECK_EVENTS_GATEWAY_HTTP_PORT
  FLIGHTDECK_DATAPROXY_GRPC_PORT FLIGHTDECK_DATAPROXY_HTTP_PORT
  FLIGHTDECK_SIGNALS_GRPC_PORT FLIGHTDECK_SIGNALS_HTTP_PORT
  FLIGHTDECK_EXECUTOR_HTTP_PORT
  FLIGHTDECK_AGENTS_GRPC_PORT FLIGHTDECK_AGENTS_HTTP_PORT
  FLIGHTDECK_CONSOLE_HTTP_PORT
)

edge_nginx() { nginx -p "$NGINX_DIR/" -e "$EDGE_LOG" "$@"; }

# nginx 1.25.1 replaced `listen ... http2` with the `http2 on` directive (Debian 12 has 1.22).
edge_detect_syntax() {
  local version major minor patch
  version=$(nginx -v 2>&1)
  version=${version#*nginx/}
  IFS=. read -r major minor patch <<<"${version%% *}"
  if ((major > 1 || (major == 1 && (minor > 25 || (minor == 25 && patch >= 1))))); then
    EDGE_GRPC_LISTEN_HTTP2="" EDGE_HTTP2_DIRECTIVE="http2 on;"
  else
    EDGE_GRPC_LISTEN_HTTP2=" http2" EDGE_HTTP2_DIRECTIVE=""
  fi
  # As root the workers would otherwise run as nobody, who may not reach var/ in the checkout.
  EDGE_USER_DIRECTIVE=""
  ((EUID != 0)) || EDGE_USER_DIRECTIVE="user $(id -un) $(id -gn);"
}

# Sets the TLS template values: empty (plaintext) unless a certificate is configured.
edge_detect_tls() {
  local cert=$FLIGHTDECK_EDGE_TLS_CERT key=$FLIGHTDECK_EDGE_TLS_KEY python="$ROOT_DIR/.venv/bin/python"
  EDGE_LISTEN_TLS="" EDGE_TLS_DIRECTIVES=""
  if [[ -z $cert && -z $key && $FLIGHTDECK_EDGE_TLS == self-signed ]]; then
    [[ -x $python ]] || python=python3
    "$python" "$LOCAL_DIR/tls.py" "$TLS_DIR" >/dev/null || die "edge: cannot generate certificates in $TLS_DIR"
    cert="$TLS_DIR/server.crt" key="$TLS_DIR/server.key"
  fi
  [[ -n $cert || -n $key ]] || return 0
  [[ -r $cert && -r $key ]] || die "edge: FLIGHTDECK_EDGE_TLS_CERT and _KEY must both name readable files"
  EDGE_LISTEN_TLS=" ssl"
  EDGE_TLS_DIRECTIVES="ssl_certificate \"$cert\"; ssl_certificate_key \"$key\"; ssl_protocols TLSv1.2 TLSv1.3;"
}

# Renders the config into $1 and checks it with `nginx -t`.
edge_render() {
  local output=$1 result
  edge_detect_syntax
  edge_detect_tls
  render_template "$LOCAL_DIR/nginx.conf.tmpl" "$output" "${EDGE_TEMPLATE_VARS[@]}"
  edge_add_replicas "$output"
  result=$(edge_nginx -t -c "$output" 2>&1) || { printf '%s\n' "$result" >&2; die "edge: nginx -t rejected $output"; }
}

# Every upstream gets the replicas services.py starts (FLIGHTDECK_REPLICAS): the same ports
# shifted by the step, so a template line names its service once whatever the count.
edge_add_replicas() {
  local output=$1 i line rendered=""
  ((FLIGHTDECK_REPLICAS > 1)) || return 0
  while IFS= read -r line; do
    if [[ $line =~ ^([[:space:]]*upstream[^{]*\{[[:space:]]*server[[:space:]]127\.0\.0\.1:)([0-9]+)(;.*)$ ]]; then
      line="${BASH_REMATCH[1]}${BASH_REMATCH[2]}${BASH_REMATCH[3]%%keepalive*}"
      for ((i = 1; i < FLIGHTDECK_REPLICAS; i++)); do
        line+="server 127.0.0.1:$((BASH_REMATCH[2] + i * FLIGHTDECK_REPLICA_PORT_STEP)); "
      done
      line+="keepalive 16; }"
    fi
    rendered+="$line"$'\n'
  done <"$output"
  printf '%s' "$rendered" >"$output"
}

edge_prepare() {
  mkdir -p "$NGINX_DIR/tmp"
  edge_render "$NGINX_CONF"
}

edge_launch() { spawn "$EDGE_LOG" nginx -p "$NGINX_DIR/" -e "$EDGE_LOG" -c "$NGINX_CONF"; }

# nginx itself must answer HTTP. An HTTP/1.1 request without Host gets its own 400, so the
# probe neither needs a service behind the edge nor leaves "upstream refused" in the log.
edge_probe() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$FLIGHTDECK_EDGE_HTTP_PORT" || exit 1
    printf 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n' >&3
    read -r -t 5 status_line <&3 || exit 1
    [[ $status_line =~ ^HTTP/1\.1\ 400 ]]
  ) 2>/dev/null
}

# A running edge picks up template or port changes with a graceful reload (same master pid).
edge_refresh() {
  local pid=$1
  edge_render "$NGINX_CONF.new"
  if cmp -s "$NGINX_CONF.new" "$NGINX_CONF"; then
    rm -f "$NGINX_CONF.new"
    return
  fi
  mv -f "$NGINX_CONF.new" "$NGINX_CONF"
  kill -HUP "$pid"
  say_component edge "config changed, reloaded (pid $pid)"
}
