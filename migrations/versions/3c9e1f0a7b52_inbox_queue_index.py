"""inbox queue index: the first page of a role's open tasks straight off an index

Revision ID: 3c9e1f0a7b52
Revises: f8f7cd33189c
Create Date: 2026-11-22 05:20:00.000000

``inbox.list_tasks`` orders by ``due_at IS NULL, due_at, created_at, id``. With only
``ix_human_task_inbox`` (status, role, agency_path, created_at) PostgreSQL had to fetch and sort
every open task of the role (30,000 for an OPDC officer at 100,000 open tasks) to show 20.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c9e1f0a7b52'
down_revision = 'f8f7cd33189c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_human_task_queue',
        'human_task',
        ['status', 'role', sa.text('(due_at IS NULL)'), 'due_at', 'created_at', 'id', 'agency_path'],
        unique=False,
    )


def downgrade():
    op.drop_index('ix_human_task_queue', table_name='human_task')
