-- Pax.Live history: one row per alert for reports (the lägesbild), upserted on every change. Times are Unix
-- milliseconds; a step that has not happened is NULL. version is the audit trail's length: an older row never
-- overwrites a newer one.
CREATE TABLE IF NOT EXISTS pax_alert
(
    alert_id        TEXT    NOT NULL PRIMARY KEY,
    place_id        TEXT    NOT NULL,
    area            TEXT    NULL,
    kind            TEXT    NOT NULL,
    severity        INTEGER NOT NULL,
    raised_at       INTEGER NOT NULL,
    acknowledged_at INTEGER NULL,
    dispatched_at   INTEGER NULL,
    on_site_at      INTEGER NULL,
    resolved_at     INTEGER NULL,
    outcome         TEXT    NULL,
    escalated       INTEGER NOT NULL,
    version         INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS ix_pax_alert_raised ON pax_alert (raised_at);
