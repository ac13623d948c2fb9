"""Checks the conventions of the alert rules: each alert has a severity
(warning or critical), a summary and a `runbook` annotation of one line
that says what to check and do, and the events, resilience and HTTP
signals each have an alert. Also writes a copy of the rules without
annotations for `promtool test rules` (alerts_test.yml does not repeat
the runbook text).

    python3 check_alerts.py ALERTS OUT_RULES_WITHOUT_ANNOTATIONS
"""

import sys
from pathlib import Path

import yaml

SEVERITIES = {"warning", "critical"}
# What must be alerted on, and the series that shows it.
REQUIRED = {
    "dead letters growing": "dlq_message_count_total",
    "consumer lag": "kafka_consumer_lag",
    "a breaker that stays open": "circuit_breaker_state",
    "saga failures": "saga_duration_seconds_count",
    "the 5xx ratio": "http_request_duration_seconds_count",
}


def main(alerts_path, out_path):
    doc = yaml.safe_load(Path(alerts_path).read_text())
    problems, names, exprs = [], [], []
    for group in doc["groups"]:
        for rule in group["rules"]:
            name = rule.get("alert")
            if not name:
                continue
            names.append(name)
            exprs.append(rule["expr"])
            annotations = rule.get("annotations", {})
            runbook = annotations.get("runbook", "").strip()
            if not runbook or "\n" in runbook:
                problems.append(f"{name}: needs a `runbook` annotation of one line")
            if not annotations.get("summary"):
                problems.append(f"{name}: needs a `summary` annotation")
            if rule.get("labels", {}).get("severity") not in SEVERITIES:
                problems.append(f"{name}: severity must be one of {sorted(SEVERITIES)}")
            rule.pop("annotations", None)
    if len(set(names)) != len(names):
        problems.append("two alerts share a name")
    for what, metric in REQUIRED.items():
        if not any(metric in expr for expr in exprs):
            problems.append(f"no alert on {what} ({metric})")
    if "5.." not in "".join(e for e in exprs if "http_request_duration_seconds_count" in e):
        problems.append("no alert on the 5xx ratio")
    for problem in problems:
        print(f"  {alerts_path}: {problem}")
    print(f"  {alerts_path}: {len(names)} alerts, each with severity, summary and a one-line runbook"
          if not problems else f"  {alerts_path}: {len(problems)} problems")
    Path(out_path).write_text(yaml.safe_dump(doc, sort_keys=False))
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
