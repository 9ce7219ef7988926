-- Notices to party organisations (a step to handle, a reminder, an overdue step escalated, a
-- temporary transfer ending): no member account reads them, so member_id may be empty.
ALTER TABLE notices ALTER COLUMN member_id DROP NOT NULL;
