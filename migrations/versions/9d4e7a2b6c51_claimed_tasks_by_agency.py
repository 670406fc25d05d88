"""the claimed-tasks index by agency: a holder's open tasks, then their agency (a nationwide officer's claimed tab
filtered by agency was read off the queue index, 2,000 tasks of every holder: 13-22 ms on PostgreSQL)

Revision ID: 9d4e7a2b6c51
Revises: 6a3c8f1e9b27
Create Date: 2026-12-04 13:10:00.000000
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '9d4e7a2b6c51'
down_revision = '6a3c8f1e9b27'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_human_task_assignee', table_name='human_task')
    op.create_index('ix_human_task_assignee', 'human_task', ['assignee_id', 'status', 'agency_path'])


def downgrade():
    op.drop_index('ix_human_task_assignee', table_name='human_task')
    op.create_index('ix_human_task_assignee', 'human_task', ['assignee_id', 'status'])
