-- Cluster membership (Orleans' extended membership protocol): one version row per deployment, bumped by every
-- membership change, and a row per silo. Inserts and updates are conditional on the version the silo read.
CREATE TABLE IF NOT EXISTS OrleansMembershipVersionTable
(
    DeploymentId varchar(150) NOT NULL,
    Timestamp    timestamptz(3) NOT NULL DEFAULT now(),
    Version      integer NOT NULL DEFAULT 0,
    CONSTRAINT PK_OrleansMembershipVersionTable_DeploymentId PRIMARY KEY (DeploymentId)
);

CREATE TABLE IF NOT EXISTS OrleansMembershipTable
(
    DeploymentId varchar(150) NOT NULL,
    Address      varchar(45)  NOT NULL,
    Port         integer      NOT NULL,
    Generation   integer      NOT NULL,
    SiloName     varchar(150) NOT NULL,
    HostName     varchar(150) NOT NULL,
    Status       integer      NOT NULL,
    ProxyPort    integer      NULL,
    SuspectTimes varchar(8000) NULL,
    MetadataJson text         NULL,
    StartTime    timestamptz(3) NOT NULL,
    IAmAliveTime timestamptz(3) NOT NULL,
    CONSTRAINT PK_MembershipTable_DeploymentId PRIMARY KEY (DeploymentId, Address, Port, Generation),
    CONSTRAINT FK_MembershipTable_MembershipVersionTable_DeploymentId
        FOREIGN KEY (DeploymentId) REFERENCES OrleansMembershipVersionTable (DeploymentId)
);

-- Each function returns 1 when it applied and 0 when it did not; a version conflict undoes any partial change.
-- Orleans 10.4 sends no silo metadata; the column stays for later provider versions.
CREATE OR REPLACE FUNCTION pax_insert_membership_version(_deploymentid varchar)
RETURNS TABLE (applied integer)
LANGUAGE plpgsql AS $$
DECLARE
    _rows integer;
BEGIN
    INSERT INTO OrleansMembershipVersionTable (DeploymentId) VALUES (_deploymentid) ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS _rows = ROW_COUNT;
    RETURN QUERY SELECT _rows;
END
$$;

CREATE OR REPLACE FUNCTION pax_insert_membership(
    _deploymentid varchar, _address varchar, _port integer, _generation integer, _siloname varchar,
    _hostname varchar, _status integer, _proxyport integer, _starttime timestamptz, _iamalivetime timestamptz,
    _metadatajson text, _version integer)
RETURNS TABLE (applied integer)
LANGUAGE plpgsql AS $$
DECLARE
    _rows integer;
BEGIN
    BEGIN
        INSERT INTO OrleansMembershipTable (DeploymentId, Address, Port, Generation, SiloName, HostName, Status,
            ProxyPort, MetadataJson, StartTime, IAmAliveTime)
        VALUES (_deploymentid, _address, _port, _generation, _siloname, _hostname, _status,
            _proxyport, _metadatajson, _starttime, _iamalivetime)
        ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS _rows = ROW_COUNT;
        IF _rows = 0 THEN
            RETURN QUERY SELECT 0;
            RETURN;
        END IF;

        UPDATE OrleansMembershipVersionTable SET Timestamp = now(), Version = Version + 1
        WHERE DeploymentId = _deploymentid AND Version = _version;
        GET DIAGNOSTICS _rows = ROW_COUNT;
        IF _rows = 0 THEN
            RAISE EXCEPTION USING ERRCODE = 'PX001', MESSAGE = 'membership version changed';
        END IF;
        RETURN QUERY SELECT 1;
    EXCEPTION WHEN SQLSTATE 'PX001' THEN
        RETURN QUERY SELECT 0;
    END;
END
$$;

CREATE OR REPLACE FUNCTION pax_update_membership(
    _deploymentid varchar, _address varchar, _port integer, _generation integer, _status integer,
    _suspecttimes varchar, _iamalivetime timestamptz, _metadatajson text, _version integer)
RETURNS TABLE (applied integer)
LANGUAGE plpgsql AS $$
DECLARE
    _rows integer;
BEGIN
    BEGIN
        UPDATE OrleansMembershipVersionTable SET Timestamp = now(), Version = Version + 1
        WHERE DeploymentId = _deploymentid AND Version = _version;
        GET DIAGNOSTICS _rows = ROW_COUNT;
        IF _rows = 0 THEN
            RETURN QUERY SELECT 0;
            RETURN;
        END IF;

        UPDATE OrleansMembershipTable
        SET Status = _status, SuspectTimes = _suspecttimes, MetadataJson = _metadatajson, IAmAliveTime = _iamalivetime
        WHERE DeploymentId = _deploymentid AND Address = _address AND Port = _port AND Generation = _generation;
        GET DIAGNOSTICS _rows = ROW_COUNT;
        IF _rows = 0 THEN
            RAISE EXCEPTION USING ERRCODE = 'PX001', MESSAGE = 'no such silo row';
        END IF;
        RETURN QUERY SELECT 1;
    EXCEPTION WHEN SQLSTATE 'PX001' THEN
        RETURN QUERY SELECT 0;
    END;
END
$$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('InsertMembershipVersionKey', '
    SELECT applied FROM pax_insert_membership_version(@DeploymentId);
'),
('InsertMembershipKey', '
    SELECT applied FROM pax_insert_membership(@DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName,
        @Status, @ProxyPort, @StartTime, @IAmAliveTime, NULL, @Version);
'),
('UpdateMembershipKey', '
    SELECT applied FROM pax_update_membership(@DeploymentId, @Address, @Port, @Generation, @Status, @SuspectTimes,
        @IAmAliveTime, NULL, @Version);
'),
-- Heartbeats touch only the silo row, never the version.
('UpdateIAmAlivetimeKey', '
    UPDATE OrleansMembershipTable SET IAmAliveTime = @IAmAliveTime
    WHERE DeploymentId = @DeploymentId AND Address = @Address AND Port = @Port AND Generation = @Generation;
'),
-- The version row comes back even when no silo row matches.
('MembershipReadRowKey', '
    SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
        m.SuspectTimes, m.MetadataJson, m.StartTime, m.IAmAliveTime, v.Version
    FROM OrleansMembershipVersionTable v
    LEFT OUTER JOIN OrleansMembershipTable m ON v.DeploymentId = m.DeploymentId
        AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
    WHERE v.DeploymentId = @DeploymentId;
'),
('MembershipReadAllKey', '
    SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
        m.SuspectTimes, m.MetadataJson, m.StartTime, m.IAmAliveTime, v.Version
    FROM OrleansMembershipVersionTable v
    LEFT OUTER JOIN OrleansMembershipTable m ON v.DeploymentId = m.DeploymentId
    WHERE v.DeploymentId = @DeploymentId;
'),
('DeleteMembershipTableEntriesKey', '
    DELETE FROM OrleansMembershipTable WHERE DeploymentId = @DeploymentId;
    DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId;
'),
-- Status 3 is Active.
('GatewaysQueryKey', '
    SELECT Address, ProxyPort, Generation
    FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId AND Status = @Status AND ProxyPort > 0;
'),
-- Dead (status 6) silos that have not heartbeated since the cut-off. The provider refuses to start without it.
('CleanupDefunctSiloEntriesKey', '
    DELETE FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId AND Status = 6
        AND IAmAliveTime < @IAmAliveTime AND StartTime < @IAmAliveTime
        AND COALESCE(SuspectTimes, '''') = '''';
'),
-- One dead silo's row, only if it is still exactly as the provider saw it.
('CleanupDefunctSiloEntryKey', '
    DELETE FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId AND Status = 6
        AND Address = @Address AND Port = @Port AND Generation = @Generation
        AND IAmAliveTime = @IAmAliveTime AND StartTime = @StartTime
        AND COALESCE(SuspectTimes, '''') = COALESCE(CAST(@SuspectTimes AS varchar), '''');
')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;
