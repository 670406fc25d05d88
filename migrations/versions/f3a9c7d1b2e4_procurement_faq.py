"""procurement FAQ: entries and their reviewed revisions

Revision ID: f3a9c7d1b2e4
Revises: a7c5e2d90b11
Create Date: 2026-12-03 09:30:00.000000

The knowledge base that grows from Live Chat answers (app/knowledge). Its search is the public manuals' one:
normalised text, substrings through GIN trigram indexes on PostgreSQL; SQLite scans (the same indexes exist
there, kept empty with WHERE 0, so the schema is one on both).
"""
import sqlalchemy as sa
from alembic import op

import app.core.types

# revision identifiers, used by Alembic.
revision = 'f3a9c7d1b2e4'
down_revision = 'a7c5e2d90b11'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('faq_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question', sa.String(length=500), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('topic', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('source_kind', sa.String(length=16), nullable=False),
    sa.Column('source_ref', sa.String(length=64), nullable=True),
    sa.Column('source_label', sa.String(length=255), nullable=True),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), server_default='0', nullable=False),
    sa.Column('question_key', sa.String(length=500), server_default='', nullable=False),
    sa.Column('search_text', sa.Text(), server_default='', nullable=False),
    sa.Column('lock_version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user_account.id'],
                            name=op.f('fk_faq_entry_proposed_by_id_user_account')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id'],
                            name=op.f('fk_faq_entry_reviewed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_faq_entry')),
    sa.UniqueConstraint('source_kind', 'source_ref', name='uq_faq_entry_source')
    )
    postgresql = op.get_bind().dialect.name == 'postgresql'
    if postgresql:
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    with op.batch_alter_table('faq_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_faq_entry_proposed_by_id'), ['proposed_by_id'], unique=False)
        batch_op.create_index('ix_faq_entry_public', ['status', 'topic', 'published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_faq_entry_published_at'), ['published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_faq_entry_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_faq_entry_topic'), ['topic'], unique=False)
        for column in ('question_key', 'search_text'):
            batch_op.create_index(f'ix_faq_entry_{column}_trgm', [column], unique=False, postgresql_using='gin',
                                  postgresql_ops={column: 'gin_trgm_ops'}, sqlite_where=sa.false())

    op.create_table('faq_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('question', sa.String(length=500), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('topic', sa.String(length=100), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('proposed_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('review_comment', sa.Text(), nullable=True),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('row_version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['faq_entry.id'], name=op.f('fk_faq_revision_entry_id_faq_entry')),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'],
                            name=op.f('fk_faq_revision_instance_id_process_instance')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user_account.id'],
                            name=op.f('fk_faq_revision_proposed_by_id_user_account')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id'],
                            name=op.f('fk_faq_revision_reviewed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_faq_revision')),
    sa.UniqueConstraint('entry_id', 'number', name='uq_faq_revision_entry_number')
    )
    with op.batch_alter_table('faq_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_faq_revision_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_faq_revision_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_faq_revision_state'), ['state'], unique=False)


def downgrade():
    with op.batch_alter_table('faq_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_faq_revision_state'))
        batch_op.drop_index(batch_op.f('ix_faq_revision_instance_id'))
        batch_op.drop_index(batch_op.f('ix_faq_revision_entry_id'))
    op.drop_table('faq_revision')
    with op.batch_alter_table('faq_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_faq_entry_search_text_trgm')
        batch_op.drop_index('ix_faq_entry_question_key_trgm')
        batch_op.drop_index(batch_op.f('ix_faq_entry_topic'))
        batch_op.drop_index(batch_op.f('ix_faq_entry_status'))
        batch_op.drop_index(batch_op.f('ix_faq_entry_published_at'))
        batch_op.drop_index('ix_faq_entry_public')
        batch_op.drop_index(batch_op.f('ix_faq_entry_proposed_by_id'))
    op.drop_table('faq_entry')
