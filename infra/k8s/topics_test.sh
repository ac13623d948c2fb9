#!/usr/bin/env bash
# Tests base/topics.sh against stand-ins for Kafka's CLI tools that record
# their arguments: the topics it creates for the base and the cloud
# settings, and its refusal of a topic with another partition count.
#
#   infra/k8s/topics_test.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The stand-ins: every call is logged; --describe reports STUB_PARTITIONS.
for tool in kafka-topics.sh kafka-configs.sh; do
  cat >"$work/$tool" <<'STUB'
#!/bin/sh
echo "$(basename "$0") $*" >>"$STUB_LOG"
case " $* " in
  *" --describe "*) printf 'Topic: x\tTopicId: y\tPartitionCount: %s\tReplicationFactor: 1\n' "$STUB_PARTITIONS" ;;
esac
STUB
  chmod +x "$work/$tool"
done

run() { # settings-file partitions-reported
  : >"$work/log"
  STUB_LOG="$work/log" STUB_PARTITIONS="$2" KAFKA_BIN="$work" \
    IDEMPO_KAFKA_BROKERS=broker:9092 IDEMPO_CONFIG="$1" sh "$here/base/topics.sh" >"$work/out" 2>&1
}

fail() { echo "  topics.sh: $*" >&2; cat "$work/out" >&2; exit 1; }

expect() { # pattern, what it means
  grep -qE -- "$1" "$work/log" || fail "$2 (no call matching: $1)"
}

run "$here/base/idempo.toml" 12 || fail "failed on the base settings"
created="$(grep -c -- '--create' "$work/log")"
[ "$created" = 10 ] || fail "created $created topics, not 10 (5 topics and their .dlq)"
for topic in player-actions match-events economy-events leaderboard-events player-events; do
  expect "--create .*--topic idempo\.default\.$topic --partitions 12 --replication-factor 1 " "creates $topic"
  expect "--create .*--topic idempo\.default\.$topic\.dlq --partitions 12 " "creates $topic.dlq"
done
expect "--topic idempo\.default\.player-actions .*retention\.ms=604800000" "player-actions keeps 7 days"
expect "--topic idempo\.default\.match-events .*retention\.ms=2592000000" "match-events keeps 30 days"
expect "--topic idempo\.default\.economy-events .*retention\.ms=2592000000" "economy-events keeps 30 days"
expect "--topic idempo\.default\.leaderboard-events .*retention\.ms=259200000 " "leaderboard-events keeps 3 days"
expect "--topic idempo\.default\.player-events .*retention\.ms=2592000000" "player-events keeps 30 days"
expect "--topic idempo\.default\.match-events\.dlq .*retention\.ms=1209600000" "dead letters keep 14 days"
expect "--alter .*--entity-name idempo\.default\.match-events --add-config retention\.ms=2592000000,min\.insync\.replicas=1" \
  "an existing topic gets its settings again"
echo "  topics.sh (base): 10 topics, 12 partitions, replication 1, the seed's retention"

run "$here/overlays/cloud/idempo.toml" 12 || fail "failed on the cloud settings"
expect "--create .*--replication-factor 3 .*min\.insync\.replicas=2" "the cloud has replication 3, min in-sync 2"
echo "  topics.sh (cloud): replication 3, min.insync.replicas 2"

if run "$here/base/idempo.toml" 4; then
  fail "accepted a topic with 4 partitions where the host expects 12"
fi
grep -q "the host expects 12" "$work/out" || fail "did not say why it refused the partition count"
echo "  topics.sh: refuses an existing topic with another partition count"
