"""the working-day deadlines by their object: a completion closes its step's deadlines and those the next step
replaces (two UPDATEs by object and purpose), which read every open deadline of the country off the status index

Revision ID: e2a6c4f8b913
Revises: d7b2f5c9e184
Create Date: 2026-12-04 21:00:00.000000
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e2a6c4f8b913'
down_revision = 'd7b2f5c9e184'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_working_day_deadline_object', 'working_day_deadline', ['object_type', 'object_id', 'status'])


def downgrade():
    op.drop_index('ix_working_day_deadline_object', table_name='working_day_deadline')
