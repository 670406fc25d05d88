"""public search index

Revision ID: c1d2e3f4a5b6
Revises: b1c2d3e4f5a6
Create Date: 2026-11-22 08:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

import app.core.types


revision = 'c1d2e3f4a5b6'
down_revision = 'b1c2d3e4f5a6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('public_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('manual_id', sa.Integer(), nullable=True),
    sa.Column('other_service_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('common_names', sa.Text(), nullable=False),
    sa.Column('tags', sa.Text(), nullable=False),
    sa.Column('title_key', sa.String(length=500), nullable=False),
    sa.Column('names_key', sa.Text(), nullable=False),
    sa.Column('tags_key', sa.Text(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('agency_path', sa.String(length=255).with_variant(sa.String(length=255, collation='C'), 'postgresql'),
              nullable=False),
    sa.Column('agency_name_th', sa.String(length=255), nullable=False),
    sa.Column('agency_name_en', sa.String(length=255), nullable=True),
    sa.Column('province', sa.String(length=100), nullable=True),
    sa.Column('published_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_public_entry_agency_id_agency'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['manual_id'], ['manual.id'], name=op.f('fk_public_entry_manual_id_manual'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['other_service_id'], ['other_service.id'],
                            name=op.f('fk_public_entry_other_service_id_other_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_entry')),
    sa.UniqueConstraint('manual_id', name=op.f('uq_public_entry_manual_id')),
    sa.UniqueConstraint('other_service_id', name=op.f('uq_public_entry_other_service_id'))
    )
    with op.batch_alter_table('public_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_entry_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_entry_agency_path'), ['agency_path'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_entry_province'), ['province'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_entry_published_at'), ['published_at'], unique=False)

    op.create_table('public_entry_facet',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('facet', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['public_entry.id'], name=op.f('fk_public_entry_facet_entry_id_public_entry'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('entry_id', 'facet', 'value', name=op.f('pk_public_entry_facet'))
    )
    with op.batch_alter_table('public_entry_facet', schema=None) as batch_op:
        batch_op.create_index('ix_public_entry_facet_value', ['facet', 'value', 'entry_id'], unique=False)

    # Substring search without word splitting (Thai has no spaces between words): trigrams.
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.execute('CREATE INDEX ix_public_entry_search_text_trgm ON public_entry '
                   'USING gin (search_text gin_trgm_ops)')
        op.execute('CREATE INDEX ix_public_entry_title_key_trgm ON public_entry USING gin (title_key gin_trgm_ops)')
    elif op.get_bind().dialect.name == 'sqlite':
        op.execute("CREATE VIRTUAL TABLE public_entry_fts USING fts5(title_key, search_text, tokenize='trigram')")


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('DROP TABLE IF EXISTS public_entry_fts')
    else:
        op.execute('DROP INDEX IF EXISTS ix_public_entry_title_key_trgm')
        op.execute('DROP INDEX IF EXISTS ix_public_entry_search_text_trgm')
    with op.batch_alter_table('public_entry_facet', schema=None) as batch_op:
        batch_op.drop_index('ix_public_entry_facet_value')
    op.drop_table('public_entry_facet')
    with op.batch_alter_table('public_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_public_entry_published_at'))
        batch_op.drop_index(batch_op.f('ix_public_entry_province'))
        batch_op.drop_index(batch_op.f('ix_public_entry_agency_path'))
        batch_op.drop_index(batch_op.f('ix_public_entry_agency_id'))
    op.drop_table('public_entry')
