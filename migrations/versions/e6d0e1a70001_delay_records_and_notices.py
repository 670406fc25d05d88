"""delay notices: delayed applications (s.10) and the notices sent about them

Revision ID: e6d0e1a70001
Revises: d5a1e0c0f001
Create Date: 2026-11-29 16:55:43.726295

"""
from alembic import op
import sqlalchemy as sa

import app.core.types


revision = 'e6d0e1a70001'
down_revision = 'd5a1e0c0f001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('delay_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('agency_path', sa.String(length=255).with_variant(sa.String(length=255, collation='C'), 'postgresql'), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('lookup_code', sa.String(length=16), nullable=False),
    sa.Column('applicant_name', sa.String(length=255), nullable=False),
    sa.Column('applicant_address', sa.Text(), nullable=True),
    sa.Column('applicant_email', sa.String(length=255), nullable=True),
    sa.Column('applicant_phone', sa.String(length=32), nullable=True),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('promised_days', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('expected_decision_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('decided_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('next_notice_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_delay_record_agency_id_agency')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_delay_record_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], name=op.f('fk_delay_record_instance_id_process_instance')),
    sa.ForeignKeyConstraint(['process_id'], ['process.id'], name=op.f('fk_delay_record_process_id_process')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_delay_record_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delay_record')),
    sa.UniqueConstraint('agency_id', 'reference', name='uq_delay_record_reference')
    )
    with op.batch_alter_table('delay_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delay_record_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delay_record_agency_path'), ['agency_path'], unique=False)
        batch_op.create_index(batch_op.f('ix_delay_record_process_id'), ['process_id'], unique=False)
        batch_op.create_index('ix_delay_record_status_path', ['status', 'agency_path'], unique=False)

    op.create_table('delay_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delay_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('expected_decision_on', sa.Date(), nullable=True),
    sa.Column('issued_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('emailed_to', sa.String(length=255), nullable=True),
    sa.Column('opdc_copied', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['delay_id'], ['delay_record.id'], name=op.f('fk_delay_notice_delay_id_delay_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delay_notice')),
    sa.UniqueConstraint('delay_id', 'number', name='uq_delay_notice_number')
    )
    with op.batch_alter_table('delay_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delay_notice_issued_at'), ['issued_at'], unique=False)



def downgrade():
    with op.batch_alter_table('delay_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delay_notice_issued_at'))

    op.drop_table('delay_notice')
    with op.batch_alter_table('delay_record', schema=None) as batch_op:
        batch_op.drop_index('ix_delay_record_status_path')
        batch_op.drop_index(batch_op.f('ix_delay_record_process_id'))
        batch_op.drop_index(batch_op.f('ix_delay_record_agency_path'))
        batch_op.drop_index(batch_op.f('ix_delay_record_agency_id'))

    op.drop_table('delay_record')
