from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from src.models.notifications import DeliveryStatus
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0008_orders')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Notification',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE)),
                ('event', fields.ForeignKeyField('models.OutboxEvent', source_field='event_id', db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE)),
                ('type', fields.CharField(max_length=40)),
                ('language', fields.CharField(max_length=2)),
                ('title', fields.CharField(max_length=200)),
                ('body', fields.TextField(unique=False)),
                ('template', fields.CharField(max_length=60)),
                ('params', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('data', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('read_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('email_status', fields.CharEnumField(default=DeliveryStatus.SKIPPED, description='SKIPPED: SKIPPED\nPENDING: PENDING\nSENDING: SENDING\nSENT: SENT\nFAILED: FAILED', enum_type=DeliveryStatus, max_length=8)),
                ('email_attempts', fields.IntField(default=0)),
                ('email_error', fields.CharField(null=True, max_length=500)),
                ('webhook_status', fields.CharEnumField(default=DeliveryStatus.SKIPPED, description='SKIPPED: SKIPPED\nPENDING: PENDING\nSENDING: SENDING\nSENT: SENT\nFAILED: FAILED', enum_type=DeliveryStatus, max_length=8)),
                ('webhook_attempts', fields.IntField(default=0)),
                ('webhook_error', fields.CharField(null=True, max_length=500)),
            ],
            options={'table': 'notification', 'app': 'models', 'unique_together': (('event', 'user'),), 'indexes': [Index(fields=['user_id', 'read_at', 'id'])], 'pk_attr': 'id', 'table_description': 'What one person is told about one event, in their language, and how each channel delivered it.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='User',
            name='language',
            field=fields.CharField(default='id', description='id or en: messages sent to this user', max_length=2),
        ),
    ]
