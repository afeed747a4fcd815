# Shared by deploy/local/{up,down,status}: paths, ports, process bookkeeping and readiness.
# Each component (components/<name>.sh) registers its facts in the tables below and defines
# <name>_prepare (install + generate config), <name>_launch (start in the background and
# print the pid) and optionally <name>_probe (a deeper readiness check than open ports) and
# <name>_refresh (called by `up` when it is already running).
# shellcheck shell=bash

LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(cd "$LOCAL_DIR/../.." && pwd)"
VAR_DIR="$ROOT_DIR/var"
LOG_DIR="$VAR_DIR/log"
RUN_DIR="$VAR_DIR/run"
BIN_DIR="$VAR_DIR/bin"

# nginx lives in /usr/sbin, which a non-login shell may not have on its PATH.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin:/sbin" ;; esac

# shellcheck source=ports.env
source "$LOCAL_DIR/ports.env"

ALL_COMPONENTS=(kafka ferretdb redis edge jaeger s3)
# What up/down/status act on when no component is named; s3 (SeaweedFS) only on request.
DEFAULT_COMPONENTS=(kafka ferretdb redis edge jaeger)
[[ ${FLIGHTDECK_LOCAL_S3:-0} != 1 ]] || DEFAULT_COMPONENTS+=(s3)

declare -A PORTS=()         # ports that must all answer, the first one is shown by status
declare -A MARKER=()        # a string only our process has in /proc/<pid>/cmdline
declare -A PROGRAM=()       # basename of argv[0] (nginx retitles its master to "nginx: ...")
declare -A LOGS=()          # logs whose tail is shown when the component fails
# shellcheck disable=SC2034 # read by up
declare -A READY_TIMEOUT=() # seconds
declare -A STOP_TIMEOUT=()  # seconds before SIGKILL

for _component in "${ALL_COMPONENTS[@]}"; do
  # shellcheck source=/dev/null
  source "$LOCAL_DIR/components/$_component.sh"
done
unset _component

# --- output ----------------------------------------------------------------------------------

say() { printf '[%s] %s\n' "$SCRIPT" "$*"; }
say_component() { printf '[%s] %-8s ... %s\n' "$SCRIPT" "$1" "$2"; }
die() {
  printf '[%s] error: %s\n' "$SCRIPT" "$*" >&2
  exit 1
}

declare -A LOG_START=() # log -> byte offset (1-based) where this run's lines begin

# Remembers where a component's logs end, so a failure shows only what this run wrote.
mark_logs() {
  local log size
  for log in ${LOGS[$1]}; do
    size=$(stat -c %s "$log" 2>/dev/null || echo 0)
    LOG_START[$log]=$((size + 1))
  done
}

show_logs() {
  local log start lines
  for log in ${LOGS[$1]}; do
    [[ -s $log ]] || continue
    start=${LOG_START[$log]:-1}
    (($(stat -c %s "$log") + 1 >= start)) || start=1 # rotated since marked
    lines=$(tail -c "+$start" "$log" | tail -n 40)
    [[ -n $lines ]] || continue
    printf '[%s] --- last lines of %s ---\n%s\n' "$SCRIPT" "$log" "$lines" >&2
  done
}

# --- arguments -------------------------------------------------------------------------------

# Sets COMPONENTS to the requested components (the defaults when none is given).
select_components() {
  local c
  (($#)) || set -- "${DEFAULT_COMPONENTS[@]}"
  COMPONENTS=()
  for c in "$@"; do
    case $c in
      -h | --help)
        sed -n 's/^#   //p' "$0"
        exit 0
        ;;
    esac
    [[ -n ${PORTS[$c]:-} ]] || die "unknown component '$c' (known: ${ALL_COMPONENTS[*]})"
    COMPONENTS+=("$c")
  done
}

# --- processes -------------------------------------------------------------------------------

pid_file() { printf '%s/%s.pid\n' "$RUN_DIR" "$1"; }

# Alive means present and not a zombie: a zombie whose parent never reaps it still answers kill -0.
pid_alive() {
  local stat
  [[ $1 =~ ^[0-9]+$ ]] || return 1
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

process_group() {
  local stat fields
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  read -ra fields <<<"${stat##*) }"
  printf '%s\n' "${fields[2]}"
}

# True when pid $2 is component $1 started by these scripts for this checkout.
is_ours() {
  local c=$1 pid=$2 args=() first
  pid_alive "$pid" || return 1
  mapfile -d '' args 2>/dev/null <"/proc/$pid/cmdline" || return 1
  ((${#args[@]})) || return 1
  [[ "${args[*]}" == *"${MARKER[$c]}"* ]] || return 1
  first=${args[0]%% *}
  first=${first##*/}
  [[ $first == "${PROGRAM[$c]}" || $first == "${PROGRAM[$c]}:" ]]
}

# Prints the pid from the pid file when that process is alive and ours.
recorded_pid() {
  local file pid=""
  file=$(pid_file "$1")
  [[ -r $file ]] && read -r pid <"$file"
  if [[ -n $pid ]] && is_ours "$1" "$pid"; then
    printf '%s\n' "$pid"
  fi
}

# Prints every process of ours for a component, with or without a pid file (e.g. deleted).
ours_pids() {
  local c=$1 dir pid
  for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    if is_ours "$c" "$pid"; then printf '%s\n' "$pid"; fi
  done
}

group_members() {
  local dir pid
  for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    if pid_alive "$pid" && [[ $(process_group "$pid" 2>/dev/null) == "$1" ]]; then
      printf '%s\n' "$pid"
    fi
  done
}

# Waits up to $2 seconds for pid $1 to exit.
wait_gone() {
  local pid=$1 deadline=$((SECONDS + $2))
  while pid_alive "$pid"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# Starts a command in its own session, detached from the terminal; prints its pid. The
# server must not inherit the stack lock's descriptor, or it would hold the lock forever.
spawn() {
  local log=$1
  shift
  setsid "$@" </dev/null >>"$log" 2>&1 9>&- &
  printf '%s\n' "$!"
}

# Serialises up and down, so two callers never start or stop the same component at once.
lock_stack() {
  mkdir -p "$RUN_DIR"
  exec 9>"$RUN_DIR/stack.lock"
  flock -w 300 9 || die "another deploy/local up/down has held $RUN_DIR/stack.lock for 300s"
}

# Stops pid $2 of component $1: SIGTERM, then SIGKILL after its stop timeout. A process we
# started leads its own session, so anything left in that process group (nginx workers, a
# redis rewrite child) goes too.
stop_pid() {
  local c=$1 pid=$2 group
  group=$(process_group "$pid" 2>/dev/null || true)
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_gone "$pid" "${STOP_TIMEOUT[$c]}"; then
    say_component "$c" "still running after ${STOP_TIMEOUT[$c]}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 10 || die "$c: pid $pid survived SIGKILL"
  fi
  [[ $group == "$pid" ]] || return 0
  local member
  for member in $(group_members "$group"); do
    kill -KILL "$member" 2>/dev/null || true
    wait_gone "$member" 10 || die "$c: pid $member (group $group) survived SIGKILL"
  done
}

# Stops every process of ours for component $1 (the pid file's first) and removes the pid
# file; returns 1 when nothing was running.
stop_component() {
  local c=$1 pid found=1
  for pid in $(recorded_pid "$c") $(ours_pids "$c"); do
    pid_alive "$pid" || continue
    say_component "$c" "stopping (pid $pid)"
    stop_pid "$c" "$pid"
    found=0
  done
  rm -f "$(pid_file "$c")"
  return "$found"
}

# --- ports -----------------------------------------------------------------------------------

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

ports_open() {
  local port
  for port in ${PORTS[$1]}; do port_open "$port" || return 1; done
}

port_label() {
  local ports=${PORTS[$1]}
  if [[ $ports == *" "* ]]; then printf 'ports %s\n' "${ports// /,}"; else printf 'port %s\n' "$ports"; fi
}

# --- templates -------------------------------------------------------------------------------

# render_template TEMPLATE OUTPUT NAME...: replaces each @NAME@ with the value of $NAME.
render_template() {
  local template=$1 output=$2 content name
  shift 2
  content=$(<"$template")
  for name in "$@"; do
    content=${content//"@${name}@"/"${!name}"}
  done
  if [[ $content =~ @[A-Z][A-Z0-9_]*@ ]]; then
    die "$template: no value for ${BASH_REMATCH[0]}"
  fi
  printf '%s\n' "$content" >"$output.tmp"
  mv -f "$output.tmp" "$output"
}

# --- system packages -------------------------------------------------------------------------

# Installs Debian packages; a temporary policy-rc.d keeps apt from starting the system's own
# redis/nginx services on their default ports.
apt_install() {
  local policy=/usr/sbin/policy-rc.d created="" rc=0
  ((EUID == 0)) || die "missing packages ($*): run as root or install them first"
  say "installing $* (apt-get)"
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    created=1
  fi
  {
    DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  } || rc=$?
  [[ -z $created ]] || rm -f "$policy"
  ((rc == 0)) || die "apt-get install $* failed"
}

# need COMMAND PACKAGE: prints PACKAGE when COMMAND is missing.
need() { command -v "$1" >/dev/null 2>&1 || printf '%s\n' "$2"; }

ensure_packages() {
  local c missing=()
  for c in "$@"; do
    case $c in
      kafka) mapfile -t -O "${#missing[@]}" missing < <(need java openjdk-17-jre-headless; need mvn maven) ;;
      ferretdb) command -v go >/dev/null 2>&1 || [[ -x $BIN_DIR/ferretdb ]] ||
        die "ferretdb needs Go >= 1.24 to build (https://go.dev/doc/install)" ;;
      redis) mapfile -t -O "${#missing[@]}" missing < <(need redis-server redis-server; need redis-cli redis-tools) ;;
      edge) mapfile -t -O "${#missing[@]}" missing < <(need nginx nginx) ;;
      jaeger) command -v go >/dev/null 2>&1 || [[ -x $BIN_DIR/jaeger ]] ||
        die "jaeger needs Go >= 1.24 to build (https://go.dev/doc/install)" ;;
      s3) command -v go >/dev/null 2>&1 || [[ -x $BIN_DIR/weed ]] ||
        die "s3 needs Go >= 1.26 to build SeaweedFS (https://go.dev/doc/install)" ;;
    esac
  done
  ((${#missing[@]})) || return 0
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  apt_install "${missing[@]}"
}

make_dirs() { mkdir -p "$LOG_DIR" "$RUN_DIR" "$BIN_DIR"; }
