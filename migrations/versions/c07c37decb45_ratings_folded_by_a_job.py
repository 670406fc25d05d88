"""satisfaction ratings folded into their tallies by a job: each rating's folded flag, the partial index of those
not yet folded, and the fold's lock row

Revision ID: c07c37decb45
Revises: 2f2ac3fc3ddf
Create Date: 2026-12-03 17:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c07c37decb45'
down_revision = '2f2ac3fc3ddf'
branch_labels = None
depends_on = None


def upgrade():
    # The ratings already stored have their counts in the tallies: they are folded.
    if op.get_bind().dialect.name == 'postgresql':
        # A constant default adds the column without rewriting the table; new ratings then default to not folded.
        op.add_column('rating', sa.Column('folded', sa.Boolean(), server_default=sa.text('true'), nullable=False))
        op.alter_column('rating', 'folded', server_default=sa.text('false'))
    else:
        op.add_column('rating', sa.Column('folded', sa.Boolean(), server_default=sa.text('false'), nullable=False))
        op.execute("UPDATE rating SET folded = 1")
    op.create_index('ix_rating_unfolded', 'rating', ['id'], unique=False, sqlite_where=sa.text('folded = 0'),
                    postgresql_where=sa.text('folded = false'))
    fold_table = op.create_table('rating_fold',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('generation', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_fold'))
    )
    op.bulk_insert(fold_table, [{'id': 1, 'generation': 0}])


def downgrade():
    # The ratings not yet folded are in no tally: recount after (flask ratings rebuild-tallies).
    op.drop_table('rating_fold')
    op.drop_index('ix_rating_unfolded', table_name='rating', sqlite_where=sa.text('folded = 0'),
                  postgresql_where=sa.text('folded = false'))
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_column('folded')
