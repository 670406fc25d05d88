"""an instance's tasks by their status too (SQLite read a manual's waiting task off every open task in the
country); the domain rows by their process instance (a delay record, an unlock request, a ticket: each of their steps
and task pages reads it so, which read the whole table), a ticket's merged reports, a delay reference looked up
on the public status page, a department's delays, the delay notices to post, the recent chat waits, an e-mail
address taken

Revision ID: f5b8d2a4c617
Revises: e2a6c4f8b913
Create Date: 2026-12-04 21:40:00.000000
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f5b8d2a4c617'
down_revision = 'e2a6c4f8b913'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_ticket_instance', 'ticket', ['instance_id']),
    ('ix_ticket_merged_into', 'ticket', ['merged_into_id']),
    ('ix_delay_record_instance', 'delay_record', ['instance_id']),
    ('ix_delay_record_reference', 'delay_record', ['reference']),
    ('ix_delay_record_path', 'delay_record', ['agency_path']),
    ('ix_delay_notice_to_post', 'delay_notice', ['posted_at', 'issued_at', 'id']),
    ('ix_unlock_request_instance', 'unlock_request', ['instance_id']),
    ('ix_chat_session_accepted', 'chat_session', ['accepted_at']),
    ('ix_user_account_email', 'user_account', ['email']),
)


def upgrade():
    op.create_index('ix_human_task_instance', 'human_task', ['instance_id', 'status'])
    op.drop_index('ix_human_task_instance_id', table_name='human_task')
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.create_index('ix_human_task_instance_id', 'human_task', ['instance_id'])
    op.drop_index('ix_human_task_instance', table_name='human_task')
