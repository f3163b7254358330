"""Order numbers on PostgreSQL come from a sequence (no lock: a day's counter row would make every order wait
for the one before it to commit). SQLite keeps counting each day in order_number_counter.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops


def _is_postgres(schema_editor) -> bool:
    return schema_editor.client.capabilities.dialect == "postgres"


async def forward(apps, schema_editor) -> None:
    if _is_postgres(schema_editor):
        await schema_editor.client.execute_script("CREATE SEQUENCE IF NOT EXISTS order_number_seq;")


async def backward(apps, schema_editor) -> None:
    if _is_postgres(schema_editor):
        await schema_editor.client.execute_script("DROP SEQUENCE IF EXISTS order_number_seq;")


class Migration(migrations.Migration):
    dependencies = [("models", "0012_reports")]

    operations = [ops.RunPython(forward, backward)]
