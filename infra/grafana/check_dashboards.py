"""Checks the Grafana dashboards and their provisioning: each dashboard is
JSON with a unique uid and a title, its panels have unique ids, a type, a
title, a place on the 24-column grid and at least one query, every data
source a panel names is provisioned, and every metric the host serves
(metrics.txt) is on some dashboard. The queries themselves are checked by
infra/prometheus/check_queries.py.

    python3 check_dashboards.py DASHBOARD_DIR PROVISIONING_DIR METRICS
"""

import json
import sys
from pathlib import Path

import yaml

NO_QUERY = {"row", "text"}


def provisioned(provisioning):
    uids = set()
    for path in sorted((Path(provisioning) / "datasources").glob("*.yaml")):
        for source in yaml.safe_load(path.read_text()).get("datasources", []):
            uids.add(source["uid"])
    providers = []
    for path in sorted((Path(provisioning) / "dashboards").glob("*.yaml")):
        providers += yaml.safe_load(path.read_text()).get("providers", [])
    return uids, providers


def panels(items):
    for panel in items:
        yield panel
        yield from panels(panel.get("panels", []))


def check(path, uids, seen):
    problems = []
    try:
        board = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        return [f"not JSON: {e}"], ""
    uid, title = board.get("uid"), board.get("title")
    if not uid or not title:
        problems.append("needs a uid and a title")
    elif uid in seen:
        problems.append(f"uid {uid} is also {seen[uid]}'s")
    else:
        seen[uid] = path.name
    ids = set()
    text = ""
    for panel in panels(board.get("panels", [])):
        where = f"panel {panel.get('id')} '{panel.get('title')}'"
        if panel.get("id") in ids:
            problems.append(f"{where}: id used twice")
        ids.add(panel.get("id"))
        if not panel.get("type") or not panel.get("title"):
            problems.append(f"{where}: needs a type and a title")
        grid = panel.get("gridPos", {})
        if not all(isinstance(grid.get(k), int) for k in "hwxy") or grid["x"] + grid["w"] > 24:
            problems.append(f"{where}: gridPos must fit the 24-column grid")
        if panel.get("type") in NO_QUERY:
            continue
        targets = panel.get("targets", [])
        if not targets or not all(t.get("expr") for t in targets):
            problems.append(f"{where}: needs queries (expr)")
        for source in [panel.get("datasource")] + [t.get("datasource") for t in targets]:
            if isinstance(source, dict) and source.get("uid") not in uids:
                problems.append(f"{where}: data source {source.get('uid')} is not provisioned")
        text += " ".join(t.get("expr", "") for t in targets) + " "
    for variable in board.get("templating", {}).get("list", []):
        query = variable.get("query")
        text += (query.get("query", "") if isinstance(query, dict) else str(query or "")) + " "
    return problems, text


def main(dashboard_dir, provisioning, metrics_path):
    uids, providers = provisioned(provisioning)
    failed = not providers
    if not providers:
        print(f"  {provisioning}: no dashboard provider")
    seen, queries = {}, ""
    boards = sorted(Path(dashboard_dir).glob("*.json"))
    for path in boards:
        problems, text = check(path, uids, seen)
        queries += text
        for problem in problems:
            print(f"  {path.name}: {problem}")
        failed |= bool(problems)
        if not problems:
            print(f"  {path.name}: uid {json.loads(path.read_text())['uid']}, panels and data sources fine")
    served = [line.split()[0] for line in Path(metrics_path).read_text().splitlines()
              if line.strip() and not line.startswith("#")]
    missing = [name for name in served if name not in queries]
    if missing:
        print(f"  no dashboard shows {', '.join(missing)}")
        failed = True
    else:
        print(f"  all {len(served)} served metrics are on a dashboard; data sources provisioned: {', '.join(sorted(uids))}")
    return 1 if failed or not boards else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
