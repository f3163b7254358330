"""A buyer's habits: the address book, favourite products and stalls, ratings of delivered stall orders."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0022_stall_hours')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Address',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('buyer', fields.ForeignKeyField('models.User', source_field='buyer_id', db_constraint=True, to_field='id', related_name='addresses', on_delete=OnDelete.CASCADE)),
                ('label', fields.CharField(max_length=40)),
                ('line', fields.CharField(max_length=255)),
                ('area', fields.CharField(default='', max_length=120)),
                ('recipient_name', fields.CharField(max_length=120)),
                ('recipient_phone', fields.CharField(max_length=20)),
                ('latitude', fields.DecimalField(max_digits=9, decimal_places=6)),
                ('longitude', fields.DecimalField(max_digits=9, decimal_places=6)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'address', 'app': 'models', 'unique_together': (('buyer', 'label'),), 'pk_attr': 'id', 'table_description': "A delivery address in a buyer's address book. An order copies it when placed, so a later change or"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FavouriteProduct',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('buyer', fields.ForeignKeyField('models.User', source_field='buyer_id', db_constraint=True, to_field='id', related_name='favourite_products', on_delete=OnDelete.CASCADE)),
                ('product', fields.ForeignKeyField('models.Product', source_field='product_id', db_constraint=True, to_field='id', related_name='favourited_by', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'favourite_product', 'app': 'models', 'unique_together': (('buyer', 'product'),), 'pk_attr': 'id', 'table_description': 'A product a buyer keeps among their favourites.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FavouriteStall',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('buyer', fields.ForeignKeyField('models.User', source_field='buyer_id', db_constraint=True, to_field='id', related_name='favourite_stalls', on_delete=OnDelete.CASCADE)),
                ('stall', fields.ForeignKeyField('models.Stall', source_field='stall_id', db_constraint=True, to_field='id', related_name='favourited_by', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'favourite_stall', 'app': 'models', 'unique_together': (('buyer', 'stall'),), 'pk_attr': 'id', 'table_description': 'A stall a buyer keeps among their favourites.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StallRating',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('stall_order', fields.OneToOneField('models.StallOrder', source_field='stall_order_id', db_constraint=True, to_field='id', related_name='rating', on_delete=OnDelete.CASCADE)),
                ('stall', fields.ForeignKeyField('models.Stall', source_field='stall_id', db_constraint=True, to_field='id', related_name='ratings', on_delete=OnDelete.CASCADE)),
                ('buyer', fields.ForeignKeyField('models.User', source_field='buyer_id', db_constraint=True, to_field='id', related_name='stall_ratings', on_delete=OnDelete.CASCADE)),
                ('stars', fields.SmallIntField()),
                ('comment', fields.CharField(default='', max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'stall_rating', 'app': 'models', 'indexes': [Index(fields=['stall_id', 'created_at'])], 'pk_attr': 'id', 'table_description': "A buyer's stars (1 to 5) and comment for one delivered stall order: at most one per part."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StallRatingSummary',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('stall', fields.OneToOneField('models.Stall', source_field='stall_id', db_constraint=True, to_field='id', related_name='rating_summary', on_delete=OnDelete.CASCADE)),
                ('rating_count', fields.IntField(default=0)),
                ('stars_total', fields.IntField(default=0)),
            ],
            options={'table': 'stall_rating_summary', 'app': 'models', 'pk_attr': 'id', 'table_description': 'How many ratings a stall has and their stars added up, kept in the transaction of each rating, so a'},
            bases=['Model'],
        ),
    ]
