"""compose/ checked as far as it can be without a Docker engine: the file
parses, every service is there, the images build from files that exist,
and every EXECQ_ variable it sets is one the programs read."""
import os
import re
import subprocess

import yaml

from conftest import BUILD, TOP

COMPOSE = os.path.join(TOP, "compose", "docker-compose.yml")


def known_env(program):
    out = subprocess.run([os.path.join(BUILD, program), "--help"], capture_output=True, text=True,
                         check=True).stdout
    return set(re.findall(r"\bEXECQ_[A-Z_]+\b", out))


def test_compose_file():
    doc = yaml.safe_load(open(COMPOSE))
    services = doc["services"]
    assert set(services) == {"kafka", "api", "executor", "hooks"}
    for name, program in (("api", "execq-api"), ("executor", "execq-executor"), ("hooks", "execq-hooks")):
        svc = services[name]
        assert svc["command"] == [program]
        dockerfile = os.path.normpath(os.path.join(os.path.dirname(COMPOSE), svc["build"]["context"],
                                                   svc["build"]["dockerfile"]))
        assert os.path.isfile(dockerfile)
        unknown = set(svc["environment"]) - known_env(program)
        assert not unknown, f"{name} sets variables nobody reads: {unknown}"
        assert svc["environment"]["EXECQ_BROKERS"] == "kafka:9092"
    assert services["executor"]["privileged"] is True
    # execq-hooks reads the API's store: the same file on the same volume.
    assert services["hooks"]["environment"]["EXECQ_DB_PATH"] == services["api"]["environment"]["EXECQ_DB_PATH"]
    assert services["hooks"]["volumes"] == services["api"]["volumes"]


def test_shared_store_override():
    """The two-API override: a PostgreSQL service, both APIs on it with
    their own reply partitions, every variable one the API reads."""
    doc = yaml.safe_load(open(os.path.join(TOP, "compose", "docker-compose.shared.yml")))
    services = doc["services"]
    base = yaml.safe_load(open(COMPOSE))["services"]
    assert set(services) == {"db", "api", "api2", "hooks"} and services["db"]["image"].startswith("postgres:")
    assert services["hooks"]["environment"]["EXECQ_DB_URL"] == services["api"]["environment"]["EXECQ_DB_URL"]
    parts = set()
    for name in ("api", "api2"):
        env = dict(base.get(name, {}).get("environment", {}), **services[name]["environment"])
        assert env["EXECQ_DB_URL"].startswith("postgresql://") and "@db:5432/" in env["EXECQ_DB_URL"]
        assert not set(env) - known_env("execq-api"), set(env) - known_env("execq-api")
        parts.add(env["EXECQ_REPLY_PARTITION"])
    assert len(parts) == 2
    assert services["api2"]["command"] == ["execq-api"] and "db" in services["api2"]["depends_on"]


def test_dockerfile_copies_what_exists():
    text = open(os.path.join(TOP, "compose", "Dockerfile")).read()
    for src in re.findall(r"^COPY (?!--)(\S+) ", text, re.M):
        assert os.path.exists(os.path.join(TOP, src)), src
    for pkg in ("librdkafka-dev", "libmicrohttpd-dev", "libcjson-dev", "libcgroup-dev", "libseccomp-dev",
                "libpython3-dev", "libpython3.11-dev", "libpq-dev", "libpq5", "libedit-dev", "libedit2"):
        assert pkg in text
    # The executor starts the launcher from its own directory.
    copied = re.findall(r"^COPY --from=build (.+) (\S+)$", text, re.M)
    assert any("execq-executor" in srcs and "execq-launcher" in srcs for srcs, _ in copied), copied


def test_dockerfile_copies_every_source_folder():
    """The image builds with `make all`: every folder a program's sources
    come from must be copied in (sandbox/ was missed once)."""
    text = open(os.path.join(TOP, "compose", "Dockerfile")).read()
    copied = set(re.findall(r"^COPY (?!--)(\S+) ", text, re.M))
    makefile = open(os.path.join(TOP, "Makefile")).read()
    folders = {d for d in re.findall(r"(?<![\w$/)-])([a-z][\w-]*)/[\w-]+\.c\b", makefile) if d != "tests"}
    assert {"common", "producer-api", "executor", "sandbox", "cli", "hooks"} <= folders, folders
    assert not folders - copied, f"the Dockerfile does not copy {folders - copied}"
