"""Products may be off sale for now (INACTIVE): hidden from buyers, kept for the trader."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from src.models.catalog import ProductStatus
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0015_payments')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Product',
            name='status',
            field=fields.CharEnumField(default=ProductStatus.ACTIVE, description='ACTIVE: ACTIVE\nINACTIVE: INACTIVE\nARCHIVED: ARCHIVED', enum_type=ProductStatus, max_length=10),
        ),
    ]
