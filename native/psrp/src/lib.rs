//! PSRP client over the out-of-process transport: drives `pwsh -s` for the job server.
//!
//! ```text
//! Pool::new(env, size) ─take()─► Session ─run(Invocation, Host)─► RunHandle
//!                                                                   ├─ next_event(): Event…
//!                                                                   ├─ stopper().stop()
//!                                                                   └─ outcome(): Outcome
//! ```
//! One job per process: a session is consumed by `run`, and its process is closed and
//! killed (with everything it started) when the job ends.

mod create_pipeline;
mod crypto;
mod environment;
mod error;
mod fragment;
mod handshake;
mod host;
mod host_call;
mod invocation;
mod message;
mod minimal;
mod packet;
mod pool;
mod process;
mod records;
mod run;
mod session;
mod transport;
mod values;

pub use environment::{EnvKind, Environment};
pub use error::{Error, Result};
pub use host::{
    Choice, Credential, FieldDescription, FieldValue, Host, HostError, HostWrite, HostWriteKind,
    NoHost,
};
pub use invocation::{Invocation, ParamValue, ScriptSource};
pub use minimal::run_minimal;
pub use pool::Pool;
pub use records::{
    ErrorRecord, InformationRecord, InformationalRecord, OutputRecord, ProgressRecord,
};
pub use run::{DEFAULT_STOP_GRACE, Event, FinalState, Outcome, RunHandle, Stopper};
pub use session::{ServerInfo, Session};

pub use secrecy::{ExposeSecret, SecretString};
