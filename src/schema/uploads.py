"""A file sent with a GraphQL multipart request, read for a service: one upload helper for every mutation."""

from typing import Any

from starlette.datastructures import UploadFile

from src.schema.context import Info
from src.services.common import ratelimit


async def upload_rate(info: Info, user_id: int) -> None:
    """Count an upload against the user's upload rate (RATE_LIMIT_EXCEEDED beyond it)."""
    await ratelimit.hit(
        info.context.queue,
        action="upload",
        who=str(user_id),
        limit=info.context.settings.rate_uploads_per_minute,
        window_seconds=60,
    )


async def read_upload(info: Info, upload: Any, *, user_id: int | None = None) -> bytes:
    """The file's bytes, at most one more than a photo may have (that byte tells the service it is too big),
    counted against `user_id`'s upload rate first when given."""
    if user_id is not None:
        await upload_rate(info, user_id)
    file: UploadFile = upload  # Starlette's upload behind the scalar
    try:
        return await file.read(info.context.settings.max_photo_bytes + 1)
    finally:
        await file.close()
