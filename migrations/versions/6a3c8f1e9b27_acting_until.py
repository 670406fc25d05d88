"""whom an officer acts for, asked on every page: the last day a delegation names them, on their account (a page
skips the delegations' query for everyone else)

Revision ID: 6a3c8f1e9b27
Revises: 4d7b9e2c6a18
Create Date: 2026-12-04 07:10:00.000000
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '6a3c8f1e9b27'
down_revision = '4d7b9e2c6a18'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account') as batch_op:
        batch_op.add_column(sa.Column('acting_until', sa.Date(), nullable=True))
    op.execute("UPDATE user_account SET acting_until = (SELECT max(task_delegation.ends_on) FROM task_delegation "
               "WHERE task_delegation.acting_id = user_account.id AND task_delegation.cancelled_at IS NULL)")


def downgrade():
    with op.batch_alter_table('user_account') as batch_op:
        batch_op.drop_column('acting_until')
