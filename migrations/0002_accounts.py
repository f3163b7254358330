from tortoise import migrations
from tortoise.migrations import operations as ops
from src.models.accounts import BuyerType, Role
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('phone', fields.CharField(unique=True, max_length=20)),
                ('name', fields.CharField(max_length=120)),
                ('email', fields.CharField(null=True, max_length=254)),
                ('role', fields.CharEnumField(description='BUYER: BUYER\nTRADER: TRADER\nCOURIER: COURIER\nMARKET_ADMIN: MARKET_ADMIN', enum_type=Role, max_length=20)),
                ('buyer_type', fields.CharEnumField(null=True, description='HOUSEHOLD: HOUSEHOLD\nBUSINESS: BUSINESS', enum_type=BuyerType, max_length=20)),
                ('business_name', fields.CharField(null=True, max_length=160)),
                ('market', fields.ForeignKeyField('models.Market', source_field='market_id', null=True, db_constraint=True, to_field='id', related_name='staff', on_delete=OnDelete.RESTRICT)),
                ('password_hash', fields.CharField(max_length=255)),
                ('is_active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('last_login_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'user_account', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Anyone who logs in, identified by an Indonesian mobile number in E.164 form (+62812…).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RefreshToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='refresh_tokens', on_delete=OnDelete.CASCADE)),
                ('family', fields.UUIDField(db_index=True)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('client_address', fields.CharField(null=True, max_length=64)),
            ],
            options={'table': 'refresh_token', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One refresh token, stored as its SHA-256 hash. The tokens of one login form a family.'},
            bases=['Model'],
        ),
    ]
