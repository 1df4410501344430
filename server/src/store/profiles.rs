//! The store's signed profiles: kept as uploaded, one row per role, site and version.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, StoreError};

/// A stored signed profile.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProfileRow {
    pub role: String,
    /// `''` for every site.
    pub site: String,
    pub version: String,
    pub name: String,
    pub key_id: String,
    pub expires: String,
    #[serde(rename = "profile")]
    pub body: String,
    pub signature: String,
    pub body_sha256: String,
    pub uploaded_at: i64,
    pub uploaded_by: String,
}

/// What storing a profile did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileStored {
    /// Stored now.
    New,
    /// This role, site and version was stored before with the same text and signature.
    Same,
    /// This role, site and version is stored with other text: versions are never reused.
    Conflict,
}

const COLUMNS: &str = "role, site, version, name, key_id, expires, body, signature, body_sha256, uploaded_at, uploaded_by";

fn profile_row(r: &AnyRow) -> Result<ProfileRow, sqlx::Error> {
    Ok(ProfileRow {
        role: r.try_get(0)?,
        site: r.try_get(1)?,
        version: r.try_get(2)?,
        name: r.try_get(3)?,
        key_id: r.try_get(4)?,
        expires: r.try_get(5)?,
        body: r.try_get(6)?,
        signature: r.try_get(7)?,
        body_sha256: r.try_get(8)?,
        uploaded_at: r.try_get(9)?,
        uploaded_by: r.try_get(10)?,
    })
}

impl Store {
    /// Stores an uploaded profile, unless its role, site and version are taken.
    pub async fn put_profile(&self, p: &ProfileRow) -> Result<ProfileStored, StoreError> {
        let _w = self.write_guard().await;
        let done = sqlx::query(&format!(
            "INSERT INTO profiles ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (role, site, version) DO NOTHING"
        ))
        .bind(&p.role)
        .bind(&p.site)
        .bind(&p.version)
        .bind(&p.name)
        .bind(&p.key_id)
        .bind(&p.expires)
        .bind(&p.body)
        .bind(&p.signature)
        .bind(&p.body_sha256)
        .bind(p.uploaded_at)
        .bind(&p.uploaded_by)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() > 0 {
            return Ok(ProfileStored::New);
        }
        let row = sqlx::query(
            "SELECT body_sha256, signature FROM profiles WHERE role = $1 AND site = $2 AND version = $3",
        )
        .bind(&p.role)
        .bind(&p.site)
        .bind(&p.version)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r)
                if r.try_get::<String, _>(0)? == p.body_sha256
                    && r.try_get::<String, _>(1)? == p.signature =>
            {
                ProfileStored::Same
            }
            _ => ProfileStored::Conflict,
        })
    }

    /// Every profile of `role` for `site` and for every site (`''`).
    pub async fn profiles_for(
        &self,
        role: &str,
        site: &str,
    ) -> Result<Vec<ProfileRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM profiles WHERE role = $1 AND (site = $2 OR site = '') ORDER BY uploaded_at"
        ))
        .bind(role)
        .bind(site)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(profile_row)
            .collect::<Result<_, _>>()
            .map_err(Into::into)
    }

    /// Every stored profile, by role, site and upload time.
    pub async fn list_profiles(&self) -> Result<Vec<ProfileRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM profiles ORDER BY role, site, uploaded_at"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(profile_row)
            .collect::<Result<_, _>>()
            .map_err(Into::into)
    }
}
