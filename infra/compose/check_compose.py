"""Checks what the compose-spec schema cannot see in compose.yaml: the
stack has its services (idempo in more than one replica, PostgreSQL, Kafka
in KRaft mode without ZooKeeper, the topic job, Prometheus, Grafana,
Jaeger, Loki), every dependency names a service, every file it mounts or
builds from exists, and every image has a pinned tag.

    python3 check_compose.py COMPOSE_FILE
"""

import sys
from pathlib import Path

import yaml

SERVICES = ["idempo", "postgres", "kafka", "topics", "prometheus", "grafana", "jaeger", "loki"]


def env(service):
    value = service.get("environment", {})
    if isinstance(value, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in value)
    return {k: str(v) for k, v in value.items()}


def main(path):
    path = Path(path)
    here = path.parent
    services = yaml.safe_load(path.read_text())["services"]
    problems = []
    for name in SERVICES:
        if name not in services:
            problems.append(f"no service `{name}`")
    for name, service in services.items():
        image = service.get("image", "")
        tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
        if not tag or tag == "latest":
            problems.append(f"{name}: image `{image}` needs a pinned tag")
        depends = service.get("depends_on", [])
        for dep in depends if isinstance(depends, list) else depends.keys():
            if dep not in services:
                problems.append(f"{name}: depends on unknown service `{dep}`")
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source", "")
            if source.startswith((".", "/")) and not source.startswith("/var/run/"):
                if not (here / source).exists():
                    problems.append(f"{name}: mounts {source}, which does not exist")
        build = service.get("build")
        if build:
            context = here / (build if isinstance(build, str) else build.get("context", "."))
            dockerfile = context / (build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile")
            if not dockerfile.is_file():
                problems.append(f"{name}: builds from {dockerfile}, which does not exist")
    host = services.get("idempo", {})
    if host.get("deploy", {}).get("replicas", 1) < 2:
        problems.append("idempo: needs more than one replica (deploy.replicas)")
    kafka = env(services.get("kafka", {}))
    if "controller" not in kafka.get("KAFKA_PROCESS_ROLES", ""):
        problems.append("kafka: must run in KRaft mode (KAFKA_PROCESS_ROLES with controller)")
    if any("zookeeper" in str(s.get("image", "")) or "ZOOKEEPER" in str(env(s)) for s in services.values()):
        problems.append("no ZooKeeper: Kafka runs in KRaft mode")
    for problem in problems:
        print(f"  {path.name}: {problem}")
    if not problems:
        print(f"  {path.name}: {len(services)} services ({', '.join(services)}); "
              f"{host['deploy']['replicas']} idempo replicas; dependencies, mounts and image tags fine")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
