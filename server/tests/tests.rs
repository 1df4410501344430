//! readycheck-server's tests, one binary: the real server process on 127.0.0.1 with SQLite and
//! with a throw-away PostgreSQL cluster, fed by the real `readycheck` client and by raw HTTP;
//! the dashboard over HTTP and in headless Chromium, alerts into loopback chat robots.

mod browser;
mod support;

mod bad_input;
mod client;
mod crash;
mod dashboard;
mod https;
mod postgres;
mod profiles;
