//! The PostgreSQL store (`--database postgres://…`): the same tables as SQLite, for operators
//! who keep their data in a managed database server. The `Store` trait is synchronous, as
//! SQLite is; each call here runs on the store's own small runtime and the caller waits for it,
//! as it waits for SQLite's disk.

use std::collections::HashMap;
use std::future::Future;
use std::str::FromStr;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use model::{Job, JobOutput, JobQuery, JobStatus, Page, PipelineOutput, ScriptParameter};
use tokio_postgres::Row;
use tokio_postgres::config::SslMode as PgSslMode;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::listing::{Listing, Param};
use super::postgres_lease::Lease;
use super::postgres_options::{SslMode, take_tls_options};
use super::postgres_tls::Rustls;
use super::{
    Appended, Candidate, Entries, Store, StoreError, StoreResult, StoredCredential, TokenRecord,
    beyond_history, off_worker, schema, statuses,
};

/// Connections the pool opens at most: the server's calls are short, so a few cover many
/// concurrent requests.
const POOL_SIZE: usize = 8;

/// How long a call waits for the database to come back once it has served.
const RECONNECT_FOR: Duration = Duration::from_secs(30);

/// How long opening a connection may take when the connection string sets no `connect_timeout`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The first key of the transaction locks claims of a limited script take ("psuc" in ASCII;
/// the second is the hash of the schema's name and the script's path). Not the server lease's
/// class, whose keys hash other names.
const CLAIM_CLASS: i32 = 0x7073_7563;

/// Runs `$body` on a pooled connection `$c`. While the database restarts or fails over it
/// runs `$body` again on a new connection, for up to [`RECONNECT_FOR`], so a call rides out
/// the restart instead of losing, say, a job's output. The restart may end `$body` anywhere,
/// its last statement included, so `$body` must be safe to run twice: a read, a write of whole
/// values, or a write that first looks for what an earlier run of it may have committed.
/// (A macro: an async closure's future is not known to be `Send`.)
macro_rules! again {
    ($pool:expr, |$c:ident| $body:expr) => {{
        let mut retry = Retry::new();
        loop {
            let done: StoreResult<_> = async {
                #[allow(unused_mut)]
                let mut $c = $pool.get().await?;
                $body
            }
            .await;
            match done {
                Err(e) if retry.after(&e).await => {}
                done => break done,
            }
        }
    }};
}

/// When [`again`] runs its body again.
struct Retry {
    deadline: Instant,
    pause: Duration,
}

impl Retry {
    fn new() -> Self {
        Retry {
            deadline: Instant::now() + RECONNECT_FOR,
            pause: Duration::from_millis(100),
        }
    }

    /// After a failed run: whether to run again, having waited a while.
    async fn after(&mut self, e: &StoreError) -> bool {
        let StoreError::Postgres(e) = e else {
            return false;
        };
        if !lost(e) || Instant::now() + self.pause >= self.deadline {
            return false;
        }
        tokio::time::sleep(self.pause).await;
        self.pause = (self.pause * 2).min(Duration::from_secs(2));
        true
    }
}

/// The settings and the TLS connector a connection string names, `sslmode` and `sslrootcert`
/// read as libpq reads them.
pub(super) fn connection(text: &str) -> StoreResult<(tokio_postgres::Config, Rustls)> {
    let (rest, tls) = take_tls_options(text).map_err(StoreError::Tls)?;
    let mut config = tokio_postgres::Config::from_str(&rest)?;
    config.ssl_mode(match tls.mode {
        SslMode::Disable => PgSslMode::Disable,
        SslMode::Prefer => PgSslMode::Prefer,
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => PgSslMode::Require,
    });
    Ok((config, Rustls::new(&tls).map_err(StoreError::Tls)?))
}

pub struct PostgresStore {
    pool: Pool,
    /// Dropped with `shutdown_background`: a store may be dropped on an async thread, where
    /// dropping a runtime the ordinary way panics.
    runtime: Option<tokio::runtime::Runtime>,
    /// Held once [`Store::lock_for_server`] succeeded.
    lease: Lease,
}

impl PostgresStore {
    /// Connects (URL `postgres://user:password@host:port/database` or libpq key=value text)
    /// and creates the tables when missing.
    pub fn connect(url: &str) -> StoreResult<Self> {
        let (mut config, tls) = connection(url)?;
        if config.get_connect_timeout().is_none() {
            // An unreachable host fails the start in seconds rather than at TCP's own pace.
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("psujobs-postgres")
            .enable_all()
            .build()
            .map_err(|source| StoreError::Io {
                path: "the PostgreSQL store's runtime".into(),
                source,
            })?;
        let manager = Manager::from_config(
            config,
            tls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError::Pool(e.to_string()))?;
        let store = Self {
            pool,
            runtime: Some(runtime),
            lease: Lease::default(),
        };
        store.run(|pool| async move {
            // Not `connect`: at start, a database that does not answer is an error at once.
            pool.get().await?.batch_execute(schema::POSTGRES).await?;
            Ok(())
        })?;
        Ok(store)
    }

    /// Runs `work` on the store's runtime and waits for its result.
    fn run<T, F>(&self, work: impl FnOnce(Pool) -> F) -> StoreResult<T>
    where
        F: Future<Output = StoreResult<T>> + Send + 'static,
        T: Send + 'static,
    {
        let done = self.start(work)?;
        // Up to RECONNECT_FOR while the database is away.
        off_worker(|| done.recv().unwrap_or(Err(StoreError::Closed)))
    }

    /// Starts `work` on the store's runtime; its result arrives on the receiver.
    pub(super) fn start<T, F>(
        &self,
        work: impl FnOnce(Pool) -> F,
    ) -> StoreResult<std::sync::mpsc::Receiver<StoreResult<T>>>
    where
        F: Future<Output = StoreResult<T>> + Send + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let work = work(self.pool.clone());
        let runtime = self.runtime.as_ref().ok_or(StoreError::Closed)?;
        runtime.spawn(async move {
            let _ = tx.send(work.await);
        });
        Ok(rx)
    }

    /// One statement's rows. It may run twice ([`again`]): a read, or a write of whole values.
    fn query(&self, sql: impl Into<String>, args: Vec<Arg>) -> StoreResult<Vec<Row>> {
        let sql = sql.into();
        self.run(|pool| async move { again!(pool, |c| Ok(c.query(&sql, &refs(&args)).await?)) })
    }

    /// One statement that may run twice; how many rows it changed.
    fn execute(&self, sql: &'static str, args: Vec<Arg>) -> StoreResult<u64> {
        self.run(|pool| async move { again!(pool, |c| Ok(c.execute(sql, &refs(&args)).await?)) })
    }

    fn jobs_where(&self, sql: &str, args: Vec<Arg>) -> StoreResult<Vec<Job>> {
        json_docs(&self.query(format!("SELECT doc FROM jobs {sql}"), args)?)
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        let lease = self.lease.clone();
        let _ = self.run(|_| async move { lease.release().await });
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// A failure a restart explains: no connection, or one ended under the call (an I/O error, a
/// closed connection, or an operator-intervention state: 57P01 admin shutdown, 57P02 crash
/// shutdown, 57P03 cannot connect now). A refused password, a missing database or a failed
/// statement is not retried.
fn lost(e: &tokio_postgres::Error) -> bool {
    match e.code() {
        Some(state) => state.code().starts_with("57P"),
        None => {
            e.is_closed() || std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
        }
    }
}

/// A query argument that can move into the store's runtime.
type Arg = Box<dyn ToSql + Send + Sync>;

/// The arguments of a statement, each moved into a box.
macro_rules! args {
    ($($arg:expr),* $(,)?) => { vec![$(Box::new($arg) as Arg),*] };
}

impl PostgresStore {
    /// The nodes (id, name) `sql` returns, given `within` in seconds.
    fn nodes(&self, sql: &'static str, within: Duration) -> StoreResult<Vec<(String, String)>> {
        let rows = self.query(sql, args![within.as_secs_f64()])?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }
}

/// Rows whose first column is a JSON document.
fn json_docs<T: serde::de::DeserializeOwned>(rows: &[Row]) -> StoreResult<Vec<T>> {
    rows.iter()
        .map(|r| Ok(serde_json::from_str(r.get::<_, &str>(0))?))
        .collect()
}

fn refs(args: &[Arg]) -> Vec<&(dyn ToSql + Sync)> {
    args.iter()
        .map(|a| a.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

/// The next free id of `job_id`'s rows in `entries`, in the appending transaction (which holds
/// the job's row lock, so no other append can take the same ids).
async fn next_id(
    tx: &tokio_postgres::Transaction<'_>,
    entries: Entries,
    job_id: i64,
) -> StoreResult<i64> {
    let table = entries.table();
    let row = tx
        .query_one(
            &format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table} WHERE job_id = $1"),
            &[&job_id],
        )
        .await?;
    Ok(row.get(0))
}

/// The ids a batch's output records were given (`None` for pipeline objects).
type Numbered = Vec<Option<i64>>;

/// What an append's run wrote first, so that a run after a lost connection can tell whether
/// that one committed.
#[derive(Clone)]
struct Written {
    entries: Entries,
    id: i64,
    content: String,
    /// The whole batch's numbering, which stands if that run committed.
    numbered: Numbered,
}

impl Written {
    fn first(entries: Entries, id: i64, content: &str) -> Self {
        Written {
            entries,
            id,
            content: content.to_owned(),
            numbered: Numbered::new(),
        }
    }
}

/// One run of an append, in one transaction. `earlier` is what the last run wrote first: when
/// that row is in the table as written, the last run committed and its numbering stands.
async fn append_once(
    c: &mut Object,
    job_id: i64,
    entries: &[Appended],
    earlier: &mut Option<Written>,
) -> StoreResult<Numbered> {
    let tx = c.transaction().await?;
    // Appends to one job take turns on its row; other jobs' appends go on meanwhile.
    tx.execute("SELECT 1 FROM jobs WHERE id = $1 FOR UPDATE", &[&job_id])
        .await?;
    // Kept until a later run commits: this check too may be ended by a lost connection.
    if let Some(written) = earlier.as_ref() {
        let select = format!(
            "SELECT {} FROM {} WHERE job_id = $1 AND id = $2",
            written.entries.column(),
            written.entries.table()
        );
        let found = tx.query_opt(&select, &[&job_id, &written.id]).await?;
        if found.is_some_and(|row| row.get::<_, &str>(0) == written.content) {
            return Ok(written.numbered.clone());
        }
    }
    let mut next_output = next_id(&tx, Entries::Output, job_id).await?;
    let mut next_pipeline = next_id(&tx, Entries::Pipeline, job_id).await?;
    let (mut output_ids, mut output_docs) = (Vec::new(), Vec::new());
    let (mut pipeline_ids, mut pipeline_data) = (Vec::new(), Vec::new());
    let mut numbered = Vec::with_capacity(entries.len());
    let mut first = None;
    for entry in entries {
        match entry {
            Appended::Output(record) => {
                let mut record = record.clone();
                record.id = next_output;
                next_output += 1;
                let doc = serde_json::to_string(&record)?;
                first.get_or_insert_with(|| Written::first(Entries::Output, record.id, &doc));
                output_ids.push(record.id);
                output_docs.push(doc);
                numbered.push(Some(record.id));
            }
            Appended::Pipeline(data) => {
                first.get_or_insert_with(|| Written::first(Entries::Pipeline, next_pipeline, data));
                pipeline_ids.push(next_pipeline);
                next_pipeline += 1;
                pipeline_data.push(data.clone());
                numbered.push(None);
            }
        }
    }
    // One statement per table for the whole batch.
    tx.execute(
        "INSERT INTO job_output(job_id, id, doc)
         SELECT $1, * FROM UNNEST($2::BIGINT[], $3::TEXT[])",
        &[&job_id, &output_ids, &output_docs],
    )
    .await?;
    tx.execute(
        "INSERT INTO pipeline_output(job_id, id, data)
         SELECT $1, * FROM UNNEST($2::BIGINT[], $3::TEXT[])",
        &[&job_id, &pipeline_ids, &pipeline_data],
    )
    .await?;
    *earlier = first.map(|first| Written {
        numbered: numbered.clone(),
        ..first
    });
    tx.commit().await?;
    Ok(numbered)
}

impl Store for PostgresStore {
    fn shared(&self) -> bool {
        true
    }

    fn lock_for_server(&self, node: &str) -> StoreResult<()> {
        let lease = self.lease.clone();
        let node = node.to_owned();
        let taken = self.run(|pool| async move {
            let taken = lease.take(&pool, &node).await?;
            if taken {
                tokio::spawn(lease.keep(pool));
            }
            Ok(taken)
        })?;
        if !taken {
            return Err(StoreError::InUse(
                "another psujobs server with this data folder is serving from this database".into(),
            ));
        }
        Ok(())
    }

    fn ping(&self) -> StoreResult<()> {
        // Not `again!`: a probe asks whether the database answers now, not within 30 s.
        self.run(|pool| async move {
            pool.get().await?.query(schema::PING, &[]).await?;
            Ok(())
        })
    }

    fn script_id(&self, full_path: &str) -> StoreResult<i64> {
        let path = full_path.to_owned();
        self.run(|pool| async move {
            again!(pool, |c| {
                let select = "SELECT id FROM scripts WHERE full_path = $1";
                if let Some(row) = c.query_opt(select, &[&path]).await? {
                    return Ok(row.get(0));
                }
                c.execute(
                    "INSERT INTO scripts(full_path) VALUES ($1) ON CONFLICT (full_path) DO NOTHING",
                    &[&path],
                )
                .await?;
                Ok(c.query_one(select, &[&path]).await?.get(0))
            })
        })
    }

    fn script_path(&self, id: i64) -> StoreResult<Option<String>> {
        let rows = self.query("SELECT full_path FROM scripts WHERE id = $1", args![id])?;
        Ok(rows.first().map(|r| r.get(0)))
    }

    fn cached_parameters(
        &self,
        id: i64,
        fingerprint: &str,
    ) -> StoreResult<Option<Vec<ScriptParameter>>> {
        let rows = self.query(
            "SELECT parameters FROM scripts WHERE id = $1 AND fingerprint = $2",
            args![id, fingerprint.to_owned()],
        )?;
        let text: Option<&str> = rows.first().and_then(|r| r.get(0));
        text.map(|t| serde_json::from_str(t).map_err(StoreError::from))
            .transpose()
    }

    fn cache_parameters(
        &self,
        id: i64,
        fingerprint: &str,
        params: &[ScriptParameter],
    ) -> StoreResult<()> {
        self.execute(
            "UPDATE scripts SET fingerprint = $2, parameters = $3 WHERE id = $1",
            args![id, fingerprint.to_owned(), serde_json::to_string(params)?],
        )?;
        Ok(())
    }

    fn insert_job(&self, job: &mut Job) -> StoreResult<()> {
        job.run_id.get_or_insert_with(Uuid::new_v4);
        let mut stored = job.clone();
        // The document holds the id the database assigns: take it from the sequence first,
        // then write the row whole in one statement.
        job.id = self.run(|pool| async move {
            again!(pool, |c| {
                // Run again after a lost connection: the row may be in already (run ids are
                // unique and this one is new).
                let inserted = "SELECT id FROM jobs WHERE run_id = $1";
                if let Some(row) = c.query_opt(inserted, &[&stored.run_id]).await? {
                    return Ok(row.get(0));
                }
                let id: i64 = c
                    .query_one("SELECT nextval(pg_get_serial_sequence('jobs', 'id'))", &[])
                    .await?
                    .get(0);
                stored.id = id;
                c.execute(
                    "INSERT INTO jobs(id, run_id, status, script_id, script_full_path, parent_job_id,
                     created_time, doc) OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    &[
                        &id,
                        &stored.run_id,
                        &stored.status.as_i32(),
                        &stored.script_id,
                        &stored.script_full_path,
                        &stored.parent_job_id,
                        &stored.created_time,
                        &serde_json::to_string(&stored)?,
                    ],
                )
                .await?;
                Ok(id)
            })
        })?;
        Ok(())
    }

    fn update_job(&self, job: &Job) -> StoreResult<()> {
        self.execute(
            "UPDATE jobs SET status = $2, start_time = $3, end_time = $4, doc = $5 WHERE id = $1",
            args![
                job.id,
                job.status.as_i32(),
                job.start_time,
                job.end_time,
                serde_json::to_string(job)?
            ],
        )?;
        Ok(())
    }

    fn job(&self, id: i64) -> StoreResult<Option<Job>> {
        Ok(self.jobs_where("WHERE id = $1", args![id])?.pop())
    }

    fn job_by_run_id(&self, run_id: Uuid) -> StoreResult<Option<Job>> {
        Ok(self.jobs_where("WHERE run_id = $1", args![run_id])?.pop())
    }

    fn list_jobs(&self, q: &JobQuery) -> StoreResult<Page<Job>> {
        let listing = Listing::new(q, |n| format!("${n}"));
        let args: Vec<Arg> = listing
            .params
            .into_iter()
            .map(|p| -> Arg {
                match p {
                    Param::Int(v) => Box::new(v),
                    Param::BigInt(v) => Box::new(v),
                    Param::Text(v) => Box::new(v),
                }
            })
            .collect();
        let count = format!("SELECT COUNT(*) FROM jobs {}", listing.clause);
        let select = format!(
            "SELECT doc FROM jobs {} {}",
            listing.clause, listing.order_and_page
        );
        self.run(|pool| async move {
            again!(pool, |c| {
                let total: i64 = c.query_one(&count, &refs(&args)).await?.get(0);
                let page = json_docs(&c.query(&select, &refs(&args)).await?)?;
                Ok(Page { page, total })
            })
        })
    }

    fn jobs_in_status(&self, statuses: &[JobStatus]) -> StoreResult<Vec<Job>> {
        let list: Vec<i32> = statuses.iter().map(|s| s.as_i32()).collect();
        self.jobs_where("WHERE status = ANY($1) ORDER BY id", args![list])
    }

    fn groom_candidates(
        &self,
        cutoff: DateTime<Utc>,
        keep: &dyn Fn(&str) -> i64,
    ) -> StoreResult<Vec<i64>> {
        let terminal = statuses(true);
        let (expired, finished) = self.run(|pool| async move {
            again!(pool, |c| {
                let expired: Vec<i64> = c
                    .query(
                        "SELECT id FROM jobs WHERE status = ANY($1) AND end_time < $2",
                        &[&terminal, &cutoff],
                    )
                    .await?
                    .iter()
                    .map(|r| r.get(0))
                    .collect();
                let finished: Vec<(String, i64)> = c
                    .query(
                        "SELECT script_full_path, id FROM jobs WHERE status = ANY($1)
                     ORDER BY script_full_path, id DESC",
                        &[&terminal],
                    )
                    .await?
                    .iter()
                    .map(|r| (r.get(0), r.get(1)))
                    .collect();
                Ok((expired, finished))
            })
        })?;
        Ok(beyond_history(expired, finished, keep))
    }

    fn delete_jobs(&self, ids: &[i64]) -> StoreResult<()> {
        let ids = ids.to_vec();
        self.run(|pool| async move {
            again!(pool, |c| {
                let tx = c.transaction().await?;
                for table in [
                    Entries::Output.table(),
                    Entries::Pipeline.table(),
                    "queued_runs",
                    "job_nodes",
                    "cancels",
                    "prompts",
                ] {
                    tx.execute(
                        &format!("DELETE FROM {table} WHERE job_id = ANY($1)"),
                        &[&ids],
                    )
                    .await?;
                }
                tx.execute("DELETE FROM jobs WHERE id = ANY($1)", &[&ids])
                    .await?;
                tx.commit().await?;
                Ok(())
            })
        })
    }

    fn append(&self, job_id: i64, entries: &mut [Appended]) -> StoreResult<()> {
        let owned = entries.to_vec();
        let numbered = self.run(|pool| async move {
            let mut earlier = None;
            again!(pool, |c| append_once(&mut c, job_id, &owned, &mut earlier)
                .await)
        })?;
        for (entry, id) in entries.iter_mut().zip(numbered) {
            if let (Appended::Output(record), Some(id)) = (entry, id) {
                record.id = id;
            }
        }
        Ok(())
    }

    fn outputs(&self, job_id: i64, after: i64, take: i64) -> StoreResult<Vec<JobOutput>> {
        json_docs(&self.query(
            "SELECT doc FROM job_output WHERE job_id = $1 AND id > $2 ORDER BY id LIMIT $3",
            args![job_id, after, take],
        )?)
    }

    fn pipeline(&self, job_id: i64, after: i64, take: i64) -> StoreResult<Vec<PipelineOutput>> {
        let rows = self.query(
            "SELECT id, data FROM pipeline_output WHERE job_id = $1 AND id > $2 ORDER BY id LIMIT $3",
            args![job_id, after, take],
        )?;
        Ok(rows
            .iter()
            .map(|r| PipelineOutput {
                id: r.get(0),
                data: r.get(1),
                json_data: None,
            })
            .collect())
    }

    fn delete_pipeline(&self, job_id: i64) -> StoreResult<()> {
        self.execute(
            "DELETE FROM pipeline_output WHERE job_id = $1",
            args![job_id],
        )?;
        Ok(())
    }

    fn insert_token(&self, hash: &str, name: &str, role: &str) -> StoreResult<i64> {
        // A token's hash is new: a conflict is this insert's own earlier run, committed before
        // its connection was lost, and the no-op update returns its id.
        let rows = self.query(
            "INSERT INTO tokens(hash, name, role, created) VALUES ($1, $2, $3, $4)
             ON CONFLICT (hash) DO UPDATE SET hash = excluded.hash RETURNING id",
            args![
                hash.to_owned(),
                name.to_owned(),
                role.to_owned(),
                Utc::now()
            ],
        )?;
        Ok(rows[0].get(0))
    }

    fn token_by_hash(&self, hash: &str) -> StoreResult<Option<TokenRecord>> {
        let rows = self.query(
            "SELECT id, name, role, revoked FROM tokens WHERE hash = $1",
            args![hash.to_owned()],
        )?;
        Ok(rows.first().map(|r| TokenRecord {
            id: r.get(0),
            name: r.get(1),
            role: r.get(2),
            revoked: r.get(3),
        }))
    }

    fn revoke_token(&self, id: i64) -> StoreResult<bool> {
        Ok(self.execute("UPDATE tokens SET revoked = TRUE WHERE id = $1", args![id])? > 0)
    }

    fn token_count(&self) -> StoreResult<i64> {
        Ok(self.query("SELECT COUNT(*) FROM tokens", args![])?[0].get(0))
    }

    fn put_credential(&self, cred: &StoredCredential) -> StoreResult<()> {
        self.execute(
            "INSERT INTO credentials(name, user_name, secret) VALUES ($1, $2, $3)
             ON CONFLICT(name) DO UPDATE SET user_name = excluded.user_name, secret = excluded.secret",
            args![cred.name.clone(), cred.user.clone(), cred.secret.clone()],
        )?;
        Ok(())
    }

    fn credential(&self, name: &str) -> StoreResult<Option<StoredCredential>> {
        let rows = self.query(
            "SELECT name, user_name, secret FROM credentials WHERE name = $1",
            args![name.to_owned()],
        )?;
        Ok(rows.first().map(|r| StoredCredential {
            name: r.get(0),
            user: r.get(1),
            secret: r.get(2),
        }))
    }

    fn save_run(&self, job_id: i64, spec: &str) -> StoreResult<()> {
        self.execute(
            "INSERT INTO queued_runs(job_id, spec) VALUES ($1, $2)
             ON CONFLICT(job_id) DO UPDATE SET spec = excluded.spec",
            args![job_id, spec.to_owned()],
        )?;
        Ok(())
    }

    fn saved_runs(&self) -> StoreResult<Vec<(i64, String)>> {
        let rows = self.query(
            "SELECT job_id, spec FROM queued_runs ORDER BY job_id",
            args![],
        )?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn queued_runs(&self, take: i64) -> StoreResult<Vec<(i64, String)>> {
        let rows = self.query(
            "SELECT q.job_id, j.script_full_path FROM queued_runs q JOIN jobs j ON j.id = q.job_id
             WHERE j.status = $2
             ORDER BY q.job_id LIMIT $1",
            args![take, JobStatus::Queued.as_i32()],
        )?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn queued_count(&self) -> StoreResult<i64> {
        let rows = self.query(
            "SELECT COUNT(*) FROM queued_runs q JOIN jobs j ON j.id = q.job_id WHERE j.status = $1",
            args![JobStatus::Queued.as_i32()],
        )?;
        Ok(rows[0].get(0))
    }

    fn claim_run(
        &self,
        candidates: &[Candidate],
        node: &str,
    ) -> StoreResult<Option<(i64, String)>> {
        let ids: Vec<i64> = candidates.iter().map(|c| c.job_id).collect();
        let limits: Vec<i64> = candidates.iter().map(|c| c.script_limit).collect();
        let node = node.to_owned();
        let unfinished = statuses(false);
        self.run(|pool| async move {
            again!(pool, |c| {
                let tx = c.transaction().await?;
                // Two servers each seeing room for one more job of a script would together
                // exceed its limit: claims of a limited script take turns, in one order (the
                // hash) everywhere so that no two servers wait on each other.
                tx.execute(
                    "SELECT pg_advisory_xact_lock($1, h) FROM (
                         SELECT DISTINCT hashtext(current_schema() || '/' || j.script_full_path) AS h
                         FROM unnest($2::bigint[], $3::bigint[]) AS w(job_id, script_limit)
                         JOIN jobs j ON j.id = w.job_id
                         WHERE w.script_limit > 0 ORDER BY h) AS scripts",
                    &[&CLAIM_CLASS, &ids, &limits],
                )
                .await?;
                // A statement after the locks: it sees the claims committed while waiting.
                // The claim and its node in one statement: a server that dies right after
                // claiming leaves a job its reaper finds.
                let claimed = tx
                    .query_opt(
                        "WITH busy AS (
                             SELECT r.script_full_path AS path, COUNT(*) AS jobs
                             FROM jobs r JOIN job_nodes n ON n.job_id = r.id
                             WHERE r.status = ANY($4) GROUP BY r.script_full_path),
                         claimed AS (
                             DELETE FROM queued_runs WHERE job_id = (
                                 SELECT q.job_id FROM queued_runs q
                                 JOIN unnest($1::bigint[], $2::bigint[]) AS w(job_id, script_limit)
                                     ON w.job_id = q.job_id
                                 JOIN jobs j ON j.id = q.job_id
                                 LEFT JOIN busy b ON b.path = j.script_full_path
                                 WHERE w.script_limit = 0 OR w.script_limit > COALESCE(b.jobs, 0)
                                 ORDER BY q.job_id LIMIT 1 FOR UPDATE OF q SKIP LOCKED)
                             RETURNING job_id, spec),
                         owned AS (
                             INSERT INTO job_nodes(job_id, node) SELECT job_id, $3 FROM claimed
                             ON CONFLICT(job_id) DO UPDATE SET node = excluded.node)
                         SELECT job_id, spec FROM claimed",
                        &[&ids, &limits, &node, &unfinished],
                    )
                    .await?;
                tx.commit().await?;
                Ok(claimed.map(|r| (r.get(0), r.get(1))))
            })
        })
    }

    fn job_nodes(&self, job_ids: &[i64]) -> StoreResult<HashMap<i64, String>> {
        let rows = self.query(
            "SELECT job_id, node FROM job_nodes WHERE job_id = ANY($1)",
            args![job_ids.to_vec()],
        )?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn request_cancel(&self, job_id: i64) -> StoreResult<()> {
        self.execute(
            "INSERT INTO cancels(job_id) VALUES ($1) ON CONFLICT(job_id) DO NOTHING",
            args![job_id],
        )?;
        Ok(())
    }

    fn take_cancel_requests(&self, job_ids: &[i64]) -> StoreResult<Vec<i64>> {
        let rows = self.query(
            "DELETE FROM cancels WHERE job_id = ANY($1) RETURNING job_id",
            args![job_ids.to_vec()],
        )?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn put_prompt(&self, job_id: i64, prompt: &str) -> StoreResult<()> {
        self.execute(
            "INSERT INTO prompts(job_id, prompt) VALUES ($1, $2)
             ON CONFLICT(job_id) DO UPDATE SET prompt = excluded.prompt, answer = NULL",
            args![job_id, prompt.to_owned()],
        )?;
        Ok(())
    }

    fn prompt(&self, job_id: i64) -> StoreResult<Option<String>> {
        let rows = self.query(
            "SELECT prompt FROM prompts WHERE job_id = $1 AND answer IS NULL",
            args![job_id],
        )?;
        Ok(rows.first().map(|r| r.get(0)))
    }

    fn answer_prompt(&self, job_id: i64, answer: &str) -> StoreResult<bool> {
        let answered = self.execute(
            "UPDATE prompts SET answer = $2 WHERE job_id = $1 AND answer IS NULL",
            args![job_id, answer.to_owned()],
        )?;
        Ok(answered > 0)
    }

    fn take_answers(&self, job_ids: &[i64]) -> StoreResult<Vec<(i64, String)>> {
        let rows = self.query(
            "DELETE FROM prompts WHERE job_id = ANY($1) AND answer IS NOT NULL
             RETURNING job_id, answer",
            args![job_ids.to_vec()],
        )?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn withdraw_prompt(&self, job_id: i64) -> StoreResult<bool> {
        // The outer SELECT sees the table as it was before the DELETE: a row left there, not
        // deleted, is one another server answered.
        let rows = self.query(
            "WITH gone AS (DELETE FROM prompts WHERE job_id = $1 AND answer IS NULL RETURNING 1)
             SELECT EXISTS (SELECT 1 FROM gone)
                 OR NOT EXISTS (SELECT 1 FROM prompts WHERE job_id = $1)",
            args![job_id],
        )?;
        Ok(rows[0].get(0))
    }

    fn drop_prompt(&self, job_id: i64) -> StoreResult<()> {
        self.execute("DELETE FROM prompts WHERE job_id = $1", args![job_id])?;
        Ok(())
    }

    fn heartbeat(&self, node: &str, name: &str) -> StoreResult<bool> {
        // The database's clock, not the nodes': theirs may disagree.
        let rows = self.query(
            "INSERT INTO nodes(id, name, seen) VALUES ($1, $2, now())
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, seen = excluded.seen
             RETURNING (xmax = 0) AS inserted",
            args![node.to_owned(), name.to_owned()],
        )?;
        Ok(!rows.first().is_some_and(|r| r.get::<_, bool>(0)))
    }

    fn live_nodes(&self, within: Duration) -> StoreResult<Vec<(String, String)>> {
        self.nodes(
            "SELECT id, name FROM nodes WHERE seen >= now() - make_interval(secs => $1) ORDER BY id",
            within,
        )
    }

    fn reap_nodes(&self, within: Duration) -> StoreResult<Vec<(String, String)>> {
        self.nodes(
            "DELETE FROM nodes WHERE seen < now() - make_interval(secs => $1) RETURNING id, name",
            within,
        )
    }

    fn fact(&self, name: &str, value: &str) -> StoreResult<String> {
        self.execute(
            "INSERT INTO facts(name, value) VALUES ($1, $2) ON CONFLICT(name) DO NOTHING",
            args![name.to_owned(), value.to_owned()],
        )?;
        let rows = self.query(
            "SELECT value FROM facts WHERE name = $1",
            args![name.to_owned()],
        )?;
        Ok(rows
            .first()
            .map(|r| r.get(0))
            .unwrap_or_else(|| value.to_owned()))
    }

    fn forget_run(&self, job_id: i64) -> StoreResult<bool> {
        let dropped = self.execute("DELETE FROM queued_runs WHERE job_id = $1", args![job_id])?;
        Ok(dropped > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::postgres_scratch::{Scratch, count, database, session};

    #[test]
    fn passes_the_store_suite() {
        let Some(scratch) = Scratch::new() else {
            return;
        };
        super::super::suite::run_all(&scratch.open());
    }

    #[test]
    fn one_server_at_a_time() {
        let Some(scratch) = Scratch::new() else {
            return;
        };
        super::super::suite::one_server_at_a_time(&|| scratch.open());
    }

    fn running_job(store: &PostgresStore) -> i64 {
        let mut job = Job {
            status: JobStatus::Running,
            script_full_path: "r.ps1".into(),
            ..Job::default()
        };
        store.insert_job(&mut job).unwrap();
        job.id
    }

    fn batch() -> [Appended; 2] {
        [
            Appended::Output(JobOutput::default()),
            Appended::Pipeline("<I32>7</I32>".into()),
        ]
    }

    #[test]
    fn an_append_ended_by_a_restart_runs_again_on_a_new_connection() {
        let Some(scratch) = Scratch::new() else {
            return;
        };
        let store = scratch.open();
        let job = running_job(&store);
        // Another session holds the job's row, so the append waits where a restart ends it.
        let (holder, client) = session(&scratch.url);
        let lock = format!("BEGIN; SELECT 1 FROM jobs WHERE id = {job} FOR UPDATE");
        holder.block_on(client.batch_execute(&lock)).unwrap();
        std::thread::scope(|s| {
            let append = s.spawn(|| store.append(job, &mut batch()));
            let waiting = "FROM pg_stat_activity WHERE wait_event_type = 'Lock'
                 AND query LIKE 'SELECT 1 FROM jobs WHERE id = $1 FOR UPDATE'";
            let deadline = Instant::now() + Duration::from_secs(15);
            while count(&scratch.url, &format!("SELECT COUNT(*) {waiting}")) == 0 {
                assert!(Instant::now() < deadline, "the append never waited");
                std::thread::sleep(Duration::from_millis(50));
            }
            let ended = format!("SELECT COUNT(pg_terminate_backend(pid)) {waiting}");
            assert_eq!(count(&scratch.url, &ended), 1);
            holder.block_on(client.batch_execute("ROLLBACK")).unwrap();
            append.join().unwrap().unwrap();
        });
        assert_eq!(store.outputs(job, 0, 10).unwrap().len(), 1);
        assert_eq!(store.pipeline(job, 0, 10).unwrap().len(), 1);
    }

    #[test]
    fn an_append_run_again_after_its_commit_adds_nothing() {
        let Some(scratch) = Scratch::new() else {
            return;
        };
        let store = scratch.open();
        let job = running_job(&store);
        // What a run leaves for the next when its connection is lost after COMMIT was sent.
        let run = |earlier: Option<Written>| {
            store
                .run(|pool| async move {
                    let mut earlier = earlier;
                    let numbered =
                        append_once(&mut pool.get().await?, job, &batch(), &mut earlier).await?;
                    Ok((numbered, earlier))
                })
                .unwrap()
        };
        let (numbered, committed) = run(None);
        assert_eq!(numbered, [Some(1), None]);
        let (again, _) = run(committed.clone());
        assert_eq!(again, numbered, "the committed run's numbering stands");
        assert_eq!(store.outputs(job, 0, 10).unwrap().len(), 1);
        assert_eq!(store.pipeline(job, 0, 10).unwrap().len(), 1);
        // A run whose first row is not there as written did not commit: this one appends.
        let numbered = committed.unwrap().numbered;
        let absent = Written {
            numbered,
            ..Written::first(Entries::Output, 5, "{}")
        };
        let (next, _) = run(Some(absent));
        assert_eq!(next, [Some(2), None]);
    }

    #[test]
    fn the_server_lock_is_taken_again_when_its_session_ends() {
        let Some(scratch) = Scratch::new() else {
            return;
        };
        let server = scratch.open();
        server.lock_for_server("node").unwrap();
        // This schema's and node's lock, in pg_locks' terms (two-key advisory locks have
        // objsubid 2).
        let lock = format!(
            "FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND granted
             AND classid = {} AND objid = (hashtext(current_schema() || '/node')::bigint & 4294967295)::oid",
            super::super::postgres_lease::CLASS
        );
        assert_eq!(count(&scratch.url, &format!("SELECT COUNT(*) {lock}")), 1);
        // As a database restart would: the session holding the lock ends.
        let ended = count(
            &scratch.url,
            &format!("SELECT COUNT(pg_terminate_backend(pid)) {lock}"),
        );
        assert_eq!(ended, 1);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        while count(&scratch.url, &format!("SELECT COUNT(*) {lock}")) == 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the lock was not taken again"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let second = scratch.open();
        assert!(matches!(
            second.lock_for_server("node"),
            Err(StoreError::InUse(_))
        ));
        scratch.open().lock_for_server("another node").unwrap();
    }

    #[test]
    fn servers_on_different_schemas_of_one_database_do_not_exclude_each_other() {
        let (Some(a), Some(b)) = (Scratch::new(), Scratch::new()) else {
            return;
        };
        let (first, second) = (a.open(), b.open());
        first.lock_for_server("node").unwrap();
        second.lock_for_server("node").unwrap();
    }

    #[test]
    fn data_survives_reopening() {
        let Some(scratch) = Scratch::new() else {
            return;
        };
        super::super::suite::data_survives_reopening(&|| scratch.open());
    }

    #[test]
    fn a_bad_connection_string_or_an_absent_server_is_a_clear_error() {
        let bad = PostgresStore::connect("postgres://[not a host")
            .err()
            .unwrap();
        assert!(matches!(bad, StoreError::Postgres(_)), "{bad:?}");
        // Port 1 on loopback: nothing listens, so the connection is refused at once.
        let absent = PostgresStore::connect("postgres://u:p@127.0.0.1:1/db")
            .err()
            .unwrap();
        assert!(
            absent.to_string().contains("Connection refused"),
            "{absent}"
        );
        // What the database itself says is shown, not only "db error".
        let Some(url) = database() else { return };
        let (server, _) = url.split_once('?').unwrap_or((&url, ""));
        let (server, _) = server.rsplit_once('/').unwrap();
        let missing = PostgresStore::connect(&format!("{server}/psujobs_no_such_database"))
            .err()
            .unwrap();
        assert!(
            missing
                .to_string()
                .contains("\"psujobs_no_such_database\" does not exist"),
            "{missing}"
        );
    }
}
