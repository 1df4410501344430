//! `readycheck-server`: parses the command line, sets up logging, runs one command and maps
//! its error to the exit code in one place (0 ok, 1 failed, 3 bad configuration or usage).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use readycheck_server::cli::{
    Cli, Command, ProfileCommand, Role, RosterCommand, TokenCommand, UserCommand,
};
use readycheck_server::config::{Config, ConfigError, LogFormat, Overrides};
use readycheck_server::store::Store;
use readycheck_server::{serve, tokens};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let listen = match &cli.command {
        Some(Command::Serve { listen }) => listen.clone(),
        _ => None,
    };
    let overrides = Overrides {
        listen,
        database: cli.global.database.clone(),
        data_dir: cli.global.data_dir.clone(),
    };
    let config = match Config::load(cli.global.config.as_deref(), &overrides) {
        Ok(c) => c,
        Err(e) => return config_error(&e),
    };
    init_logging(&config);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return failed(&anyhow::anyhow!("cannot start the runtime: {e}")),
    };
    let result = runtime.block_on(run(
        cli.command.unwrap_or(Command::Serve { listen: None }),
        config,
    ));
    match result {
        Ok(code) => code,
        Err(e) => failed(&e),
    }
}

fn config_error(e: &ConfigError) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "{e}");
    ExitCode::from(3)
}

fn failed(e: &anyhow::Error) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "error: {e:#}");
    ExitCode::from(1)
}

fn init_logging(config: &Config) {
    let level = std::env::var("RUST_LOG").unwrap_or_else(|_| config.log_level.clone());
    let targets: tracing_subscriber::filter::Targets = level
        .parse()
        .unwrap_or_else(|_| "info".parse().expect("valid filter"));
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let registry = tracing_subscriber::registry().with(targets);
    let _ = match config.log_format {
        LogFormat::Json => registry.with(fmt.json().flatten_event(true)).try_init(),
        LogFormat::Text => registry.with(fmt.with_ansi(false)).try_init(),
    };
}

async fn run(command: Command, config: Config) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match command {
        Command::Serve { .. } => {
            serve::run(config).await?;
        }
        Command::CheckConfig => {
            if let Err(e) = config.check_files() {
                return Ok(config_error(&e));
            }
            writeln!(
                out,
                "configuration OK{}\n  listen    {}{}\n  database  {}\n  retention {} days\n  tokens    device token {}; read token {}",
                config
                    .source
                    .as_ref()
                    .map(|p| format!(": {}", p.display()))
                    .unwrap_or_default(),
                if config.tls.is_some() {
                    "https://"
                } else {
                    "http://"
                },
                config.listen,
                config.database.describe(),
                config.retention_days,
                if config.require_device_token {
                    "required"
                } else {
                    "not required"
                },
                if config.require_read_token {
                    "required"
                } else {
                    "not required"
                },
            )?;
        }
        Command::Token(t) => {
            let store = Store::open(&config.database, 2).await?;
            match t {
                TokenCommand::Create { site, label, scope } => {
                    let (token, row) = tokens::create(&store, scope, &site, &label).await?;
                    writeln!(out, "{token}")?;
                    let _ = writeln!(
                        std::io::stderr(),
                        "token {} ({}, site {:?}, label {:?}) created; it is shown only now.\n\
                         Give it to devices as the Authorization header, e.g. `[report] auth_header_env = \"READYCHECK_TOKEN\"` with READYCHECK_TOKEN=\"Bearer {token}\".",
                        row.id,
                        row.scope,
                        row.site,
                        row.label
                    );
                }
                TokenCommand::List { json } => {
                    let rows = store.list_tokens().await?;
                    if json {
                        let v: Vec<serde_json::Value> = rows
                            .iter()
                            .map(|r| {
                                serde_json::json!({
                                    "id": r.id, "scope": r.scope, "site": r.site, "label": r.label,
                                    "created_at": readycheck_server::rfc3339(r.created_at),
                                    "revoked_at": r.revoked_at.map(readycheck_server::rfc3339),
                                })
                            })
                            .collect();
                        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
                    } else {
                        writeln!(
                            out,
                            "{:<12} {:<7} {:<24} {:<20} {:<20} REVOKED",
                            "ID", "SCOPE", "CREATED", "SITE", "LABEL"
                        )?;
                        for r in rows {
                            writeln!(
                                out,
                                "{:<12} {:<7} {:<24} {:<20} {:<20} {}",
                                r.id,
                                r.scope,
                                readycheck_server::rfc3339(r.created_at),
                                r.site,
                                r.label,
                                r.revoked_at
                                    .map(readycheck_server::rfc3339)
                                    .unwrap_or_else(|| "-".into())
                            )?;
                        }
                    }
                }
                TokenCommand::Revoke { id } => {
                    if !store.revoke_token(&id, readycheck_server::now_ms()).await? {
                        anyhow::bail!(
                            "no token with id `{id}` (see `readycheck-server token list`)"
                        );
                    }
                    writeln!(out, "token {id} revoked")?;
                }
            }
            store.close().await;
        }
        Command::User(u) => {
            let store = Store::open(&config.database, 2).await?;
            match u {
                UserCommand::Add { name, role } => {
                    let password = match std::env::var("READYCHECK_PASSWORD") {
                        Ok(p) if !p.is_empty() => p,
                        _ => {
                            let _ = write!(std::io::stderr(), "password for {name}: ");
                            let mut line = String::new();
                            std::io::stdin().read_line(&mut line)?;
                            line.trim_end_matches(['\r', '\n']).to_string()
                        }
                    };
                    readycheck_server::dashboard::session::add_user(
                        &store,
                        &name,
                        &password,
                        role == Role::Admin,
                    )
                    .await?;
                    writeln!(
                        out,
                        "user {name} ({}) saved",
                        if role == Role::Admin {
                            "admin"
                        } else {
                            "viewer"
                        }
                    )?;
                }
                UserCommand::List => {
                    for (name, role) in store.users().await? {
                        writeln!(out, "{name:<32} {role}")?;
                    }
                }
                UserCommand::Remove { name } => {
                    if !store.remove_user(&name).await? {
                        anyhow::bail!("no user `{name}` (see `readycheck-server user list`)");
                    }
                    writeln!(out, "user {name} removed")?;
                }
            }
            store.close().await;
        }
        Command::Roster(RosterCommand::Import { file }) => {
            let bytes = std::fs::read(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let store = Store::open(&config.database, 2).await?;
            let done = readycheck_server::dashboard::import_roster(&store, &bytes)
                .await
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            store.close().await;
            for b in &done.bad {
                writeln!(
                    std::io::stderr(),
                    "{}:{}: {}",
                    file.display(),
                    b.line,
                    b.message
                )?;
            }
            writeln!(
                out,
                "{} hosts imported from {} ({}); {} rows left out",
                done.imported,
                file.display(),
                done.encoding,
                done.bad.len()
            )?;
            if !done.bad.is_empty() {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Profile(ProfileCommand::Upload {
            role,
            site,
            signature,
            file,
        }) => {
            let read = |p: &std::path::Path| {
                std::fs::read_to_string(p)
                    .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))
            };
            let text = read(&file)?;
            let sig_path = signature.unwrap_or_else(|| readycheck::signing::signature_path(&file));
            let sig = read(&sig_path)?;
            let keys = readycheck_server::profiles::load_keys(&config.profile_keys)?;
            let store = Store::open(&config.database, 2).await?;
            let done = readycheck_server::profiles::upload(
                &store,
                &keys,
                &readycheck_server::profiles::Upload {
                    role: &role,
                    site: &site,
                    text: &text,
                    signature: &sig,
                    by: "cli",
                },
            )
            .await;
            store.close().await;
            let (row, new) = done.map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            writeln!(
                out,
                "{} \"{}\" version {} (key {}, expires {}) {} for role {}{}",
                file.display(),
                row.name,
                row.version,
                row.key_id,
                row.expires,
                if new { "stored" } else { "was already stored" },
                row.role,
                if row.site.is_empty() {
                    ", every site".to_string()
                } else {
                    format!(", site {}", row.site)
                }
            )?;
        }
        Command::Profile(ProfileCommand::List { json }) => {
            let store = Store::open(&config.database, 2).await?;
            let mut rows = store.list_profiles().await?;
            store.close().await;
            rows.sort_by(readycheck_server::profiles::by_version);
            if json {
                let v: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "role": r.role, "site": r.site, "version": r.version, "name": r.name,
                            "key_id": r.key_id, "expires": r.expires,
                            "uploaded_at": readycheck_server::rfc3339(r.uploaded_at),
                            "uploaded_by": r.uploaded_by,
                        })
                    })
                    .collect();
                writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
            } else {
                writeln!(
                    out,
                    "{:<20} {:<12} {:<14} {:<17} {:<11} NAME",
                    "ROLE", "SITE", "VERSION", "KEY", "EXPIRES"
                )?;
                for r in rows {
                    writeln!(
                        out,
                        "{:<20} {:<12} {:<14} {:<17} {:<11} {}",
                        r.role,
                        if r.site.is_empty() { "*" } else { &r.site },
                        r.version,
                        r.key_id,
                        r.expires,
                        r.name
                    )?;
                }
            }
        }
        Command::Purge { days } => {
            let store = Store::open(&config.database, 2).await?;
            let days = days.unwrap_or(config.retention_days);
            let cutoff = readycheck_server::now_ms() - i64::from(days) * 86_400_000;
            let n = store.purge(cutoff, 1000).await?;
            writeln!(out, "{n} reports older than {days} days deleted")?;
            store.close().await;
        }
    }
    Ok(ExitCode::SUCCESS)
}
