"""summary reports: licence figures and approval steps summed per agency of the tree, the engine's state counted,
exports prepared in the background

Revision ID: 2f2ac3fc3ddf
Revises: 7c2e4a9d1f35
Create Date: 2026-12-03 14:05:11.827529

"""
from alembic import op
import sqlalchemy as sa

import app.core.types


# revision identifiers, used by Alembic.
revision = '2f2ac3fc3ddf'
down_revision = '7c2e4a9d1f35'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_export',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('report_key', sa.String(length=32), nullable=False),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_report_export_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_export')),
    sa.UniqueConstraint('token', name=op.f('uq_report_export_token'))
    )
    with op.batch_alter_table('report_export', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_export_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_export_user_id'), ['user_id'], unique=False)

    op.create_table('report_licence_tally',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('province', sa.String(length=100), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('received', sa.Integer(), nullable=False),
    sa.Column('approved', sa.Integer(), nullable=False),
    sa.Column('refused', sa.Integer(), nullable=False),
    sa.Column('pending', sa.Integer(), nullable=False),
    sa.Column('computed_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_report_licence_tally_agency_id_agency')),
    sa.ForeignKeyConstraint(['period_id'], ['report_period.id'], name=op.f('fk_report_licence_tally_period_id_report_period')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_licence_tally')),
    sa.UniqueConstraint('period_id', 'agency_id', 'province', 'process_id', name='uq_report_licence_tally')
    )
    with op.batch_alter_table('report_licence_tally', schema=None) as batch_op:
        batch_op.create_index('ix_report_licence_tally_agency', ['agency_id', 'period_id'], unique=False)


    op.create_table('report_step_tally',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('step', sa.String(length=64), nullable=False),
    sa.Column('bucket', sa.Integer(), nullable=False),
    sa.Column('tasks', sa.Integer(), nullable=False),
    sa.Column('computed_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_report_step_tally_agency_id_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_step_tally')),
    sa.UniqueConstraint('month', 'agency_id', 'step', 'bucket', name='uq_report_step_tally')
    )
    with op.batch_alter_table('report_step_tally', schema=None) as batch_op:
        batch_op.create_index('ix_report_step_tally_agency', ['agency_id', 'month'], unique=False)

    op.create_table('report_instance_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('detail', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('past_due', sa.Integer(), nullable=False),
    sa.Column('counted_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_instance_snapshot'))
    )


def downgrade():
    op.drop_table('report_instance_snapshot')
    with op.batch_alter_table('report_step_tally', schema=None) as batch_op:
        batch_op.drop_index('ix_report_step_tally_agency')

    op.drop_table('report_step_tally')
    with op.batch_alter_table('report_licence_tally', schema=None) as batch_op:
        batch_op.drop_index('ix_report_licence_tally_agency')

    op.drop_table('report_licence_tally')
    with op.batch_alter_table('report_export', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_export_user_id'))
        batch_op.drop_index(batch_op.f('ix_report_export_status'))

    op.drop_table('report_export')
