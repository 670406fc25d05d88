"""helpdesk tickets: IR Online reports, their conversation, teams, SLA targets and standard answers

Revision ID: a57cfb66ff0d
Revises: a7e1c0b2d9f1
Create Date: 2026-11-29 17:51:06.216151

"""
import sqlalchemy as sa
from alembic import op

import app.core.types

# The e-GP areas a report can be about, and the SLA targets per priority in office minutes (one working day is
# 480 minutes: 08:30-16:30); both are edited later by helpdesk supervisors.
CATEGORIES = [
    ("การลงทะเบียน", "Registration"),
    ("แผนการจัดซื้อจัดจ้าง", "Procurement plan"),
    ("ประกาศ", "Announcement"),
    ("e-bidding", "e-bidding"),
    ("สัญญา", "Contract"),
    ("การเบิกจ่าย", "Payment"),
    ("อื่น ๆ", "Other"),
]
SLA_TARGETS = [("urgent", 60, 240), ("high", 120, 480), ("normal", 240, 1440), ("low", 480, 2400)]


revision = 'a57cfb66ff0d'
down_revision = 'a7e1c0b2d9f1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('helpdesk_team',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_helpdesk_team')),
    sa.UniqueConstraint('name', name=op.f('uq_helpdesk_team_name'))
    )
    op.create_table('ticket_category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name_th', sa.String(length=255), nullable=False),
    sa.Column('name_en', sa.String(length=255), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_category'))
    )
    op.create_table('helpdesk_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['category_id'], ['ticket_category.id'], name=op.f('fk_helpdesk_answer_category_id_ticket_category')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_helpdesk_answer_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_helpdesk_answer')),
    sa.UniqueConstraint('title', name='uq_helpdesk_answer_title')
    )
    op.create_table('helpdesk_sla_target',
    sa.Column('priority', sa.String(length=16), nullable=False),
    sa.Column('first_response_minutes', sa.Integer(), nullable=False),
    sa.Column('resolution_minutes', sa.Integer(), nullable=False),
    sa.Column('updated_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_helpdesk_sla_target_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('priority', name=op.f('pk_helpdesk_sla_target'))
    )
    op.create_table('helpdesk_team_member',
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['helpdesk_team.id'], name=op.f('fk_helpdesk_team_member_team_id_helpdesk_team'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_helpdesk_team_member_user_id_user_account')),
    sa.PrimaryKeyConstraint('team_id', 'user_id', name=op.f('pk_helpdesk_team_member'))
    )
    with op.batch_alter_table('helpdesk_team_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_helpdesk_team_member_user_id'), ['user_id'], unique=False)

    op.create_table('ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('follow_nonce', sa.String(length=64), nullable=False),
    sa.Column('reporter_type', sa.String(length=16), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('project_number', sa.String(length=11), nullable=True),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('contact_name', sa.String(length=255), nullable=True),
    sa.Column('contact_email', sa.String(length=255), nullable=True),
    sa.Column('contact_phone', sa.String(length=32), nullable=True),
    sa.Column('reporter_user_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('priority', sa.String(length=16), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('first_response_due_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('first_responded_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolution_due_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('paused_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('paused_minutes', sa.Integer(), nullable=False),
    sa.Column('first_response_breached', sa.Boolean(), nullable=False),
    sa.Column('resolution_breached', sa.Boolean(), nullable=False),
    sa.Column('waiting_since', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('confirm_by', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('close_reason', sa.String(length=32), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('reopened_from_id', sa.Integer(), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('rating_comment', sa.Text(), nullable=True),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['user_account.id'], name=op.f('fk_ticket_assignee_id_user_account')),
    sa.ForeignKeyConstraint(['category_id'], ['ticket_category.id'], name=op.f('fk_ticket_category_id_ticket_category')),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], name=op.f('fk_ticket_instance_id_process_instance')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['ticket.id'], name=op.f('fk_ticket_merged_into_id_ticket')),
    sa.ForeignKeyConstraint(['reopened_from_id'], ['ticket.id'], name=op.f('fk_ticket_reopened_from_id_ticket')),
    sa.ForeignKeyConstraint(['reporter_user_id'], ['user_account.id'], name=op.f('fk_ticket_reporter_user_id_user_account')),
    sa.ForeignKeyConstraint(['team_id'], ['helpdesk_team.id'], name=op.f('fk_ticket_team_id_helpdesk_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket')),
    sa.UniqueConstraint('number', name=op.f('uq_ticket_number'))
    )
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_project_number'), ['project_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_reporter_user_id'), ['reporter_user_id'], unique=False)
        batch_op.create_index('ix_ticket_status_assignee', ['status', 'assignee_id'], unique=False)
        batch_op.create_index('ix_ticket_status_team', ['status', 'team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_team_id'), ['team_id'], unique=False)

    op.create_table('ticket_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('author_user_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_user_id'], ['user_account.id'], name=op.f('fk_ticket_message_author_user_id_user_account')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_message_ticket_id_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_message'))
    )
    with op.batch_alter_table('ticket_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_message_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('ticket_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['ticket_message.id'], name=op.f('fk_ticket_attachment_message_id_ticket_message')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_attachment_ticket_id_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_attachment'))
    )
    with op.batch_alter_table('ticket_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_attachment_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_attachment_ticket_id'), ['ticket_id'], unique=False)

    category = sa.table('ticket_category', sa.column('name_th', sa.String), sa.column('name_en', sa.String),
                        sa.column('position', sa.Integer), sa.column('active', sa.Boolean))
    op.bulk_insert(category, [{'name_th': th, 'name_en': en, 'position': n, 'active': True}
                              for n, (th, en) in enumerate(CATEGORIES, start=1)])
    target = sa.table('helpdesk_sla_target', sa.column('priority', sa.String),
                      sa.column('first_response_minutes', sa.Integer), sa.column('resolution_minutes', sa.Integer))
    op.bulk_insert(target, [{'priority': p, 'first_response_minutes': first, 'resolution_minutes': resolution}
                            for p, first, resolution in SLA_TARGETS])


def downgrade():
    with op.batch_alter_table('ticket_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_attachment_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_attachment_message_id'))

    op.drop_table('ticket_attachment')
    with op.batch_alter_table('ticket_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_message_ticket_id'))

    op.drop_table('ticket_message')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_team_id'))
        batch_op.drop_index('ix_ticket_status_team')
        batch_op.drop_index('ix_ticket_status_assignee')
        batch_op.drop_index(batch_op.f('ix_ticket_reporter_user_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_project_number'))
        batch_op.drop_index(batch_op.f('ix_ticket_created_at'))
        batch_op.drop_index(batch_op.f('ix_ticket_category_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_assignee_id'))

    op.drop_table('ticket')
    with op.batch_alter_table('helpdesk_team_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_helpdesk_team_member_user_id'))

    op.drop_table('helpdesk_team_member')
    op.drop_table('helpdesk_sla_target')
    op.drop_table('helpdesk_answer')
    op.drop_table('ticket_category')
    op.drop_table('helpdesk_team')
