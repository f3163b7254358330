from tortoise import migrations
from tortoise.migrations import operations as ops
from src.models.delivery import AssignmentStatus, Vehicle
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0010_outbox_processed')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CourierProfile',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.OneToOneField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='courier_profile', on_delete=OnDelete.CASCADE)),
                ('vehicle', fields.CharEnumField(default=Vehicle.MOTORCYCLE, description='MOTORCYCLE: MOTORCYCLE\nBICYCLE: BICYCLE\nCAR: CAR\nPICKUP_TRUCK: PICKUP_TRUCK', enum_type=Vehicle, max_length=16)),
                ('available', fields.BooleanField(default=False)),
                ('latitude', fields.DecimalField(null=True, max_digits=9, decimal_places=6)),
                ('longitude', fields.DecimalField(null=True, max_digits=9, decimal_places=6)),
                ('located_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'courier_profile', 'app': 'models', 'pk_attr': 'id', 'table_description': 'What the dispatcher knows of a courier: vehicle, whether they take orders now, where they were last.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DeliveryAssignment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='assignments', on_delete=OnDelete.CASCADE)),
                ('courier', fields.ForeignKeyField('models.User', source_field='courier_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.RESTRICT)),
                ('market', fields.ForeignKeyField('models.Market', source_field='market_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.RESTRICT)),
                ('status', fields.CharEnumField(default=AssignmentStatus.OFFERED, description='OFFERED: OFFERED\nACCEPTED: ACCEPTED\nPICKED_UP: PICKED_UP\nDELIVERED: DELIVERED\nFAILED: FAILED\nDECLINED: DECLINED\nEXPIRED: EXPIRED\nWITHDRAWN: WITHDRAWN', enum_type=AssignmentStatus, max_length=10)),
                ('live_order_id', fields.IntField(null=True, unique=True)),
                ('assigned_by', fields.ForeignKeyField('models.User', source_field='assigned_by_id', null=True, db_constraint=True, to_field='id', related_name='assignments_made', on_delete=OnDelete.SET_NULL)),
                ('offered_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('accepted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('picked_up_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reason', fields.CharField(null=True, max_length=500)),
                ('proof_photo_key', fields.CharField(null=True, max_length=200)),
                ('cod_expected', fields.IntField(default=0, description='rupiah to collect at the door')),
                ('cod_collected', fields.IntField(null=True)),
                ('cod_difference', fields.IntField(default=0, description='collected minus expected, flagged when not 0')),
                ('cash_remitted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('cash_remitted_by', fields.ForeignKeyField('models.User', source_field='cash_remitted_by_id', null=True, db_constraint=True, to_field='id', related_name='remittances_received', on_delete=OnDelete.SET_NULL)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'delivery_assignment', 'app': 'models', 'indexes': [Index(fields=['courier_id', 'status']), Index(fields=['market_id', 'delivered_at']), Index(fields=['order_id', 'status'])], 'pk_attr': 'id', 'table_description': 'One order given to one courier: offered, accepted, picked up, then delivered or failed.'},
            bases=['Model'],
        ),
    ]
