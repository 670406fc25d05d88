"""delay notices on the clock: the officer's last update, restated notices, notices to post

Revision ID: a7d3c19e5b20
Revises: f4c458af6677
Create Date: 2026-12-03 10:00:00

A notice now goes out on its 7th day whether or not the officer gave a new reason (``restated`` when not); the
applicant's e-mail is remembered on the notice (``mail_id``), and a notice that could not be e-mailed is printed
and posted, which an officer marks (``posted_at``, ``posted_by_id``).
"""
from alembic import op
import sqlalchemy as sa

import app.core.types

# revision identifiers, used by Alembic.
revision = "a7d3c19e5b20"
down_revision = "f4c458af6677"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("delay_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason_updated_at", app.core.types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("delay_notice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("restated", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("mail_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("posted_at", app.core.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("posted_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_delay_notice_mail_id_outbox"), "outbox", ["mail_id"], ["id"])
        batch_op.create_foreign_key(batch_op.f("fk_delay_notice_posted_by_id_user_account"), "user_account",
                                    ["posted_by_id"], ["id"])


def downgrade():
    with op.batch_alter_table("delay_notice", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_delay_notice_posted_by_id_user_account"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_delay_notice_mail_id_outbox"), type_="foreignkey")
        batch_op.drop_column("posted_by_id")
        batch_op.drop_column("posted_at")
        batch_op.drop_column("mail_id")
        batch_op.drop_column("restated")
    with op.batch_alter_table("delay_record", schema=None) as batch_op:
        batch_op.drop_column("reason_updated_at")
