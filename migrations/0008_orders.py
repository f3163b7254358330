from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from src.models.orders import OrderStatus, PaymentMethod, PaymentStatus, SlotWindow, StallOrderStatus
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0007_photo_queued_at')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CartItem',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('buyer', fields.ForeignKeyField('models.User', source_field='buyer_id', db_constraint=True, to_field='id', related_name='cart_items', on_delete=OnDelete.CASCADE)),
                ('product', fields.ForeignKeyField('models.Product', source_field='product_id', db_constraint=True, to_field='id', related_name='cart_items', on_delete=OnDelete.CASCADE)),
                ('quantity', fields.DecimalField(max_digits=10, decimal_places=3)),
                ('note', fields.CharField(default='', max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'cart_item', 'app': 'models', 'unique_together': (('buyer', 'product'),), 'pk_attr': 'id', 'table_description': "A product in a buyer's cart (one market at a time), kept on the server across devices."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Order',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.CharField(unique=True, max_length=24)),
                ('buyer', fields.ForeignKeyField('models.User', source_field='buyer_id', db_constraint=True, to_field='id', related_name='orders', on_delete=OnDelete.RESTRICT)),
                ('market', fields.ForeignKeyField('models.Market', source_field='market_id', db_constraint=True, to_field='id', related_name='orders', on_delete=OnDelete.RESTRICT)),
                ('status', fields.CharEnumField(db_index=True, description='AWAITING_PAYMENT: AWAITING_PAYMENT\nPLACED: PLACED\nPROCESSING: PROCESSING\nREADY_FOR_PICKUP: READY_FOR_PICKUP\nOUT_FOR_DELIVERY: OUT_FOR_DELIVERY\nDELIVERED: DELIVERED\nCANCELLED: CANCELLED', enum_type=OrderStatus, max_length=20)),
                ('payment_method', fields.CharEnumField(description='COD: COD\nBANK_TRANSFER: BANK_TRANSFER\nQRIS: QRIS', enum_type=PaymentMethod, max_length=16)),
                ('payment_status', fields.CharEnumField(default=PaymentStatus.UNPAID, description='UNPAID: UNPAID\nPAID: PAID\nVOID: VOID', enum_type=PaymentStatus, max_length=8)),
                ('payment_due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('subtotal', fields.IntField()),
                ('delivery_fee', fields.IntField()),
                ('total', fields.IntField()),
                ('distance_km', fields.DecimalField(max_digits=6, decimal_places=2)),
                ('address_line', fields.CharField(max_length=255)),
                ('address_area', fields.CharField(default='', max_length=120)),
                ('recipient_name', fields.CharField(max_length=120)),
                ('recipient_phone', fields.CharField(max_length=20)),
                ('latitude', fields.DecimalField(max_digits=9, decimal_places=6)),
                ('longitude', fields.DecimalField(max_digits=9, decimal_places=6)),
                ('slot_date', fields.DateField()),
                ('slot_window', fields.CharEnumField(description='MORNING: MORNING\nMIDDAY: MIDDAY\nAFTERNOON: AFTERNOON', enum_type=SlotWindow, max_length=10)),
                ('note', fields.CharField(default='', max_length=500)),
                ('idempotency_key', fields.CharField(max_length=100)),
                ('request_hash', fields.CharField(max_length=64)),
                ('cancel_reason', fields.CharField(null=True, max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'orders', 'app': 'models', 'unique_together': (('buyer', 'idempotency_key'),), 'indexes': [Index(fields=['market_id', 'slot_date', 'slot_window']), Index(fields=['status', 'payment_due_at'])], 'pk_attr': 'id', 'table_description': "One buyer's order from one market: one courier trip. Money in whole rupiah."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OrderEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE)),
                ('type', fields.CharField(max_length=40)),
                ('actor', fields.ForeignKeyField('models.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='order_events', on_delete=OnDelete.SET_NULL)),
                ('message', fields.CharField(default='', max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'order_event', 'app': 'models', 'pk_attr': 'id', 'table_description': "A step on an order's timeline: what happened, who did it and when."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OrderNumberCounter',
            fields=[
                ('day', fields.DateField(primary_key=True, unique=True, db_index=True)),
                ('last_number', fields.IntField(default=0)),
            ],
            options={'table': 'order_number_counter', 'app': 'models', 'pk_attr': 'day', 'table_description': 'The last order number given out on a day (WIB), for numbers like PSR-20261127-0042.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OutboxEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('topic', fields.CharField(max_length=60)),
                ('payload', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('dispatched_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'outbox_event', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Something that happened and must reach people (notifications), committed with its cause.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StallOrder',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='stall_orders', on_delete=OnDelete.CASCADE)),
                ('stall', fields.ForeignKeyField('models.Stall', source_field='stall_id', db_constraint=True, to_field='id', related_name='stall_orders', on_delete=OnDelete.RESTRICT)),
                ('status', fields.CharEnumField(default=StallOrderStatus.PENDING, description='PENDING: PENDING\nACCEPTED: ACCEPTED\nREJECTED: REJECTED\nREADY: READY\nCANCELLED: CANCELLED', enum_type=StallOrderStatus, max_length=10)),
                ('subtotal', fields.IntField()),
                ('reject_reason', fields.CharField(null=True, max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'stall_order', 'app': 'models', 'indexes': [Index(fields=['stall_id', 'status'])], 'pk_attr': 'id', 'table_description': "One stall's part of an order, which its trader accepts or rejects and prepares."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OrderItem',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('stall_order', fields.ForeignKeyField('models.StallOrder', source_field='stall_order_id', db_constraint=True, to_field='id', related_name='items', on_delete=OnDelete.CASCADE)),
                ('product', fields.ForeignKeyField('models.Product', source_field='product_id', null=True, db_constraint=True, to_field='id', related_name='order_items', on_delete=OnDelete.SET_NULL)),
                ('product_name', fields.CharField(max_length=120)),
                ('unit', fields.CharField(max_length=12)),
                ('unit_price', fields.IntField()),
                ('quantity', fields.DecimalField(max_digits=10, decimal_places=3)),
                ('fulfilled_quantity', fields.DecimalField(null=True, max_digits=10, decimal_places=3)),
                ('is_weighed', fields.BooleanField(default=False)),
                ('line_total', fields.IntField()),
                ('note', fields.CharField(default='', max_length=200)),
            ],
            options={'table': 'order_item', 'app': 'models', 'pk_attr': 'id', 'table_description': "A line of a stall order, with the product's name, unit and price as they were when ordered."},
            bases=['Model'],
        ),
    ]
