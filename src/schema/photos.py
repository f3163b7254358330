"""Product photos: their type (status, size, a URL per variant) and the traders' photo mutations."""

from collections.abc import Iterable
from enum import Enum
from typing import Any, cast

import strawberry
from strawberry import relay
from strawberry.file_uploads import Upload
from strawberry.scalars import JSON

from src.models.media import ProductPhoto
from src.schema.context import Info
from src.schema.errors import UserError, payload_mutation
from src.schema.ids import db_ids, decode_id
from src.schema.permissions import current_user
from src.schema.uploads import read_upload, upload_rate
from src.services import photos as photos_service
from src.services.common.i18n import translate
from src.storage import Storage


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
    reason: strawberry.Private[str | None] = None

    @strawberry.field(description="Public URL of one variant; null until the photo is READY.")
    def url(self, info: Info, size: PhotoSize = PhotoSize.MEDIUM, format: PhotoFormat = PhotoFormat.WEBP) -> str | None:
        return variant_url(self.variants, size, format, info.context.storage)

    @strawberry.field(description="Why processing failed, for the trader to read; null otherwise.")
    def failure_reason(self, info: Info) -> str | None:
        return translate(self.reason, info.context.language) if self.reason else None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "PhotoType":
        return cls(
            id=row["id"],
            status=PhotoStatusEnum(row["status"]),
            width=row["width"],
            height=row["height"],
            variants=row["variants"] or {},
            reason=row.get("failure_reason"),
        )

    @classmethod
    def from_model(cls, photo: ProductPhoto) -> "PhotoType":
        return cls.from_row(
            {
                "id": photo.id,
                "status": photo.status.value,
                "width": photo.width,
                "height": photo.height,
                "variants": photo.variants,
                "failure_reason": photo.failure_reason,
            }
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        # A READY photo is public; the others only to the product's trader.
        photos = await photos_service.visible_photos(viewer=await info.context.get_user(), ids=db_ids(node_ids))
        return [cls.from_model(p) if p is not None else None for p in photos]


def variant_url(variants: dict[str, str], size: PhotoSize, format: PhotoFormat, storage: Storage) -> str | None:
    key = variants.get(f"{size.value}.{format.value}")
    return storage.public_url(key) if key else None


@strawberry.type
class DirectUpload:
    url: str
    method: str
    headers: JSON = strawberry.field(description="HTTP headers to send with the upload.")
    fields: JSON = strawberry.field(description="Form fields to send before the file (a presigned POST).")


@strawberry.input
class RequestPhotoUploadInput:
    product_id: relay.GlobalID
    content_type: str = strawberry.field(description="image/jpeg, image/png or image/webp")
    byte_size: int


@strawberry.input
class CompletePhotoUploadInput:
    photo_id: relay.GlobalID


@strawberry.input
class UploadProductPhotoInput:
    product_id: relay.GlobalID
    file: Upload


@strawberry.input
class DeletePhotoInput:
    photo_id: relay.GlobalID


@strawberry.type
class RequestPhotoUploadPayload:
    photo: PhotoType | None = None
    upload: DirectUpload | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PhotoPayload:
    photo: PhotoType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PhotosMutation:
    @payload_mutation(description="Trader: a presigned upload straight to storage, for one photo of a product.")
    async def request_photo_upload(self, info: Info, input: RequestPhotoUploadInput) -> RequestPhotoUploadPayload:
        actor = await current_user(info)
        await upload_rate(info, actor.id)
        result = await photos_service.request_photo_upload(
            actor=actor,
            product_id=decode_id(input.product_id, "Product", field="productId"),
            content_type=input.content_type,
            byte_size=input.byte_size,
            storage=info.context.storage,
            settings=info.context.settings,
        )
        upload = result.upload
        return RequestPhotoUploadPayload(
            photo=PhotoType.from_model(result.photo),
            upload=DirectUpload(
                url=upload.url,
                method=upload.method,
                headers=cast(JSON, upload.headers),
                fields=cast(JSON, upload.fields),
            ),
        )

    @payload_mutation(description="Trader: the direct upload is done; processing is queued.")
    async def complete_photo_upload(self, info: Info, input: CompletePhotoUploadInput) -> PhotoPayload:
        photo = await photos_service.complete_photo_upload(
            actor=await current_user(info),
            photo_id=decode_id(input.photo_id, "ProductPhoto", field="photoId"),
            storage=info.context.storage,
            queue=info.context.queue,
        )
        return PhotoPayload(photo=PhotoType.from_model(await photos_service.get_photo(photo_id=photo.id)))

    @payload_mutation(description="Trader: upload a photo through the API (GraphQL multipart request).")
    async def upload_product_photo(self, info: Info, input: UploadProductPhotoInput) -> PhotoPayload:
        actor = await current_user(info)
        data = await read_upload(info, input.file, user_id=actor.id)
        photo = await photos_service.upload_product_photo(
            actor=actor,
            product_id=decode_id(input.product_id, "Product", field="productId"),
            data=data,
            storage=info.context.storage,
            queue=info.context.queue,
            settings=info.context.settings,
        )
        return PhotoPayload(photo=PhotoType.from_model(photo))

    @payload_mutation(description="Trader: delete a photo and all its variants.")
    async def delete_photo(self, info: Info, input: DeletePhotoInput) -> PhotoPayload:
        photo = await photos_service.delete_photo(
            actor=await current_user(info),
            photo_id=decode_id(input.photo_id, "ProductPhoto", field="photoId"),
            storage=info.context.storage,
        )
        return PhotoPayload(photo=PhotoType.from_model(photo))
