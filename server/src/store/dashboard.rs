//! The dashboard's statements: aggregates over the `hosts` state rows (counts, lists, incidents,
//! charts, metrics) filtered in SQL and paged, so the home page never reads a report body or
//! builds a row per host in memory; the roster and its copy onto the hosts; accounts and
//! sessions; and the alert cool-down.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Param, Store, StoreError};

/// Copies the roster's view of one host (`$1`: its hostname) onto its state row.
pub(super) const ROSTER_ONTO_HOSTS_ONE: &str = "UPDATE hosts SET \
     site_eff = COALESCE((SELECT r.site FROM roster r WHERE r.host_key = hosts.host_key AND r.site <> ''), hosts.site), \
     person = COALESCE((SELECT r.username FROM roster r WHERE r.host_key = hosts.host_key), ''), \
     department = COALESCE((SELECT r.department FROM roster r WHERE r.host_key = hosts.host_key), ''), \
     role = COALESCE((SELECT r.role FROM roster r WHERE r.host_key = hosts.host_key AND r.role <> ''), hosts.profile_name), \
     essential = COALESCE((SELECT r.essential FROM roster r WHERE r.host_key = hosts.host_key), 0), \
     in_roster = CASE WHEN EXISTS (SELECT 1 FROM roster r WHERE r.host_key = hosts.host_key) THEN 1 ELSE 0 END \
     WHERE hostname = $1";

/// The dashboard's filters; empty strings and `None` mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FleetFilter {
    pub site: Option<String>,
    pub department: Option<String>,
    pub role: Option<String>,
    /// `ready`, `degraded`, `not_ready`, `stale` or `not_reported`.
    pub verdict: Option<String>,
    /// A diagnosis owner (`company`, `home_network`, …).
    pub owner: Option<String>,
    /// A root-cause result code (`network.tcp.refused`).
    pub cause: Option<String>,
}

impl FleetFilter {
    /// `AND …` over `hosts` (aliased `h`), binding into `params`.
    fn hosts_sql(&self, params: &mut Vec<Param>, with_verdict: bool, cut: i64) -> String {
        let mut sql = String::new();
        let mut eq = |sql: &mut String, col: &str, v: &Option<String>| {
            if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
                params.push(Param::Text(v.clone()));
                sql.push_str(&format!(" AND {col} = ${}", params.len()));
            }
        };
        eq(&mut sql, "h.site_eff", &self.site);
        eq(&mut sql, "h.department", &self.department);
        eq(&mut sql, "h.role", &self.role);
        eq(&mut sql, "h.owner", &self.owner);
        eq(&mut sql, "h.root_cause_code", &self.cause);
        if with_verdict && let Some(v) = self.verdict.as_deref().filter(|v| !v.is_empty()) {
            match v {
                "stale" => {
                    params.push(Param::Int(cut));
                    sql.push_str(&format!(" AND h.started_at < ${}", params.len()));
                }
                "not_reported" => sql.push_str(" AND 1 = 0"),
                v => {
                    params.push(Param::Text(v.to_string()));
                    sql.push_str(&format!(" AND h.verdict = ${}", params.len()));
                    params.push(Param::Int(cut));
                    sql.push_str(&format!(" AND h.started_at >= ${}", params.len()));
                }
            }
        }
        sql
    }

    /// `AND …` over `roster` (aliased `r`); `None` when no roster row can match (a verdict
    /// or owner is asked for).
    fn roster_sql(&self, params: &mut Vec<Param>) -> Option<String> {
        if self.owner.as_deref().is_some_and(|o| !o.is_empty())
            || self.cause.as_deref().is_some_and(|o| !o.is_empty())
            || self
                .verdict
                .as_deref()
                .is_some_and(|v| !v.is_empty() && v != "not_reported")
        {
            return None;
        }
        let mut sql = String::new();
        for (col, v) in [
            ("r.site", &self.site),
            ("r.department", &self.department),
            ("r.role", &self.role),
        ] {
            if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
                params.push(Param::Text(v.clone()));
                sql.push_str(&format!(" AND {col} = ${}", params.len()));
            }
        }
        Some(sql)
    }
}

/// Verdict counts against the roster.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FleetCounts {
    pub ready: i64,
    pub degraded: i64,
    pub not_ready: i64,
    /// Reported, but not since the stale cut.
    pub stale: i64,
    /// On the roster, never reported.
    pub not_reported: i64,
    /// Reported, not on the roster (only counted when there is a roster).
    pub unknown: i64,
    /// Roster rows (matching the filter).
    pub roster: i64,
}

/// A host's state as the dashboard lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StateRow {
    pub hostname: String,
    /// The roster's user, else the report's.
    pub username: String,
    pub site: String,
    pub department: String,
    pub role: String,
    pub essential: bool,
    pub in_roster: bool,
    pub verdict: String,
    pub owner: Option<String>,
    pub layer: Option<String>,
    pub root_cause: Option<String>,
    pub root_cause_code: Option<String>,
    pub who: Option<String>,
    pub headline_en: Option<String>,
    pub headline_zh: Option<String>,
    pub verdict_since: i64,
    pub started_at: i64,
    pub report_id: String,
    pub partial: bool,
}

const STATE_COLUMNS: &str = "h.hostname, CASE WHEN h.person <> '' THEN h.person ELSE h.username END, h.site_eff, h.department, h.role, h.essential, h.in_roster, \
     h.verdict, h.owner, h.layer, h.root_cause, h.root_cause_code, h.who, h.headline_en, h.headline_zh, \
     h.verdict_since, h.started_at, h.report_id, h.partial";

fn state_row(r: &AnyRow) -> Result<StateRow, sqlx::Error> {
    Ok(StateRow {
        hostname: r.try_get(0)?,
        username: r.try_get(1)?,
        site: r.try_get(2)?,
        department: r.try_get(3)?,
        role: r.try_get(4)?,
        essential: r.try_get::<i64, _>(5)? != 0,
        in_roster: r.try_get::<i64, _>(6)? != 0,
        verdict: r.try_get(7)?,
        owner: r.try_get(8)?,
        layer: r.try_get(9)?,
        root_cause: r.try_get(10)?,
        root_cause_code: r.try_get(11)?,
        who: r.try_get(12)?,
        headline_en: r.try_get(13)?,
        headline_zh: r.try_get(14)?,
        verdict_since: r.try_get(15)?,
        started_at: r.try_get(16)?,
        report_id: r.try_get(17)?,
        partial: r.try_get::<i64, _>(18)? != 0,
    })
}

/// A roster row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RosterRow {
    pub hostname: String,
    pub username: String,
    pub site: String,
    pub department: String,
    pub role: String,
    pub essential: bool,
}

fn roster_row(r: &AnyRow) -> Result<RosterRow, sqlx::Error> {
    Ok(RosterRow {
        hostname: r.try_get(0)?,
        username: r.try_get(1)?,
        site: r.try_get(2)?,
        department: r.try_get(3)?,
        role: r.try_get(4)?,
        essential: r.try_get::<i64, _>(5)? != 0,
    })
}

/// Not-ready hosts sharing a diagnosis at one site (parts of an incident).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentPart {
    pub owner: String,
    pub layer: String,
    pub code: String,
    pub who: String,
    pub site: String,
    pub hosts: i64,
    pub first: i64,
    pub last: i64,
}

/// A dashboard account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub name: String,
    pub password_hash: String,
    pub role: String,
    pub lang: Option<String>,
}

/// A signed-in session with its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub username: String,
    pub csrf: String,
    pub expires_at: i64,
    pub role: String,
    pub lang: Option<String>,
}

fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    params: Vec<Param>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for p in params {
        q = match p {
            Param::Text(s) => q.bind(s),
            Param::Int(i) => q.bind(i),
        };
    }
    q
}

impl Store {
    // ---- the home page ------------------------------------------------------------------

    /// Hosts in `verdict` (or stale) matching the filter: essential ones first, then the
    /// longest in that state; `limit` from `offset`.
    pub async fn fleet_hosts(
        &self,
        f: &FleetFilter,
        verdict: &str,
        cut: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<StateRow>, StoreError> {
        let mut f = f.clone();
        f.verdict = Some(verdict.to_string());
        let mut params = Vec::new();
        let w = f.hosts_sql(&mut params, true, cut);
        params.push(Param::Int(limit));
        params.push(Param::Int(offset));
        let n = params.len();
        let sql = format!(
            "SELECT {STATE_COLUMNS} FROM hosts h WHERE 1 = 1{w} \
             ORDER BY h.essential DESC, h.verdict_since, h.hostname LIMIT ${} OFFSET ${n}",
            n - 1
        );
        let rows = bind_all(sqlx::query(&sql), params)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(state_row)
            .collect::<Result<_, _>>()
            .map_err(Into::into)
    }

    /// Every host matching the filter (for the CSV export), by name.
    pub async fn fleet_all(&self, f: &FleetFilter, cut: i64) -> Result<Vec<StateRow>, StoreError> {
        let mut params = Vec::new();
        let w = f.hosts_sql(&mut params, true, cut);
        let sql = format!("SELECT {STATE_COLUMNS} FROM hosts h WHERE 1 = 1{w} ORDER BY h.hostname");
        let rows = bind_all(sqlx::query(&sql), params)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(state_row)
            .collect::<Result<_, _>>()
            .map_err(Into::into)
    }

    /// Reported hosts that are not on the roster, by name.
    pub async fn unknown_hosts(&self, limit: i64) -> Result<Vec<StateRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {STATE_COLUMNS} FROM hosts h WHERE h.in_roster = 0 ORDER BY h.hostname LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(state_row)
            .collect::<Result<_, _>>()
            .map_err(Into::into)
    }

    /// One host's state row.
    pub async fn host_state(&self, hostname: &str) -> Result<Option<StateRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {STATE_COLUMNS} FROM hosts h WHERE h.hostname = $1"
        ))
        .bind(hostname)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(state_row).transpose()?)
    }

    /// Roster hosts that never reported, essential first.
    pub async fn not_reported(
        &self,
        f: &FleetFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<RosterRow>, StoreError> {
        let mut params = Vec::new();
        let Some(w) = f.roster_sql(&mut params) else {
            return Ok(vec![]);
        };
        params.push(Param::Int(limit));
        params.push(Param::Int(offset));
        let n = params.len();
        let sql = format!(
            "SELECT r.hostname, r.username, r.site, r.department, r.role, r.essential FROM roster r \
             WHERE r.reported = 0{w} ORDER BY r.essential DESC, r.site, r.hostname LIMIT ${} OFFSET ${n}",
            n - 1
        );
        let rows = bind_all(sqlx::query(&sql), params)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(roster_row)
            .collect::<Result<_, _>>()
            .map_err(Into::into)
    }

    /// Not-ready hosts whose report started at or after `since`, grouped by diagnosis and
    /// site.
    pub async fn incident_parts(
        &self,
        f: &FleetFilter,
        since: i64,
    ) -> Result<Vec<IncidentPart>, StoreError> {
        let mut params = vec![Param::Int(since)];
        let mut f = f.clone();
        f.verdict = None;
        let w = f.hosts_sql(&mut params, false, since);
        let sql = format!(
            "SELECT COALESCE(h.owner, 'unknown'), COALESCE(h.layer, ''), COALESCE(h.root_cause_code, ''), \
             COALESCE(h.who, ''), h.site_eff, COUNT(*), MIN(h.verdict_since), MAX(h.verdict_since) \
             FROM hosts h WHERE h.verdict = 'not_ready' AND h.started_at >= $1{w} \
             GROUP BY 1, 2, 3, 4, 5"
        );
        let rows = bind_all(sqlx::query(&sql), params)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(IncidentPart {
                    owner: r.try_get(0)?,
                    layer: r.try_get(1)?,
                    code: r.try_get(2)?,
                    who: r.try_get(3)?,
                    site: r.try_get(4)?,
                    hosts: r.try_get(5)?,
                    first: r.try_get(6)?,
                    last: r.try_get(7)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// (site, verdict or `stale`, hosts, of which not on the roster): the counts, the chart and
    /// the metrics from one scan of an index. Hosts whose report started before `cut` are stale.
    pub async fn verdicts_by_site(
        &self,
        f: &FleetFilter,
        cut: i64,
    ) -> Result<Vec<(String, String, i64, i64)>, StoreError> {
        let mut params = vec![Param::Int(cut)];
        let w = f.hosts_sql(&mut params, false, cut);
        let sql = format!(
            "SELECT h.site_eff, CASE WHEN h.started_at < $1 THEN 'stale' ELSE h.verdict END, COUNT(*), \
             COUNT(CASE WHEN h.in_roster = 0 THEN 1 END) FROM hosts h WHERE 1 = 1{w} GROUP BY 1, 2"
        );
        let rows = bind_all(sqlx::query(&sql), params)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// (site, roster hosts, of which never reported), for the roster filters (none when a
    /// verdict or owner is asked for).
    pub async fn roster_by_site(
        &self,
        f: &FleetFilter,
    ) -> Result<Vec<(String, i64, i64)>, StoreError> {
        let mut params = Vec::new();
        let Some(w) = f.roster_sql(&mut params) else {
            return Ok(vec![]);
        };
        let sql = format!(
            "SELECT r.site, COUNT(*), COUNT(CASE WHEN r.reported = 0 THEN 1 END) FROM roster r \
             WHERE 1 = 1{w} GROUP BY 1"
        );
        let rows = bind_all(sqlx::query(&sql), params)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Hosts whose current report started at or after `from`, per `bucket_ms` from `from`.
    pub async fn arrivals(
        &self,
        f: &FleetFilter,
        from: i64,
        bucket_ms: i64,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        let mut params = vec![Param::Int(from), Param::Int(bucket_ms.max(1))];
        let w = f.hosts_sql(&mut params, false, from);
        let sql = format!(
            "SELECT (h.started_at - $1) / $2, COUNT(*) FROM hosts h WHERE h.started_at >= $1{w} \
             GROUP BY 1 ORDER BY 1"
        );
        let rows = bind_all(sqlx::query(&sql), params)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// (owner, root-cause code, site, hosts) of hosts not ready or degraded since `cut`.
    pub async fn causes_by_site(
        &self,
        f: &FleetFilter,
        cut: i64,
    ) -> Result<Vec<(String, String, String, i64)>, StoreError> {
        let mut params = vec![Param::Int(cut)];
        let w = f.hosts_sql(&mut params, false, cut);
        let sql = format!(
            "SELECT COALESCE(h.owner, 'unknown'), COALESCE(h.root_cause_code, ''), h.site_eff, COUNT(*) FROM hosts h \
             WHERE h.verdict IN ('degraded', 'not_ready') AND h.started_at >= $1{w} GROUP BY 1, 2, 3"
        );
        let rows = bind_all(sqlx::query(&sql), params)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// The values each filter can take (at most 500 each): sites, departments, roles.
    pub async fn filter_values(&self) -> Result<[Vec<String>; 3], StoreError> {
        let mut out: [Vec<String>; 3] = Default::default();
        for (i, (hcol, rcol)) in [
            ("site_eff", "site"),
            ("department", "department"),
            ("role", "role"),
        ]
        .iter()
        .enumerate()
        {
            let rows = sqlx::query(&format!(
                "SELECT v FROM (SELECT DISTINCT {hcol} AS v FROM hosts UNION SELECT DISTINCT {rcol} AS v FROM roster) u \
                 WHERE v <> '' ORDER BY v LIMIT 500"
            ))
            .fetch_all(&self.pool)
            .await?;
            out[i] = rows
                .iter()
                .map(|r| r.try_get(0))
                .collect::<Result<_, _>>()?;
        }
        Ok(out)
    }

    /// The most common root-cause codes of hosts not ready since `cut`.
    pub async fn top_codes(&self, cut: i64, limit: i64) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT root_cause_code, COUNT(*) FROM hosts WHERE verdict IN ('degraded', 'not_ready') AND started_at >= $1 \
             AND root_cause_code IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT $2",
        )
        .bind(cut)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Essential roster hosts that are not ready, or have not reported, since `since`.
    pub async fn essential_not_ready(&self, since: i64) -> Result<Vec<RosterRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.hostname, r.username, r.site, r.department, r.role, r.essential FROM roster r \
             LEFT JOIN hosts h ON h.host_key = r.host_key \
             WHERE r.essential = 1 AND (h.hostname IS NULL OR h.started_at < $1 OR h.verdict = 'not_ready') \
             ORDER BY r.site, r.hostname LIMIT 1000",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(roster_row)
            .collect::<Result<_, _>>()
            .map_err(Into::into)
    }

    // ---- the roster ---------------------------------------------------------------------

    /// How many hosts the roster has.
    pub async fn roster_size(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) FROM roster")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Replaces the roster with `rows` and copies it onto every host, in one transaction.
    pub async fn replace_roster(&self, rows: &[RosterRow]) -> Result<(), StoreError> {
        let _w = self.write_guard().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM roster").execute(&mut *tx).await?;
        for chunk in rows.chunks(100) {
            let mut sql = String::from(
                "INSERT INTO roster (host_key, hostname, username, site, department, role, essential) VALUES ",
            );
            for i in 0..chunk.len() {
                let b = i * 7;
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7
                ));
            }
            sql.push_str(" ON CONFLICT (host_key) DO NOTHING");
            let mut q = sqlx::query(&sql);
            for r in chunk {
                q = q
                    .bind(r.hostname.to_lowercase())
                    .bind(&r.hostname)
                    .bind(&r.username)
                    .bind(&r.site)
                    .bind(&r.department)
                    .bind(&r.role)
                    .bind(i64::from(r.essential));
            }
            q.execute(&mut *tx).await?;
        }
        let all = ROSTER_ONTO_HOSTS_ONE.replace("WHERE hostname = $1", "");
        sqlx::query(&all).execute(&mut *tx).await?;
        sqlx::query(
            "UPDATE roster SET reported = 1 WHERE EXISTS (SELECT 1 FROM hosts h WHERE h.host_key = roster.host_key)",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores old reports in bulk (the benchmark's history): the `reports` rows only, in one
    /// transaction; hosts' state and checks are left alone.
    pub async fn insert_history_bulk(&self, rows: &[super::NewReport]) -> Result<(), StoreError> {
        let _w = self.write_guard().await;
        let mut tx = self.pool.begin().await?;
        for chunk in rows.chunks(200) {
            let mut sql = String::from(
                "INSERT INTO reports (id, idempotency_key, body_sha256, hostname, username, os, os_version, \
                 profile_name, profile_version, verdict, partial, started_at, received_at, duration_ms, \
                 root_cause, root_cause_code, owner, layer, root_causes, token_id, site, label, remote_addr, body) VALUES ",
            );
            for i in 0..chunk.len() {
                let b = i * 14;
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!(
                    "(${}, ${}, '', ${}, ${}, 'windows', '10', ${}, '', ${}, 0, ${}, ${}, 1000, ${}, ${}, ${}, ${}, '[]', NULL, ${}, '', '', ${})",
                    b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9, b + 10, b + 11, b + 12, b + 13, b + 14
                ));
            }
            let mut q = sqlx::query(&sql);
            for r in chunk {
                q = q
                    .bind(&r.id)
                    .bind(&r.idempotency_key)
                    .bind(&r.hostname)
                    .bind(&r.username)
                    .bind(&r.profile_name)
                    .bind(&r.verdict)
                    .bind(r.started_at)
                    .bind(r.received_at)
                    .bind(&r.root_cause)
                    .bind(&r.root_cause_code)
                    .bind(&r.owner)
                    .bind(&r.layer)
                    .bind(&r.site)
                    .bind(&r.body);
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    // ---- accounts and sessions ------------------------------------------------------------

    /// Adds an account, or replaces its password and role.
    pub async fn put_user(&self, name: &str, hash: &str, role: &str) -> Result<(), StoreError> {
        let _w = self.write_guard().await;
        sqlx::query(
            "INSERT INTO users (name, password_hash, role, lang, created_at) VALUES ($1, $2, $3, NULL, $4) \
             ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role",
        )
        .bind(name)
        .bind(hash)
        .bind(role)
        .bind(crate::now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// An account by name.
    pub async fn user(&self, name: &str) -> Result<Option<UserRow>, StoreError> {
        let row = sqlx::query("SELECT name, password_hash, role, lang FROM users WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .map(|r| -> Result<UserRow, sqlx::Error> {
                Ok(UserRow {
                    name: r.try_get(0)?,
                    password_hash: r.try_get(1)?,
                    role: r.try_get(2)?,
                    lang: r.try_get(3)?,
                })
            })
            .transpose()?)
    }

    /// Every account (name, role), by name.
    pub async fn users(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT name, role FROM users ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Removes an account and its sessions; false when there was none.
    pub async fn remove_user(&self, name: &str) -> Result<bool, StoreError> {
        let _w = self.write_guard().await;
        sqlx::query("DELETE FROM sessions WHERE username = $1")
            .bind(name)
            .execute(&self.pool)
            .await?;
        let done = sqlx::query("DELETE FROM users WHERE name = $1")
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Sets an account's language (`None`: the browser's).
    pub async fn set_user_lang(&self, name: &str, lang: Option<&str>) -> Result<(), StoreError> {
        let _w = self.write_guard().await;
        sqlx::query("UPDATE users SET lang = $2 WHERE name = $1")
            .bind(name)
            .bind(lang)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Stores a new session.
    pub async fn create_session(
        &self,
        id_hash: &str,
        user: &str,
        csrf: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let _w = self.write_guard().await;
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (id_hash, username, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id_hash)
        .bind(user)
        .bind(csrf)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A live session and its account.
    pub async fn session(&self, id_hash: &str, now: i64) -> Result<Option<SessionRow>, StoreError> {
        let row = sqlx::query(
            "SELECT s.username, s.csrf, s.expires_at, u.role, u.lang FROM sessions s \
             JOIN users u ON u.name = s.username WHERE s.id_hash = $1 AND s.expires_at > $2",
        )
        .bind(id_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .map(|r| -> Result<SessionRow, sqlx::Error> {
                Ok(SessionRow {
                    username: r.try_get(0)?,
                    csrf: r.try_get(1)?,
                    expires_at: r.try_get(2)?,
                    role: r.try_get(3)?,
                    lang: r.try_get(4)?,
                })
            })
            .transpose()?)
    }

    /// Ends a session.
    pub async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        let _w = self.write_guard().await;
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ---- alerts ---------------------------------------------------------------------------

    /// When an alert was last delivered to a channel.
    pub async fn alert_sent_at(&self, key: &str, channel: &str) -> Result<Option<i64>, StoreError> {
        let row =
            sqlx::query("SELECT sent_at FROM alerts_sent WHERE alert_key = $1 AND channel = $2")
                .bind(key)
                .bind(channel)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Claims an alert for a channel: true when it was not sent since `cooldown_from` (and is
    /// now marked sent at `now`), so that of several instances only one delivers it.
    pub async fn claim_alert(
        &self,
        key: &str,
        channel: &str,
        now: i64,
        cooldown_from: i64,
    ) -> Result<bool, StoreError> {
        let _w = self.write_guard().await;
        let done = sqlx::query(
            "INSERT INTO alerts_sent (alert_key, channel, sent_at) VALUES ($1, $2, $3) \
             ON CONFLICT (alert_key, channel) DO UPDATE SET sent_at = excluded.sent_at \
             WHERE alerts_sent.sent_at < $4",
        )
        .bind(key)
        .bind(channel)
        .bind(now)
        .bind(cooldown_from)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Gives a claim back after a delivery that failed every attempt.
    pub async fn release_alert(&self, key: &str, channel: &str) -> Result<(), StoreError> {
        let _w = self.write_guard().await;
        sqlx::query("DELETE FROM alerts_sent WHERE alert_key = $1 AND channel = $2")
            .bind(key)
            .bind(channel)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
