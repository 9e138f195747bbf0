-- Grain state. A row per (service, grain type, grain id, state name); the provider hashes id and type into two
-- integers for a narrow index and passes the clear values to resolve hash collisions.
CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            integer       NOT NULL,
    GrainIdN0              bigint        NOT NULL,
    GrainIdN1              bigint        NOT NULL,
    GrainTypeHash          integer       NOT NULL,
    GrainTypeString        varchar(512)  NOT NULL,
    GrainIdExtensionString varchar(512)  NULL,
    ServiceId              varchar(150)  NOT NULL,
    PayloadBinary          bytea         NULL,
    ModifiedOn             timestamptz   NOT NULL,
    Version                integer       NULL
);

-- Unique over the full identity (a missing extension counts as ''), so a racing first write inserts once.
CREATE UNIQUE INDEX IF NOT EXISTS UX_OrleansStorage_Identity ON OrleansStorage
    (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, GrainTypeString, COALESCE(GrainIdExtensionString, ''), ServiceId);

-- Optimistic concurrency: a first write (no version) inserts only when no row exists; an update applies only at
-- the version the grain read. Returns the new version when applied, the version sent when an update lost, and
-- NULL when a first write lost: the provider reports both as an inconsistent state.
CREATE OR REPLACE FUNCTION pax_write_grain_state(
    _grainidhash integer, _grainidn0 bigint, _grainidn1 bigint, _graintypehash integer,
    _graintypestring varchar, _grainidextensionstring varchar, _serviceid varchar,
    _grainstateversion integer, _payloadbinary bytea)
RETURNS TABLE (NewGrainStateVersion integer)
LANGUAGE plpgsql AS $$
DECLARE
    _new integer;
BEGIN
    IF _grainstateversion IS NULL THEN
        INSERT INTO OrleansStorage (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString,
            GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
        VALUES (_grainidhash, _grainidn0, _grainidn1, _graintypehash, _graintypestring,
            _grainidextensionstring, _serviceid, _payloadbinary, now(), 1)
        ON CONFLICT DO NOTHING
        RETURNING Version INTO _new;
    ELSE
        UPDATE OrleansStorage
        SET PayloadBinary = _payloadbinary, ModifiedOn = now(), Version = Version + 1
        WHERE GrainIdHash = _grainidhash AND GrainTypeHash = _graintypehash
            AND GrainIdN0 = _grainidn0 AND GrainIdN1 = _grainidn1
            AND GrainTypeString = _graintypestring
            AND COALESCE(GrainIdExtensionString, '') = COALESCE(_grainidextensionstring, '')
            AND ServiceId = _serviceid
            AND Version = _grainstateversion
        RETURNING Version INTO _new;
        _new := COALESCE(_new, _grainstateversion);
    END IF;
    RETURN QUERY SELECT _new;
END
$$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('WriteToStorageKey', '
    SELECT NewGrainStateVersion FROM pax_write_grain_state(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash,
        @GrainTypeString, @GrainIdExtensionString, @ServiceId, @GrainStateVersion, @PayloadBinary);
')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadFromStorageKey', '
    SELECT PayloadBinary, Version
    FROM OrleansStorage
    WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
        AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
        AND GrainTypeString = @GrainTypeString
        AND COALESCE(GrainIdExtensionString, '''') = COALESCE(@GrainIdExtensionString, '''')
        AND ServiceId = @ServiceId
    LIMIT 1;
')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;

-- Clearing keeps the row (and its version) and drops the payload.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ClearStorageKey', '
    WITH cleared AS (
        UPDATE OrleansStorage
        SET PayloadBinary = NULL, ModifiedOn = now(), Version = Version + 1
        WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
            AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
            AND GrainTypeString = @GrainTypeString
            AND COALESCE(GrainIdExtensionString, '''') = COALESCE(@GrainIdExtensionString, '''')
            AND ServiceId = @ServiceId
            AND Version = @GrainStateVersion
        RETURNING Version)
    SELECT COALESCE((SELECT Version FROM cleared), @GrainStateVersion) AS NewGrainStateVersion;
')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;
