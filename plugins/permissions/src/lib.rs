//! The `permissions` plugin: can this user actually reach and change what the job needs? Kinds:
//! `path` (exists; readable, listable, writable — proven by doing it), `group` (account database
//! versus this session), `admin`, `certificate` (validity, days left, subject/issuer, private key
//! exposure) and `env` (environment variables and the system proxy).

mod accounts;
mod admin;
mod certificate;
mod env;
mod group;
mod path;

readycheck_sdk::plugin! {
    name: "permissions",
    kinds: [
        path::PathAccess,
        group::Group,
        admin::Admin,
        certificate::Certificate,
        env::Env,
    ],
    catalogs: "i18n",
}
