//! The command line: `readycheck-server [serve]`, `check-config`, `token create|list|revoke`,
//! `profile upload|list` and `purge`. Parsing only; each command is a plain function in `main.rs`'s `run`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::tokens::Scope;

/// readycheck-server: receives, stores and serves the reports `readycheck --submit` sends.
#[derive(Debug, Parser)]
#[command(name = "readycheck-server", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every command takes.
#[derive(Debug, Args, Clone)]
pub struct Global {
    /// Configuration file (TOML). Default: `READYCHECK_SERVER_CONFIG`, else built-in defaults.
    #[arg(long, short = 'c', global = true, env = "READYCHECK_SERVER_CONFIG")]
    pub config: Option<PathBuf>,
    /// `sqlite` (default), `sqlite:///path/file.db` or `postgres://user@host/db`.
    #[arg(long, global = true)]
    pub database: Option<String>,
    /// Where the SQLite database is kept.
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve {
        /// Address and port, e.g. 0.0.0.0:8080 (default 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<String>,
    },
    /// Check the configuration file and the files it names; exit 0 if it is usable.
    CheckConfig,
    /// Enrolment tokens for devices and read tokens for scripts.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Dashboard accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// The roster the dashboard counts against.
    #[command(subcommand)]
    Roster(RosterCommand),
    /// Signed profiles clients fetch (`[profile] update` in their profile).
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Delete reports older than the retention now (each host's latest report is kept).
    Purge {
        /// Days to keep (default: the configuration's `[retention] days`).
        #[arg(long)]
        days: Option<u32>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it once (only its hash is stored).
    Create {
        /// The site the devices using it are at (recorded with each report).
        #[arg(long)]
        site: String,
        /// A label (team, desk, bundle) recorded with each report.
        #[arg(long, default_value = "")]
        label: String,
        /// `device` submits reports; `read` reads the API.
        #[arg(long, value_enum, default_value = "device")]
        scope: Scope,
    },
    /// List tokens (never the tokens themselves).
    List {
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token by its id (the part after `rc1_`).
    Revoke { id: String },
}

/// The dashboard's role of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    /// Sees everything, changes nothing.
    Viewer,
    /// Also imports the roster.
    Admin,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account, or set an existing one's password and role. The password is read from
    /// standard input (its first line), or from `READYCHECK_PASSWORD`.
    Add {
        name: String,
        #[arg(long, value_enum, default_value = "viewer")]
        role: Role,
    },
    /// List accounts and their roles.
    List,
    /// Remove an account and end its sessions.
    Remove { name: String },
}

#[derive(Debug, Subcommand)]
pub enum RosterCommand {
    /// Replace the roster with a CSV file from AD/HR (UTF-8 with or without BOM, or GB18030):
    /// user, host, site, department, role/profile, essential (yes/no). Bad rows are listed by
    /// line and left out.
    Import { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Store a signed profile for a role: FILE and FILE.minisig, as `readycheck profile sign`
    /// wrote them. Clients whose profile says `update = { url = ".../api/v1/profiles/ROLE" }`
    /// get it at their next run, once it verifies against their pinned key.
    Upload {
        /// The role clients ask for (letters, digits, `.`, `_`, `-`), e.g. trading-desk.
        #[arg(long)]
        role: String,
        /// Only for devices whose token is of this site (default: every site).
        #[arg(long, default_value = "")]
        site: String,
        /// The signature file (default: FILE.minisig).
        #[arg(long)]
        signature: Option<PathBuf>,
        file: PathBuf,
    },
    /// List stored profiles: role, site, version, key, expiry.
    List {
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}
