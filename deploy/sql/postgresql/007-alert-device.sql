-- The device whose reading raised an alert (NULL for alerts raised before it was kept), for precision per device.
ALTER TABLE pax_alert ADD COLUMN IF NOT EXISTS device_id TEXT NULL;
