"""deploy/kubernetes: every object against the Kubernetes 1.33 schemas (kubernetes-validate), the
shape that matters (probes, resources, lock-down, PDB and HPA targets, NetworkPolicy selectors
against the workloads' labels), and the kustomization rendered.

There is no cluster and no kustomize here (PyPI has none), so the test renders what the
kustomization uses the way kustomize does: its resources and components, the namespace, the
image, and the ConfigMap and Secret generators (from make-secrets.sh's files). Name suffixes
(the generators' content hashes) are left out; references are checked by name. The
configuration the pods get is checked for real with `gatehouse check-config`, and the Redis
command with a real redis-server.
"""

from __future__ import annotations

import base64
import copy
import math
import os
import re
import signal
import stat
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml

from conftest import REPO_ROOT, _child_environment, _executable, _poll
from deployment_support import (
    COMPOSE_FILE,
    DOCKERFILE,
    KUBERNETES_DIR,
    NGINX_TEMPLATE_DIR,
    SECRET_NAME,
    free_port,
    group_alive,
    high_entropy_literals,
    operator_variables,
)

KUBERNETES_VERSION = "1.33"
KUSTOMIZATION = KUBERNETES_DIR / "kustomization.yaml"
MAKE_SECRETS = KUBERNETES_DIR / "make-secrets.sh"
RESOURCES = [
    "namespace.yaml", "serviceaccount.yaml", "deployment.yaml", "service.yaml",
    "poddisruptionbudget.yaml", "horizontalpodautoscaler.yaml", "networkpolicy.yaml", "ingress.yaml",
]
COMPONENTS = ["redis"]
# Shipped, and off unless an operator turns it on (it needs snippet annotations).
OPTIONAL_COMPONENTS = ["metadata-cache"]
# What kustomization.yaml may use: what render() below knows how to do.
KUSTOMIZATION_FIELDS = {
    "apiVersion", "kind", "namespace", "resources", "components", "images", "configMapGenerator", "secretGenerator",
}
CLUSTER_SCOPED = {"Namespace"}
WORKLOADS = {"Deployment", "StatefulSet"}
# The pod-level volume types the "restricted" Pod Security Standard allows.
RESTRICTED_VOLUME_TYPES = {
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
}
# The ingress-nginx controller's pods, as its own manifests and chart label them.
INGRESS_NGINX_NAMESPACE = {"kubernetes.io/metadata.name": "ingress-nginx"}
INGRESS_NGINX_PODS = {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"}
PART_OF = {"app.kubernetes.io/part-of": "gatehouse"}
# The supervisor's own margin after GATEHOUSE_GRACEFUL_TIMEOUT: SIGKILL for stragglers, reap, exit.
STOP_MARGIN_S = 5


def load_documents(path: Path) -> list[dict[str, Any]]:
    return [document for document in yaml.safe_load_all(path.read_text()) if document is not None]


def read_env_file(path: Path) -> dict[str, str]:
    """kustomize's `envs` format: KEY=VALUE lines, comments and blank lines; nothing else."""
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", line)
        assert match, f"{path.name} line {number}: not KEY=VALUE: {line!r}"
        assert match.group(1) not in values, f"{path.name} line {number}: {match.group(1)} twice"
        values[match.group(1)] = match.group(2)
    return values


def component_kustomization(name: str) -> dict[str, Any]:
    return yaml.safe_load((KUBERNETES_DIR / name / "kustomization.yaml").read_text())


@dataclass
class Rendered:
    objects: list[dict[str, Any]]
    namespace: str

    def all(self, kind: str) -> list[dict[str, Any]]:
        return [item for item in self.objects if item["kind"] == kind]

    def one(self, kind: str, name: str) -> dict[str, Any]:
        found = [item for item in self.all(kind) if item["metadata"]["name"] == name]
        assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
        return found[0]

    def has(self, kind: str, name: str) -> bool:
        return any(item["metadata"]["name"] == name for item in self.all(kind))


def render(secrets_dir: Path, components: list[str] | None = None) -> Rendered:
    kustomization = yaml.safe_load(KUSTOMIZATION.read_text())
    objects: list[dict[str, Any]] = []
    for name in kustomization["resources"]:
        objects += load_documents(KUBERNETES_DIR / name)
    for component in kustomization.get("components", []) if components is None else components:
        for name in component_kustomization(component)["resources"]:
            objects += load_documents(KUBERNETES_DIR / component / name)
    for generator in kustomization.get("configMapGenerator", []):
        data: dict[str, str] = {}
        for env in generator["envs"]:
            data |= read_env_file(KUBERNETES_DIR / env)
        objects.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": generator["name"]}, "data": data})
    for generator in kustomization.get("secretGenerator", []):
        secret: dict[str, str] = {}
        for entry in generator["files"]:
            key, _, path = entry.rpartition("=")
            relative = Path(path)
            # The generator's files are make-secrets.sh's, in secrets/ (not in version control).
            assert relative.parts[0] == "secrets" and len(relative.parts) == 2, entry
            secret[key or relative.name] = base64.b64encode((secrets_dir / relative.name).read_bytes()).decode()
        objects.append({"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": {"name": generator["name"]}, "data": secret})
    namespace = kustomization["namespace"]
    images = {image["name"]: image for image in kustomization.get("images", [])}
    for item in objects:
        if item["kind"] not in CLUSTER_SCOPED:
            item["metadata"]["namespace"] = namespace
        if item["kind"] in WORKLOADS:
            for container in item["spec"]["template"]["spec"]["containers"]:
                if image := images.get(container["image"]):
                    container["image"] = f"{image.get('newName', image['name'])}:{image['newTag']}"
    return Rendered(objects, namespace)


@pytest.fixture(scope="module")
def secrets_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("kubernetes") / "secrets"
    subprocess.run(["sh", str(MAKE_SECRETS), str(directory)], check=True, capture_output=True, timeout=30)
    return directory


@pytest.fixture(scope="module")
def rendered(secrets_dir: Path) -> Rendered:
    return render(secrets_dir)


@pytest.fixture(scope="module")
def settings(rendered: Rendered) -> dict[str, str]:
    return rendered.one("ConfigMap", "gatehouse-config")["data"]


@pytest.fixture(scope="module")
def deployment(rendered: Rendered) -> dict[str, Any]:
    return rendered.one("Deployment", "gatehouse")


@pytest.fixture(scope="module")
def gatehouse(deployment: dict[str, Any]) -> dict[str, Any]:
    return container_named(deployment, "gatehouse")


@pytest.fixture(scope="module")
def redis(rendered: Rendered) -> dict[str, Any]:
    return rendered.one("StatefulSet", "redis")


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]


def pod_labels(workload: dict[str, Any]) -> dict[str, str]:
    return workload["spec"]["template"]["metadata"]["labels"]


def container_named(workload: dict[str, Any], name: str) -> dict[str, Any]:
    return next(container for container in pod_spec(workload)["containers"] if container["name"] == name)


def port_named(container: dict[str, Any], name: str) -> int:
    return next(port["containerPort"] for port in container["ports"] if port["name"] == name)


def literal_env(container: dict[str, Any]) -> dict[str, str]:
    return {item["name"]: item["value"] for item in container.get("env", []) if "value" in item}


def matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    # Only matchLabels here: nothing in deploy/kubernetes uses expressions.
    assert set(selector) <= {"matchLabels"}, selector
    return selector.get("matchLabels", {}).items() <= labels.items()


def cpu_cores(quantity: str) -> float:
    return int(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


def mebibytes(quantity: str) -> float:
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024}
    return float(quantity[:-2]) * units[quantity[-2:]]


def seconds_setting(settings: dict[str, str], name: str) -> float:
    assert name in settings, f"gatehouse.env must set {name}: the probes and the grace period are sized from it"
    return float(settings[name])


# --------------------------------------------------------------------------------------------
# The kustomization and the schemas


def test_kustomization_uses_only_what_is_checked_here() -> None:
    kustomization = yaml.safe_load(KUSTOMIZATION.read_text())
    assert kustomization["apiVersion"] == "kustomize.config.k8s.io/v1beta1"
    assert kustomization["kind"] == "Kustomization"
    assert set(kustomization) <= KUSTOMIZATION_FIELDS, set(kustomization) - KUSTOMIZATION_FIELDS
    assert kustomization["resources"] == RESOURCES
    assert kustomization["components"] == COMPONENTS
    for component in COMPONENTS + OPTIONAL_COMPONENTS:
        spec = component_kustomization(component)
        assert spec["apiVersion"] == "kustomize.config.k8s.io/v1alpha1" and spec["kind"] == "Component"
        assert set(spec) == {"apiVersion", "kind", "resources"}, component


def test_every_manifest_is_named_by_a_kustomization() -> None:
    listed = {KUBERNETES_DIR / name for name in RESOURCES}
    for component in COMPONENTS + OPTIONAL_COMPONENTS:
        listed |= {KUBERNETES_DIR / component / name for name in component_kustomization(component)["resources"]}
    manifests = {path for path in KUBERNETES_DIR.rglob("*.yaml") if path.name != "kustomization.yaml"}
    assert manifests == listed, {"not listed": manifests - listed, "missing": listed - manifests}


@pytest.mark.parametrize("components", [None, COMPONENTS + OPTIONAL_COMPONENTS], ids=["as-shipped", "every-component"])
def test_every_object_validates_against_the_kubernetes_schemas(secrets_dir: Path, components: list[str] | None) -> None:
    objects = render(secrets_dir, components).objects
    problems = []
    for item in objects:
        try:
            # Strict: an unknown or misspelt field is an error, not ignored.
            version = kubernetes_validate.validate(copy.deepcopy(item), KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            problems.append(f"{item['kind']}/{item['metadata'].get('name')}: {'/'.join(map(str, error.path))}: {error.message}")
            continue
        except kubernetes_validate.SchemaNotFoundError as error:
            problems.append(error.message)
            continue
        # No older schema stood in for the one asked for.
        assert version == KUBERNETES_VERSION
    assert not problems, "\n".join(problems)
    kinds = {item["kind"] for item in objects}
    assert {"Namespace", "ServiceAccount", "Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler",
            "NetworkPolicy", "Ingress", "StatefulSet", "ConfigMap", "Secret"} <= kinds


def test_objects_are_unique_labelled_and_leave_the_namespace_to_the_kustomization(rendered: Rendered) -> None:
    seen = set()
    for item in rendered.objects:
        key = (item["kind"], item["metadata"]["name"])
        assert key not in seen, key
        seen.add(key)
    for path in [KUBERNETES_DIR / name for name in RESOURCES] + [
        KUBERNETES_DIR / component / name for component in COMPONENTS + OPTIONAL_COMPONENTS
        for name in component_kustomization(component)["resources"]
    ]:
        for item in load_documents(path):
            assert "namespace" not in item["metadata"], f"{path.name}: {item['metadata']['name']}"
            assert item["metadata"]["labels"].items() >= PART_OF.items(), f"{path.name}: {item['metadata']['name']}"
    namespace = rendered.all("Namespace")
    assert [item["metadata"]["name"] for item in namespace] == [rendered.namespace]


def test_every_reference_names_an_object_of_the_build(rendered: Rendered, secrets_dir: Path) -> None:
    for workload in rendered.all("Deployment") + rendered.all("StatefulSet"):
        spec = pod_spec(workload)
        if "serviceAccountName" in spec:
            assert rendered.has("ServiceAccount", spec["serviceAccountName"])
        for volume in spec.get("volumes", []):
            if "secret" in volume:
                secret = rendered.one("Secret", volume["secret"]["secretName"])
                for item in volume["secret"].get("items", []):
                    assert item["key"] in secret["data"]
        for container in spec["containers"]:
            for source in container.get("envFrom", []):
                assert rendered.has("ConfigMap", source["configMapRef"]["name"])
    for statefulset in rendered.all("StatefulSet"):
        assert rendered.has("Service", statefulset["spec"]["serviceName"])
    for hpa in rendered.all("HorizontalPodAutoscaler"):
        assert rendered.has(hpa["spec"]["scaleTargetRef"]["kind"], hpa["spec"]["scaleTargetRef"]["name"])
    for ingress in render(secrets_dir, COMPONENTS + OPTIONAL_COMPONENTS).all("Ingress"):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                service = rendered.one("Service", backend["name"])
                assert backend["port"]["name"] in {port["name"] for port in service["spec"]["ports"]}


def test_the_image_is_set_in_one_place(rendered: Rendered) -> None:
    raw = load_documents(KUBERNETES_DIR / "deployment.yaml")[0]
    images = yaml.safe_load(KUSTOMIZATION.read_text())["images"]
    assert [image["name"] for image in images] == [container_named(raw, "gatehouse")["image"]]
    assert container_named(rendered.one("Deployment", "gatehouse"), "gatehouse")["image"] == f"{images[0]['newName']}:{images[0]['newTag']}"


# --------------------------------------------------------------------------------------------
# The Deployment


def test_the_pods_run_the_supervisor_from_the_image(gatehouse: dict[str, Any], settings: dict[str, str]) -> None:
    # The image's entrypoint is `gatehouse`: the supervisor is PID 1 and gets SIGTERM itself.
    assert "command" not in gatehouse
    assert gatehouse["args"] == ["serve"]
    assert "ENTRYPOINT [\"gatehouse\"]" in DOCKERFILE.read_text()
    host, port = settings["GATEHOUSE_BIND"].rsplit(":", 1)
    assert host == "0.0.0.0" and int(port) == port_named(gatehouse, "http")


def test_workers_are_sized_from_the_cpu_limit(gatehouse: dict[str, Any], settings: dict[str, str]) -> None:
    source = next(item for item in gatehouse["env"] if item["name"] == "GATEHOUSE_WORKERS")
    assert source["valueFrom"]["resourceFieldRef"] == {"containerName": "gatehouse", "resource": "limits.cpu", "divisor": "1"}
    assert "GATEHOUSE_WORKERS" not in settings, "the ConfigMap would be overridden by the Downward API value anyway"
    resources = gatehouse["resources"]
    # A limit must exist (without one the Downward API gives the node's CPU), equal to the
    # request the autoscaler measures against, in whole cores (one worker per core).
    limit = cpu_cores(str(resources["limits"]["cpu"]))
    assert limit == cpu_cores(str(resources["requests"]["cpu"])) and limit == int(limit) >= 1
    memory = mebibytes(resources["limits"]["memory"])
    assert memory == mebibytes(resources["requests"]["memory"])
    assert memory >= 32 + 64 * limit, "deployment.yaml's rule: 32 MiB + 64 MiB per core"


def probe_path(probe: dict[str, Any]) -> str:
    assert probe["httpGet"]["port"] == "http"
    return probe["httpGet"]["path"]


def budget(probe: dict[str, Any]) -> float:
    return probe["periodSeconds"] * probe["failureThreshold"]


def test_probes_ask_the_right_question(gatehouse: dict[str, Any], deployment: dict[str, Any], settings: dict[str, str]) -> None:
    startup, readiness, liveness = gatehouse["startupProbe"], gatehouse["readinessProbe"], gatehouse["livenessProbe"]
    # Start-up and liveness: the process answers (workers answer only once their keys are
    # loaded). Readiness: it can validate tokens and is not draining.
    assert probe_path(startup) == "/healthz"
    assert probe_path(readiness) == "/readyz"
    assert probe_path(liveness) == "/healthz"
    # A slow identity provider at start is not a reason to restart.
    assert budget(startup) >= 60
    # A pod that cannot validate tokens leaves the endpoints within seconds.
    assert budget(readiness) <= 15
    # The supervisor replaces a hung worker first; a drain never trips liveness.
    assert budget(liveness) >= 2 * seconds_setting(settings, "GATEHOUSE_WORKER_TIMEOUT")
    assert budget(liveness) > pod_spec(deployment)["terminationGracePeriodSeconds"]
    for probe in (startup, readiness, liveness):
        assert probe["timeoutSeconds"] <= probe["periodSeconds"]


def test_each_probe_says_why() -> None:
    lines = (KUBERNETES_DIR / "deployment.yaml").read_text().splitlines()
    for name in ("startupProbe", "readinessProbe", "livenessProbe", "preStop", "terminationGracePeriodSeconds"):
        index = next(number for number, line in enumerate(lines) if line.strip().startswith(f"{name}:"))
        assert lines[index - 1].strip().startswith("#"), f"{name} has no comment saying why"


def test_a_graceful_stop_fits_the_grace_period(gatehouse: dict[str, Any], deployment: dict[str, Any], settings: dict[str, str]) -> None:
    pause = gatehouse["lifecycle"]["preStop"]["sleep"]["seconds"]
    graceful = seconds_setting(settings, "GATEHOUSE_GRACEFUL_TIMEOUT")
    grace = pod_spec(deployment)["terminationGracePeriodSeconds"]
    # Long enough for ingress-nginx and kube-proxy to forget the pod before it stops accepting.
    assert 5 <= pause <= 30
    # The pause, then the workers' drain, then the supervisor's own exit, all before SIGKILL.
    assert grace >= pause + graceful + STOP_MARGIN_S
    assert grace <= pause + graceful + 30, "far more than the drain needs only delays rollouts"
    # The compose service's stop_grace_period covers the same drain (without the pause).
    compose = yaml.safe_load(COMPOSE_FILE.read_text())["services"]["gatehouse"]
    assert int(compose["stop_grace_period"].rstrip("s")) >= graceful + STOP_MARGIN_S


def test_rollouts_replace_a_pod_only_once_its_successor_is_ready(deployment: dict[str, Any]) -> None:
    strategy = deployment["spec"]["strategy"]
    assert strategy["type"] == "RollingUpdate"
    assert strategy["rollingUpdate"]["maxUnavailable"] == 0 and strategy["rollingUpdate"]["maxSurge"] >= 1
    # The autoscaler owns the count.
    assert "replicas" not in deployment["spec"]
    assert matches(deployment["spec"]["selector"], pod_labels(deployment))
    spread = pod_spec(deployment)["topologySpreadConstraints"]
    assert spread[0]["topologyKey"] == "kubernetes.io/hostname"
    assert matches(spread[0]["labelSelector"], pod_labels(deployment))


@pytest.mark.parametrize(("kind", "name"), [("Deployment", "gatehouse"), ("StatefulSet", "redis")])
def test_pods_are_locked_down(rendered: Rendered, kind: str, name: str) -> None:
    """What compose gives its services (non-root, read-only root, no capabilities, no new
    privileges), plus what Kubernetes adds: seccomp RuntimeDefault, no service-account token,
    no service links. All of it is the "restricted" Pod Security Standard, which the namespace
    enforces."""
    spec = pod_spec(rendered.one(kind, name))
    assert spec["automountServiceAccountToken"] is False
    assert spec["enableServiceLinks"] is False
    pod = spec["securityContext"]
    assert pod["runAsNonRoot"] is True and pod["runAsUser"] != 0 and pod["runAsGroup"] != 0
    assert pod["seccompProfile"] == {"type": "RuntimeDefault"}
    assert not {"hostNetwork", "hostPID", "hostIPC", "hostUsers"} & set(spec)
    for volume in spec.get("volumes", []):
        assert set(volume) - {"name"} <= RESTRICTED_VOLUME_TYPES, volume
    for container in spec["containers"] + spec.get("initContainers", []):
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False
        assert context["readOnlyRootFilesystem"] is True
        assert context["capabilities"] == {"drop": ["ALL"]}
        assert context.get("privileged", False) is False
        assert not any("hostPort" in port for port in container.get("ports", []))
        for mount in container.get("volumeMounts", []):
            # A subPath mount of a Secret never sees a rotated value.
            assert "subPath" not in mount
    labels = rendered.one("Namespace", rendered.namespace)["metadata"]["labels"]
    for mode in ("enforce", "audit", "warn"):
        assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted"


def test_the_gatehouse_pod_runs_as_the_image_user_with_its_own_token_less_account(rendered: Rendered, deployment: dict[str, Any]) -> None:
    user = re.search(r"^USER (\d+):(\d+)$", DOCKERFILE.read_text(), re.M)
    pod = pod_spec(deployment)["securityContext"]
    assert (str(pod["runAsUser"]), str(pod["runAsGroup"])) == user.groups()
    # The secret files are group-readable to the pod's fsGroup.
    assert pod["fsGroup"] == pod["runAsGroup"]
    account = rendered.one("ServiceAccount", pod_spec(deployment)["serviceAccountName"])
    assert account["automountServiceAccountToken"] is False
    # compose's service has the same lock-down where compose can express it.
    compose = yaml.safe_load(COMPOSE_FILE.read_text())["services"]["gatehouse"]
    assert compose["read_only"] is True and compose["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in compose["security_opt"]


# --------------------------------------------------------------------------------------------
# Configuration and secrets


def test_configuration_comes_from_the_configmap_and_secrets_from_files(
    rendered: Rendered, deployment: dict[str, Any], gatehouse: dict[str, Any], settings: dict[str, str],
) -> None:
    assert [source["configMapRef"]["name"] for source in gatehouse["envFrom"]] == ["gatehouse-config"]
    # Only settings, and no secret, in the ConfigMap.
    assert set(settings) <= operator_variables(), set(settings) - operator_variables()
    assert not [name for name in settings if SECRET_NAME.search(name)]
    mounts = {mount["name"]: mount["mountPath"] for mount in gatehouse["volumeMounts"]}
    secret_volumes = {volume["name"]: volume["secret"]["secretName"] for volume in pod_spec(deployment)["volumes"] if "secret" in volume}
    named_in_pod = set()
    for name, value in literal_env(gatehouse).items():
        assert name.removesuffix("_FILE") in operator_variables(), name
        if SECRET_NAME.search(name):
            # A secret is a *_FILE variable naming a file of a mounted Secret.
            assert name.endswith("_FILE"), name
            directory, file = value.rsplit("/", 1)
            volume = next(volume for volume, path in mounts.items() if path == directory)
            assert file in rendered.one("Secret", secret_volumes[volume])["data"], value
            named_in_pod.add(name.removesuffix("_FILE"))
    # With Redis, both of its secrets.
    assert "GATEHOUSE_REDIS_URL" in settings
    assert named_in_pod == {"GATEHOUSE_REDIS_PASSWORD", "GATEHOUSE_SHARED_CACHE_KEY"}
    # The Secret is made from files, not written anywhere in version control.
    secret_generators = yaml.safe_load(KUSTOMIZATION.read_text())["secretGenerator"]
    assert all(set(generator) == {"name", "files"} for generator in secret_generators)


def test_the_redis_url_names_the_redis_service(rendered: Rendered, settings: dict[str, str], redis: dict[str, Any]) -> None:
    url = urlsplit(settings["GATEHOUSE_REDIS_URL"])
    assert url.scheme == "redis" and url.password is None, "the password comes from its file"
    service = rendered.one("Service", url.hostname)
    port = next(port for port in service["spec"]["ports"] if port["port"] == url.port)
    assert port["targetPort"] == "redis" and port_named(container_named(redis, "redis"), "redis") == 6379
    assert matches({"matchLabels": service["spec"]["selector"]}, pod_labels(redis))


def test_the_configuration_passes_gatehouse_check_config(gatehouse: dict[str, Any], settings: dict[str, str], secrets_dir: Path, tmp_path: Path) -> None:
    """The real loader accepts what a pod gets: the ConfigMap, the Deployment's own variables
    (the secret files at a local path), and GATEHOUSE_WORKERS as the Downward API gives it."""
    workers = math.ceil(cpu_cores(str(gatehouse["resources"]["limits"]["cpu"])))
    env = _child_environment(dict(settings))
    for name, value in literal_env(gatehouse).items():
        env[name] = str(secrets_dir / Path(value).name) if name.endswith("_FILE") else value
    env["GATEHOUSE_WORKERS"] = str(workers)
    result = subprocess.run(
        [str(_executable("gatehouse")), "check-config"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=30,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "is not a Gatehouse setting" not in output
    assert f"{workers} workers on 0.0.0.0:8000" in output


def test_make_secrets_writes_what_the_secret_generator_reads(tmp_path: Path) -> None:
    directory = tmp_path / "secrets"
    subprocess.run(["sh", str(MAKE_SECRETS), str(directory)], check=True, capture_output=True, timeout=30)
    values = {path.name: path.read_text() for path in directory.iterdir()}
    files = [entry for generator in yaml.safe_load(KUSTOMIZATION.read_text())["secretGenerator"] for entry in generator["files"]]
    assert set(values) == {Path(entry).name for entry in files}
    assert len(set(values.values())) == len(values)
    # The shared cache key must be at least 32 bytes; every value is 32 random bytes in hex.
    assert all(re.fullmatch(r"[0-9a-f]{64}", value) for value in values.values())
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in directory.iterdir())
    before = dict(values)
    subprocess.run(["sh", str(MAKE_SECRETS), str(directory)], check=True, capture_output=True, timeout=30)
    assert {path.name: path.read_text() for path in directory.iterdir()} == before
    # Never committed, never sent to a Docker build.
    assert "/deploy/kubernetes/secrets/" in (REPO_ROOT / ".gitignore").read_text().split()
    assert "deploy/kubernetes/secrets" in (REPO_ROOT / ".dockerignore").read_text().split()


def shipped_files() -> list[Path]:
    return sorted(path for path in KUBERNETES_DIR.rglob("*") if path.is_file() and "secrets" not in path.relative_to(KUBERNETES_DIR).parts)


@pytest.mark.parametrize("path", shipped_files(), ids=lambda path: str(path.relative_to(KUBERNETES_DIR)))
def test_no_high_entropy_literal(path: Path) -> None:
    found = high_entropy_literals(path.read_text())
    assert not found, f"{path.name}: {found}"


# --------------------------------------------------------------------------------------------
# Service, PodDisruptionBudget, HorizontalPodAutoscaler


def test_the_service_selects_the_pods_by_their_port_name(rendered: Rendered, deployment: dict[str, Any], gatehouse: dict[str, Any]) -> None:
    service = rendered.one("Service", "gatehouse")
    assert matches({"matchLabels": service["spec"]["selector"]}, pod_labels(deployment))
    assert [port["targetPort"] for port in service["spec"]["ports"]] == ["http"]
    port_named(gatehouse, "http")


def test_the_disruption_budget_and_the_autoscaler_target_the_deployment(rendered: Rendered, deployment: dict[str, Any], gatehouse: dict[str, Any]) -> None:
    budget_spec = rendered.one("PodDisruptionBudget", "gatehouse")["spec"]
    assert budget_spec["selector"] == deployment["spec"]["selector"]
    assert budget_spec["unhealthyPodEvictionPolicy"] == "AlwaysAllow"
    autoscaler = rendered.one("HorizontalPodAutoscaler", "gatehouse")["spec"]
    assert autoscaler["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": deployment["metadata"]["name"]}
    assert 2 <= autoscaler["minReplicas"] < autoscaler["maxReplicas"]
    # A drain or an eviction always leaves a pod serving.
    assert budget_spec["maxUnavailable"] < autoscaler["minReplicas"]
    assert "minAvailable" not in budget_spec
    [metric] = autoscaler["metrics"]
    assert metric["type"] == "Resource" and metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"]["type"] == "Utilization" and 50 <= metric["resource"]["target"]["averageUtilization"] <= 90
    # Utilization is of the request, which must exist.
    assert "cpu" in gatehouse["resources"]["requests"]


# --------------------------------------------------------------------------------------------
# NetworkPolicies


def policies_selecting(rendered: Rendered, labels: dict[str, str]) -> list[dict[str, Any]]:
    return [policy for policy in rendered.all("NetworkPolicy") if matches(policy["spec"]["podSelector"], labels)]


def test_nothing_reaches_a_pod_that_no_policy_lets_in(rendered: Rendered) -> None:
    deny = rendered.one("NetworkPolicy", "default-deny-ingress")["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress"]}
    # Every other policy selects the pods of exactly one workload.
    workloads = rendered.all("Deployment") + rendered.all("StatefulSet")
    for policy in rendered.all("NetworkPolicy"):
        if policy["metadata"]["name"] == "default-deny-ingress":
            continue
        selected = [workload["metadata"]["name"] for workload in workloads if matches(policy["spec"]["podSelector"], pod_labels(workload))]
        assert len(selected) == 1, (policy["metadata"]["name"], selected)


def test_only_the_ingress_controller_reaches_gatehouse(rendered: Rendered, deployment: dict[str, Any], gatehouse: dict[str, Any]) -> None:
    [policy] = [policy for policy in policies_selecting(rendered, pod_labels(deployment)) if policy["spec"]["podSelector"]]
    spec = policy["spec"]
    assert spec["policyTypes"] == ["Ingress"]
    [rule] = spec["ingress"]
    # One peer with both selectors: the controller's pods in the controller's namespace (two
    # peers would let in every pod of that namespace, or such pods in any namespace).
    assert rule["from"] == [{"namespaceSelector": {"matchLabels": INGRESS_NGINX_NAMESPACE}, "podSelector": {"matchLabels": INGRESS_NGINX_PODS}}]
    assert rule["ports"] == [{"protocol": "TCP", "port": port_named(gatehouse, "http")}]


def test_only_gatehouse_reaches_redis(rendered: Rendered, deployment: dict[str, Any], redis: dict[str, Any]) -> None:
    [policy] = [policy for policy in policies_selecting(rendered, pod_labels(redis)) if policy["spec"]["podSelector"]]
    spec = policy["spec"]
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    [rule] = spec["ingress"]
    [peer] = rule["from"]
    # A pod selector alone: Gatehouse's pods in this namespace, no other.
    assert set(peer) == {"podSelector"} and matches(peer["podSelector"], pod_labels(deployment))
    assert not any(matches(peer["podSelector"], pod_labels(workload)) for workload in rendered.all("StatefulSet"))
    assert rule["ports"] == [{"protocol": "TCP", "port": port_named(container_named(redis, "redis"), "redis")}]
    # Redis opens no connection of its own.
    assert spec["egress"] == []


# --------------------------------------------------------------------------------------------
# The example Ingress


def test_the_ingress_serves_the_configured_resource_over_tls(secrets_dir: Path, settings: dict[str, str]) -> None:
    resource = urlsplit(settings["GATEHOUSE_RESOURCE"])
    ingresses = render(secrets_dir, COMPONENTS + OPTIONAL_COMPONENTS).all("Ingress")
    paths: dict[tuple[str, str], dict[str, Any]] = {}
    for ingress in ingresses:
        spec = ingress["spec"]
        assert spec["ingressClassName"] == "nginx"
        assert [rule["host"] for rule in spec["rules"]] == [resource.hostname]
        assert [tls["hosts"] for tls in spec["tls"]] == [[resource.hostname]]
        assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true"
        for rule in spec["rules"]:
            for path in rule["http"]["paths"]:
                paths[(path["path"], path["pathType"])] = ingress
    assert set(paths) == {("/", "Prefix"), (resource.path, "Exact"), ("/.well-known/oauth-protected-resource", "Prefix")}


def test_mcp_streams_through_the_ingress(secrets_dir: Path, settings: dict[str, str]) -> None:
    resource = urlsplit(settings["GATEHOUSE_RESOURCE"])
    ingresses = render(secrets_dir).all("Ingress")
    [mcp] = [ingress for ingress in ingresses if any(path["path"] == resource.path for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"])]
    annotations = mcp["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
    # As long as nginx/templates gives /mcp.
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"]) >= 3600
    # The same body limit and rate limit as the compose stack's nginx, on every public path.
    template = next(NGINX_TEMPLATE_DIR.glob("*.template")).read_text()
    body = re.search(r"client_max_body_size (\S+);", template).group(1)
    rate = re.search(r"rate=(\d+)r/s", template).group(1)
    burst = re.search(r"limit_req zone=per_client burst=(\d+)", template).group(1)
    for ingress in ingresses:
        annotations = ingress["metadata"]["annotations"]
        assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == body
        assert annotations["nginx.ingress.kubernetes.io/limit-rps"] == rate
        assert int(rate) * int(annotations["nginx.ingress.kubernetes.io/limit-burst-multiplier"]) == int(burst)


def test_the_metadata_cache_component_caches_the_metadata_path() -> None:
    [ingress] = load_documents(KUBERNETES_DIR / "metadata-cache" / "ingress.yaml")
    snippet = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/configuration-snippet"]
    zone = re.search(r"proxy_cache (\S+);", snippet).group(1)
    assert "proxy_cache_valid 200 1m;" in snippet
    # The zone the snippet uses is the one the component tells operators to declare.
    assert f"keys_zone={zone}:" in (KUBERNETES_DIR / "metadata-cache" / "kustomization.yaml").read_text()
    # The metadata of the resource (RFC 9728: the well-known prefix, then the resource's path).
    [path] = [path["path"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]]
    assert path == "/.well-known/oauth-protected-resource"


# --------------------------------------------------------------------------------------------
# Redis, for real


@pytest.fixture
def redis_server(redis: dict[str, Any], tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, str]]:
    """The StatefulSet's command and password file, on a free loopback port."""
    container = container_named(redis, "redis")
    secret_path = next(mount["mountPath"] for mount in container["volumeMounts"] if mount["name"] == "secrets") + "/redis_password"
    secret = tmp_path / "redis_password"
    secret.write_text("a-test-password\n")
    port = free_port()
    assert container["command"] == ["sh", "-c"]
    script = container["args"][0].replace(secret_path, str(secret))
    script = script.replace("redis-server -", f"redis-server - --port {port} --bind 127.0.0.1", 1)
    probe = " ".join(container["readinessProbe"]["exec"]["command"][2:]).replace(secret_path, str(secret))
    probe = probe.replace("redis-cli ping", f"redis-cli -p {port} ping")
    process = subprocess.Popen(
        ["sh", "-c", script], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        yield process, port, probe
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_redis_requires_its_password_and_stops_on_sigterm(redis_server: tuple[subprocess.Popen[bytes], int, str]) -> None:
    process, port, probe = redis_server
    ready = lambda: subprocess.run(["sh", "-c", probe], capture_output=True, timeout=10).returncode == 0
    assert _poll(time.monotonic() + 15, ready), "the readiness probe never passed"
    anonymous = subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True, timeout=10)
    assert "NOAUTH" in anonymous.stdout + anonymous.stderr
    # `exec`: the container's first process is redis-server itself, so the kubelet's SIGTERM
    # reaches it (a shell as PID 1 would ignore it until the grace period ran out).
    assert Path(f"/proc/{process.pid}/comm").read_text().strip() == "redis-server"
    assert b"a-test-password" not in Path(f"/proc/{process.pid}/cmdline").read_bytes()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
    assert _poll(time.monotonic() + 5, lambda: not group_alive(process.pid)), "something outlived redis-server"
