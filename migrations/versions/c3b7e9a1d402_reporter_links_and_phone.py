"""reporter links (password reset, e-mail change) and the reporter's phone

Revision ID: c3b7e9a1d402
Revises: a57cfb66ff0d
Create Date: 2026-12-02 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import app.core.types

revision = 'c3b7e9a1d402'
down_revision = 'a57cfb66ff0d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reporter_profile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=32), nullable=True))

    op.create_table('reporter_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('new_email', sa.String(length=80), nullable=True),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('replaced_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_reporter_link_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reporter_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_reporter_link_token_hash'))
    )
    op.create_index('ix_reporter_link_user_purpose', 'reporter_link', ['user_id', 'purpose'], unique=False)


def downgrade():
    op.drop_index('ix_reporter_link_user_purpose', table_name='reporter_link')
    op.drop_table('reporter_link')
    with op.batch_alter_table('reporter_profile', schema=None) as batch_op:
        batch_op.drop_column('phone')
