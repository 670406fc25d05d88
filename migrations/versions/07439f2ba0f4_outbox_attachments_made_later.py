"""outbox attachments made later: the file an e-mail carries, named until the outbox makes it

Revision ID: 07439f2ba0f4
Revises: 5b1e0c7d2a94
Create Date: 2026-12-03 14:08:40.204008
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '07439f2ba0f4'
down_revision = '5b1e0c7d2a94'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachment_source', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('attachment_source')
