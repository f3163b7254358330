"""Money: payment settings per market or stall, one payment per order, refunds and the ledger."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from src.models.payments import Gateway, LedgerKind, PaymentState, RefundMethod, RefundReason, RefundStatus, SettingsStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0014_order_event_params')]

    initial = False

    operations = [
        ops.CreateModel(
            name='LedgerEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=64)),
                ('market', fields.ForeignKeyField('models.Market', source_field='market_id', db_constraint=True, to_field='id', related_name='ledger', on_delete=OnDelete.RESTRICT)),
                ('stall', fields.ForeignKeyField('models.Stall', source_field='stall_id', null=True, db_constraint=True, to_field='id', related_name='ledger', on_delete=OnDelete.RESTRICT)),
                ('courier', fields.ForeignKeyField('models.User', source_field='courier_id', null=True, db_constraint=True, to_field='id', related_name='ledger', on_delete=OnDelete.RESTRICT)),
                ('order_id', fields.IntField(null=True)),
                ('order_number', fields.CharField(null=True, max_length=24)),
                ('kind', fields.CharEnumField(description='SALE: SALE\nCOMMISSION: COMMISSION\nREFUND: REFUND\nPAYOUT: PAYOUT\nCOD_COLLECTED: COD_COLLECTED\nCOD_REMITTED: COD_REMITTED', enum_type=LedgerKind, max_length=16)),
                ('amount', fields.IntField()),
                ('reference', fields.CharField(null=True, max_length=100)),
                ('recorded_by_id', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'ledger_entry', 'app': 'models', 'indexes': [Index(fields=['stall_id', 'created_at']), Index(fields=['courier_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'One line of what the market owes a trader, or a courier owes the market, in signed rupiah.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Payment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.OneToOneField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='payment', on_delete=OnDelete.CASCADE)),
                ('market', fields.ForeignKeyField('models.Market', source_field='market_id', db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.RESTRICT)),
                ('settings_scope', fields.CharField(null=True, max_length=32)),
                ('bank_name', fields.CharField(null=True, max_length=80)),
                ('account_number', fields.CharField(null=True, max_length=34)),
                ('account_name', fields.CharField(null=True, max_length=120)),
                ('state', fields.CharEnumField(default=PaymentState.PENDING, description='PENDING: PENDING\nPROOF_RECEIVED: PROOF_RECEIVED\nPAID: PAID\nVOID: VOID', enum_type=PaymentState, max_length=16)),
                ('base_amount', fields.IntField()),
                ('unique_code', fields.IntField(default=0)),
                ('cod_rounding', fields.IntField(default=0)),
                ('cod_step', fields.IntField(default=0)),
                ('amount_due', fields.IntField()),
                ('open_amount', fields.IntField(null=True)),
                ('qris_payload', fields.CharField(null=True, max_length=512)),
                ('qris_image_key', fields.CharField(null=True, max_length=255)),
                ('proof_key', fields.CharField(null=True, max_length=255)),
                ('gateway', fields.CharEnumField(null=True, description='XENDIT: XENDIT', enum_type=Gateway, max_length=10)),
                ('gateway_reference', fields.CharField(null=True, unique=True, max_length=100)),
                ('gateway_id', fields.CharField(null=True, max_length=100)),
                ('gateway_payment_id', fields.CharField(null=True, unique=True, max_length=100)),
                ('paid_amount', fields.IntField(default=0)),
                ('paid_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'payment', 'app': 'models', 'unique_together': (('market', 'open_amount'),), 'pk_attr': 'id', 'table_description': "An order's payment: what is due and how, and what came in. One per order."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PaymentSettings',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('scope', fields.CharField(unique=True, max_length=32)),
                ('market', fields.ForeignKeyField('models.Market', source_field='market_id', db_constraint=True, to_field='id', related_name='payment_settings', on_delete=OnDelete.CASCADE)),
                ('stall', fields.ForeignKeyField('models.Stall', source_field='stall_id', null=True, db_constraint=True, to_field='id', related_name='payment_settings', on_delete=OnDelete.CASCADE)),
                ('qris_payload', fields.CharField(null=True, max_length=512)),
                ('bank_name', fields.CharField(null=True, max_length=80)),
                ('account_number', fields.CharField(null=True, max_length=34)),
                ('account_name', fields.CharField(null=True, max_length=120)),
                ('allow_stall_settings', fields.BooleanField(default=False)),
                ('gateway', fields.CharEnumField(null=True, description='XENDIT: XENDIT', enum_type=Gateway, max_length=10)),
                ('status', fields.CharEnumField(default=SettingsStatus.APPROVED, description='PENDING: PENDING\nAPPROVED: APPROVED\nREJECTED: REJECTED', enum_type=SettingsStatus, max_length=10)),
                ('review_reason', fields.CharField(null=True, max_length=500)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'payment_settings', 'app': 'models', 'pk_attr': 'id', 'table_description': "Where money for a market's orders goes: its static QRIS and bank account (a stall may have its own)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Refund',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('payment', fields.ForeignKeyField('models.Payment', source_field='payment_id', db_constraint=True, to_field='id', related_name='refunds', on_delete=OnDelete.CASCADE)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='refunds', on_delete=OnDelete.CASCADE)),
                ('market', fields.ForeignKeyField('models.Market', source_field='market_id', db_constraint=True, to_field='id', related_name='refunds', on_delete=OnDelete.RESTRICT)),
                ('stall_order', fields.ForeignKeyField('models.StallOrder', source_field='stall_order_id', null=True, db_constraint=True, to_field='id', related_name='refunds', on_delete=OnDelete.SET_NULL)),
                ('amount', fields.IntField()),
                ('reason', fields.CharEnumField(description='ORDER_CANCELLED: ORDER_CANCELLED\nPART_REJECTED: PART_REJECTED\nITEM_UNAVAILABLE: ITEM_UNAVAILABLE\nWEIGHED_LESS: WEIGHED_LESS\nLATE_PAYMENT: LATE_PAYMENT\nCOMPLAINT: COMPLAINT', enum_type=RefundReason, max_length=20)),
                ('status', fields.CharEnumField(default=RefundStatus.PENDING, description='PENDING: PENDING\nPAID: PAID\nFAILED: FAILED', enum_type=RefundStatus, max_length=8)),
                ('method', fields.CharEnumField(default=RefundMethod.MANUAL, description='MANUAL: MANUAL\nGATEWAY: GATEWAY', enum_type=RefundMethod, max_length=8)),
                ('reference', fields.CharField(null=True, max_length=100)),
                ('gateway_refund_id', fields.CharField(null=True, unique=True, max_length=100)),
                ('failure', fields.CharField(null=True, max_length=200)),
                ('paid_by', fields.ForeignKeyField('models.User', source_field='paid_by_id', null=True, db_constraint=True, to_field='id', related_name='refunds_paid', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('paid_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'refund', 'app': 'models', 'indexes': [Index(fields=['market_id', 'status', 'id'])], 'pk_attr': 'id', 'table_description': 'Money paid back to a buyer because they paid more than they owe.'},
            bases=['Model'],
        ),
    ]
