"""docker-compose.yml describes the whole system, each service with a healthcheck."""

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = {"postgres", "redis", "minio", "minio-setup", "migrate", "api", "worker"}
ONE_SHOT = {"minio-setup", "migrate"}


def _compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "docker-compose.yml").read_text()))


def test_compose_has_every_service_with_a_healthcheck() -> None:
    services = _compose()["services"]
    assert set(services) == EXPECTED
    for name, service in services.items():
        if name not in ONE_SHOT:
            assert "healthcheck" in service, f"{name} has no healthcheck"
    api_env = services["api"]["environment"]
    assert api_env["ENVIRONMENT"] == "production"
    assert api_env["STORAGE_BACKEND"] == "s3"
    assert services["api"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_compose_file_is_accepted_by_docker_compose() -> None:
    binary = shutil.which("docker-compose")
    if binary is None:
        # Without the tool, at least the references must resolve: YAML anchors, build context, volumes.
        compose = _compose()
        assert (ROOT / "Dockerfile").exists()
        declared = set(compose["volumes"])
        used = {v.split(":")[0] for s in compose["services"].values() for v in s.get("volumes", [])}
        assert used <= declared
        return
    env = dict(os.environ, SECRET_KEY="x" * 40)
    result = subprocess.run([binary, "config", "-q"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
