"""the revisions by their approval's instance: a task's page and the review timers find a revision by its instance
(a timer batch reads a hundred reminders' revisions at once), which read the whole table without an index

Revision ID: c41e8a7d2f63
Revises: b3f8c1d7e240
Create Date: 2026-12-04 18:30:00.000000
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c41e8a7d2f63'
down_revision = 'b3f8c1d7e240'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_manual_revision_instance', 'manual_revision', ['instance_id'])


def downgrade():
    op.drop_index('ix_manual_revision_instance', table_name='manual_revision')
