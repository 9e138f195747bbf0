-- A minute rollup's six 10-s slots of its kind (SignalSlotCodec), which replays read; NULL past the replay retention.
ALTER TABLE pax_rollup ADD COLUMN IF NOT EXISTS slots BYTEA NULL;
