#!/usr/bin/env python3
"""Checks deploy/ without Docker or a cluster: the YAML parses, every path a Dockerfile copies exists in the
repository, every Pax__… setting the manifests pass names a real option, and the three compose nodes differ only where
they must. Run from the repository root: python3 deploy/check.py  (needs PyYAML: Debian's python3-yaml)."""
import pathlib, re, sys
import yaml

root = pathlib.Path(__file__).resolve().parent.parent
problems = []

def load_all(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]

# 1. YAML parses; collect every environment variable name the manifests set.
env_names = set()
compose = load_all(root / "deploy/compose.yaml")[0]
for name, service in compose["services"].items():
    env_names.update((service.get("environment") or {}).keys())
k8s_docs = []
for path in sorted((root / "deploy/k8s").glob("*.yaml")):
    docs = load_all(path)
    k8s_docs += docs
    for doc in docs:
        if doc.get("kind") == "ConfigMap":
            env_names.update(doc["data"].keys())
        for container in (doc.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])):
            env_names.update(e["name"] for e in container.get("env", []))

# 2. Every Pax__Section__Key names a property of an options class (C# source: "public <type> <Key> { get; set; }").
sources = "\n".join(p.read_text() for p in (root / "src").rglob("*.cs"))
for name in sorted(n for n in env_names if n.startswith("Pax__")):
    key = name.split("__")[-1]
    if not re.search(r"public [\w<>?,\[\] ]+ " + re.escape(key) + r" \{ get; set; \}", sources):
        problems.append(f"{name}: no option property named {key}")

# 3. Dockerfiles: every COPY source (not --from) exists, every project they restore or publish exists.
for dockerfile in sorted((root / "deploy/docker").glob("*.Dockerfile")):
    for line in dockerfile.read_text().splitlines():
        parts = line.split()
        if parts[:1] == ["COPY"] and not any(p.startswith("--from") for p in parts):
            for source in parts[1:-1]:
                if not (root / source).exists():
                    problems.append(f"{dockerfile.name}: COPY {source} does not exist")
        for project in re.findall(r"dotnet (?:restore|publish) (\S+\.csproj)", line):
            if not (root / project).exists():
                problems.append(f"{dockerfile.name}: {project} does not exist")

# 4. Compose: the nodes advertise their own fixed address; the mounted files exist.
nodes = {n: s for n, s in compose["services"].items() if n.startswith("node")}
addresses = {n: s["environment"]["Pax__Orleans__AdvertisedAddress"] for n, s in nodes.items()}
for n, s in nodes.items():
    if s["networks"]["pax"]["ipv4_address"] != addresses[n]:
        problems.append(f"{n}: advertises {addresses[n]} but has another address")
if len(set(addresses.values())) != len(nodes):
    problems.append("two nodes advertise the same address")
for service in compose["services"].values():
    for volume in service.get("volumes", []):
        source = volume.split(":")[0]
        if source.startswith(".") and not (root / "deploy" / source).exists():
            problems.append(f"compose mounts {source}, which does not exist")

# 5. Kubernetes: probes on the right paths, graceful shutdown, the pod IP advertised.
deployment = next(d for d in k8s_docs if d["kind"] == "Deployment")
pod = deployment["spec"]["template"]["spec"]
container = pod["containers"][0]
if container["readinessProbe"]["httpGet"]["path"] != "/readyz" or container["livenessProbe"]["httpGet"]["path"] != "/healthz":
    problems.append("probes: readiness must be /readyz and liveness /healthz")
if pod["terminationGracePeriodSeconds"] <= 45 + container["lifecycle"]["preStop"]["sleep"]["seconds"]:
    problems.append("terminationGracePeriodSeconds leaves no room for the host's 45 s shutdown after preStop")
env = {e["name"]: e for e in container["env"]}
if env["POD_IP"]["valueFrom"]["fieldRef"]["fieldPath"] != "status.podIP" or env["Pax__Orleans__AdvertisedAddress"]["value"] != "$(POD_IP)":
    problems.append("the silo must advertise the pod IP")
if not any(d["kind"] == "PodDisruptionBudget" for d in k8s_docs):
    problems.append("no PodDisruptionBudget")

print("\n".join(problems) if problems else f"deploy/ checks out: {len(k8s_docs)} Kubernetes objects, {len(compose['services'])} compose services, {len(env_names)} settings")
sys.exit(1 if problems else 0)
