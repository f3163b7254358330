"""Missing items and their substitutes, complaints."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from src.models.complaints import ComplaintResolution, ComplaintStatus
from src.models.orders import ItemState
from src.models.substitutions import SubstitutionStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0023_buyer_habits')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Complaint',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('scope', fields.CharField(unique=True, max_length=32)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='complaints', on_delete=OnDelete.CASCADE)),
                ('stall_order', fields.ForeignKeyField('models.StallOrder', source_field='stall_order_id', null=True, db_constraint=True, to_field='id', related_name='complaints', on_delete=OnDelete.CASCADE)),
                ('market', fields.ForeignKeyField('models.Market', source_field='market_id', db_constraint=True, to_field='id', related_name='complaints', on_delete=OnDelete.RESTRICT)),
                ('buyer', fields.ForeignKeyField('models.User', source_field='buyer_id', db_constraint=True, to_field='id', related_name='complaints', on_delete=OnDelete.CASCADE)),
                ('reason', fields.CharField(max_length=1000)),
                ('photo_key', fields.CharField(null=True, max_length=255)),
                ('status', fields.CharEnumField(default=ComplaintStatus.OPEN, description='OPEN: OPEN\nREFUNDED: REFUNDED\nREJECTED: REJECTED', enum_type=ComplaintStatus, max_length=10)),
                ('resolution', fields.CharEnumField(null=True, description='REFUND: REFUND\nREJECT: REJECT', enum_type=ComplaintResolution, max_length=8)),
                ('note', fields.CharField(null=True, max_length=1000)),
                ('amount', fields.IntField(null=True)),
                ('refund', fields.ForeignKeyField('models.Refund', source_field='refund_id', null=True, db_constraint=True, to_field='id', related_name='complaints', on_delete=OnDelete.SET_NULL)),
                ('resolved_by', fields.ForeignKeyField('models.User', source_field='resolved_by_id', null=True, db_constraint=True, to_field='id', related_name='complaints_resolved', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'complaint', 'app': 'models', 'indexes': [Index(fields=['market_id', 'status', 'id'])], 'pk_attr': 'id', 'table_description': 'What a buyer says went wrong with a delivered order, with an optional private photo.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Substitution',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order_item', fields.OneToOneField('models.OrderItem', source_field='order_item_id', db_constraint=True, to_field='id', related_name='substitution', on_delete=OnDelete.CASCADE)),
                ('product', fields.ForeignKeyField('models.Product', source_field='product_id', null=True, db_constraint=True, to_field='id', related_name='substitutions', on_delete=OnDelete.SET_NULL)),
                ('product_name', fields.CharField(max_length=120)),
                ('unit', fields.CharField(max_length=12)),
                ('unit_price', fields.IntField()),
                ('quantity', fields.DecimalField(max_digits=10, decimal_places=3)),
                ('is_weighed', fields.BooleanField(default=False)),
                ('line_total', fields.IntField()),
                ('status', fields.CharEnumField(default=SubstitutionStatus.PENDING, description='PENDING: PENDING\nACCEPTED: ACCEPTED\nDECLINED: DECLINED\nEXPIRED: EXPIRED', enum_type=SubstitutionStatus, max_length=10)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('responded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('original_product_id', fields.IntField(null=True)),
                ('original_name', fields.CharField(max_length=120)),
                ('original_quantity', fields.DecimalField(max_digits=10, decimal_places=3)),
                ('original_line_total', fields.IntField()),
                ('offered_by', fields.ForeignKeyField('models.User', source_field='offered_by_id', null=True, db_constraint=True, to_field='id', related_name='substitutions_offered', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'substitution', 'app': 'models', 'indexes': [Index(fields=['status', 'expires_at'])], 'pk_attr': 'id', 'table_description': 'One offer of a substitute for an order item: the substitute as offered (name, unit and price as they'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='OrderItem',
            name='state',
            field=fields.CharEnumField(default=ItemState.ACTIVE, description='ACTIVE: ACTIVE\nUNAVAILABLE: UNAVAILABLE\nSUBSTITUTION_PENDING: SUBSTITUTION_PENDING\nSUBSTITUTED: SUBSTITUTED', db_default='ACTIVE', enum_type=ItemState, max_length=20),
        ),
        ops.AddField(
            model_name='OrderItem',
            name='unavailable_reason',
            field=fields.CharField(null=True, max_length=500),
        ),
    ]
