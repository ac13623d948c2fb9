#!/bin/sh
# Creates idempo's Kafka topics and their dead-letter topics with the
# settings of the seed's deployment document. The one list of topics: run by
# compose's `topics` service and by the Kubernetes Job `idempo-topics`, in
# the apache/kafka image (POSIX sh; its CLI tools are in KAFKA_BIN).
#
# Idempotent: a topic that exists (the host creates a missing one at first
# use) gets its retention and min.insync.replicas set again; one with
# another partition count is an error, since the host would refuse it.
#
# Reads, as the host does:
#   IDEMPO_KAFKA_BROKERS  the brokers (host:port[,...])
#   IDEMPO_CONFIG         the host's TOML file: partitions_per_topic,
#                         topic_prefix, replication_factor, default_game
# and KAFKA_BIN (default /opt/kafka/bin), KAFKA_WAIT_ATTEMPTS (default 60,
# 5 s apart) for a cluster that is still starting.
set -eu

# Topic, retention in ms, and the seed's retention in days. Each topic's
# dead letters go to `<topic>.dlq`, kept 14 days (the seed's `*.dlq` row).
TOPICS="
player-actions      604800000   7
match-events        2592000000  30
economy-events      2592000000  30
leaderboard-events  259200000   3
player-events       2592000000  30
"
DLQ_RETENTION_MS=1209600000

brokers="${IDEMPO_KAFKA_BROKERS:?set IDEMPO_KAFKA_BROKERS to the brokers, as for the host}"
config="${IDEMPO_CONFIG:?set IDEMPO_CONFIG to the TOML file of the host}"
bin="${KAFKA_BIN:-/opt/kafka/bin}"
attempts="${KAFKA_WAIT_ATTEMPTS:-60}"

# A scalar of the host's TOML file (each key used here is unique in it), or
# the host's default when the file leaves it out.
setting() {
  value="$(sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\"\{0,1\}\([^\"#[:space:]]*\).*/\1/p" "$config" | head -n 1)"
  echo "${value:-$2}"
}

partitions="$(setting partitions_per_topic 4)"
prefix="$(setting topic_prefix idempo.)"
replication="$(setting replication_factor 1)"
game="$(setting default_game default)"
# The seed: replication 3, min in-sync replicas 2. A single broker needs 1.
if [ "$replication" -gt 1 ]; then min_insync=$((replication - 1)); else min_insync=1; fi

echo "topics for game '$game' on $brokers: $partitions partitions, replication $replication, min.insync.replicas $min_insync"

tries=0
until "$bin/kafka-topics.sh" --bootstrap-server "$brokers" --list >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge "$attempts" ]; then
    echo "Kafka at $brokers did not answer after $attempts attempts" >&2
    exit 1
  fi
  sleep 5
done

ensure() {
  name="$1"
  retention_ms="$2"
  "$bin/kafka-topics.sh" --bootstrap-server "$brokers" --create --if-not-exists \
    --topic "$name" --partitions "$partitions" --replication-factor "$replication" \
    --config "retention.ms=$retention_ms" --config "min.insync.replicas=$min_insync" >/dev/null
  "$bin/kafka-configs.sh" --bootstrap-server "$brokers" --alter --entity-type topics \
    --entity-name "$name" --add-config "retention.ms=$retention_ms,min.insync.replicas=$min_insync" >/dev/null
  have="$("$bin/kafka-topics.sh" --bootstrap-server "$brokers" --describe --topic "$name" \
    | sed -n 's/.*PartitionCount:[[:space:]]*\([0-9]*\).*/\1/p' | head -n 1)"
  if [ "$have" != "$partitions" ]; then
    echo "topic $name has ${have:-no} partitions; the host expects $partitions (bus.partitions_per_topic)" >&2
    return 1
  fi
  echo "  $name: $partitions partitions, retention.ms=$retention_ms"
}

while read -r topic retention_ms _days; do
  [ -n "$topic" ] || continue
  ensure "$prefix$game.$topic" "$retention_ms"
  ensure "$prefix$game.$topic.dlq" "$DLQ_RETENTION_MS"
done <<TABLE
$TOPICS
TABLE
echo "topics ready"
