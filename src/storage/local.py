"""Storage on the local filesystem, served at /media: the embedded default for one machine."""

import asyncio
import json
import os
from pathlib import Path

from src.storage.base import PresignedUpload, StorageError, StoredObject
from src.storage.keys import validate_key


class LocalStorage:
    """Objects as files under a root folder, content type kept in a sidecar file."""

    def __init__(self, *, root: Path, base_url: str) -> None:
        self.root = root
        self.base_url = base_url.rstrip("/")

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

    def public_file(self, key: str) -> tuple[Path, dict[str, str]] | None:
        """The file and response headers for /media, or None when the object is missing or private."""
        try:
            path, meta = self._path(key), self._meta_path(key)
        except ValueError:
            return None
        if not (path.is_file() and meta.is_file()):
            return None
        doc = json.loads(meta.read_text())
        if not doc.get("public"):
            return None
        headers = {"Content-Type": doc.get("content_type") or "application/octet-stream"}
        if doc.get("cache_control"):
            headers["Cache-Control"] = doc["cache_control"]
        return path, headers

    async def presigned_upload(
        self, key: str, *, content_type: str, max_bytes: int, expires_in: int = 900
    ) -> PresignedUpload:
        raise StorageError("local storage has no direct uploads; use the GraphQL multipart upload")

    async def check(self) -> None:
        def _check() -> None:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / ".ready"
            probe.write_bytes(b"ok")
            probe.unlink()

        try:
            await asyncio.to_thread(_check)
        except OSError as exc:
            raise StorageError(f"media folder {self.root} is not writable: {exc}") from exc
