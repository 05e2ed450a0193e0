"""deploy/ and docs/DEPLOY.md use only what the server has: CLI options, env vars, settings."""

from __future__ import annotations

import importlib
import inspect
import json
import re
import shlex
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from desktop_auth.server import cli
from desktop_auth.server.config import ServerConfig, load_config
from desktop_auth.server.state import server_state

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SERVER_SOURCES = ROOT / "desktop_auth" / "server"
SERVER_SERVICES = ("init", "server-1", "server-2")
# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}, ${VAR?message}; $$ is a literal $.
INTERPOLATION = re.compile(r"\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


def env_example() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's variable interpolation, for the forms compose.yaml uses."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, operator, argument = match.groups()
        if name in env and (env[name] or not (operator or "").startswith(":")):
            return env[name]
        assert operator, f"${{{name}}} is not in .env.example"
        assert operator.endswith("-"), f"${{{name}}} is not in .env.example"
        return str(argument)

    return INTERPOLATION.sub(replace, value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    yaml = pytest.importorskip("yaml", reason="PyYAML reads compose.yaml; it is not installed")
    with (DEPLOY / "compose.yaml").open(encoding="utf-8") as file:
        raw = yaml.safe_load(file)  # resolves the << merge keys
    return dict(interpolate(raw, env_example()))


def env_vars_the_server_reads() -> set[str]:
    """Every os.environ / os.getenv name in the server package, constants resolved."""
    names: set[str] = set()
    for path in SERVER_SOURCES.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        constants = dict(re.findall(r'^(\w+) = "([A-Z][A-Z0-9_]*)"', source, re.MULTILINE))
        for ref in re.findall(r"(?:environ\.get\(|environ\[|getenv\()\s*([\w\"']+)", source):
            name = ref.strip("\"'")
            names.add(constants.get(name, name))
    return {name for name in names if re.fullmatch(r"[A-Z][A-Z0-9_]*", name)}


def gunicorn_args(command: list[str]) -> Any:
    pytest.importorskip("gunicorn", reason="gunicorn (a dev dependency) parses its own options")
    from gunicorn.config import Config

    assert command[0] == "gunicorn", command
    return Config().parser().parse_args(command[1:])


def assert_app_target_exists(target: str) -> None:
    """gunicorn's ``module:expression`` target: here a call of a factory with no arguments."""
    module_name, _, expression = target.partition(":")
    match = re.fullmatch(r"(\w+)\(\)", expression)
    assert match, f"{target}: expected module:factory()"
    factory = getattr(importlib.import_module(module_name), match.group(1))
    required = [
        p
        for p in inspect.signature(factory).parameters.values()
        if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    assert not required, f"{target} needs arguments: {required}"


def parse_server_command(words: list[str]) -> Any:
    assert words[0] == "desktop-auth-server", words
    try:
        return cli._parser().parse_args(words[1:])
    except SystemExit:
        pytest.fail(f"desktop-auth-server refuses {shlex.join(words)}")


def test_compose_starts_postgres_init_two_servers_and_a_proxy(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "init", "server-1", "server-2", "proxy"}
    for name in SERVER_SERVICES:
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
        assert (DEPLOY / services[name]["build"]["context"] / "pyproject.toml").is_file()
    assert services["init"]["restart"] == "no"
    for name in ("server-1", "server-2"):
        after = services[name]["depends_on"]
        assert after["init"]["condition"] == "service_completed_successfully"
        assert after["postgres"]["condition"] == "service_healthy"
    assert services["proxy"]["ports"] == [f"{env_example()['HTTPS_PORT']}:443"]


def test_init_service_runs_init_with_the_public_issuer(compose: dict[str, Any]) -> None:
    init = compose["services"]["init"]
    args = parse_server_command(init["command"])
    assert args.command == "init"
    env = env_example()
    assert args.issuer == env["DESKTOP_AUTH_ISSUER"]
    assert args.issuer == f"https://{env['DESKTOP_AUTH_HOST']}:{env['HTTPS_PORT']}"
    assert init["entrypoint"] == ["/usr/local/bin/desktop-auth-seed-settings"]
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "COPY deploy/seed-settings.sh /usr/local/bin/desktop-auth-seed-settings" in dockerfile


def test_server_instances_run_gunicorn_with_real_options(compose: dict[str, Any]) -> None:
    for name in ("server-1", "server-2"):
        args = gunicorn_args(compose["services"][name]["command"])
        assert args.workers == int(env_example()["GUNICORN_WORKERS"])
        assert args.worker_class == "sync"
        assert args.bind == ["0.0.0.0:8000"]
        assert args.args == ["desktop_auth.server.wsgi:create_app_from_env()"]
        assert_app_target_exists(args.args[0])


def test_dockerfile_default_command_is_a_real_gunicorn_command() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", "")
    cmd = re.search(r"^CMD (\[.*\])$", text, re.MULTILINE)
    assert cmd, "the Dockerfile has no exec-form CMD"
    args = gunicorn_args(json.loads(cmd.group(1)))
    assert_app_target_exists(args.args[0])


def test_compose_sets_only_env_vars_the_server_reads(compose: dict[str, Any]) -> None:
    read = env_vars_the_server_reads()
    assert {"DATABASE_URL", "DESKTOP_AUTH_SERVER_DATA_DIR"} <= read
    for name in SERVER_SERVICES:
        environment = compose["services"][name]["environment"]
        assert set(environment) <= read, f"{name} sets {set(environment) - read}"


def test_database_url_names_the_postgres_service_with_psycopg(compose: dict[str, Any]) -> None:
    from sqlalchemy.engine import make_url

    services = compose["services"]
    url = make_url(services["server-1"]["environment"]["DATABASE_URL"])
    postgres = services["postgres"]["environment"]
    assert url.drivername == "postgresql+psycopg"
    assert (url.host, url.port) == ("postgres", 5432)
    assert url.username == postgres["POSTGRES_USER"]
    assert url.password == postgres["POSTGRES_PASSWORD"]
    assert url.database == postgres["POSTGRES_DB"]


@pytest.fixture(scope="module")
def deployed_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The server as the init service leaves it: deploy/server.json plus the issuer."""
    from desktop_auth.server.app import create_app, shutdown

    data_dir = tmp_path_factory.mktemp("deploy") / "server"
    data_dir.mkdir(mode=0o700)
    shutil.copy(DEPLOY / "server.json", data_dir / "server.json")
    config = load_config(data_dir, issuer=env_example()["DESKTOP_AUTH_ISSUER"])
    app = create_app(config, start_worker=False)
    yield app
    shutdown(app)


def test_deployment_settings_are_server_settings(deployed_app: Flask) -> None:
    settings = json.loads((DEPLOY / "server.json").read_text(encoding="utf-8"))
    assert set(settings) <= set(ServerConfig.__dataclass_fields__) - {"data_dir"}
    # One proxy (Caddy) in front: its X-Forwarded-For entry is the one to believe.
    assert server_state(deployed_app).config.trusted_proxies == 1


def test_requests_through_the_proxy_are_not_refused_as_insecure(deployed_app: Flask) -> None:
    # Caddy talks plain HTTP to the instances; only the trusted X-Forwarded-Proto tells the
    # server the client used https (Authlib refuses OAuth requests over http otherwise).
    response = deployed_app.test_client().post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": "unknown", "client_id": "x"},
        base_url="http://server-1:8000",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"},
        environ_base={"REMOTE_ADDR": "172.18.0.9"},
    )
    assert response.status_code in (400, 401)
    assert response.get_json()["error"] != "insecure_transport"


def test_proxy_balances_over_both_instances_and_probes_a_real_page(
    compose: dict[str, Any], deployed_app: Flask
) -> None:
    caddyfile = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    upstreams = re.search(r"^\s*reverse_proxy ([^{\n]+)\{", caddyfile, re.MULTILINE)
    assert upstreams, "no reverse_proxy in the Caddyfile"
    assert upstreams.group(1).split() == ["server-1:8000", "server-2:8000"]
    probe = re.search(r"^\s*health_uri (\S+)$", caddyfile, re.MULTILINE)
    assert probe, "no health_uri in the Caddyfile"
    healthcheck = " ".join(compose["services"]["server-1"]["healthcheck"]["test"])
    assert f"http://127.0.0.1:8000{probe.group(1)}" in healthcheck
    assert deployed_app.test_client().get(probe.group(1)).status_code == 200


def test_env_example_holds_placeholders_and_stays_out_of_the_image() -> None:
    env = env_example()
    assert env["POSTGRES_PASSWORD"].startswith("change-me")
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()
    assert "deploy/.env" in ignored


def test_deploy_guide_uses_real_server_commands() -> None:
    guide = (ROOT / "docs" / "DEPLOY.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^ *```(?:sh|console)\n(.*?)^ *```", guide, re.MULTILINE | re.DOTALL)
    commands = []
    for block in blocks:
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line.split("|")[-1].split("&&")[0], comments=True)
            if "desktop-auth-server" in words:
                commands.append(words[words.index("desktop-auth-server") :])
    assert len(commands) >= 4, commands
    for words in commands:
        parse_server_command(words)
