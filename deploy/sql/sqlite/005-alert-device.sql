-- The device whose reading raised an alert (NULL for alerts raised before it was kept), for precision per device.
ALTER TABLE pax_alert ADD COLUMN device_id TEXT NULL;

-- Precision reads these columns of a period's alerts: from this index alone, without a lookup per row.
CREATE INDEX IF NOT EXISTS ix_pax_alert_precision ON pax_alert (raised_at, place_id, kind, device_id, outcome, resolved_at, acknowledged_at);
