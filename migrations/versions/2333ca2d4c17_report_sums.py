"""report sums: the delays', the desk's and the manuals' figures summed per day, agency of the tree and dimension;
the user groups of each manual's latest revision as rows (filled from the revisions' content)

Revision ID: 2333ca2d4c17
Revises: c07c37decb45
Create Date: 2026-12-03 17:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

import app.core.types


# revision identifiers, used by Alembic.
revision = '2333ca2d4c17'
down_revision = "c07c37decb45"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_sum',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=16), nullable=False),
    sa.Column('day', sa.Date(), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('dim1', sa.String(length=100), nullable=False),
    sa.Column('dim2', sa.String(length=100), nullable=False),
    sa.Column('dim3', sa.String(length=100), nullable=False),
    sa.Column('measure', sa.String(length=32), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('computed_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_report_sum_agency_id_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_sum'))
    )
    op.create_index('ix_report_sum_lookup', 'report_sum', ['subject', 'agency_id', 'dim1', 'dim2', 'dim3', 'day'],
                    unique=False)


    op.create_table('manual_user_group',
    sa.Column('manual_id', sa.Integer(), nullable=False),
    sa.Column('user_group_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['manual_id'], ['manual.id'], name=op.f('fk_manual_user_group_manual_id_manual')),
    sa.ForeignKeyConstraint(['user_group_id'], ['catalogue_entry.id'],
                            name=op.f('fk_manual_user_group_user_group_id_catalogue_entry')),
    sa.PrimaryKeyConstraint('manual_id', 'user_group_id', name=op.f('pk_manual_user_group'))
    )
    op.create_index(op.f('ix_manual_user_group_user_group_id'), 'manual_user_group', ['user_group_id'], unique=False)
    _fill_user_groups()


def _fill_user_groups():
    """Each manual's latest revision's ``user_group_ids``, those that name a user group of the catalogue."""
    bind = op.get_bind()
    revision = sa.table('manual_revision', sa.column('manual_id', sa.Integer), sa.column('number', sa.Integer),
                        sa.column('content', sa.JSON))
    entry = sa.table('catalogue_entry', sa.column('id', sa.Integer), sa.column('kind', sa.String))
    groups = set(bind.execute(sa.select(entry.c.id).where(entry.c.kind == 'user_group')).scalars())
    latest = {}
    for manual_id, number, content in bind.execute(sa.select(revision.c.manual_id, revision.c.number,
                                                             revision.c.content)):
        if manual_id not in latest or number > latest[manual_id][0]:
            latest[manual_id] = (number, content if isinstance(content, dict) else {})
    rows = [{'manual_id': manual_id, 'user_group_id': group}
            for manual_id, (_number, content) in latest.items()
            for group in sorted({int(i) for i in content.get('user_group_ids') or [] if str(i).isdigit()} & groups)]
    if rows:
        op.bulk_insert(sa.table('manual_user_group', sa.column('manual_id', sa.Integer),
                                sa.column('user_group_id', sa.Integer)), rows)


def downgrade():
    op.drop_index(op.f('ix_manual_user_group_user_group_id'), table_name='manual_user_group')
    op.drop_table('manual_user_group')
    op.drop_index('ix_report_sum_lookup', table_name='report_sum')
    op.drop_table('report_sum')
