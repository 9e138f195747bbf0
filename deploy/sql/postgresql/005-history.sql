-- Pax.Live history: one-minute rollups per place and kind, and every level change. Times are Unix milliseconds.
CREATE TABLE IF NOT EXISTS pax_rollup
(
    place_id     varchar(64)      NOT NULL,
    kind         varchar(16)      NOT NULL,
    minute_start bigint           NOT NULL,
    count        integer          NOT NULL,
    min          double precision NOT NULL,
    max          double precision NOT NULL,
    mean         double precision NOT NULL,
    PRIMARY KEY (place_id, kind, minute_start)
);

CREATE INDEX IF NOT EXISTS ix_pax_rollup_minute ON pax_rollup (minute_start);

CREATE TABLE IF NOT EXISTS pax_level_change
(
    place_id   varchar(64) NOT NULL,
    at         bigint      NOT NULL,
    from_level varchar(16) NOT NULL,
    to_level   varchar(16) NOT NULL,
    PRIMARY KEY (place_id, at, to_level)
);

CREATE INDEX IF NOT EXISTS ix_pax_level_change_at ON pax_level_change (at);
