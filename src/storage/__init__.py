"""The Storage protocol and the factory that picks local or S3 storage from the settings."""

from src.settings import Settings
from src.storage.base import PresignedUpload, Storage, StorageError, StoredObject, UploadRefused


def build_storage(settings: Settings) -> Storage:
    """The storage backend the settings ask for."""
    if settings.storage_backend == "s3":
        from src.storage.s3 import S3Storage

        return S3Storage.from_settings(settings)
    from src.storage.local import LocalStorage

    public = settings.public_url.rstrip("/")
    return LocalStorage(
        root=settings.media_root,
        base_url=public + settings.media_url,
        upload_url=public + "/uploads",
        secret=settings.secret_key.get_secret_value().encode(),
    )


__all__ = ["PresignedUpload", "Storage", "StorageError", "StoredObject", "UploadRefused", "build_storage"]
