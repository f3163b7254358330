from tortoise import migrations
from tortoise.migrations import operations as ops
from src.models.reports import ExportStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0011_delivery')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ReportExport',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('requested_by', fields.ForeignKeyField('models.User', source_field='requested_by_id', db_constraint=True, to_field='id', related_name='report_exports', on_delete=OnDelete.CASCADE)),
                ('market', fields.ForeignKeyField('models.Market', source_field='market_id', null=True, db_constraint=True, to_field='id', related_name='report_exports', on_delete=OnDelete.CASCADE)),
                ('date_from', fields.DateField()),
                ('date_to', fields.DateField()),
                ('status', fields.CharEnumField(default=ExportStatus.PENDING, description='PENDING: PENDING\nREADY: READY\nFAILED: FAILED', enum_type=ExportStatus, max_length=8)),
                ('storage_key', fields.CharField(null=True, max_length=200)),
                ('row_count', fields.IntField(default=0)),
                ('error', fields.CharField(null=True, max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'report_export', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One requested export: who asked, for which market (none: the whole city) and period, and the file.'},
            bases=['Model'],
        ),
        ops.AddIndex(
            model_name='Order',
            index=Index(fields=['market_id', 'created_at']),
        ),
    ]
