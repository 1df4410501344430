-- readycheck-server's store, version 1. One schema for SQLite and PostgreSQL: portable types
-- only (TEXT, BIGINT; flags are 0/1), times as Unix milliseconds (UTC), no auto-increment keys.

-- Enrolment tokens. Only the SHA-256 of a token is kept; `id` is its public prefix.
CREATE TABLE tokens (
    id          TEXT PRIMARY KEY,
    hash        TEXT NOT NULL UNIQUE,
    scope       TEXT NOT NULL,            -- 'device' (submits reports) or 'read' (read API)
    site        TEXT NOT NULL,
    label       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

-- Every stored report: the whole JSON body plus the columns the read API filters and
-- aggregates on.
CREATE TABLE reports (
    id               TEXT PRIMARY KEY,    -- the report's own id
    idempotency_key  TEXT NOT NULL UNIQUE,
    body_sha256      TEXT NOT NULL,
    hostname         TEXT NOT NULL,
    username         TEXT NOT NULL,
    os               TEXT NOT NULL,
    os_version       TEXT NOT NULL,
    profile_name     TEXT NOT NULL,
    profile_version  TEXT NOT NULL,
    verdict          TEXT NOT NULL,       -- ready | degraded | not_ready
    partial          BIGINT NOT NULL,     -- 1: a run with --only / --skip
    started_at       BIGINT NOT NULL,
    received_at      BIGINT NOT NULL,
    duration_ms      BIGINT NOT NULL,
    root_cause       TEXT,                -- the diagnosis's root-cause check id
    root_cause_code  TEXT,                -- that check's result code
    owner            TEXT,                -- diagnosis.owner
    layer            TEXT,                -- diagnosis.layer
    root_causes      TEXT NOT NULL,       -- JSON array of check ids (report.root_causes)
    token_id         TEXT,
    site             TEXT NOT NULL,       -- the token's site ('' without a token)
    label            TEXT NOT NULL,       -- the token's label
    remote_addr      TEXT NOT NULL,
    body             TEXT NOT NULL
);
CREATE INDEX reports_host_started ON reports (hostname, started_at);
CREATE INDEX reports_received ON reports (received_at);
CREATE INDEX reports_owner ON reports (owner, received_at);
CREATE INDEX reports_root_cause_code ON reports (root_cause_code, received_at);

-- One row per check of each report, for aggregation.
CREATE TABLE checks (
    report_id    TEXT NOT NULL,
    check_id     TEXT NOT NULL,
    status       TEXT NOT NULL,           -- pass | warn | fail | skip | error
    code         TEXT NOT NULL,
    duration_ms  BIGINT NOT NULL,
    PRIMARY KEY (report_id, check_id)
);
CREATE INDEX checks_code ON checks (code);

-- Each host's current state: its latest full report (or, until it has one, its latest partial
-- run), with the columns the host list filters on copied from that report, and the newest run
-- of any kind.
CREATE TABLE hosts (
    hostname         TEXT PRIMARY KEY,
    report_id        TEXT NOT NULL,
    partial          BIGINT NOT NULL,     -- 1: a partial run (no full one yet)
    started_at       BIGINT NOT NULL,
    received_at      BIGINT NOT NULL,
    verdict          TEXT NOT NULL,
    username         TEXT NOT NULL,
    os               TEXT NOT NULL,
    profile_name     TEXT NOT NULL,
    profile_version  TEXT NOT NULL,
    site             TEXT NOT NULL,
    label            TEXT NOT NULL,
    owner            TEXT,
    root_cause_code  TEXT,
    last_report_id   TEXT NOT NULL,
    last_started_at  BIGINT NOT NULL
);
CREATE INDEX hosts_verdict ON hosts (verdict);
CREATE INDEX hosts_site ON hosts (site);
CREATE INDEX hosts_started ON hosts (started_at);
