"""whether an officer has saved inbox filters, on their account: the inbox page (and "Tasks" in the menu, which
opens the default filter) skips the saved filters' query for the many who have none

Revision ID: d7b2f5c9e184
Revises: c41e8a7d2f63
Create Date: 2026-12-04 19:05:00.000000
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd7b2f5c9e184'
down_revision = 'c41e8a7d2f63'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account') as batch_op:
        batch_op.add_column(sa.Column('has_saved_filters', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE user_account SET has_saved_filters = EXISTS (SELECT 1 FROM inbox_saved_filter "
               "WHERE inbox_saved_filter.user_id = user_account.id)")


def downgrade():
    with op.batch_alter_table('user_account') as batch_op:
        batch_op.drop_column('has_saved_filters')
