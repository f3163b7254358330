"""Opening hours that run themselves: weekly hours, closed dates and holidays open, for markets and stalls,
and what the hours last set a stall to."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0021_product_inactive')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Market',
            name='opening_schedule',
            field=fields.JSONField(null=True, description='weekly hours, closed dates, holidays open', encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AddField(
            model_name='Stall',
            name='opening_schedule',
            field=fields.JSONField(null=True, description='own weekly hours, closed dates, holidays open', encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AddField(
            model_name='Stall',
            name='scheduled_open',
            field=fields.BooleanField(null=True),
        ),
    ]
