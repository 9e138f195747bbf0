-- Pax.Live history: one row per alert for reports (the lägesbild), upserted on every change. Times are Unix
-- milliseconds; a step that has not happened is NULL. version is the audit trail's length: an older row never
-- overwrites a newer one.
CREATE TABLE IF NOT EXISTS pax_alert
(
    alert_id        varchar(200) NOT NULL PRIMARY KEY,
    place_id        varchar(64)  NOT NULL,
    area            varchar(64)  NULL,
    kind            varchar(16)  NOT NULL,
    severity        integer      NOT NULL,
    raised_at       bigint       NOT NULL,
    acknowledged_at bigint       NULL,
    dispatched_at   bigint       NULL,
    on_site_at      bigint       NULL,
    resolved_at     bigint       NULL,
    outcome         varchar(32)  NULL,
    escalated       boolean      NOT NULL,
    version         integer      NOT NULL
);

CREATE INDEX IF NOT EXISTS ix_pax_alert_raised ON pax_alert (raised_at);
