-- The named queries every Orleans ADO.NET provider reads at start.
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64)  NOT NULL,
    QueryText varchar(8000) NOT NULL,
    CONSTRAINT OrleansQuery_Key PRIMARY KEY (QueryKey)
);
