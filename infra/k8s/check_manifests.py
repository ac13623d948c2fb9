"""Checks what a schema cannot see in a rendered overlay (the output of
`kubectl kustomize`): the hosts' Deployment has its probes (/healthz,
/readyz), resource requests and a memory limit, and its settings from a
ConfigMap and a Secret; every ConfigMap and Secret a pod names exists
(or is one the overlay says is managed outside); the Service, the
autoscaler and the disruption budget select or target the hosts; the
topic Job runs topics.sh; every image has a pinned tag.

    python3 check_manifests.py RENDERED_YAML [--external SECRET...]
"""

import sys
from pathlib import Path

import yaml


def pod_specs(docs):
    for doc in docs:
        spec = doc.get("spec", {})
        if doc["kind"] in ("Deployment", "StatefulSet", "Job"):
            yield doc, spec["template"]["spec"], spec["template"]["metadata"].get("labels", {})


def references(pod):
    """(kind, name) of every ConfigMap and Secret a pod spec uses."""
    refs = set()
    for volume in pod.get("volumes", []):
        if "configMap" in volume:
            refs.add(("ConfigMap", volume["configMap"]["name"]))
        if "secret" in volume:
            refs.add(("Secret", volume["secret"]["secretName"]))
    for container in pod.get("containers", []) + pod.get("initContainers", []):
        for source in container.get("envFrom", []):
            if "configMapRef" in source:
                refs.add(("ConfigMap", source["configMapRef"]["name"]))
            if "secretRef" in source:
                refs.add(("Secret", source["secretRef"]["name"]))
        for var in container.get("env", []):
            ref = var.get("valueFrom", {})
            if "configMapKeyRef" in ref:
                refs.add(("ConfigMap", ref["configMapKeyRef"]["name"]))
            if "secretKeyRef" in ref:
                refs.add(("Secret", ref["secretKeyRef"]["name"]))
    return refs


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def main(path, external):
    docs = [d for d in yaml.safe_load_all(Path(path).read_text()) if d]
    names = {(d["kind"], d["metadata"]["name"]) for d in docs}
    problems = []
    hosts = None
    for doc, pod, labels in pod_specs(docs):
        where = f"{doc['kind']}/{doc['metadata']['name']}"
        for kind, name in sorted(references(pod)):
            if (kind, name) not in names and name not in external:
                problems.append(f"{where}: uses {kind} {name}, which is not rendered")
        for container in pod["containers"]:
            image = container["image"]
            if ":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest"):
                problems.append(f"{where}: image {image} needs a pinned tag")
        if doc["kind"] == "Deployment" and doc["metadata"]["name"] == "idempo":
            hosts = (doc, labels)
            host = pod["containers"][0]
            if host.get("livenessProbe", {}).get("httpGet", {}).get("path") != "/healthz":
                problems.append(f"{where}: needs a liveness probe on /healthz")
            if host.get("readinessProbe", {}).get("httpGet", {}).get("path") != "/readyz":
                problems.append(f"{where}: needs a readiness probe on /readyz")
            resources = host.get("resources", {})
            if not {"cpu", "memory"} <= set(resources.get("requests", {})) or "memory" not in resources.get("limits", {}):
                problems.append(f"{where}: needs cpu and memory requests and a memory limit")
            sources = {next(iter(s)) for s in host.get("envFrom", [])}
            if sources != {"configMapRef", "secretRef"}:
                problems.append(f"{where}: takes its settings from a ConfigMap and a Secret (envFrom)")
            if "replicas" in doc["spec"]:
                problems.append(f"{where}: the autoscaler owns the replica count; remove spec.replicas")
        if doc["kind"] == "Job" and "topics.sh" not in " ".join(pod["containers"][0].get("command", [])):
            problems.append(f"{where}: should run topics.sh")
    if not hosts:
        problems.append("no Deployment idempo")
    else:
        deployment, labels = hosts
        kinds = {d["kind"]: d for d in docs if d["metadata"]["name"] == "idempo"}
        service, hpa, pdb = kinds.get("Service"), kinds.get("HorizontalPodAutoscaler"), kinds.get("PodDisruptionBudget")
        if not service or not selects(service["spec"].get("selector"), labels):
            problems.append("Service idempo must select the hosts")
        if not pdb or not selects(pdb["spec"].get("selector", {}).get("matchLabels"), labels):
            problems.append("PodDisruptionBudget idempo must select the hosts")
        if not hpa or hpa["spec"]["scaleTargetRef"]["name"] != "idempo":
            problems.append("HorizontalPodAutoscaler idempo must target the Deployment")
        elif not 2 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]:
            problems.append("HorizontalPodAutoscaler idempo: 2 <= minReplicas <= maxReplicas")
        if not any(d["kind"] == "Job" for d in docs):
            problems.append("no topic Job")
    for problem in problems:
        print(f"  {Path(path).name}: {problem}")
    if not problems:
        print(f"  {Path(path).name}: {len(docs)} resources; probes, resources, references, selectors and image tags fine"
              f" (hosts {hpa['spec']['minReplicas']} to {hpa['spec']['maxReplicas']})")
    return 1 if problems else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    rest = args[1:]
    external = rest[1:] if rest[:1] == ["--external"] else []
    sys.exit(main(args[0], set(external)))
