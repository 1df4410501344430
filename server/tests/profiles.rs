//! Signed profiles on the real server over loopback, with SQLite and with PostgreSQL: IT's
//! uploads checked against the configured key (a changed byte, another key, a reused version
//! refused), the newest version served per role and per the device token's site, the upload
//! API open to administrators only.

use std::path::Path;

use readycheck::signing;

use crate::browser::{Web, add_user};
use crate::support::*;

fn profile(version: &str, target: &str) -> String {
    format!(
        "[profile]\nname = \"Trading desk — home office\"\nversion = \"{version}\"\n\n[[check]]\nid = \"md\"\nplugin = \"network\"\nkind = \"tcp\"\ntitle = \"Market data\"\ntarget = \"{target}\"\n"
    )
}

/// Writes `<dir>/<file>` and its `.minisig`, signed with `secret`.
fn write_signed(dir: &Path, file: &str, text: &str, secret: &str) -> std::path::PathBuf {
    let p =
        readycheck::profile::Profile::parse(text, readycheck::profile::Source::Embedded).unwrap();
    let expires = signing::expiry_in(90);
    let (sig, _) = signing::sign(text, &p, secret, signing::Password::None, expires).unwrap();
    let path = dir.join(file);
    std::fs::write(&path, text).unwrap();
    std::fs::write(signing::signature_path(&path), sig).unwrap();
    path
}

fn upload(server: &Server, role: &str, site: &str, file: &Path) -> std::process::Output {
    // With the server's configuration (its `[profiles] keys`), when it was started with one.
    let config = server.data_dir.join("config.toml");
    let config = config.to_str().unwrap();
    let mut args = vec!["profile", "upload", "--role", role, file.to_str().unwrap()];
    if Path::new(config).exists() {
        args.extend(["--config", config]);
    }
    if !site.is_empty() {
        args.extend(["--site", site]);
    }
    server.cli(&args)
}

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn refused(out: &std::process::Output) -> String {
    assert!(
        !out.status.success(),
        "accepted: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The whole flow on one server, whatever its database.
fn exercise(dir: &Path, database: &str) {
    let it = signing::keygen(signing::Password::None).unwrap();
    let key_file = dir.join("it.pub");
    std::fs::write(&key_file, &it.public).unwrap();
    let server = Server::start(&Launch {
        data_dir: dir.join("srv"),
        database: database.into(),
        config: format!(
            "[profiles]\nkeys = [{:?}]\n",
            key_file.display().to_string()
        ),
        ..Launch::default()
    });
    let files = dir.join("files");
    std::fs::create_dir_all(&files).unwrap();

    // Version 1 for every site, 2 for 深圳 only.
    let v1 = write_signed(
        &files,
        "v1.toml",
        &profile("2026.11.1", "md.example:443"),
        &it.secret,
    );
    let out = ok(&upload(&server, "trading-desk", "", &v1));
    assert!(
        out.contains("version 2026.11.1") && out.contains("stored"),
        "{out}"
    );
    assert!(out.contains(&it.key_id), "{out}");
    let v2 = write_signed(
        &files,
        "v2.toml",
        &profile("2026.11.2", "md2.example:443"),
        &it.secret,
    );
    ok(&upload(&server, "trading-desk", "深圳", &v2));
    // The same upload again: already stored, not an error.
    assert!(ok(&upload(&server, "trading-desk", "深圳", &v2)).contains("already stored"));

    let shenzhen = server.token("device", "深圳");
    let beijing = server.token("device", "北京");
    let url = server.url("/api/v1/profiles/trading-desk");
    let got = get_json(&url, &shenzhen);
    assert_eq!(got["version"], "2026.11.2", "{got}");
    assert_eq!(got["key_id"], it.key_id.as_str());
    assert_eq!(
        got["profile"],
        profile("2026.11.2", "md2.example:443").as_str()
    );
    // What is served verifies as the client verifies it.
    let sig = got["signature"].as_str().unwrap();
    let mut keys = signing::PinnedKeys::default();
    keys.keys.push(signing::PinnedKey {
        id: it.key_id.clone(),
        path: key_file.clone(),
        key: signing::keys::parse_key(&it.public).unwrap(),
    });
    signing::verify(
        got["profile"].as_str().unwrap().as_bytes(),
        Some(sig),
        &keys,
        signing::today(),
    )
    .unwrap();
    let got = get_json(&url, &beijing);
    assert_eq!(got["version"], "2026.11.1", "{got}");
    assert_eq!(got["site"], "");

    // A newer version for every site does not replace 深圳's own.
    let v3 = write_signed(
        &files,
        "v3.toml",
        &profile("2026.11.10", "md3.example:443"),
        &it.secret,
    );
    ok(&upload(&server, "trading-desk", "", &v3));
    assert_eq!(get_json(&url, &beijing)["version"], "2026.11.10");
    assert_eq!(get_json(&url, &shenzhen)["version"], "2026.11.2");

    // No token, a read token, an unknown role.
    assert_eq!(get_status(&url, None).0, 401);
    assert_eq!(get_status(&url, Some(&server.token("read", "hq"))).0, 403);
    let (status, body) = get_status(&server.url("/api/v1/profiles/call-centre"), Some(&beijing));
    assert_eq!(status, 404, "{body}");

    // Refused uploads: a changed byte, another key, a reused version, a bad role.
    let tampered = files.join("tampered.toml");
    std::fs::write(&tampered, profile("2026.11.4", "evil.example:443")).unwrap();
    let good = write_signed(
        &files,
        "good.toml",
        &profile("2026.11.4", "md4.example:443"),
        &it.secret,
    );
    std::fs::copy(
        signing::signature_path(&good),
        signing::signature_path(&tampered),
    )
    .unwrap();
    let err = refused(&upload(&server, "trading-desk", "", &tampered));
    assert!(err.contains("changed after it was signed"), "{err}");
    let other = signing::keygen(signing::Password::None).unwrap();
    let foreign = write_signed(
        &files,
        "foreign.toml",
        &profile("2026.11.5", "md.example:443"),
        &other.secret,
    );
    let err = refused(&upload(&server, "trading-desk", "", &foreign));
    assert!(
        err.contains(&other.key_id) && err.contains("not pinned"),
        "{err}"
    );
    let reused = write_signed(
        &files,
        "reused.toml",
        &profile("2026.11.1", "md9.example:443"),
        &it.secret,
    );
    let err = refused(&upload(&server, "trading-desk", "", &reused));
    assert!(err.contains("already stored with other content"), "{err}");
    let err = refused(&upload(&server, "../desk", "", &v1));
    assert!(err.contains("not a role name"), "{err}");
    let list = ok(&server.cli(&["profile", "list"]));
    assert_eq!(list.lines().count(), 4, "{list}");
    assert!(
        !list.contains("evil") && !list.contains("2026.11.5"),
        "{list}"
    );

    // The upload API: administrators with the dashboard's CSRF token only.
    add_user(&server, "ops", "ops-password-1", "admin");
    add_user(&server, "desk", "desk-password-1", "viewer");
    let body = |text: &str, sig: &str, site: &str| {
        serde_json::json!({ "profile": text, "signature": sig, "site": site }).to_string()
    };
    let v5 = write_signed(
        &files,
        "v5.toml",
        &profile("2026.12.1", "md5.example:443"),
        &it.secret,
    );
    let text = std::fs::read_to_string(&v5).unwrap();
    let sig = std::fs::read_to_string(signing::signature_path(&v5)).unwrap();
    let admin = Web::sign_in(&server, "ops", "ops-password-1");
    let path = "/api/v1/profiles/trading-desk";
    let (status, _) = admin.post(path, None, body(&text, &sig, "").as_bytes());
    assert_eq!(status, 403, "no CSRF token");
    let viewer = Web::sign_in(&server, "desk", "desk-password-1");
    let (status, _) = viewer.post(path, Some(&viewer.csrf), body(&text, &sig, "").as_bytes());
    assert_eq!(status, 403, "a viewer");
    let (status, _, _) = post(
        &server.url(path),
        Some(&beijing),
        None,
        body(&text, &sig, "").as_bytes(),
    );
    assert_eq!(status, 401, "a device token");
    let (status, out) = admin.post(path, Some(&admin.csrf), body(&text, &sig, "").as_bytes());
    assert_eq!(status, 201, "{out}");
    let (status, out) = admin.post(path, Some(&admin.csrf), body(&text, &sig, "").as_bytes());
    assert_eq!(status, 200, "{out}");
    let (status, out) = admin.post(
        path,
        Some(&admin.csrf),
        body(&text.replace("md5", "md6"), &sig, "").as_bytes(),
    );
    assert_eq!(status, 400, "{out}");
    assert!(out.contains("\"signature\""), "{out}");
    assert_eq!(get_json(&url, &beijing)["version"], "2026.12.1");
}

#[test]
fn signed_profiles_are_checked_stored_and_served_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    exercise(dir.path(), "");
}

#[test]
fn signed_profiles_are_checked_stored_and_served_postgres() {
    let Some(pg) = postgres_or_skip() else { return };
    let db = pg.database("profiles");
    let dir = tempfile::tempdir().unwrap();
    exercise(dir.path(), &db);
}

#[test]
fn without_configured_keys_the_server_still_checks_what_it_can() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&Launch {
        data_dir: dir.path().join("srv"),
        ..Launch::default()
    });
    let k = signing::keygen(signing::Password::None).unwrap();
    let files = dir.path();
    let p = write_signed(
        files,
        "p.toml",
        &profile("2026.11.1", "md.example:443"),
        &k.secret,
    );
    ok(&upload(&server, "desk", "", &p));
    // A signature that is not minisign's, and one made for another text's name.
    std::fs::write(signing::signature_path(&p), "not a signature\n").unwrap();
    let err = refused(&upload(&server, "desk", "", &p));
    assert!(err.contains("not a minisign signature"), "{err}");
    let q = write_signed(
        files,
        "q.toml",
        &profile("2026.11.2", "md.example:443"),
        &k.secret,
    );
    std::fs::write(&q, profile("2026.11.3", "md.example:443")).unwrap();
    let err = refused(&upload(&server, "desk", "", &q));
    assert!(err.contains("version 2026.11.2"), "{err}");
}
