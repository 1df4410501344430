-- readycheck-server's store, version 3: indexes that cover the dashboard's aggregates, so the
-- home page reads compact index pages instead of every host's row, and a `reported` flag on
-- the roster (set when the host's first report is stored) so "not yet reported" is a range.

DROP INDEX hosts_state;
CREATE INDEX hosts_counts ON hosts (site_eff, verdict, started_at, in_roster);
CREATE INDEX hosts_problems ON hosts (verdict, started_at, owner, layer, root_cause_code, who, site_eff, verdict_since);

ALTER TABLE roster ADD COLUMN reported BIGINT NOT NULL DEFAULT 0;
UPDATE roster SET reported = 1 WHERE EXISTS (SELECT 1 FROM hosts h WHERE h.host_key = roster.host_key);
CREATE INDEX roster_waiting ON roster (reported, essential DESC, site, hostname);
