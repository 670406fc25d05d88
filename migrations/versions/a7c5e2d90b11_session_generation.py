"""user_account.session_generation: signing out ends the session on the server too

Revision ID: a7c5e2d90b11
Revises: 2826ec2e600f
Create Date: 2026-12-03 09:00:00.000000

Each session cookie (and remember-me cookie) names the generation it was signed in under; raising the number
(sign-out, a password reset, a removed role) ends every older session of that person at its next request.
Sessions signed in before this revision carry no generation and are asked to sign in again once.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a7c5e2d90b11'
down_revision = '2826ec2e600f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
