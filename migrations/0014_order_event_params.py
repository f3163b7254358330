"""Timeline events name the stall part they are about (for who may see them) and keep parameters to render."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0013_order_number_sequence')]

    initial = False

    operations = [
        ops.AddField(
            model_name='OrderEvent',
            name='params',
            field=fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AddField(
            model_name='OrderEvent',
            name='stall_order',
            field=fields.ForeignKeyField('models.StallOrder', source_field='stall_order_id', null=True, db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE),
        ),
    ]
