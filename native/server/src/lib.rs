//! psujobs: the PSU-compatible job server (REST API, engine, store, runner).

pub mod api;
pub mod auth;
pub mod backup;
pub mod config;
pub mod engine;
mod feedback_host;
mod host_lines;
pub mod ipc;
pub mod metrics;
pub mod node;
mod private_file;
mod pwsh_location;
pub mod rate_limit;
pub mod repository;
pub mod runner;
pub mod script_params;
pub mod secrets;
pub mod serve;
pub mod settings_watch;
pub mod store;
mod web;

/// This machine's name, shown on jobs as `computerName`.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".into())
}
