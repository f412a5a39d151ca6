//! The bodies that open a session: SESSION_CAPABILITY and INIT_RUNSPACEPOOL
//! (design psrp.md §4.2), and the HostInfo objects that decide where host calls go.

use clixml::Value;

use crate::values::{bag, enumeration};

/// The protocol version we declare. 2.3 rather than 2.4 on purpose: below 2.4 every
/// SecureString crossing the wire is AES-encrypted with a per-session key (2.4 sends them as
/// plain base64), and it is the only mode Windows PowerShell and pwsh ≤ 7.5 speak, so one
/// code path serves every server.
pub const PROTOCOL_VERSION: &str = "2.3";

pub fn session_capability() -> Value {
    bag(vec![
        ("protocolversion", Value::Version(PROTOCOL_VERSION.into())),
        // Must be 2.0 whatever the real version (design psrp.md §8.8).
        ("PSVersion", Value::Version("2.0".into())),
        ("SerializationVersion", Value::Version("1.1.0.1".into())),
    ])
}

pub fn init_runspace_pool() -> Value {
    bag(vec![
        ("MinRunspaces", Value::I32(1)),
        ("MaxRunspaces", Value::I32(1)),
        (
            "PSThreadOptions",
            enumeration(
                "System.Management.Automation.Runspaces.PSThreadOptions",
                "Default",
                0,
            ),
        ),
        (
            "ApartmentState",
            enumeration("System.Threading.ApartmentState", "Unknown", 2),
        ),
        ("ApplicationArguments", Value::Nil),
        ("HostInfo", pool_host_info()),
    ])
}

/// A host with a UI, so that `Read-Host`, prompts and host writes come to us; no RawUI
/// (its getters would need `_hostDefaultData`).
fn pool_host_info() -> Value {
    host_info(false, false, true, false)
}

/// "Use the pool's host": what PowerShell's client sends per pipeline. The server then
/// routes host calls as PIPELINE_HOST_CALL on the pipeline's PSGuid.
pub fn pipeline_host_info() -> Value {
    host_info(true, true, true, true)
}

/// All four flags are always sent: a missing one decodes as `false` (design psrp.md §8.9).
fn host_info(host_null: bool, ui_null: bool, raw_ui_null: bool, use_runspace_host: bool) -> Value {
    bag(vec![
        ("_isHostNull", Value::Bool(host_null)),
        ("_isHostUINull", Value::Bool(ui_null)),
        ("_isHostRawUINull", Value::Bool(raw_ui_null)),
        ("_useRunspaceHost", Value::Bool(use_runspace_host)),
    ])
}
