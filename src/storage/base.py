"""What every storage backend offers, independent of where the bytes live."""

from dataclasses import dataclass, field
from typing import Protocol

PUBLIC_IMMUTABLE = "public, max-age=31536000, immutable"


class StorageError(Exception):
    """A storage operation failed (unreachable server, refused request); often transient."""


class UploadRefused(Exception):
    """A direct upload that breaks its policy; `status` is the HTTP answer (as S3 would give)."""

    def __init__(self, status: int, reason: str) -> None:
        self.status = status
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class StoredObject:
    """Bytes read back from storage with their content type."""

    data: bytes
    content_type: str | None


@dataclass(frozen=True)
class PresignedUpload:
    """How a client uploads one object straight to storage."""

    url: str
    method: str
    headers: dict[str, str] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)


class Storage(Protocol):
    """A place for objects addressed by key: originals stay private, variants are public."""

    async def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str,
        cache_control: str | None = None,
        public: bool = False,
    ) -> None: ...

    async def get(self, key: str) -> StoredObject: ...

    async def delete(self, key: str) -> None: ...

    async def exists(self, key: str) -> bool: ...

    async def size(self, key: str) -> int | None:
        """The object's size in bytes, or None when there is no such object."""
        ...

    def public_url(self, key: str) -> str: ...

    def private_url(self, key: str, *, expires_in: int = 900) -> str:
        """A link to a private object, valid for `expires_in` seconds."""
        ...

    async def presigned_upload(
        self, key: str, *, content_type: str, max_bytes: int, expires_in: int = 900
    ) -> PresignedUpload: ...

    async def check(self) -> None:
        """Raise StorageError when the backend cannot be used (for /readyz)."""
        ...
