"""agencies an administrator closes or merges into another: when it was closed, and the agency it was merged into

Revision ID: 5b1e0c7d2a94
Revises: 012cc26f83f2
Create Date: 2026-12-05 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

import app.core.types


# revision identifiers, used by Alembic.
revision = '5b1e0c7d2a94'
down_revision = 'bd6a603f24cc'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', app.core.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_agency_merged_into_id_agency'), 'agency', ['merged_into_id'],
                                    ['id'])


def downgrade():
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_agency_merged_into_id_agency'), type_='foreignkey')
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('closed_at')
