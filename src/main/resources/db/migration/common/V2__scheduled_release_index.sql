-- The scheduled-release route looks for due notifications: status = 'SCHEDULED' AND send_at <= now.
CREATE INDEX notification_status_send_at ON notification (status, send_at);
