"""working-day calendar: special days and deadlines

Revision ID: c41e0da7a001
Revises: 17814608f2d3
Create Date: 2026-11-29 16:20:45.337526

"""
from alembic import op
import sqlalchemy as sa

import app.core.types



revision = 'c41e0da7a001'
down_revision = '17814608f2d3'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('special_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name_th', sa.String(length=255), nullable=False),
    sa.Column('name_en', sa.String(length=255), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_special_day_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_special_day')),
    sa.UniqueConstraint('day', name=op.f('uq_special_day_day'))
    )
    op.create_table('working_day_deadline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=64), nullable=False),
    sa.Column('object_type', sa.String(length=32), nullable=True),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('timer_variable', sa.String(length=64), nullable=True),
    sa.Column('starts_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('working_days', sa.Integer(), nullable=False),
    sa.Column('due_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('updated_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], name=op.f('fk_working_day_deadline_instance_id_process_instance')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_working_day_deadline'))
    )
    with op.batch_alter_table('working_day_deadline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_working_day_deadline_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_working_day_deadline_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_working_day_deadline_status'), ['status'], unique=False)




def downgrade():

    with op.batch_alter_table('working_day_deadline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_working_day_deadline_status'))
        batch_op.drop_index(batch_op.f('ix_working_day_deadline_instance_id'))
        batch_op.drop_index(batch_op.f('ix_working_day_deadline_due_at'))

    op.drop_table('working_day_deadline')
    op.drop_table('special_day')

