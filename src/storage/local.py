"""Storage on the local filesystem, served at /media: the embedded default for one machine."""

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from src.storage.base import PresignedUpload, StorageError, StoredObject, UploadRefused
from src.storage.keys import validate_key


class LocalStorage:
    """Objects as files under a root folder, content type kept in a sidecar file."""

    def __init__(self, *, root: Path, base_url: str, upload_url: str, secret: bytes) -> None:
        self.root = root
        self.base_url = base_url.rstrip("/")
        self.upload_url = upload_url
        self.secret = secret

    def _path(self, key: str) -> Path:
        return self.root / validate_key(key)

    def _meta_path(self, key: str) -> Path:
        return self.root / ".meta" / (validate_key(key) + ".json")

    async def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str,
        cache_control: str | None = None,
        public: bool = False,
    ) -> None:
        path, meta = self._path(key), self._meta_path(key)
        meta_doc = {"content_type": content_type, "cache_control": cache_control, "public": public}

        def _write() -> None:
            for target, payload in ((path, data), (meta, json.dumps(meta_doc).encode())):
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(target.name + ".tmp")
                tmp.write_bytes(payload)
                os.replace(tmp, target)  # readers never see half a file

        await asyncio.to_thread(_write)

    async def get(self, key: str) -> StoredObject:
        path, meta = self._path(key), self._meta_path(key)

        def _read() -> StoredObject:
            try:
                data = path.read_bytes()
            except FileNotFoundError as exc:
                raise StorageError(f"no object {key}") from exc
            content_type = None
            if meta.exists():
                content_type = json.loads(meta.read_text()).get("content_type")
            return StoredObject(data=data, content_type=content_type)

        return await asyncio.to_thread(_read)

    async def delete(self, key: str) -> None:
        def _delete() -> None:
            self._path(key).unlink(missing_ok=True)
            self._meta_path(key).unlink(missing_ok=True)

        await asyncio.to_thread(_delete)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)

    def public_url(self, key: str) -> str:
        return f"{self.base_url}/{validate_key(key)}"

    def private_url(self, key: str, *, expires_in: int = 900) -> str:
        """A link to a private object that works until it expires, like an S3 presigned GET."""
        expires = int(time.time()) + expires_in
        return f"{self.base_url}/{validate_key(key)}?expires={expires}&signature={self._sign_get(key, expires)}"

    def _sign_get(self, key: str, expires: int) -> str:
        signing = hmac.new(self.secret, b"pasar local private get", hashlib.sha256).digest()
        return hmac.new(signing, f"{key}\n{expires}".encode(), hashlib.sha256).hexdigest()

    def _signed(self, key: str, expires: str | None, signature: str | None) -> bool:
        if not expires or not expires.isdigit() or int(expires) < time.time():
            return False
        return hmac.compare_digest(self._sign_get(key, int(expires)), signature or "")

    def public_file(
        self, key: str, *, expires: str | None = None, signature: str | None = None
    ) -> tuple[Path, dict[str, str]] | None:
        """The file and response headers for /media, or None when the object is missing, or private and
        not asked for with a valid signature."""
        try:
            path, meta = self._path(key), self._meta_path(key)
        except ValueError:
            return None
        if not (path.is_file() and meta.is_file()):
            return None
        doc = json.loads(meta.read_text())
        if not doc.get("public") and not self._signed(key, expires, signature):
            return None
        headers = {"Content-Type": doc.get("content_type") or "application/octet-stream"}
        if doc.get("cache_control"):
            headers["Cache-Control"] = doc["cache_control"]
        return path, headers

    async def size(self, key: str) -> int | None:
        def _size() -> int | None:
            try:
                return self._path(key).stat().st_size
            except FileNotFoundError:
                return None

        return await asyncio.to_thread(_size)

    async def presigned_upload(
        self, key: str, *, content_type: str, max_bytes: int, expires_in: int = 900
    ) -> PresignedUpload:
        """Like S3's presigned POST: a signed policy that /uploads checks before it stores anything."""
        policy = {
            "key": validate_key(key),
            "content_type": content_type,
            "max_bytes": max_bytes,
            "expires": int(time.time()) + expires_in,
        }
        encoded = base64.urlsafe_b64encode(json.dumps(policy, separators=(",", ":")).encode()).decode()
        fields = {"key": key, "Content-Type": content_type, "policy": encoded, "signature": self._sign(encoded)}
        return PresignedUpload(url=self.upload_url, method="POST", fields=fields)

    def _sign(self, policy: str) -> str:
        # A key of its own, derived from the secret: upload policies and access tokens never share one.
        key = hmac.new(self.secret, b"pasar local upload policy", hashlib.sha256).digest()
        return hmac.new(key, policy.encode(), hashlib.sha256).hexdigest()

    def verify_upload_policy(self, *, policy: str, signature: str, content_type: str) -> dict[str, Any]:
        """The policy of a direct upload, or UploadRefused (bad signature, expired, another content type)."""
        if not hmac.compare_digest(self._sign(policy), signature or ""):
            raise UploadRefused(403, "signature does not match")
        try:
            document: dict[str, Any] = json.loads(base64.urlsafe_b64decode(policy.encode()))
        except (ValueError, binascii.Error) as exc:
            raise UploadRefused(400, "malformed policy") from exc
        if document["expires"] < time.time():
            raise UploadRefused(403, "policy expired")
        if content_type != document["content_type"]:
            raise UploadRefused(403, "content type not allowed by the policy")
        return document

    async def check(self) -> None:
        def _check() -> None:
            self.root.mkdir(parents=True, exist_ok=True)
            # A name of its own, so two checks at once never remove each other's probe.
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".ready-"):
                pass

        try:
            await asyncio.to_thread(_check)
        except OSError as exc:
            raise StorageError(f"media folder {self.root} is not writable: {exc}") from exc
