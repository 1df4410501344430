-- readycheck-server's store, version 2: the helpdesk dashboard. Each host's state row gains what
-- the home page shows and filters on without reading report bodies (the diagnosis's layer,
-- root-cause check, `who` and headline in both languages, since when the verdict holds, and
-- the roster's site, department, role and essential flag copied in), so the page aggregates in
-- SQL over one table. Plus the roster, sign-in accounts and sessions, and sent alerts.

ALTER TABLE hosts ADD COLUMN host_key TEXT NOT NULL DEFAULT '';      -- lower-case hostname
ALTER TABLE hosts ADD COLUMN layer TEXT;
ALTER TABLE hosts ADD COLUMN root_cause TEXT;
ALTER TABLE hosts ADD COLUMN who TEXT;
ALTER TABLE hosts ADD COLUMN headline_en TEXT;
ALTER TABLE hosts ADD COLUMN headline_zh TEXT;
ALTER TABLE hosts ADD COLUMN verdict_since BIGINT NOT NULL DEFAULT 0;
ALTER TABLE hosts ADD COLUMN site_eff TEXT NOT NULL DEFAULT '';      -- the roster's site, else the token's
ALTER TABLE hosts ADD COLUMN person TEXT NOT NULL DEFAULT '';        -- the roster's user
ALTER TABLE hosts ADD COLUMN department TEXT NOT NULL DEFAULT '';
ALTER TABLE hosts ADD COLUMN role TEXT NOT NULL DEFAULT '';          -- the roster's role/profile, else the report's profile
ALTER TABLE hosts ADD COLUMN essential BIGINT NOT NULL DEFAULT 0;
ALTER TABLE hosts ADD COLUMN in_roster BIGINT NOT NULL DEFAULT 0;
UPDATE hosts SET host_key = lower(hostname), verdict_since = started_at, site_eff = site, role = profile_name;
CREATE INDEX hosts_key ON hosts (host_key);
CREATE INDEX hosts_state ON hosts (verdict, started_at);
CREATE INDEX hosts_site_eff ON hosts (site_eff);

-- The roster, as imported from AD/HR: one row per host (the last row wins).
CREATE TABLE roster (
    host_key    TEXT PRIMARY KEY,         -- lower-case hostname
    hostname    TEXT NOT NULL,
    username    TEXT NOT NULL,
    site        TEXT NOT NULL,
    department  TEXT NOT NULL,
    role        TEXT NOT NULL,
    essential   BIGINT NOT NULL
);
CREATE INDEX roster_site ON roster (site);

-- Dashboard accounts; passwords as argon2 PHC strings.
CREATE TABLE users (
    name           TEXT PRIMARY KEY,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL,         -- 'viewer' or 'admin'
    lang           TEXT,                  -- 'en', 'zh-CN' or NULL (the browser's)
    created_at     BIGINT NOT NULL
);

-- Signed-in sessions: the SHA-256 of the cookie's value, and the session's CSRF token.
CREATE TABLE sessions (
    id_hash     TEXT PRIMARY KEY,
    username    TEXT NOT NULL,
    csrf        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Alerts delivered, per incident key and channel, for the cool-down.
CREATE TABLE alerts_sent (
    alert_key  TEXT NOT NULL,
    channel    TEXT NOT NULL,
    sent_at    BIGINT NOT NULL,
    PRIMARY KEY (alert_key, channel)
);
