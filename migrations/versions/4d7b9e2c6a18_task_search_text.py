"""inbox search: each task's titles and subject in lower case in one column (a search lowered three columns of
up to a thousand tasks, twice a page: 13-20 ms of a nationwide officer's search on PostgreSQL)

Revision ID: 4d7b9e2c6a18
Revises: 8e5d2c4b7a10
Create Date: 2026-12-04 06:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '4d7b9e2c6a18'
down_revision = '8e5d2c4b7a10'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('human_task', sa.Column('search_text', sa.Text(), nullable=True))
    # the tasks already there, as the app writes new ones (app.core.workflow.task_search_text); the database's
    # lower() is the app's for the ASCII letters of English titles (Thai has no letter case)
    op.execute(sa.text("UPDATE human_task SET search_text = lower(title || :line || coalesce(title_en, '') || :line "
                       "|| subject)").bindparams(line="\n"))


def downgrade():
    with op.batch_alter_table('human_task') as batch_op:
        batch_op.drop_column('search_text')
