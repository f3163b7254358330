"""Product photos as the API shows them: status, size and a URL per variant."""

from enum import Enum
from typing import Any

import strawberry
from strawberry import relay

from src.schema.context import Info


@strawberry.enum
class PhotoSize(Enum):
    THUMB = "THUMB"
    SMALL = "SMALL"
    MEDIUM = "MEDIUM"
    LARGE = "LARGE"


@strawberry.enum
class PhotoFormat(Enum):
    WEBP = "WEBP"
    JPEG = "JPEG"


@strawberry.enum
class PhotoStatusEnum(Enum):
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    READY = "READY"
    FAILED = "FAILED"


@strawberry.type(name="ProductPhoto")
class PhotoType(relay.Node):
    id: relay.NodeID[int]
    status: PhotoStatusEnum
    width: int | None
    height: int | None
    variants: strawberry.Private[dict[str, str]]

    @strawberry.field(description="Public URL of one variant; null until the photo is READY.")
    def url(self, info: Info, size: PhotoSize = PhotoSize.MEDIUM, format: PhotoFormat = PhotoFormat.WEBP) -> str | None:
        key = self.variants.get(f"{size.value}.{format.value}")
        return info.context.storage.public_url(key) if key else None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "PhotoType":
        return cls(
            id=row["id"],
            status=PhotoStatusEnum(row["status"]),
            width=row["width"],
            height=row["height"],
            variants=row["variants"] or {},
        )
