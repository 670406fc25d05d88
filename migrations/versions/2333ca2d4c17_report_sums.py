"""report sums: the delays', the desk's and the manuals' figures summed per day, agency of the tree and dimension

Revision ID: 2333ca2d4c17
Revises: 2f2ac3fc3ddf
Create Date: 2026-12-03 17:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

import app.core.types


# revision identifiers, used by Alembic.
revision = '2333ca2d4c17'
down_revision = '2f2ac3fc3ddf'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_sum',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=16), nullable=False),
    sa.Column('day', sa.Date(), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('dim1', sa.String(length=100), nullable=False),
    sa.Column('dim2', sa.String(length=100), nullable=False),
    sa.Column('dim3', sa.String(length=100), nullable=False),
    sa.Column('measure', sa.String(length=32), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('computed_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_report_sum_agency_id_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_sum'))
    )
    op.create_index('ix_report_sum_lookup', 'report_sum', ['subject', 'agency_id', 'dim1', 'dim2', 'dim3', 'day'],
                    unique=False)


def downgrade():
    op.drop_index('ix_report_sum_lookup', table_name='report_sum')
    op.drop_table('report_sum')
