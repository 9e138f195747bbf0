-- Pax.Live history: a device at a place coming online (a reading, or its word) or going offline, for replays and
-- the devices' on- and offline intervals. Times are Unix milliseconds; kept as long as the replay slots.
CREATE TABLE IF NOT EXISTS pax_device_change
(
    place_id  TEXT    NOT NULL,
    device_id TEXT    NOT NULL,
    at        BIGINT  NOT NULL,
    online    BOOLEAN NOT NULL,
    PRIMARY KEY (place_id, device_id, at)
);

CREATE INDEX IF NOT EXISTS ix_pax_device_change_at ON pax_device_change (at);
