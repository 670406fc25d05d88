"""the rating duplicate check's index: fingerprint, point and time together (SQLite walked a busy point's ratings)

Revision ID: 9c2f4e1a7b3d
Revises: 07439f2ba0f4
Create Date: 2026-12-03 14:40:00.000000
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '9c2f4e1a7b3d'
down_revision = '07439f2ba0f4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_index('ix_rating_fingerprint')
        batch_op.create_index('ix_rating_fingerprint_agency', ['fingerprint', 'agency_id', 'created_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_index('ix_rating_fingerprint_agency')
        batch_op.create_index('ix_rating_fingerprint', ['fingerprint'], unique=False)
