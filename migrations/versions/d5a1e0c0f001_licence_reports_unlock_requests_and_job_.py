"""licence reports: monthly periods, figures per service point and process, unlock requests, job runs

Revision ID: d5a1e0c0f001
Revises: c41e0da7a001
Create Date: 2026-11-29 16:22:27.683698

"""
from alembic import op
import sqlalchemy as sa

import app.core.types


# revision identifiers, used by Alembic.
revision = 'd5a1e0c0f001'
down_revision = 'c41e0da7a001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=64), nullable=False),
    sa.Column('started_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('result', sa.String(length=500), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_run'))
    )
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.create_index('ix_job_run_job_started', ['job', 'started_at'], unique=False)

    op.create_table('report_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('closes_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_period')),
    sa.UniqueConstraint('year', 'month', name='uq_report_period_month')
    )
    with op.batch_alter_table('report_period', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_period_closes_at'), ['closes_at'], unique=False)

    op.create_table('licence_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('received', sa.Integer(), nullable=False),
    sa.Column('approved', sa.Integer(), nullable=False),
    sa.Column('refused', sa.Integer(), nullable=False),
    sa.Column('pending', sa.Integer(), nullable=False),
    sa.Column('within_limit', sa.Integer(), nullable=False),
    sa.Column('over_limit', sa.Integer(), nullable=False),
    sa.Column('updated_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.CheckConstraint('received >= 0 AND approved >= 0 AND refused >= 0 AND pending >= 0 AND within_limit >= 0 AND over_limit >= 0', name=op.f('ck_licence_report_non_negative')),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_licence_report_agency_id_agency')),
    sa.ForeignKeyConstraint(['period_id'], ['report_period.id'], name=op.f('fk_licence_report_period_id_report_period')),
    sa.ForeignKeyConstraint(['process_id'], ['process.id'], name=op.f('fk_licence_report_process_id_process')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_licence_report_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_licence_report')),
    sa.UniqueConstraint('period_id', 'agency_id', 'process_id', name='uq_licence_report_row')
    )
    with op.batch_alter_table('licence_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_licence_report_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_licence_report_process_id'), ['process_id'], unique=False)

    op.create_table('unlock_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_comment', sa.Text(), nullable=True),
    sa.Column('opens_until', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('relocked_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_unlock_request_agency_id_agency')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_unlock_request_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], name=op.f('fk_unlock_request_instance_id_process_instance')),
    sa.ForeignKeyConstraint(['period_id'], ['report_period.id'], name=op.f('fk_unlock_request_period_id_report_period')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_unlock_request_requested_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unlock_request')),
    sa.UniqueConstraint('slot', name=op.f('uq_unlock_request_slot'))
    )
    with op.batch_alter_table('unlock_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unlock_request_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unlock_request_period_id'), ['period_id'], unique=False)



def downgrade():
    with op.batch_alter_table('unlock_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unlock_request_period_id'))
        batch_op.drop_index(batch_op.f('ix_unlock_request_agency_id'))

    op.drop_table('unlock_request')
    with op.batch_alter_table('licence_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_licence_report_process_id'))
        batch_op.drop_index(batch_op.f('ix_licence_report_agency_id'))

    op.drop_table('licence_report')
    with op.batch_alter_table('report_period', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_period_closes_at'))

    op.drop_table('report_period')
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.drop_index('ix_job_run_job_started')

    op.drop_table('job_run')
