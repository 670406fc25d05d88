"""reporter accounts: account kind, e-mail verification and the reporter profile

Revision ID: a7e1c0b2d9f1
Revises: b8d4e2f1c003
Create Date: 2026-12-01 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import app.core.types

revision = 'a7e1c0b2d9f1'
down_revision = 'b8d4e2f1c003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account_kind', sa.String(length=16), server_default='staff', nullable=False))
        batch_op.add_column(sa.Column('email_verified_at', app.core.types.UTCDateTime(timezone=True), nullable=True))

    op.create_table('reporter_profile',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reporter_type', sa.String(length=16), nullable=False),
    sa.Column('organisation', sa.String(length=255), nullable=True),
    sa.Column('verify_token_hash', sa.String(length=64), nullable=True),
    sa.Column('verify_expires_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('verify_sent_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_reporter_profile_user_id_user_account')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_reporter_profile')),
    sa.UniqueConstraint('verify_token_hash', name=op.f('uq_reporter_profile_verify_token_hash'))
    )


def downgrade():
    op.drop_table('reporter_profile')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('email_verified_at')
        batch_op.drop_column('account_kind')
