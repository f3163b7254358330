"""Trigram search for the catalog on PostgreSQL: the pg_trgm extension and a GIN index on search_text.

SQLite has neither; its catalog search falls back to substring matching, so nothing is done there.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops


def _is_postgres(schema_editor) -> bool:
    return schema_editor.client.capabilities.dialect == "postgres"


async def forward(apps, schema_editor) -> None:
    if _is_postgres(schema_editor):
        await schema_editor.client.execute_script(
            "CREATE EXTENSION IF NOT EXISTS pg_trgm;"
            "CREATE INDEX IF NOT EXISTS product_search_text_trgm ON product USING gin (search_text gin_trgm_ops);"
        )


async def backward(apps, schema_editor) -> None:
    if _is_postgres(schema_editor):
        await schema_editor.client.execute_script("DROP INDEX IF EXISTS product_search_text_trgm;")


class Migration(migrations.Migration):
    dependencies = [("models", "0003_catalog")]

    operations = [ops.RunPython(forward, backward)]
