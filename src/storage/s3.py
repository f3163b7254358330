"""Storage on any S3-compatible server (AWS, MinIO, SeaweedFS) through boto3, off the event loop."""

import asyncio
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from src.settings import Settings
from src.storage.base import PresignedUpload, StorageError, StoredObject
from src.storage.keys import validate_key


class S3Storage:
    """Objects in one bucket; boto3 clients are thread-safe, so one is shared by all calls."""

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None,
        access_key: str | None,
        secret_key: str | None,
        region: str = "us-east-1",
        addressing_style: str = "path",
        public_base_url: str | None = None,
        public_variants: bool = True,
        url_expiry: int = 3600,
        connect_timeout: float = 3.0,
        read_timeout: float = 10.0,
    ) -> None:
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.public_variants = public_variants
        self.url_expiry = url_expiry
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name=region,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": addressing_style},
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                retries={"max_attempts": 2, "mode": "standard"},
            ),
        )
        if public_base_url:
            self.public_base_url = public_base_url.rstrip("/")
        elif endpoint_url:
            self.public_base_url = f"{endpoint_url.rstrip('/')}/{bucket}"
        else:
            self.public_base_url = f"https://{bucket}.s3.{region}.amazonaws.com"

    @classmethod
    def from_settings(cls, settings: Settings) -> "S3Storage":
        return cls(
            bucket=settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            access_key=settings.s3_access_key.get_secret_value() if settings.s3_access_key else None,
            secret_key=settings.s3_secret_key.get_secret_value() if settings.s3_secret_key else None,
            region=settings.s3_region,
            addressing_style=settings.s3_addressing_style,
            public_base_url=settings.s3_public_base_url,
            public_variants=settings.s3_public_variants,
            url_expiry=settings.s3_presign_expiry_seconds,
        )

    async def _call(self, method: str, **kwargs: Any) -> Any:
        try:
            return await asyncio.to_thread(getattr(self.client, method), **kwargs)
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"S3 {method} failed: {exc}") from exc

    async def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str,
        cache_control: str | None = None,
        public: bool = False,
    ) -> None:
        extra: dict[str, Any] = {"ContentType": content_type}
        if cache_control:
            extra["CacheControl"] = cache_control
        await self._call("put_object", Bucket=self.bucket, Key=validate_key(key), Body=data, **extra)

    async def get(self, key: str) -> StoredObject:
        response = await self._call("get_object", Bucket=self.bucket, Key=validate_key(key))
        data = await asyncio.to_thread(response["Body"].read)
        return StoredObject(data=data, content_type=response.get("ContentType"))

    async def delete(self, key: str) -> None:
        await self._call("delete_object", Bucket=self.bucket, Key=validate_key(key))

    async def exists(self, key: str) -> bool:
        return await self.size(key) is not None

    async def size(self, key: str) -> int | None:
        try:
            head = await asyncio.to_thread(self.client.head_object, Bucket=self.bucket, Key=validate_key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise StorageError(f"S3 head_object failed: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 head_object failed: {exc}") from exc
        return int(head["ContentLength"])

    def public_url(self, key: str) -> str:
        if not self.public_variants:
            return self.private_url(key, expires_in=self.url_expiry)  # a private bucket
        return f"{self.public_base_url}/{validate_key(key)}"

    def private_url(self, key: str, *, expires_in: int = 900) -> str:
        """A presigned GET, signed locally (no request to the server)."""
        return str(
            self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": validate_key(key)}, ExpiresIn=expires_in
            )
        )

    async def presigned_upload(
        self, key: str, *, content_type: str, max_bytes: int, expires_in: int = 900
    ) -> PresignedUpload:
        """A presigned POST that S3 itself limits to this key, content type and size range."""
        post = await self._call(
            "generate_presigned_post",
            Bucket=self.bucket,
            Key=validate_key(key),
            Fields={"Content-Type": content_type},
            Conditions=[
                {"Content-Type": content_type},
                ["content-length-range", 1, max_bytes],
            ],
            ExpiresIn=expires_in,
        )
        return PresignedUpload(url=post["url"], method="POST", fields=dict(post["fields"]))

    async def ensure_bucket(self) -> None:
        """Create the bucket if it is missing (development and tests; production buckets are provisioned)."""
        try:
            await asyncio.to_thread(self.client.head_bucket, Bucket=self.bucket)
        except ClientError:
            await self._call("create_bucket", Bucket=self.bucket)
        except BotoCoreError as exc:
            raise StorageError(f"S3 head_bucket failed: {exc}") from exc

    async def check(self) -> None:
        await self._call("head_bucket", Bucket=self.bucket)
