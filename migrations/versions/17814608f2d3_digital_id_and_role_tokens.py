"""digital id and role tokens: the OpenID Connect subject of a person, and one-time role tokens

Revision ID: 17814608f2d3
Revises: c1d2e3f4a5b6
Create Date: 2026-11-29 15:22:24.413144

"""
from alembic import op
import sqlalchemy as sa

import app.core.types


revision = '17814608f2d3'
down_revision = 'c1d2e3f4a5b6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('role_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_by_id', sa.Integer(), nullable=True),
    sa.Column('used_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('ended_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_role_token_agency_id_agency')),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], name=op.f('fk_role_token_instance_id_process_instance')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_role_token_issued_by_id_user_account')),
    sa.ForeignKeyConstraint(['replaces_id'], ['role_token.id'], name=op.f('fk_role_token_replaces_id_role_token')),
    sa.ForeignKeyConstraint(['used_by_id'], ['user_account.id'], name=op.f('fk_role_token_used_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_role_token_token_hash'))
    )
    with op.batch_alter_table('role_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_token_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_token_state'), ['state'], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('oidc_issuer', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('oidc_subject', sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint('uq_user_account_oidc', ['oidc_issuer', 'oidc_subject'])



def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint('uq_user_account_oidc', type_='unique')
        batch_op.drop_column('oidc_subject')
        batch_op.drop_column('oidc_issuer')

    with op.batch_alter_table('role_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_token_state'))
        batch_op.drop_index(batch_op.f('ix_role_token_agency_id'))

    op.drop_table('role_token')
