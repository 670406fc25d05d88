"""outbox attachment: an official letter sent with an e-mail, as it was when the change happened

Revision ID: b8d4e2f1c003
Revises: e6d0e1a70001
Create Date: 2026-11-29 18:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b8d4e2f1c003'
down_revision = 'e6d0e1a70001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox') as batch_op:
        batch_op.add_column(sa.Column('attachment_name', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('attachment_type', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('attachment_data', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox') as batch_op:
        batch_op.drop_column('attachment_data')
        batch_op.drop_column('attachment_type')
        batch_op.drop_column('attachment_name')
