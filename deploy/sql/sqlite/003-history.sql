-- Pax.Live history: one-minute rollups per place and kind, and every level change. Times are Unix milliseconds.
CREATE TABLE IF NOT EXISTS pax_rollup
(
    place_id     TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    minute_start INTEGER NOT NULL,
    count        INTEGER NOT NULL,
    min          REAL    NOT NULL,
    max          REAL    NOT NULL,
    mean         REAL    NOT NULL,
    PRIMARY KEY (place_id, kind, minute_start)
);

CREATE INDEX IF NOT EXISTS ix_pax_rollup_minute ON pax_rollup (minute_start);

CREATE TABLE IF NOT EXISTS pax_level_change
(
    place_id   TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    from_level TEXT    NOT NULL,
    to_level   TEXT    NOT NULL,
    PRIMARY KEY (place_id, at, to_level)
);

CREATE INDEX IF NOT EXISTS ix_pax_level_change_at ON pax_level_change (at);
