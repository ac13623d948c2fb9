"""Checks that the settings the deployment files give the host are ones it
reads: every IDEMPO_* variable (compose `environment`, Kubernetes `env` and
ConfigMap or Secret data) is a flag of host/src/main.rs, and every key of
a TOML file is a field of the host's configuration (host/src), which
refuses unknown keys at start. Notes, without failing, the probe paths the
host does not serve yet.

    python3 check_host_settings.py HOST_SRC --yaml FILE... --toml FILE...
        --env-text FILE... --paths PATH...

`--env-text` files (a Dockerfile) are read for `IDEMPO_NAME=`.
"""

import re
import sys
import tomllib
from pathlib import Path

import yaml


def host_flags(src):
    return set(re.findall(r'env\s*=\s*"(IDEMPO_[A-Z_]+)"', (src / "main.rs").read_text()))


def host_fields(src):
    fields = set()
    for path in src.rglob("*.rs"):
        fields |= set(re.findall(r"\bpub\s+([a-z_][a-z0-9_]*)\s*:", path.read_text()))
    return fields


def variables(doc):
    """Every environment variable name a compose or Kubernetes document sets."""
    names = set()
    if not isinstance(doc, dict):
        return names
    for service in (doc.get("services") or {}).values():
        value = service.get("environment", {})
        names |= {v.split("=", 1)[0] for v in value} if isinstance(value, list) else set(value)
    if doc.get("kind") in ("ConfigMap", "Secret"):
        names |= set(doc.get("data") or {}) | set(doc.get("stringData") or {})
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for item in node.get("env", []) if isinstance(node.get("env"), list) else []:
                names.add(item.get("name", ""))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return names


def toml_keys(table, prefix=""):
    for key, value in table.items():
        yield prefix + key, key
        if isinstance(value, dict):
            yield from toml_keys(value, prefix + key + ".")


def main(argv):
    src = Path(argv[0])
    groups, current = {"--yaml": [], "--toml": [], "--env-text": [], "--paths": []}, None
    for arg in argv[1:]:
        if arg in groups:
            current = arg
        else:
            groups[current].append(arg)
    flags, fields = host_flags(src), host_fields(src)
    problems = []
    used = set()
    for path in groups["--yaml"]:
        for doc in yaml.safe_load_all(Path(path).read_text()):
            for name in variables(doc):
                if name.startswith("IDEMPO_"):
                    used.add(name)
                    if name not in flags:
                        problems.append(f"{path}: IDEMPO variable {name} is not a flag of the host (host/src/main.rs)")
    for path in groups["--env-text"]:
        for name in re.findall(r"\b(IDEMPO_[A-Z_]+)=", Path(path).read_text()):
            used.add(name)
            if name not in flags:
                problems.append(f"{path}: IDEMPO variable {name} is not a flag of the host (host/src/main.rs)")
    for path in groups["--toml"]:
        for dotted, key in toml_keys(tomllib.loads(Path(path).read_text())):
            if key not in fields:
                problems.append(f"{path}: `{dotted}` is not a setting of the host")
    for problem in problems:
        print(f"  {problem}")
    if not problems:
        print(f"  host settings: {len(used)} IDEMPO variables are flags of the host ({', '.join(sorted(used))}); "
              f"{len(groups['--toml'])} TOML files use its settings only")
    served = " ".join(p.read_text() for p in src.rglob("*.rs"))
    for path in groups["--paths"]:
        if f'"{path}"' not in served:
            print(f"  note: the host does not serve {path} yet; the manifests expect it")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1:]))
