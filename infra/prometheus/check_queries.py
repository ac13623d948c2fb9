"""Checks the PromQL of the dashboards and the alert rules against the
metrics the host serves (metrics.txt beside this file): every metric name
is in the catalogue, a histogram is queried through its _bucket, _sum or
_count series, and every label a query matches or groups by is one the
metric has. Writes every dashboard query into a rules file, so that
`promtool check rules` parses them too.

    python3 check_queries.py METRICS ALERTS DASHBOARD_DIR OUT_RULES

Prints what it checked; exits 1 on the first file with a problem, after
listing all of that run's problems.
"""

import json
import re
import sys
from pathlib import Path

import yaml

# Labels every scraped series has, and a histogram bucket's bound.
SCRAPE_LABELS = {"job", "instance"}
# Series Prometheus makes itself.
PROMETHEUS_OWN = {"up": set()}
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "and", "or", "unless", "offset", "inf", "nan"}
GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
IDENT = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
# Grafana's variables, as values PromQL parses.
GRAFANA_VARS = [
    (re.compile(r"\$__rate_interval|\$\{__rate_interval\}"), "5m"),
    (re.compile(r"\$__interval|\$\{__interval\}"), "1m"),
    (re.compile(r"\$__range|\$\{__range\}"), "1h"),
    (re.compile(r"\$\{?\w+\}?"), ".*"),
]


def catalogue(path):
    """name -> (type, labels) from metrics.txt."""
    metrics = {}
    for line in Path(path).read_text().splitlines():
        line = line.split("#", 1)[0].split()
        if line:
            metrics[line[0]] = (line[1], set(line[2:]))
    return metrics


def series(metrics):
    """Every series name a query may use -> its labels."""
    names = {name: set(labels) for name, labels in PROMETHEUS_OWN.items()}
    for name, (kind, labels) in metrics.items():
        if kind == "histogram":
            names[name + "_bucket"] = labels | {"le"}
            names[name + "_sum"] = set(labels)
            names[name + "_count"] = set(labels)
        else:
            names[name] = set(labels)
    return {name: labels | SCRAPE_LABELS for name, labels in names.items()}


def grafana_to_promql(expr):
    for pattern, value in GRAFANA_VARS:
        expr = pattern.sub(value, expr)
    return expr


def problems_of(expr, known):
    """What is wrong with one PromQL expression, as sentences."""
    problems = []
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)
    text = re.sub(r"\[[^\]]*\]", "", text)
    grouped = set()
    for _, labels in GROUPING.findall(text):
        grouped |= {label.strip() for label in labels.split(",") if label.strip()}
    text = GROUPING.sub(" ", text)
    used, named = [], False
    # A selector: a name (not the tail of a number such as 1e3), maybe
    # followed by its matchers; or matchers alone.
    for match in re.finditer(r"(?<![\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?|(\{[^}]*\})", text):
        name, matchers = match.group(1), match.group(2) or match.group(3)
        after = text[match.end():].lstrip()
        if name and (name in KEYWORDS or (after.startswith("(") and not matchers)):
            continue
        labels = set(re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", matchers or ""))
        if name:
            named = True
            if name not in known:
                problems.append(f"`{name}` is not a metric the host serves (metrics.txt)")
                continue
            used.append(name)
            for label in sorted(labels - known[name]):
                problems.append(f"`{name}` has no label `{label}`")
    if used:
        available = set().union(*(known[n] for n in used))
        for label in sorted(grouped - available):
            problems.append(f"groups by `{label}`, which none of {sorted(set(used))} has")
    elif not named and not re.search(r"\bvector\s*\(", expr):
        problems.append("queries no metric")
    return problems


def label_values_query(query, known):
    """A Grafana variable's `label_values(metric{...}, label)`."""
    match = re.fullmatch(r"\s*label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*", query)
    if not match:
        return ["is not a label_values(metric, label) query"]
    selector, label = match.groups()
    problems = problems_of(grafana_to_promql(selector), known)
    name = selector.split("{", 1)[0].strip()
    if name in known and label not in known[name]:
        problems.append(f"`{name}` has no label `{label}`")
    return problems


def panels(items):
    for panel in items:
        yield panel
        yield from panels(panel.get("panels", []))


def uses_prometheus(datasource):
    return isinstance(datasource, dict) and datasource.get("type") == "prometheus"


def main(metrics_path, alerts_path, dashboard_dir, out_rules):
    known = series(catalogue(metrics_path))
    failed = False
    rules = []

    alerts = yaml.safe_load(Path(alerts_path).read_text())
    checked = 0
    for group in alerts["groups"]:
        for rule in group["rules"]:
            for problem in problems_of(rule["expr"], known):
                print(f"  {alerts_path}: {rule.get('alert') or rule.get('record')}: {problem}")
                failed = True
            checked += 1
    print(f"  {alerts_path}: {checked} rule expressions use served metrics only")

    for path in sorted(Path(dashboard_dir).glob("*.json")):
        board = json.loads(path.read_text())
        uid = board["uid"]
        count = 0
        for panel in panels(board.get("panels", [])):
            for target in panel.get("targets", []):
                ds = target.get("datasource") or panel.get("datasource")
                if not uses_prometheus(ds) or "expr" not in target:
                    continue
                where = f"{path.name}: panel {panel.get('id')} '{panel.get('title')}' {target.get('refId')}"
                expr = grafana_to_promql(target["expr"])
                for problem in problems_of(expr, known):
                    print(f"  {where}: {problem}")
                    failed = True
                record = "dashboard:" + re.sub(r"\W", "_", f"{uid}_panel{panel.get('id')}_{target.get('refId')}")
                rules.append({"record": record, "expr": expr})
                count += 1
        for variable in board.get("templating", {}).get("list", []):
            if variable.get("type") != "query" or not uses_prometheus(variable.get("datasource")):
                continue
            query = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
            for problem in label_values_query(query, known):
                print(f"  {path.name}: variable ${variable['name']}: {problem}")
                failed = True
            count += 1
        print(f"  {path.name}: {count} queries use served metrics and labels only")

    Path(out_rules).write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}, sort_keys=False))
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
