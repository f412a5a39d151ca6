//! Persistence behind one trait: SQLite is the embedded default, PostgreSQL the choice of an
//! operator who keeps data in a database server. Both pass the same suite.

mod channel_binding;
mod copy;
mod listing;
mod postgres;
mod postgres_lease;
mod postgres_options;
#[cfg(test)]
mod postgres_scratch;
mod postgres_tls;
mod schema;
mod sqlite;
#[cfg(test)]
mod suite;

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use model::{Job, JobOutput, JobQuery, JobStatus, Page, PipelineOutput, ScriptParameter};
use uuid::Uuid;

pub use copy::{Copied, sqlite_to_postgres};
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL error: {}", postgres_message(.0))]
    Postgres(#[from] tokio_postgres::Error),
    #[error("cannot get a PostgreSQL connection: {0}")]
    Pool(String),
    /// The connection string's TLS options cannot be met (a bad `sslmode`, an unreadable
    /// `sslrootcert`).
    #[error("PostgreSQL TLS: {0}")]
    Tls(String),
    /// Another server already serves from this store (see [`Store::lock_for_server`]).
    #[error("{0}")]
    InUse(String),
    #[error("the store is closed")]
    Closed,
    #[error("stored JSON is corrupt: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot create the data folder {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

pub type StoreResult<T> = Result<T, StoreError>;

/// An issued app token as stored: only the SHA-256 of the secret is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenRecord {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub revoked: bool,
}

/// A named run-as credential; `secret` is ciphertext (see `secrets.rs`).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCredential {
    pub name: String,
    pub user: String,
    pub secret: Vec<u8>,
}

/// One thing a running job produced, as [`Store::append`] stores it.
#[derive(Debug, Clone, PartialEq)]
pub enum Appended {
    /// A stream record (error, warning, information, host, progress…).
    Output(JobOutput),
    /// One pipeline object's CliXml.
    Pipeline(String),
}

/// A queued job a server would start, and the most jobs of its script that may be claimed
/// and unfinished at once, on every server of the store together (0: no limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub job_id: i64,
    pub script_limit: i64,
}

/// The two tables a job's appends land in, and the column that holds each row's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entries {
    /// `job_output`: stream records, as JSON documents.
    Output,
    /// `pipeline_output`: pipeline objects, as CliXml.
    Pipeline,
}

impl Entries {
    fn table(self) -> &'static str {
        match self {
            Entries::Output => "job_output",
            Entries::Pipeline => "pipeline_output",
        }
    }

    fn column(self) -> &'static str {
        match self {
            Entries::Output => "doc",
            Entries::Pipeline => "data",
        }
    }
}

/// Everything the server keeps. Calls are short and synchronous; callers on the async side
/// wrap them in `spawn_blocking` only where a call can be long (grooming). Where a call must
/// wait for the store (another call holding it, a database restarting) it waits through
/// [`off_worker`].
pub trait Store: Send + Sync + 'static {
    /// Makes this process the only server of `node` (its data folder) on the store for as
    /// long as the store is open: a second one would take the first one's running jobs for
    /// leftovers of a crash and mark them failed. SQLite has one node; several share a
    /// PostgreSQL store. Fails with [`StoreError::InUse`] when another server holds it.
    fn lock_for_server(&self, node: &str) -> StoreResult<()>;
    /// Whether other servers may serve from this store too (PostgreSQL). A server alone on
    /// its store (SQLite) has no others to tell it is alive or to hear from.
    fn shared(&self) -> bool;

    /// Succeeds when the store can serve: its database answers and has the jobs table.
    fn ping(&self) -> StoreResult<()>;

    /// The stable id of a repository path, assigned on first sight and kept across restarts.
    fn script_id(&self, full_path: &str) -> StoreResult<i64>;
    /// The path an id was assigned to.
    fn script_path(&self, id: i64) -> StoreResult<Option<String>>;
    /// Cached parameters of a script whose content hash is `fingerprint`.
    fn cached_parameters(
        &self,
        id: i64,
        fingerprint: &str,
    ) -> StoreResult<Option<Vec<ScriptParameter>>>;
    fn cache_parameters(
        &self,
        id: i64,
        fingerprint: &str,
        params: &[ScriptParameter],
    ) -> StoreResult<()>;

    /// Inserts a new job, assigning its `id`.
    fn insert_job(&self, job: &mut Job) -> StoreResult<()>;
    fn update_job(&self, job: &Job) -> StoreResult<()>;
    fn job(&self, id: i64) -> StoreResult<Option<Job>>;
    fn job_by_run_id(&self, run_id: Uuid) -> StoreResult<Option<Job>>;
    fn list_jobs(&self, query: &JobQuery) -> StoreResult<Page<Job>>;
    fn jobs_in_status(&self, statuses: &[JobStatus]) -> StoreResult<Vec<Job>>;
    /// Ids of finished jobs to groom: those ended before `cutoff`, and per script all but
    /// the newest `keep(script_full_path)` finished jobs.
    fn groom_candidates(
        &self,
        cutoff: DateTime<Utc>,
        keep: &dyn Fn(&str) -> i64,
    ) -> StoreResult<Vec<i64>>;
    /// Deletes jobs with their output and pipeline records.
    fn delete_jobs(&self, ids: &[i64]) -> StoreResult<()>;

    /// Stores what a running job produced, in one transaction, in order: stream records get
    /// their increasing `id` here, and pipeline objects theirs, counted separately.
    fn append(&self, job_id: i64, entries: &mut [Appended]) -> StoreResult<()>;
    fn outputs(&self, job_id: i64, after: i64, take: i64) -> StoreResult<Vec<JobOutput>>;
    /// Up to `take` pipeline records with ids above `after`, in order (a long output is read a
    /// page at a time, so it is never held whole).
    fn pipeline(&self, job_id: i64, after: i64, take: i64) -> StoreResult<Vec<PipelineOutput>>;
    fn delete_pipeline(&self, job_id: i64) -> StoreResult<()>;

    fn insert_token(&self, hash: &str, name: &str, role: &str) -> StoreResult<i64>;
    fn token_by_hash(&self, hash: &str) -> StoreResult<Option<TokenRecord>>;
    /// False when no such token exists.
    fn revoke_token(&self, id: i64) -> StoreResult<bool>;
    fn token_count(&self) -> StoreResult<i64>;

    fn put_credential(&self, cred: &StoredCredential) -> StoreResult<()>;
    fn credential(&self, name: &str) -> StoreResult<Option<StoredCredential>>;

    /// Keeps what a queued job needs to start (its sealed run spec): the store is the queue,
    /// so a queued job survives a restart and any server on the store may run it.
    fn save_run(&self, job_id: i64, spec: &str) -> StoreResult<()>;
    /// The kept runs, oldest job first.
    fn saved_runs(&self) -> StoreResult<Vec<(i64, String)>>;
    /// Up to `take` queued jobs with a kept run, oldest first, each with its script's path:
    /// what a server looks at before it claims one.
    fn queued_runs(&self, take: i64) -> StoreResult<Vec<(i64, String)>>;
    /// How many jobs [`Store::queued_runs`] would list with no limit.
    fn queued_count(&self) -> StoreResult<i64>;
    /// Claims the oldest of `candidates` still queued whose script is below its limit and that
    /// no other server is claiming at the same moment (PostgreSQL: `FOR UPDATE SKIP LOCKED`):
    /// its kept run is dropped and returned, so exactly one server runs it. A script's limit
    /// counts its jobs claimed and not yet ended on every server, and claims of one limited
    /// script take turns, so servers sharing the store cannot together exceed it. `None` when
    /// there is none to claim.
    fn claim_run(&self, candidates: &[Candidate], node: &str)
    -> StoreResult<Option<(i64, String)>>;
    /// The node that claimed each of `job_ids` that one claimed.
    fn job_nodes(&self, job_ids: &[i64]) -> StoreResult<HashMap<i64, String>>;

    /// Asks the node running job `job_id` to stop it.
    fn request_cancel(&self, job_id: i64) -> StoreResult<()>;
    /// Takes the requests to stop any of `job_ids`: the ids asked for.
    fn take_cancel_requests(&self, job_ids: &[i64]) -> StoreResult<Vec<i64>>;

    /// Shows the prompt job `job_id` waits on (JSON) to every server.
    fn put_prompt(&self, job_id: i64, prompt: &str) -> StoreResult<()>;
    /// The prompt job `job_id` waits on, unless it has been answered.
    fn prompt(&self, job_id: i64) -> StoreResult<Option<String>>;
    /// Answers job `job_id`'s prompt with `answer` (JSON), for the server running the job to
    /// take. False when there is no prompt left to answer.
    fn answer_prompt(&self, job_id: i64, answer: &str) -> StoreResult<bool>;
    /// Takes the answers given to the prompts of any of `job_ids`.
    fn take_answers(&self, job_ids: &[i64]) -> StoreResult<Vec<(i64, String)>>;
    /// Takes job `job_id`'s unanswered prompt off the store as the server running the job
    /// answers it, so that no other server answers it too. False when another server answered
    /// it first (that answer waits to be taken); true too when no prompt was stored.
    fn withdraw_prompt(&self, job_id: i64) -> StoreResult<bool>;
    /// Drops job `job_id`'s prompt, answered or not: the job ended.
    fn drop_prompt(&self, job_id: i64) -> StoreResult<()>;

    /// Notes that `node` (named `name` in messages) is alive now. False when the store did
    /// not know it: it is new, or was taken for dead.
    fn heartbeat(&self, node: &str, name: &str) -> StoreResult<bool>;
    /// The nodes heard from within `within`, by id, with their names.
    fn live_nodes(&self, within: Duration) -> StoreResult<Vec<(String, String)>>;
    /// Forgets the nodes not heard from within `within` and returns them (id, name): each to
    /// exactly one caller, who repairs their jobs.
    fn reap_nodes(&self, within: Duration) -> StoreResult<Vec<(String, String)>>;
    /// The stored value of `name`, which is `value` if it had none.
    fn fact(&self, name: &str, value: &str) -> StoreResult<String>;
    /// Forgets a kept run: its job started, or will not. False when there was none (another
    /// server claimed it first).
    fn forget_run(&self, job_id: i64) -> StoreResult<bool>;
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        match e {
            deadpool_postgres::PoolError::Backend(e) => Self::Postgres(e),
            other => Self::Pool(other.to_string()),
        }
    }
}

/// What the database said (tokio-postgres shows only "db error" for it), else the error and
/// its cause ("error connecting to server: Connection refused").
fn postgres_message(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return db.to_string();
    }
    match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

/// Runs `wait`, a wait for the store, without holding a server worker: on a worker of a
/// multi-thread runtime, tokio hands the worker's other tasks to another thread meanwhile.
/// Otherwise a few waiting calls would hold every worker, and the liveness probe and every
/// running job would stall with the store.
fn off_worker<T>(wait: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(server) if server.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(wait)
        }
        _ => wait(),
    }
}

/// The numbers of the statuses a job ends in (`JobStatus::is_terminal`; only these jobs are
/// ever groomed), or, if not `terminal`, of the others.
fn statuses(terminal: bool) -> Vec<i32> {
    (0..)
        .map_while(JobStatus::from_i32)
        .filter(|s| s.is_terminal() == terminal)
        .map(JobStatus::as_i32)
        .collect()
}

/// The grooming list: the `expired` ids, and per script the finished jobs beyond the newest
/// `keep(path)`. `finished` is ordered by path, newest id first.
fn beyond_history(
    mut ids: Vec<i64>,
    finished: Vec<(String, i64)>,
    keep: &dyn Fn(&str) -> i64,
) -> Vec<i64> {
    let mut current = None::<(String, i64)>;
    for (path, id) in finished {
        let seen = match &mut current {
            Some((p, n)) if *p == path => {
                *n += 1;
                *n
            }
            _ => {
                current = Some((path.clone(), 1));
                1
            }
        };
        if seen > keep(&path) {
            ids.push(id);
        }
    }
    ids.sort_unstable();
    ids.dedup();
    ids
}
