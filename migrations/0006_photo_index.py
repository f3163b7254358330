from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_sessions_revoked_at')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='ProductPhoto',
            index=Index(fields=['product_id', 'status', 'position']),
        ),
    ]
