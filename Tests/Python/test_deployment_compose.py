"""compose.yaml and .env.example: valid Compose, the stack's shape, and no literal secret.

Checked statically here, with the configuration it hands Gatehouse checked for real by
`gatehouse check-config`; scripts/container-test.sh runs the stack itself with podman (there is
no Docker engine on the test machines), through Tests/Containers/compose.stand-ins.yaml.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from conftest import REPO_ROOT, _child_environment, _executable, _poll
from deployment_support import (
    COMPOSE_FILE,
    DOCKERFILE,
    ENV_EXAMPLE,
    NGINX_TEMPLATE_DIR,
    REALM_FILE,
    SECRET_NAME,
    SYSTEMD_DIR,
    free_port,
    group_alive,
    high_entropy_literals,
    operator_variables,
    parse_env_file,
)

SCHEMA_FILE = Path(__file__).parent / "schemas" / "compose-spec.json"
STAND_INS_FILE = REPO_ROOT / "Tests" / "Containers" / "compose.stand-ins.yaml"
LONG_RUNNING = {"postgres", "keycloak", "redis", "gatehouse", "nginx"}
ONE_SHOT = {"certs"}
# Started only with `--profile monitoring`.
MONITORING = {"prometheus"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def environment_of(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        return dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    return {name: spec["condition"] for name, spec in service.get("depends_on", {}).items()}


def test_compose_file_validates_against_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(compose), key=lambda error: list(error.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, error.path))}: {error.message}" for error in errors)


def test_the_stack_has_its_five_services_and_a_one_shot_certificate_maker(services: dict[str, Any]) -> None:
    assert set(services) == LONG_RUNNING | ONE_SHOT | MONITORING
    for name in MONITORING:
        assert services[name]["profiles"] == ["monitoring"], name
    for name in LONG_RUNNING:
        assert "profiles" not in services[name], name
        assert services[name].get("restart") in {"always", "unless-stopped", "on-failure"}, name
    assert services["certs"].get("restart") == "no"


def test_the_certificate_maker_needs_no_network(services: dict[str, Any]) -> None:
    """openssl is in its image (docker/certs.Dockerfile), so nothing is installed at start and the
    one-shot runs with no network at all: an air-gapped host needs only the images."""
    certs = services["certs"]
    assert certs.get("network_mode") == "none" and "networks" not in certs
    dockerfile = (REPO_ROOT / certs["build"]["context"] / certs["build"]["dockerfile"]).read_text()
    assert re.search(r"apt-get install[^&]*\bopenssl\b", dockerfile)
    # The base the Gatehouse image already uses: no further image to fetch.
    runtime = re.search(r"^ARG RUNTIME_IMAGE=(\S+)", DOCKERFILE.read_text(), re.M).group(1)
    assert f"ARG RUNTIME_IMAGE={runtime}" in dockerfile
    assert "apk add" not in (REPO_ROOT / "docker" / "make-dev-certs.sh").read_text()


class _ComposeTagLoader(yaml.SafeLoader):
    """Reads Compose's !reset and !override merge tags as the plain values they carry."""


for _tag in ("!reset", "!override"):
    _ComposeTagLoader.add_constructor(
        _tag,
        lambda loader, node: (
            loader.construct_mapping(node) if isinstance(node, yaml.MappingNode)
            else loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode)
            else loader.construct_scalar(node)
        ),
    )


def test_the_podman_stand_ins_swap_only_what_cannot_exist_there(services: dict[str, Any]) -> None:
    """Tests/Containers/compose.stand-ins.yaml (scripts/container-test.sh) replaces images that
    need a registry and Keycloak's database, nothing else: every other key of compose.yaml runs
    as shipped."""
    override = yaml.load(STAND_INS_FILE.read_text(), Loader=_ComposeTagLoader)
    assert set(override) == {"services"}
    swapped = {name: set(service) for name, service in override["services"].items()}
    assert swapped == {
        "postgres": {"profiles"},
        "keycloak": {"image", "entrypoint", "command", "depends_on", "secrets", "volumes", "healthcheck"},
        "redis": {"image"},
        "nginx": {"image"},
        # Only the resolver's retry timing: podman's aardvark-dns, not Gatehouse, is swapped in.
        "gatehouse": {"environment"},
    }
    assert override["services"]["gatehouse"]["environment"] == {"RES_OPTIONS": "timeout:1 attempts:3"}
    keycloak = override["services"]["keycloak"]
    # Keycloak's name, port, public origin and audience; mcp-client's secret from its secret.
    assert "--port=8080" in keycloak["command"]
    assert f"--hostname={environment_of(services['keycloak'])['KC_HOSTNAME']}" in keycloak["command"]
    assert "--client-secret-file=/run/secrets/mcp_client_secret" in keycloak["command"]
    assert keycloak["secrets"] == ["mcp_client_secret"]
    assert keycloak["depends_on"] == {}


def test_every_long_running_service_but_nginx_has_a_healthcheck(services: dict[str, Any]) -> None:
    for name in (LONG_RUNNING | MONITORING) - {"nginx"}:
        test = services[name].get("healthcheck", {}).get("test")
        assert test and test[0] in {"CMD", "CMD-SHELL"}, name
    assert services["gatehouse"]["healthcheck"]["test"] == ["CMD", "gatehouse", "healthcheck"]
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    keycloak_check = " ".join(services["keycloak"]["healthcheck"]["test"])
    # The management port, through bash's /dev/tcp: the image has no curl.
    assert "/dev/tcp/127.0.0.1/9000" in keycloak_check and "/health/ready" in keycloak_check
    assert "redis-cli ping" in " ".join(services["redis"]["healthcheck"]["test"])


def test_start_order_waits_for_health(services: dict[str, Any]) -> None:
    assert depends_on(services["keycloak"]) == {"postgres": "service_healthy"}
    assert depends_on(services["gatehouse"]) == {"keycloak": "service_healthy", "redis": "service_healthy"}
    nginx = depends_on(services["nginx"])
    assert nginx["gatehouse"] == "service_healthy"
    assert nginx["certs"] == "service_completed_successfully"


def test_only_nginx_faces_the_outside(compose: dict[str, Any], services: dict[str, Any]) -> None:
    assert compose["networks"]["internal"].get("internal") is True
    assert not compose["networks"]["edge"] or not compose["networks"]["edge"].get("internal")
    assert set(services["nginx"]["networks"]) == {"edge", "internal"}
    assert sorted(services["nginx"]["ports"]) == ["443:443", "80:80"]
    for name in LONG_RUNNING - {"nginx"}:
        assert services[name]["networks"] == ["internal"], name
        assert "ports" not in services[name], name
    # Prometheus's UI, for the operator on the host only.
    assert services["prometheus"]["ports"] == ["127.0.0.1:9090:9090"]


def test_metrics_stay_on_the_internal_network_behind_a_secret(services: dict[str, Any]) -> None:
    env = environment_of(services["gatehouse"])
    assert env["GATEHOUSE_METRICS_BIND"] == "0.0.0.0:9464"
    assert env["GATEHOUSE_METRICS_TOKEN_FILE"] == "/run/secrets/metrics_token"
    assert "metrics_token" in services["gatehouse"]["secrets"] and "metrics_token" in services["prometheus"]["secrets"]
    # nginx proxies the public port only.
    assert "9464" not in "".join(path.read_text() for path in NGINX_TEMPLATE_DIR.rglob("*.template"))
    scrape = yaml.safe_load((REPO_ROOT / "docker" / "prometheus" / "prometheus.yml").read_text())["scrape_configs"][0]
    assert scrape["static_configs"][0]["targets"] == ["gatehouse:9464"]
    assert scrape["authorization"]["credentials_file"] == "/run/secrets/metrics_token"


def test_gatehouse_container_is_locked_down(services: dict[str, Any]) -> None:
    gatehouse = services["gatehouse"]
    assert gatehouse["build"]["dockerfile"] == "docker/Dockerfile"
    assert (REPO_ROOT / gatehouse["build"]["context"] / gatehouse["build"]["dockerfile"]).resolve() == DOCKERFILE
    assert gatehouse["env_file"] == [".env"]
    assert gatehouse["read_only"] is True
    assert gatehouse["tmpfs"] == ["/tmp"]
    assert gatehouse["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in gatehouse["security_opt"]
    # SIGKILL only after the graceful timeout the configuration gives in-flight requests.
    grace = int(re.fullmatch(r"(\d+)s", gatehouse["stop_grace_period"]).group(1))
    graceful_timeout = int(parse_env_file(ENV_EXAMPLE)[0]["GATEHOUSE_GRACEFUL_TIMEOUT"])
    assert grace > graceful_timeout
    password_file = environment_of(gatehouse)["GATEHOUSE_REDIS_PASSWORD_FILE"]
    assert password_file == "/run/secrets/redis_password" and "redis_password" in gatehouse["secrets"]
    # The key that signs the records workers share through Redis is a secret too.
    key_file = environment_of(gatehouse)["GATEHOUSE_SHARED_CACHE_KEY_FILE"]
    assert key_file == "/run/secrets/shared_cache_key" and "shared_cache_key" in gatehouse["secrets"]


def test_keycloak_runs_in_production_mode_behind_the_proxy(services: dict[str, Any]) -> None:
    keycloak = services["keycloak"]
    assert keycloak["command"][:1] == ["start"] and "--import-realm" in keycloak["command"]
    env = environment_of(keycloak)
    assert env["KC_DB"] == "postgres"
    assert env["KC_HEALTH_ENABLED"] == "true"
    assert env["KC_PROXY_HEADERS"] == "xforwarded"
    assert env["KC_HTTP_ENABLED"] == "true"
    assert env["KC_HOSTNAME"].startswith("${KC_HOSTNAME")
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in keycloak["volumes"]}
    assert (REPO_ROOT / mounts["/opt/keycloak/data/import/mcp-realm.json"]).resolve() == REALM_FILE
    # The entrypoint wrapper turns the secrets into Keycloak's environment.
    wrapper = REPO_ROOT / mounts[keycloak["entrypoint"][-1]]
    for variable in ("KC_DB_PASSWORD", "KC_BOOTSTRAP_ADMIN_PASSWORD", "MCP_CLIENT_SECRET"):
        assert f"export {variable}" in wrapper.read_text() or re.search(rf"^export .*\b{variable}\b", wrapper.read_text(), re.M)


def test_postgres_keeps_its_data_in_a_named_volume(compose: dict[str, Any], services: dict[str, Any]) -> None:
    volume = services["postgres"]["volumes"][0].split(":")
    assert volume[1] == "/var/lib/postgresql/data" and volume[0] in compose["volumes"]
    assert environment_of(services["postgres"])["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password"


def test_redis_requires_the_password_from_its_secret(services: dict[str, Any]) -> None:
    command = " ".join(services["redis"]["command"])
    assert "requirepass" in command and "/run/secrets/redis_password" in command
    assert services["redis"]["secrets"] == ["redis_password"]


def test_every_secret_is_a_file_outside_version_control(compose: dict[str, Any], services: dict[str, Any]) -> None:
    used = {secret for service in services.values() for secret in service.get("secrets", [])}
    assert used == set(compose["secrets"])
    for name, spec in compose["secrets"].items():
        assert spec["file"] == f"./secrets/{name}"
    assert "/secrets/" in (REPO_ROOT / ".gitignore").read_text().split()
    assert "/.env" in (REPO_ROOT / ".gitignore").read_text().split()


def test_every_mounted_file_exists(services: dict[str, Any]) -> None:
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            # ./certs is made at run time by the certs service; named volumes have no path.
            if source.startswith("./") and source != "./certs":
                assert (REPO_ROOT / source).exists(), f"{name}: {source}"


def test_nginx_gets_every_template_variable(services: dict[str, Any]) -> None:
    env = environment_of(services["nginx"])
    placeholders = {
        match for template in NGINX_TEMPLATE_DIR.rglob("*.template")
        for match in re.findall(r"\$\{(NGINX_[A-Z0-9_]+)\}", template.read_text())
    }
    assert placeholders == set(env) - {"NGINX_ENVSUBST_FILTER"}
    # Only NGINX_* names are substituted, so nginx's own $variables survive the rendering.
    assert env["NGINX_ENVSUBST_FILTER"] == "^NGINX_"
    assert "./nginx/templates:/etc/nginx/templates:ro" in services["nginx"]["volumes"]


def test_env_example_lists_every_setting_with_a_comment() -> None:
    lines = ENV_EXAMPLE.read_text().splitlines()
    active, commented = parse_env_file(ENV_EXAMPLE)
    listed = set(active) | set(commented)
    missing = operator_variables() - listed
    assert not missing, f".env.example does not list {sorted(missing)}"
    # The password is a secret file (GATEHOUSE_REDIS_PASSWORD_FILE), never a value here.
    assert "GATEHOUSE_REDIS_PASSWORD" not in active
    for index, line in enumerate(lines):
        if re.fullmatch(r"#?\s*[A-Z][A-Z0-9_]*=.*", line) and not line.startswith("#"):
            above = [text for text in lines[:index] if text.strip()]
            assert above and above[-1].startswith("#"), f"no comment above {line!r}"


def test_compose_interpolation_variables_are_in_env_example() -> None:
    active, _ = parse_env_file(ENV_EXAMPLE)
    text = "\n".join(line for line in COMPOSE_FILE.read_text().splitlines() if not line.lstrip().startswith("#"))
    # ${NAME}, ${NAME:-default}, ${NAME:?message}; $$ escapes are not interpolation.
    used = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", text))
    assert used and used <= set(active), used - set(active)


def test_issuer_resource_and_keys_agree_across_keycloak_and_gatehouse(services: dict[str, Any]) -> None:
    active, _ = parse_env_file(ENV_EXAMPLE)
    # Keycloak writes ${KC_HOSTNAME}/realms/mcp-realm into iss; Gatehouse compares exactly.
    assert active["GATEHOUSE_ISSUER"] == active["KC_HOSTNAME"] + "/realms/mcp-realm"
    # nginx serves Keycloak and Gatehouse on one origin.
    assert active["GATEHOUSE_RESOURCE"] == active["KC_HOSTNAME"] + "/mcp"
    # The keys come straight from the keycloak service on the internal network.
    jwks = urlsplit(active["GATEHOUSE_JWKS_URI"])
    assert jwks.hostname == "keycloak" and services["keycloak"]["networks"] == ["internal"]
    assert jwks.path == "/realms/mcp-realm/protocol/openid-connect/certs"
    assert jwks.port == int(environment_of(services["nginx"])["NGINX_KEYCLOAK_UPSTREAM"].split(":")[1])
    if jwks.scheme == "http":
        assert active["GATEHOUSE_ALLOW_INSECURE_HTTP"] == "true"
    # The worker listens where nginx sends requests.
    assert active["GATEHOUSE_BIND"].endswith(":" + environment_of(services["nginx"])["NGINX_GATEHOUSE_UPSTREAM"].split(":")[1])


@pytest.mark.parametrize("env_file", [ENV_EXAMPLE, SYSTEMD_DIR / "gatehouse.env.example"], ids=["compose", "systemd"])
def test_example_configuration_passes_gatehouse_check_config(env_file: Path, tmp_path: Path) -> None:
    """The real loader accepts the shipped examples, without a single unknown-variable warning."""
    password_file = tmp_path / "redis_password"
    password_file.write_text("not-a-real-password\n")
    key_file = tmp_path / "shared_cache_key"
    key_file.write_text("0" * 64 + "\n")
    env = _child_environment({"GATEHOUSE_DOTENV": str(env_file)})
    if env_file == ENV_EXAMPLE:
        # What compose.yaml adds from its secrets.
        env["GATEHOUSE_REDIS_PASSWORD_FILE"] = str(password_file)
        env["GATEHOUSE_SHARED_CACHE_KEY_FILE"] = str(key_file)
    result = subprocess.run(
        [str(_executable("gatehouse")), "check-config"], env=env, cwd=tmp_path,
        capture_output=True, text=True, timeout=30,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "is not a Gatehouse setting" not in output


# --------------------------------------------------------------------------------------------
# No literal secret in any deployment file


PLACEHOLDER = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")
SHIPPED_FILES = [COMPOSE_FILE, ENV_EXAMPLE, DOCKERFILE, REALM_FILE, SYSTEMD_DIR / "gatehouse.env.example"]


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda path: path.name)
def test_no_high_entropy_literal(path: Path) -> None:
    found = high_entropy_literals(path.read_text())
    assert not found, f"{path.name}: {found}"


def test_compose_environment_has_no_secret_values(services: dict[str, Any]) -> None:
    for name, service in services.items():
        for key, value in environment_of(service).items():
            if SECRET_NAME.search(key):
                assert key.endswith("_FILE") and value.startswith("/run/secrets/"), f"{name}: {key}={value}"
    commands = json.dumps([service.get("command") for service in services.values()])
    assert "requirepass" not in commands or "/run/secrets/" in commands


def test_env_files_leave_every_secret_empty() -> None:
    for path in (ENV_EXAMPLE, SYSTEMD_DIR / "gatehouse.env.example"):
        active, commented = parse_env_file(path)
        for key, value in (active | commented).items():
            if SECRET_NAME.search(key) and not key.endswith("_FILE"):
                assert value == "", f"{path.name}: {key} has a value"


def test_realm_secrets_are_placeholders() -> None:
    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if SECRET_NAME.search(key) and key != "clientAuthenticatorType" and isinstance(value, str):
                    assert PLACEHOLDER.fullmatch(value), f"{where}/{key} is a literal"
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, f"{where}[{index}]")

    realm = json.loads(REALM_FILE.read_text())
    walk(realm, "realm")
    # No users with credentials either: people are created in the running Keycloak.
    assert "users" not in realm


def test_dockerfile_declares_no_secret() -> None:
    for line in DOCKERFILE.read_text().splitlines():
        if match := re.match(r"\s*(ENV|ARG)\s+([A-Za-z_][A-Za-z0-9_]*)", line):
            assert not SECRET_NAME.search(match.group(2)), line
    assert not re.search(r"^\s*COPY\s+.*(\.env|secrets|\.key|\.pem)", DOCKERFILE.read_text(), re.M)


def test_local_secrets_never_enter_the_build_context() -> None:
    ignored = (REPO_ROOT / ".dockerignore").read_text().split()
    for entry in (".env", "secrets", "certs", ".git", ".build", ".venv"):
        assert entry in ignored, entry


def test_make_dev_secrets_writes_random_distinct_values(tmp_path: Path) -> None:
    script = REPO_ROOT / "docker" / "make-dev-secrets.sh"
    subprocess.run(["sh", str(script), str(tmp_path / "secrets")], check=True, capture_output=True, timeout=30)
    values = {path.name: path.read_text() for path in (tmp_path / "secrets").iterdir()}
    compose_secrets = set(yaml.safe_load(COMPOSE_FILE.read_text())["secrets"])
    assert set(values) == compose_secrets
    assert len(set(values.values())) == len(values)
    assert all(re.fullmatch(r"[0-9a-f]{64}", value) for value in values.values())
    assert os.stat(tmp_path / "secrets").st_mode & 0o077 == 0
    # A second run keeps what is there.
    before = dict(values)
    subprocess.run(["sh", str(script), str(tmp_path / "secrets")], check=True, capture_output=True, timeout=30)
    assert {path.name: path.read_text() for path in (tmp_path / "secrets").iterdir()} == before


# --------------------------------------------------------------------------------------------
# The stack's shell snippets, run for real (with `$$` unescaped as compose does)


def compose_shell(text: str) -> str:
    return text.replace("$$", "$")


def test_keycloak_healthcheck_tells_ready_from_not_ready(services: dict[str, Any], tmp_path: Path) -> None:
    """The healthcheck's bash against a stand-in management port: 200 is healthy, 503 is not."""
    status = {"code": 200}

    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status["code"] if self.path == "/health/ready" else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        test = services["keycloak"]["healthcheck"]["test"]
        assert test[:3] == ["CMD", "bash", "-c"]
        script = compose_shell(test[3]).replace("/dev/tcp/127.0.0.1/9000", f"/dev/tcp/127.0.0.1/{server.server_address[1]}")
        assert subprocess.run(["bash", "-c", script], capture_output=True, timeout=30).returncode == 0
        status["code"] = 503
        assert subprocess.run(["bash", "-c", script], capture_output=True, timeout=30).returncode != 0
    finally:
        server.shutdown()
        server.server_close()


def test_redis_command_and_healthcheck_with_a_real_redis_server(services: dict[str, Any], tmp_path: Path) -> None:
    """The password reaches redis-server on stdin (not in its arguments), is required, and the
    healthcheck authenticates with it."""
    secret = tmp_path / "redis_password"
    secret.write_text("a-test-password\n")
    port = free_port()
    redis = services["redis"]
    command = compose_shell(redis["command"][2]).replace("/run/secrets/redis_password", str(secret))
    # Only the address differs from the container: a free port on loopback.
    command = command.replace("redis-server -", f"redis-server - --port {port} --bind 127.0.0.1")
    healthcheck = compose_shell(redis["healthcheck"]["test"][1]).replace("/run/secrets/redis_password", str(secret))
    healthcheck = healthcheck.replace("redis-cli ping", f"redis-cli -p {port} ping")
    # Its own process group: sh runs the pipeline's redis-server as a child, stopped with it.
    process = subprocess.Popen(
        redis["command"][:2] + [command], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        healthy = lambda: subprocess.run(["sh", "-c", healthcheck], capture_output=True, timeout=10).returncode == 0
        assert _poll(time.monotonic() + 15, healthy), "the healthcheck never passed"
        # `exec`: the container's first process is Redis itself, so a stop's SIGTERM reaches it.
        assert Path(f"/proc/{process.pid}/comm").read_text().strip() == "redis-server"
        anonymous = subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True, timeout=10)
        assert "NOAUTH" in anonymous.stdout + anonymous.stderr
        for pid in [process.pid, *map(int, Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split())]:
            assert b"a-test-password" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        # The group's redis-server leaves with the shell.
        assert _poll(time.monotonic() + 10, lambda: not group_alive(process.pid)), "redis-server outlived its test"
