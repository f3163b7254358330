"""The Storage protocol and the factory that picks local or S3 storage from the settings."""

from src.settings import Settings
from src.storage.base import PresignedUpload, Storage, StorageError, StoredObject


def build_storage(settings: Settings) -> Storage:
    """The storage backend the settings ask for."""
    if settings.storage_backend == "s3":
        from src.storage.s3 import S3Storage

        return S3Storage.from_settings(settings)
    from src.storage.local import LocalStorage

    return LocalStorage(root=settings.media_root, base_url=settings.public_url.rstrip("/") + settings.media_url)


__all__ = ["PresignedUpload", "Storage", "StorageError", "StoredObject", "build_storage"]
