"""what each API token may do (its scopes); tokens issued before keep what they could do: the inbox

Revision ID: 7c2e4a9d1f35
Revises: 5b4495bd74a7
Create Date: 2026-12-03 14:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c2e4a9d1f35'
down_revision = '5b4495bd74a7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scopes', sa.String(length=1000), server_default='', nullable=False))
    # Before scopes, a token read and completed tasks and read instances: it keeps exactly that.
    op.execute("UPDATE api_token SET scopes = 'inbox:read inbox:write'")


def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('scopes')
