"""the licence sums' index by grain: agency, province, process, then period (a national report read every grain
of each ministry's rows to find the one it shows: 0.8 s on SQLite at national size)

Revision ID: 8e5d2c4b7a10
Revises: 2333ca2d4c17
Create Date: 2026-12-04 00:20:00.000000
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '8e5d2c4b7a10'
down_revision = '2333ca2d4c17'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_report_licence_tally_agency', table_name='report_licence_tally')
    op.create_index('ix_report_licence_tally_grain', 'report_licence_tally',
                    ['agency_id', 'province', 'process_id', 'period_id'], unique=False)


def downgrade():
    op.drop_index('ix_report_licence_tally_grain', table_name='report_licence_tally')
    op.create_index('ix_report_licence_tally_agency', 'report_licence_tally', ['agency_id', 'period_id'],
                    unique=False)
