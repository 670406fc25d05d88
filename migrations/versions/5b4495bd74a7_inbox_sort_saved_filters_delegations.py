"""inbox like a task list: a priority to sort by, its indexes, saved filters, delegations while away

Revision ID: 5b4495bd74a7
Revises: fe158cdbdd99
Create Date: 2026-12-03 13:48:12.472821

Sorting the queue by "received" or by priority reads the first page off an index of its own, in either direction,
as ``ix_human_task_queue`` does for the due date. The priority column has a server default, so adding it rewrites no
row on PostgreSQL.
"""
from alembic import op
import sqlalchemy as sa

import app.core.types


# revision identifiers, used by Alembic.
revision = '5b4495bd74a7'
down_revision = 'fe158cdbdd99'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inbox_saved_filter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_inbox_saved_filter_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_saved_filter')),
    sa.UniqueConstraint('user_id', 'name', name='uq_inbox_saved_filter_name')
    )
    with op.batch_alter_table('inbox_saved_filter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbox_saved_filter_user_id'), ['user_id'], unique=False)

    op.create_table('task_delegation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delegator_id', sa.Integer(), nullable=False),
    sa.Column('acting_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['acting_id'], ['user_account.id'], name=op.f('fk_task_delegation_acting_id_user_account')),
    sa.ForeignKeyConstraint(['delegator_id'], ['user_account.id'], name=op.f('fk_task_delegation_delegator_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_delegation'))
    )
    with op.batch_alter_table('task_delegation', schema=None) as batch_op:
        batch_op.create_index('ix_task_delegation_acting', ['acting_id', 'ends_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_delegation_delegator_id'), ['delegator_id'], unique=False)

    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priority', sa.Integer(), server_default='50', nullable=False))
        batch_op.create_index('ix_human_task_received', ['status', 'role', 'created_at', 'id', 'agency_path'], unique=False)
    op.create_index(
        'ix_human_task_priority',
        'human_task',
        ['status', 'role', sa.text('priority DESC'), sa.text('(due_at IS NULL)'), 'due_at', 'created_at', 'id',
         'agency_path'],
        unique=False,
    )



def downgrade():
    op.drop_index('ix_human_task_priority', table_name='human_task')
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_index('ix_human_task_received')
        batch_op.drop_column('priority')

    with op.batch_alter_table('task_delegation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_delegation_delegator_id'))
        batch_op.drop_index('ix_task_delegation_acting')

    op.drop_table('task_delegation')
    with op.batch_alter_table('inbox_saved_filter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbox_saved_filter_user_id'))

    op.drop_table('inbox_saved_filter')
