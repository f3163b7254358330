from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0006_photo_index')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='ProductPhoto',
            name='failure_reason',
            field=fields.CharField(null=True, description='a message key, e.g. NOT_AN_IMAGE', max_length=500),
        ),
        ops.AddField(
            model_name='ProductPhoto',
            name='queued_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
