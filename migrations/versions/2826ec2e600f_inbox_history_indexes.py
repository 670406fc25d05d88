"""inbox history indexes: the process filter and "completed by me" without reading every task

Revision ID: 2826ec2e600f
Revises: c3b7e9a1d402
Create Date: 2026-12-02 22:22:33.701028

The inbox page listed its process filter with ``SELECT DISTINCT process_id FROM human_task``: a
scan of every task ever created (10,000,000 after a year of 1,000,000 instances), on every page.
``inbox.process_choices`` now steps down this index once per process; a view filtered by process
counts its tasks off the index alone.

"Completed by me" filtered on ``status`` (and on process or agency when asked) after reading each row of
the person's history from the table; with those columns in ``ix_human_task_completed_by`` it reads the
index only.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '2826ec2e600f'
down_revision = 'c3b7e9a1d402'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_human_task_process', 'human_task', ['process_id', 'status', 'role', 'agency_path'],
                    unique=False)
    op.drop_index('ix_human_task_completed_by', table_name='human_task')
    op.create_index('ix_human_task_completed_by', 'human_task',
                    ['completed_by_id', 'status', 'completed_at', 'process_id', 'agency_path'], unique=False)


def downgrade():
    op.drop_index('ix_human_task_completed_by', table_name='human_task')
    op.create_index('ix_human_task_completed_by', 'human_task', ['completed_by_id', 'completed_at'], unique=False)
    op.drop_index('ix_human_task_process', table_name='human_task')
