from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from src.models.catalog import ProductStatus, Unit
from src.models.markets import StallStatus
from src.models.media import PhotoStatus
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_accounts')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Stall',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('market', fields.ForeignKeyField('models.Market', source_field='market_id', db_constraint=True, to_field='id', related_name='stalls', on_delete=OnDelete.RESTRICT)),
                ('trader', fields.OneToOneField('models.User', source_field='trader_id', db_constraint=True, to_field='id', related_name='stall', on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=120)),
                ('stall_number', fields.CharField(max_length=20)),
                ('description', fields.TextField(default='', unique=False)),
                ('status', fields.CharEnumField(default=StallStatus.PENDING, db_index=True, description='PENDING: PENDING\nAPPROVED: APPROVED\nREJECTED: REJECTED\nSUSPENDED: SUSPENDED', enum_type=StallStatus, max_length=12)),
                ('status_reason', fields.CharField(null=True, max_length=500)),
                ('is_open', fields.BooleanField(default=False)),
                ('reviewed_by', fields.ForeignKeyField('models.User', source_field='reviewed_by_id', null=True, db_constraint=True, to_field='id', related_name='reviewed_stalls', on_delete=OnDelete.SET_NULL)),
                ('reviewed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'stall', 'app': 'models', 'unique_together': (('market', 'stall_number'),), 'pk_attr': 'id', 'table_description': "A trader's stall (lapak, kios) in one market. Its market's admin approves, rejects or suspends it."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Product',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('stall', fields.ForeignKeyField('models.Stall', source_field='stall_id', db_constraint=True, to_field='id', related_name='products', on_delete=OnDelete.RESTRICT)),
                ('category', fields.ForeignKeyField('models.Category', source_field='category_id', db_constraint=True, to_field='id', related_name='products', on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=120)),
                ('description', fields.TextField(default='', unique=False)),
                ('unit', fields.CharEnumField(description='KG: KG\nGRAM: GRAM\nONS: ONS\nLITER: LITER\nIKAT: IKAT\nBUTIR: BUTIR\nPAPAN: PAPAN\nSISIR: SISIR\nEKOR: EKOR\nPOTONG: POTONG\nBUAH: BUAH\nPCS: PCS\nPACK: PACK\nBUNGKUS: BUNGKUS\nKARUNG: KARUNG\nLUSIN: LUSIN\nKODI: KODI\nBOTOL: BOTOL\nKALENG: KALENG\nRENTENG: RENTENG', enum_type=Unit, max_length=12)),
                ('price', fields.IntField(description='rupiah per unit')),
                ('min_quantity', fields.DecimalField(default=1, max_digits=10, decimal_places=3)),
                ('quantity_step', fields.DecimalField(default=1, max_digits=10, decimal_places=3)),
                ('stock', fields.DecimalField(default=0, max_digits=12, decimal_places=3)),
                ('is_weighed', fields.BooleanField(default=False)),
                ('status', fields.CharEnumField(default=ProductStatus.ACTIVE, description='ACTIVE: ACTIVE\nARCHIVED: ARCHIVED', enum_type=ProductStatus, max_length=10)),
                ('search_text', fields.TextField(default='', description='normalised name, category and spelling variants', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'product', 'app': 'models', 'indexes': [Index(fields=['stall_id', 'status']), Index(fields=['status', 'created_at']), Index(fields=['status', 'price'])], 'pk_attr': 'id', 'table_description': 'Something a stall sells, priced in whole rupiah per unit, with decimal quantities (0.25 kg).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PriceTier',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('product', fields.ForeignKeyField('models.Product', source_field='product_id', db_constraint=True, to_field='id', related_name='price_tiers', on_delete=OnDelete.CASCADE)),
                ('min_quantity', fields.DecimalField(max_digits=10, decimal_places=3)),
                ('price', fields.IntField(description='rupiah per unit')),
            ],
            options={'table': 'price_tier', 'app': 'models', 'unique_together': (('product', 'min_quantity'),), 'pk_attr': 'id', 'table_description': 'A wholesale price: from this quantity on, each unit costs this much.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ProductPhoto',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('product', fields.ForeignKeyField('models.Product', source_field='product_id', db_constraint=True, to_field='id', related_name='photos', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(default=PhotoStatus.PENDING, description='PENDING: PENDING\nPROCESSING: PROCESSING\nREADY: READY\nFAILED: FAILED', enum_type=PhotoStatus, max_length=12)),
                ('position', fields.IntField(default=0)),
                ('content_type', fields.CharField(max_length=40)),
                ('byte_size', fields.IntField(default=0)),
                ('original_key', fields.CharField(max_length=255)),
                ('variants', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('width', fields.IntField(null=True)),
                ('height', fields.IntField(null=True)),
                ('failure_reason', fields.CharField(null=True, max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'product_photo', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One photo of a product. `variants` maps "THUMB.WEBP" and the like to storage keys.'},
            bases=['Model'],
        ),
    ]
