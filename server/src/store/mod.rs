//! The store: every SQL statement the server runs, over SQLite or PostgreSQL through one
//! schema (migrations beside this file, run at start). Nothing above this module writes SQL.
//!
//! Tables (see `migrations/0001_init.sql`): `tokens` (enrolment tokens, hashes only),
//! `reports` (each report's whole JSON body plus indexed columns), `checks` (one row per
//! check, for aggregation) and `hosts` (each host's current state: its latest full report, a
//! partial `--only`/`--skip` run only until it has one). A report is stored in one transaction
//! with its checks and its host's update, keyed by its idempotency key: a resend, from any
//! number of server instances at once, never makes a second row. Times are Unix milliseconds.
//! `profiles` (migration 4) keeps the signed profiles IT uploads for clients to fetch.

use std::borrow::Cow;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Connection, Executor, Row};

use crate::config::Database;

/// The migrations, in order. A new one is appended here and never edited once released.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("migrations/0001_init.sql")),
    (
        2,
        "dashboard",
        include_str!("migrations/0002_dashboard.sql"),
    ),
    (
        3,
        "dashboard indexes",
        include_str!("migrations/0003_dashboard_indexes.sql"),
    ),
    (4, "profiles", include_str!("migrations/0004_profiles.sql")),
];

mod dashboard;
mod profiles;
pub use dashboard::*;
pub use profiles::{ProfileRow, ProfileStored};

/// What went wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open the database ({what}): {source}")]
    Open { what: String, source: sqlx::Error },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
}

/// Which engine is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database, shared by every request of one server instance.
#[derive(Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time; writers queue here instead of spinning on the busy
    /// handler. PostgreSQL needs no such thing.
    writer: Option<tokio::sync::Mutex<()>>,
}

/// An enrolment token as stored (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenRow {
    pub id: String,
    pub scope: String,
    pub site: String,
    pub label: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// One check of a report, as stored for aggregation.
#[derive(Debug, Clone)]
pub struct CheckRow {
    pub check_id: String,
    pub status: String,
    pub code: String,
    pub duration_ms: i64,
}

/// A report ready to store: the body and the columns taken from it.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub id: String,
    pub idempotency_key: String,
    pub body_sha256: String,
    pub hostname: String,
    pub username: String,
    pub os: String,
    pub os_version: String,
    pub profile_name: String,
    pub profile_version: String,
    pub verdict: String,
    pub partial: bool,
    pub started_at: i64,
    pub received_at: i64,
    pub duration_ms: i64,
    pub root_cause: Option<String>,
    pub root_cause_code: Option<String>,
    pub owner: Option<String>,
    pub layer: Option<String>,
    /// The diagnosis's `who` (the resolver, the vendor, the gateway), when it names one.
    pub who: Option<String>,
    /// The diagnosis's headline in English and in Chinese.
    pub headline_en: Option<String>,
    pub headline_zh: Option<String>,
    pub root_causes: String,
    pub token_id: Option<String>,
    pub site: String,
    pub label: String,
    pub remote_addr: String,
    pub body: String,
    pub checks: Vec<CheckRow>,
}

/// What storing a report did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inserted {
    /// Stored now.
    Stored,
    /// This idempotency key (or report id) is already stored: `same_body` when the stored
    /// body is byte-for-byte this one (an ordinary resend).
    Duplicate { id: String, same_body: bool },
}

/// A host's current state, as the host list shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HostRow {
    pub hostname: String,
    pub report_id: String,
    pub partial: bool,
    pub started_at: i64,
    pub received_at: i64,
    pub verdict: String,
    pub username: String,
    pub os: String,
    pub profile_name: String,
    pub profile_version: String,
    pub site: String,
    pub label: String,
    pub owner: Option<String>,
    pub root_cause_code: Option<String>,
    pub last_report_id: String,
    pub last_started_at: i64,
}

/// Which hosts to list.
#[derive(Debug, Clone, Default)]
pub struct HostFilter {
    pub verdict: Option<String>,
    pub site: Option<String>,
    pub profile: Option<String>,
    /// Only hosts whose current report started at or after this time.
    pub since: Option<i64>,
    /// Hosts after this name (pagination).
    pub after: Option<String>,
    pub limit: i64,
}

/// One stored report, without its body.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReportMeta {
    pub id: String,
    pub hostname: String,
    pub username: String,
    pub os: String,
    pub os_version: String,
    pub profile_name: String,
    pub profile_version: String,
    pub verdict: String,
    pub partial: bool,
    pub started_at: i64,
    pub received_at: i64,
    pub duration_ms: i64,
    pub root_cause: Option<String>,
    pub root_cause_code: Option<String>,
    pub owner: Option<String>,
    pub layer: Option<String>,
    pub root_causes: String,
    pub site: String,
    pub label: String,
}

/// A failing check of a host's current report (for the fleet summary).
#[derive(Debug, Clone)]
pub struct FailingRow {
    pub hostname: String,
    pub report_id: String,
    pub check_id: String,
    pub code: String,
    pub status: String,
}

/// A value bound to a statement built at run time.
enum Param {
    Text(String),
    Int(i64),
}

const HOST_COLUMNS: &str = "hostname, report_id, partial, started_at, received_at, verdict, username, os, \
     profile_name, profile_version, site, label, owner, root_cause_code, last_report_id, last_started_at";

const META_COLUMNS: &str = "id, hostname, username, os, os_version, profile_name, profile_version, verdict, \
     partial, started_at, received_at, duration_ms, root_cause, root_cause_code, owner, layer, root_causes, site, label";

fn host_row(r: &AnyRow) -> Result<HostRow, sqlx::Error> {
    Ok(HostRow {
        hostname: r.try_get(0)?,
        report_id: r.try_get(1)?,
        partial: r.try_get::<i64, _>(2)? != 0,
        started_at: r.try_get(3)?,
        received_at: r.try_get(4)?,
        verdict: r.try_get(5)?,
        username: r.try_get(6)?,
        os: r.try_get(7)?,
        profile_name: r.try_get(8)?,
        profile_version: r.try_get(9)?,
        site: r.try_get(10)?,
        label: r.try_get(11)?,
        owner: r.try_get(12)?,
        root_cause_code: r.try_get(13)?,
        last_report_id: r.try_get(14)?,
        last_started_at: r.try_get(15)?,
    })
}

fn meta_row(r: &AnyRow) -> Result<ReportMeta, sqlx::Error> {
    Ok(ReportMeta {
        id: r.try_get(0)?,
        hostname: r.try_get(1)?,
        username: r.try_get(2)?,
        os: r.try_get(3)?,
        os_version: r.try_get(4)?,
        profile_name: r.try_get(5)?,
        profile_version: r.try_get(6)?,
        verdict: r.try_get(7)?,
        partial: r.try_get::<i64, _>(8)? != 0,
        started_at: r.try_get(9)?,
        received_at: r.try_get(10)?,
        duration_ms: r.try_get(11)?,
        root_cause: r.try_get(12)?,
        root_cause_code: r.try_get(13)?,
        owner: r.try_get(14)?,
        layer: r.try_get(15)?,
        root_causes: r.try_get(16)?,
        site: r.try_get(17)?,
        label: r.try_get(18)?,
    })
}

impl Store {
    /// Opens (creating a SQLite file and its directory if needed) and migrates the database.
    pub async fn open(db: &Database, max_connections: u32) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let (url, backend) = match db {
            Database::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
                        path: dir.display().to_string(),
                        source,
                    })?;
                }
                (sqlite_url(path), Backend::Sqlite)
            }
            Database::Postgres(url) => (url.clone(), Backend::Postgres),
        };
        let open_err = |source| StoreError::Open {
            what: db.describe(),
            source,
        };
        let options = AnyConnectOptions::from_str(&url).map_err(open_err)?;
        if backend == Backend::Sqlite {
            // WAL is a property of the file: set it once, before the pool's connections share it.
            let mut first = sqlx::AnyConnection::connect_with(&options)
                .await
                .map_err(open_err)?;
            first
                .execute("PRAGMA journal_mode = WAL")
                .await
                .map_err(open_err)?;
            first.close().await.map_err(open_err)?;
        }
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => max_connections.min(8),
                Backend::Postgres => max_connections,
            })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL with NORMAL sync: a crash loses no committed transaction's
                        // consistency; a power cut may lose the last moments, which the
                        // clients' outboxes resend.
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        // The dashboard's aggregates scan indexes of every host: read them
                        // through the OS's page cache mapped in, with a larger page cache.
                        conn.execute("PRAGMA mmap_size = 1073741824").await?;
                        conn.execute("PRAGMA cache_size = -32768").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(open_err)?;
        let store = Store {
            pool,
            backend,
            writer: (backend == Backend::Sqlite).then(|| tokio::sync::Mutex::new(())),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The engine behind this store.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = Migrator {
            migrations: Cow::Owned(
                MIGRATIONS
                    .iter()
                    .map(|(v, d, sql)| {
                        Migration::new(
                            *v,
                            Cow::Borrowed(*d),
                            MigrationType::Simple,
                            Cow::Borrowed(*sql),
                            false,
                        )
                    })
                    .collect(),
            ),
            ..Migrator::DEFAULT
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes the pool, waiting for connections in use.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn write_guard(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.writer {
            Some(m) => Some(m.lock().await),
            None => None,
        }
    }

    // ---- tokens -------------------------------------------------------------------------

    /// Stores a new token's hash.
    pub async fn create_token(&self, t: &TokenRow, hash: &str) -> Result<(), StoreError> {
        let _w = self.write_guard().await;
        sqlx::query(
            "INSERT INTO tokens (id, hash, scope, site, label, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, NULL)",
        )
        .bind(&t.id)
        .bind(hash)
        .bind(&t.scope)
        .bind(&t.site)
        .bind(&t.label)
        .bind(t.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every token, newest first.
    pub async fn list_tokens(&self) -> Result<Vec<TokenRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, scope, site, label, created_at, revoked_at FROM tokens ORDER BY created_at DESC, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(token_row)
            .collect::<Result<_, _>>()
            .map_err(Into::into)
    }

    /// The token with this hash.
    pub async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRow>, StoreError> {
        let row = sqlx::query(
            "SELECT id, scope, site, label, created_at, revoked_at FROM tokens WHERE hash = $1",
        )
        .bind(hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(token_row).transpose().map_err(Into::into)
    }

    /// Revokes a token; false when there is no such token.
    pub async fn revoke_token(&self, id: &str, at: i64) -> Result<bool, StoreError> {
        let _w = self.write_guard().await;
        let done =
            sqlx::query("UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
                .bind(id)
                .bind(at)
                .execute(&self.pool)
                .await?;
        if done.rows_affected() > 0 {
            return Ok(true);
        }
        let exists = sqlx::query("SELECT id FROM tokens WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(exists.is_some())
    }

    // ---- reports ------------------------------------------------------------------------

    /// Stores a report with its checks and its host's new state, all or nothing; a report
    /// whose idempotency key or id is already stored is not stored again.
    pub async fn insert_report(&self, r: &NewReport) -> Result<Inserted, StoreError> {
        let _w = self.write_guard().await;
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "INSERT INTO reports (id, idempotency_key, body_sha256, hostname, username, os, os_version, \
             profile_name, profile_version, verdict, partial, started_at, received_at, duration_ms, \
             root_cause, root_cause_code, owner, layer, root_causes, token_id, site, label, remote_addr, body) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&r.id)
        .bind(&r.idempotency_key)
        .bind(&r.body_sha256)
        .bind(&r.hostname)
        .bind(&r.username)
        .bind(&r.os)
        .bind(&r.os_version)
        .bind(&r.profile_name)
        .bind(&r.profile_version)
        .bind(&r.verdict)
        .bind(i64::from(r.partial))
        .bind(r.started_at)
        .bind(r.received_at)
        .bind(r.duration_ms)
        .bind(&r.root_cause)
        .bind(&r.root_cause_code)
        .bind(&r.owner)
        .bind(&r.layer)
        .bind(&r.root_causes)
        .bind(&r.token_id)
        .bind(&r.site)
        .bind(&r.label)
        .bind(&r.remote_addr)
        .bind(&r.body)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            let row = sqlx::query(
                "SELECT id, body_sha256 FROM reports WHERE idempotency_key = $1 OR id = $2 LIMIT 1",
            )
            .bind(&r.idempotency_key)
            .bind(&r.id)
            .fetch_optional(&mut *tx)
            .await?;
            tx.rollback().await?;
            let (id, sha): (String, String) = match row {
                Some(row) => (row.try_get(0)?, row.try_get(1)?),
                None => (r.id.clone(), String::new()),
            };
            return Ok(Inserted::Duplicate {
                id,
                same_body: sha == r.body_sha256,
            });
        }
        for chunk in r.checks.chunks(200) {
            let mut sql = String::from(
                "INSERT INTO checks (report_id, check_id, status, code, duration_ms) VALUES ",
            );
            for i in 0..chunk.len() {
                let b = i * 5;
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5
                ));
            }
            sql.push_str(" ON CONFLICT DO NOTHING");
            let mut q = sqlx::query(&sql);
            for c in chunk {
                q = q
                    .bind(&r.id)
                    .bind(&c.check_id)
                    .bind(&c.status)
                    .bind(&c.code)
                    .bind(c.duration_ms);
            }
            q.execute(&mut *tx).await?;
        }
        // The host's state: a full run beats a partial one whatever the times; between two of
        // a kind the later start wins (the report id breaks ties, so every instance agrees).
        sqlx::query(&format!(
            "INSERT INTO hosts ({HOST_COLUMNS}, host_key, layer, root_cause, who, headline_en, headline_zh, \
               verdict_since, site_eff, role) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $2, $4, $15, $16, $17, $18, $19, $20, $4, $11, $9) \
             ON CONFLICT (hostname) DO UPDATE SET \
               report_id = excluded.report_id, partial = excluded.partial, started_at = excluded.started_at, \
               received_at = excluded.received_at, verdict = excluded.verdict, username = excluded.username, \
               os = excluded.os, profile_name = excluded.profile_name, profile_version = excluded.profile_version, \
               site = excluded.site, label = excluded.label, owner = excluded.owner, \
               root_cause_code = excluded.root_cause_code, host_key = excluded.host_key, layer = excluded.layer, \
               root_cause = excluded.root_cause, who = excluded.who, headline_en = excluded.headline_en, \
               headline_zh = excluded.headline_zh, \
               verdict_since = CASE WHEN hosts.verdict = excluded.verdict THEN hosts.verdict_since ELSE excluded.started_at END, \
               site_eff = excluded.site_eff, role = excluded.role \
             WHERE (hosts.partial = 1 AND excluded.partial = 0) \
                OR (hosts.partial = excluded.partial AND (excluded.started_at > hosts.started_at \
                    OR (excluded.started_at = hosts.started_at AND excluded.report_id > hosts.report_id)))"
        ))
        .bind(&r.hostname)
        .bind(&r.id)
        .bind(i64::from(r.partial))
        .bind(r.started_at)
        .bind(r.received_at)
        .bind(&r.verdict)
        .bind(&r.username)
        .bind(&r.os)
        .bind(&r.profile_name)
        .bind(&r.profile_version)
        .bind(&r.site)
        .bind(&r.label)
        .bind(&r.owner)
        .bind(&r.root_cause_code)
        .bind(r.hostname.to_lowercase())
        .bind(&r.layer)
        .bind(&r.root_cause)
        .bind(&r.who)
        .bind(&r.headline_en)
        .bind(&r.headline_zh)
        .execute(&mut *tx)
        .await?;
        // The roster's view of the host (its site, department, role, whether it is essential).
        sqlx::query(ROSTER_ONTO_HOSTS_ONE)
            .bind(&r.hostname)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE roster SET reported = 1 WHERE host_key = $1 AND reported = 0")
            .bind(r.hostname.to_lowercase())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE hosts SET last_report_id = $2, last_started_at = $3 WHERE hostname = $1 \
             AND (last_started_at < $3 OR (last_started_at = $3 AND last_report_id < $2))",
        )
        .bind(&r.hostname)
        .bind(&r.id)
        .bind(r.started_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Inserted::Stored)
    }

    /// A stored report's JSON body.
    pub async fn report_body(&self, id: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT body FROM reports WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// A stored report's columns.
    pub async fn report_meta(&self, id: &str) -> Result<Option<ReportMeta>, StoreError> {
        let row = sqlx::query(&format!("SELECT {META_COLUMNS} FROM reports WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(meta_row).transpose()?)
    }

    /// The checks stored for a report, in no particular order.
    pub async fn report_checks(&self, id: &str) -> Result<Vec<CheckRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT check_id, status, code, duration_ms FROM checks WHERE report_id = $1 ORDER BY check_id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CheckRow {
                    check_id: r.try_get(0)?,
                    status: r.try_get(1)?,
                    code: r.try_get(2)?,
                    duration_ms: r.try_get(3)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Hosts and their current state, by name.
    pub async fn hosts(&self, f: &HostFilter) -> Result<Vec<HostRow>, StoreError> {
        let mut sql = format!("SELECT {HOST_COLUMNS} FROM hosts WHERE 1 = 1");
        let mut params = Vec::new();
        let mut cond = |sql: &mut String, col: &str, op: &str, p: Param| {
            params.push(p);
            sql.push_str(&format!(" AND {col} {op} ${}", params.len()));
        };
        if let Some(v) = &f.verdict {
            cond(&mut sql, "verdict", "=", Param::Text(v.clone()));
        }
        if let Some(v) = &f.site {
            cond(&mut sql, "site", "=", Param::Text(v.clone()));
        }
        if let Some(v) = &f.profile {
            cond(&mut sql, "profile_name", "=", Param::Text(v.clone()));
        }
        if let Some(v) = f.since {
            cond(&mut sql, "started_at", ">=", Param::Int(v));
        }
        if let Some(v) = &f.after {
            cond(&mut sql, "hostname", ">", Param::Text(v.clone()));
        }
        params.push(Param::Int(f.limit));
        sql.push_str(&format!(" ORDER BY hostname LIMIT ${}", params.len()));
        let mut q = sqlx::query(&sql);
        for p in params {
            q = match p {
                Param::Text(s) => q.bind(s),
                Param::Int(i) => q.bind(i),
            };
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter()
            .map(host_row)
            .collect::<Result<_, _>>()
            .map_err(Into::into)
    }

    /// One host's current state.
    pub async fn host(&self, hostname: &str) -> Result<Option<HostRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {HOST_COLUMNS} FROM hosts WHERE hostname = $1"
        ))
        .bind(hostname)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(host_row).transpose()?)
    }

    /// A host's reports, newest first, started before `before` if given.
    pub async fn history(
        &self,
        hostname: &str,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<ReportMeta>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {META_COLUMNS} FROM reports WHERE hostname = $1 AND started_at < $2 \
             ORDER BY started_at DESC, id DESC LIMIT $3"
        ))
        .bind(hostname)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(meta_row)
            .collect::<Result<_, _>>()
            .map_err(Into::into)
    }

    /// The failing (`fail`/`error`) checks of every host's current report started at or
    /// after `since`.
    pub async fn failing(&self, since: Option<i64>) -> Result<Vec<FailingRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT h.hostname, c.report_id, c.check_id, c.code, c.status FROM hosts h \
             JOIN checks c ON c.report_id = h.report_id \
             WHERE c.status IN ('fail', 'error') AND h.started_at >= $1 \
             ORDER BY h.hostname, c.check_id",
        )
        .bind(since.unwrap_or(i64::MIN))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FailingRow {
                    hostname: r.try_get(0)?,
                    report_id: r.try_get(1)?,
                    check_id: r.try_get(2)?,
                    code: r.try_get(3)?,
                    status: r.try_get(4)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// How many reports are stored.
    pub async fn count_reports(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) FROM reports")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Deletes reports received before `cutoff`, except every host's current and newest
    /// report, in batches of `batch`; returns how many went.
    pub async fn purge(&self, cutoff: i64, batch: i64) -> Result<u64, StoreError> {
        let mut total = 0;
        loop {
            let _w = self.write_guard().await;
            let mut tx = self.pool.begin().await?;
            let ids: Vec<String> = sqlx::query(
                "SELECT r.id FROM reports r WHERE r.received_at < $1 \
                 AND NOT EXISTS (SELECT 1 FROM hosts h WHERE h.report_id = r.id OR h.last_report_id = r.id) \
                 LIMIT $2",
            )
            .bind(cutoff)
            .bind(batch)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
            if ids.is_empty() {
                tx.rollback().await?;
                return Ok(total);
            }
            let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
            let list = marks.join(", ");
            for table_sql in [
                format!("DELETE FROM checks WHERE report_id IN ({list})"),
                format!("DELETE FROM reports WHERE id IN ({list})"),
            ] {
                let mut q = sqlx::query(&table_sql);
                for id in &ids {
                    q = q.bind(id);
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await?;
            total += ids.len() as u64;
            if (ids.len() as i64) < batch {
                return Ok(total);
            }
        }
    }
}

fn token_row(r: &AnyRow) -> Result<TokenRow, sqlx::Error> {
    Ok(TokenRow {
        id: r.try_get(0)?,
        scope: r.try_get(1)?,
        site: r.try_get(2)?,
        label: r.try_get(3)?,
        created_at: r.try_get(4)?,
        revoked_at: r.try_get(5)?,
    })
}

/// A `sqlite://` URL that creates the file.
fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}
