# Kafka (KRaft, one combined broker+controller node) run straight from Maven Central jars.
# shellcheck shell=bash disable=SC2034 # its tables and template values are read by lib.sh

KAFKA_DIR="$VAR_DIR/kafka"
KAFKA_LIB="$KAFKA_DIR/lib"
KAFKA_DATA_DIR="$KAFKA_DIR/data"
KAFKA_PROPERTIES="$KAFKA_DIR/server.properties"
KAFKA_POM="$LOCAL_DIR/kafka/pom.xml"
: "${FLIGHTDECK_KAFKA_HEAP_OPTS:=-Xms256m -Xmx512m}"

PORTS["kafka"]="$FLIGHTDECK_KAFKA_PORT $FLIGHTDECK_KAFKA_CONTROLLER_PORT"
MARKER["kafka"]="$KAFKA_PROPERTIES"
PROGRAM["kafka"]=java
LOGS["kafka"]="$LOG_DIR/kafka.out.log $LOG_DIR/kafka.log"
READY_TIMEOUT["kafka"]=90
STOP_TIMEOUT["kafka"]=60

kafka_version() { sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_POM"; }

# Resolves the pinned jars into var/kafka/lib once; ~/.m2 keeps later resolutions offline.
kafka_fetch_jars() {
  local version
  version=$(kafka_version)
  [[ -f $KAFKA_LIB/kafka_2.13-$version.jar ]] && return
  say_component kafka "fetching Kafka $version jars (maven)"
  rm -rf "$KAFKA_LIB" "$KAFKA_LIB.tmp"
  mvn -B -q -f "$KAFKA_POM" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIB.tmp" >"$LOG_DIR/kafka-maven.log" 2>&1 ||
    { tail -n 40 "$LOG_DIR/kafka-maven.log" >&2; die "kafka: maven could not resolve $KAFKA_POM"; }
  mv "$KAFKA_LIB.tmp" "$KAFKA_LIB"
}

# A JVM for Kafka's command-line tools: quick to start, logging warnings to stderr only.
KAFKA_TOOL=(java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC
  -Dlog4j2.configurationFile="file:$LOCAL_DIR/kafka/tools-log4j2.properties" -cp "$KAFKA_LIB/*")

kafka_format() {
  local cluster_id
  [[ -f $KAFKA_DATA_DIR/meta.properties ]] && return
  cluster_id=$("${KAFKA_TOOL[@]}" kafka.tools.StorageTool random-uuid)
  say_component kafka "formatting storage (cluster $cluster_id)"
  "${KAFKA_TOOL[@]}" kafka.tools.StorageTool format --standalone --cluster-id "$cluster_id" \
    --config "$KAFKA_PROPERTIES" >>"$LOG_DIR/kafka.out.log" 2>&1 ||
    { show_logs kafka; die "kafka: formatting $KAFKA_DATA_DIR failed"; }
}

kafka_prepare() {
  mkdir -p "$KAFKA_DATA_DIR"
  kafka_fetch_jars
  render_template "$LOCAL_DIR/kafka/server.properties.tmpl" "$KAFKA_PROPERTIES" \
    FLIGHTDECK_KAFKA_PORT FLIGHTDECK_KAFKA_CONTROLLER_PORT KAFKA_DATA_DIR
  kafka_format
}

kafka_launch() {
  # shellcheck disable=SC2086 # the heap options are a list of flags
  spawn "$LOG_DIR/kafka.out.log" java $FLIGHTDECK_KAFKA_HEAP_OPTS \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dkafka.logs.dir="$LOG_DIR" \
    -Dlog4j2.configurationFile="file:$LOCAL_DIR/kafka/log4j2.properties" \
    -cp "$KAFKA_LIB/*" kafka.Kafka "$KAFKA_PROPERTIES"
}

# Open ports are not enough: the broker must answer a metadata request.
kafka_probe() {
  timeout 30 "${KAFKA_TOOL[@]}" org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "127.0.0.1:$FLIGHTDECK_KAFKA_PORT" --list >/dev/null 2>&1
}
