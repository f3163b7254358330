from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Category',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=80)),
                ('slug', fields.CharField(unique=True, max_length=80)),
                ('sort_order', fields.IntField(default=0)),
            ],
            options={'table': 'category', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A shelf of the catalog: sembako, sayur, ikan, …'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Heartbeat',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('processed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('runs', fields.IntField(default=0)),
            ],
            options={'table': 'system_heartbeat', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A round trip through the job queue: created by the API, completed by a worker.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Market',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=120)),
                ('slug', fields.CharField(unique=True, max_length=120)),
                ('address', fields.CharField(max_length=255)),
                ('latitude', fields.DecimalField(max_digits=9, decimal_places=6)),
                ('longitude', fields.DecimalField(max_digits=9, decimal_places=6)),
                ('opening_hours', fields.CharField(description="e.g. 'Setiap hari 04:00-14:00'", max_length=120)),
                ('timezone', fields.CharField(default='Asia/Jakarta', max_length=40)),
                ('delivery_radius_km', fields.DecimalField(default=5, max_digits=5, decimal_places=2)),
                ('base_delivery_fee', fields.IntField(default=5000, description='rupiah')),
                ('per_km_fee', fields.IntField(default=2000, description='rupiah per km')),
                ('is_active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'market', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A traditional market of the city, with where it delivers and what delivery costs.'},
            bases=['Model'],
        ),
    ]
