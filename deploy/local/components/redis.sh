# Redis from Debian's redis-server package, with a config of our own.
# shellcheck shell=bash disable=SC2034 # its tables and template values are read by lib.sh

REDIS_DIR="$VAR_DIR/redis"
REDIS_CONF="$REDIS_DIR/redis.conf"
REDIS_PID_FILE="$RUN_DIR/redis.pid"
REDIS_LOG="$LOG_DIR/redis.log"
: "${FLIGHTDECK_REDIS_APPENDFSYNC:=everysec}"

PORTS["redis"]="$FLIGHTDECK_REDIS_PORT"
MARKER["redis"]="$REDIS_CONF"
PROGRAM["redis"]=redis-server
LOGS["redis"]="$REDIS_LOG"
READY_TIMEOUT["redis"]=20
STOP_TIMEOUT["redis"]=15

redis_prepare() {
  mkdir -p "$REDIS_DIR"
  render_template "$LOCAL_DIR/redis.conf.tmpl" "$REDIS_CONF" \
    FLIGHTDECK_REDIS_PORT FLIGHTDECK_REDIS_APPENDFSYNC REDIS_DIR REDIS_PID_FILE REDIS_LOG
}

redis_launch() { spawn "$REDIS_LOG" redis-server "$REDIS_CONF"; }

redis_probe() {
  [[ $(redis-cli -h 127.0.0.1 -p "$FLIGHTDECK_REDIS_PORT" ping 2>/dev/null) == PONG ]]
}
