//! `psujobs copy-store`: every row of a SQLite store copied into an empty PostgreSQL store,
//! ids included, so that job ids, run ids, app tokens and credentials go on working when an
//! operator moves to a database server. The source is read in one transaction and the target
//! written in one, so a copy that fails midway leaves the target as empty as it was.

use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use rusqlite::types::Type;
use rusqlite::{Connection, Row};
use tokio::sync::mpsc;
use tokio_postgres::Transaction;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::{Entries, PostgresStore, SqliteStore, StoreError, StoreResult, StoredCredential};

/// Rows per insert; fewer when their text passes [`BATCH_BYTES`].
const BATCH_ROWS: usize = 1000;
/// About how much text a batch holds, so that large pipeline outputs do not pile up in memory.
const BATCH_BYTES: usize = 16 << 20;

/// How many rows of each table were copied.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Copied {
    pub scripts: u64,
    pub jobs: u64,
    pub outputs: u64,
    pub pipeline: u64,
    pub tokens: u64,
    pub credentials: u64,
    pub queued_runs: u64,
}

/// Copies `source` into `target`, which must hold no rows yet. Both should be locked against
/// servers first ([`super::Store::lock_for_server`]), so that neither changes meanwhile.
pub fn sqlite_to_postgres(source: &SqliteStore, target: &PostgresStore) -> StoreResult<Copied> {
    // Two batches in flight: the SQLite read of one overlaps the PostgreSQL write of another.
    let (sender, receiver) = mpsc::channel(2);
    let loading = target.start(|pool| load(pool, receiver))?;
    let read = read(&mut source.conn(), &mut |batch| {
        sender
            .blocking_send(Some(batch))
            .map_err(|_| StoreError::Closed)
    });
    // `None` says the read is complete; without it the load rolls back.
    if read.is_ok() {
        let _ = sender.blocking_send(None);
    }
    drop(sender);
    let loaded = loading.recv().unwrap_or(Err(StoreError::Closed));
    match (read, loaded) {
        // A load that failed closed the channel: its own error is the cause.
        (_, Err(e)) if !matches!(e, StoreError::Closed) => Err(e),
        (Err(e), _) => Err(e),
        (Ok(()), loaded) => loaded,
    }
}

/// A batch of one table's rows, in a form both dialects take.
enum Batch {
    Scripts(Vec<ScriptRow>),
    Jobs(Vec<JobRow>),
    /// Job id, id, text.
    Entries(Entries, Vec<(i64, i64, String)>),
    Tokens(Vec<TokenRow>),
    Credentials(Vec<StoredCredential>),
    /// Job id, sealed run spec.
    QueuedRuns(Vec<(i64, String)>),
}

struct ScriptRow {
    id: i64,
    full_path: String,
    fingerprint: Option<String>,
    parameters: Option<String>,
}

struct JobRow {
    id: i64,
    run_id: Uuid,
    status: i32,
    script_id: Option<i64>,
    script_full_path: String,
    parent_job_id: Option<i64>,
    created_time: Option<DateTime<Utc>>,
    start_time: Option<DateTime<Utc>>,
    end_time: Option<DateTime<Utc>>,
    doc: String,
}

struct TokenRow {
    id: i64,
    hash: String,
    name: String,
    role: String,
    created: DateTime<Utc>,
    revoked: bool,
}

/// Reads every table of the SQLite store, in id order, handing each batch to `send`.
fn read(conn: &mut Connection, send: &mut dyn FnMut(Batch) -> StoreResult<()>) -> StoreResult<()> {
    // One read transaction: every table as of one moment.
    let tx = conn.transaction()?;
    let script = |r: &Row<'_>| {
        let row = ScriptRow {
            id: r.get(0)?,
            full_path: r.get(1)?,
            fingerprint: r.get(2)?,
            parameters: r.get(3)?,
        };
        let size = row.full_path.len() + row.parameters.as_ref().map_or(0, String::len);
        Ok((row, size))
    };
    batches(
        &tx,
        "SELECT id, full_path, fingerprint, parameters FROM scripts ORDER BY id",
        script,
        Batch::Scripts,
        send,
    )?;
    let job = |r: &Row<'_>| {
        let run_id: String = r.get(1)?;
        let row = JobRow {
            id: r.get(0)?,
            run_id: Uuid::parse_str(&run_id).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(1, Type::Text, Box::new(e))
            })?,
            status: r.get(2)?,
            script_id: r.get(3)?,
            script_full_path: r.get(4)?,
            parent_job_id: r.get(5)?,
            created_time: r.get(6)?,
            start_time: r.get(7)?,
            end_time: r.get(8)?,
            doc: r.get(9)?,
        };
        let size = row.doc.len();
        Ok((row, size))
    };
    batches(
        &tx,
        "SELECT id, run_id, status, script_id, script_full_path, parent_job_id, created_time,
         start_time, end_time, doc FROM jobs ORDER BY id",
        job,
        Batch::Jobs,
        send,
    )?;
    let entry = |r: &Row<'_>| {
        let text: String = r.get(2)?;
        let size = text.len();
        Ok(((r.get(0)?, r.get(1)?, text), size))
    };
    batches(
        &tx,
        "SELECT job_id, id, doc FROM job_output ORDER BY job_id, id",
        entry,
        |rows| Batch::Entries(Entries::Output, rows),
        send,
    )?;
    batches(
        &tx,
        "SELECT job_id, id, data FROM pipeline_output ORDER BY job_id, id",
        entry,
        |rows| Batch::Entries(Entries::Pipeline, rows),
        send,
    )?;
    let token = |r: &Row<'_>| {
        let row = TokenRow {
            id: r.get(0)?,
            hash: r.get(1)?,
            name: r.get(2)?,
            role: r.get(3)?,
            created: r.get(4)?,
            revoked: r.get(5)?,
        };
        Ok((row, 0))
    };
    batches(
        &tx,
        "SELECT id, hash, name, role, created, revoked FROM tokens ORDER BY id",
        token,
        Batch::Tokens,
        send,
    )?;
    let credential = |r: &Row<'_>| {
        let row = StoredCredential {
            name: r.get(0)?,
            user: r.get(1)?,
            secret: r.get(2)?,
        };
        Ok((row, 0))
    };
    batches(
        &tx,
        "SELECT name, user, secret FROM credentials ORDER BY name",
        credential,
        Batch::Credentials,
        send,
    )?;
    let run = |r: &Row<'_>| {
        let spec: String = r.get(1)?;
        let size = spec.len();
        Ok(((r.get(0)?, spec), size))
    };
    batches(
        &tx,
        "SELECT job_id, spec FROM queued_runs ORDER BY job_id",
        run,
        Batch::QueuedRuns,
        send,
    )
}

/// The rows of `sql`, made by `row` (which also says how much text each holds), handed to
/// `send` in batches of at most [`BATCH_ROWS`] rows or about [`BATCH_BYTES`].
fn batches<T>(
    tx: &rusqlite::Transaction<'_>,
    sql: &str,
    row: impl Fn(&Row<'_>) -> rusqlite::Result<(T, usize)>,
    batch: impl Fn(Vec<T>) -> Batch,
    send: &mut dyn FnMut(Batch) -> StoreResult<()>,
) -> StoreResult<()> {
    let mut stmt = tx.prepare(sql)?;
    let mut rows = stmt.query([])?;
    let mut pending = Vec::new();
    let mut bytes = 0;
    while let Some(r) = rows.next()? {
        let (value, size) = row(r)?;
        pending.push(value);
        bytes += size;
        if pending.len() == BATCH_ROWS || bytes >= BATCH_BYTES {
            send(batch(std::mem::take(&mut pending)))?;
            bytes = 0;
        }
    }
    if !pending.is_empty() {
        send(batch(pending))?;
    }
    Ok(())
}

/// Writes the batches `receiver` brings into the empty PostgreSQL store, in one transaction
/// that commits only once the read is complete (a `None`).
async fn load(pool: Pool, mut receiver: mpsc::Receiver<Option<Batch>>) -> StoreResult<Copied> {
    let mut conn = pool.get().await?;
    let tx = conn.transaction().await?;
    refuse_rows(&tx).await?;
    let mut copied = Copied::default();
    loop {
        match receiver.recv().await {
            Some(Some(batch)) => insert(&tx, batch, &mut copied).await?,
            Some(None) => break,
            // The read failed; dropping the transaction rolls it back.
            None => return Err(StoreError::Closed),
        }
    }
    // Ids the database assigns from now on follow the copied ones.
    for table in ["scripts", "jobs", "tokens"] {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}
             HAVING MAX(id) IS NOT NULL"
        );
        tx.execute(&sql, &[]).await?;
    }
    tx.commit().await?;
    Ok(copied)
}

/// The copy keeps every id, so it goes only into a store that has none yet.
async fn refuse_rows(tx: &Transaction<'_>) -> StoreResult<()> {
    for table in ["scripts", "jobs", "tokens", "credentials", "queued_runs"] {
        let sql = format!("SELECT EXISTS (SELECT 1 FROM {table})");
        if tx.query_one(&sql, &[]).await?.get::<_, bool>(0) {
            return Err(StoreError::InUse(format!(
                "the PostgreSQL store already has {table}: copy-store copies into an empty store only"
            )));
        }
    }
    Ok(())
}

/// One statement per batch: its columns as arrays, unnested into rows.
async fn insert(tx: &Transaction<'_>, batch: Batch, copied: &mut Copied) -> StoreResult<()> {
    let (count, sql, args): (_, String, Vec<Box<dyn ToSql + Sync + Send>>) = match batch {
        Batch::Scripts(rows) => (
            &mut copied.scripts,
            "INSERT INTO scripts(id, full_path, fingerprint, parameters) OVERRIDING SYSTEM VALUE
             SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::TEXT[])"
                .into(),
            vec![
                column(&rows, |r| r.id),
                column(&rows, |r| r.full_path.clone()),
                column(&rows, |r| r.fingerprint.clone()),
                column(&rows, |r| r.parameters.clone()),
            ],
        ),
        Batch::Jobs(rows) => (
            &mut copied.jobs,
            "INSERT INTO jobs(id, run_id, status, script_id, script_full_path, parent_job_id,
             created_time, start_time, end_time, doc) OVERRIDING SYSTEM VALUE
             SELECT * FROM UNNEST($1::BIGINT[], $2::UUID[], $3::INTEGER[], $4::BIGINT[],
             $5::TEXT[], $6::BIGINT[], $7::TIMESTAMPTZ[], $8::TIMESTAMPTZ[], $9::TIMESTAMPTZ[],
             $10::TEXT[])"
                .into(),
            vec![
                column(&rows, |r| r.id),
                column(&rows, |r| r.run_id),
                column(&rows, |r| r.status),
                column(&rows, |r| r.script_id),
                column(&rows, |r| r.script_full_path.clone()),
                column(&rows, |r| r.parent_job_id),
                column(&rows, |r| r.created_time),
                column(&rows, |r| r.start_time),
                column(&rows, |r| r.end_time),
                column(&rows, |r| r.doc.clone()),
            ],
        ),
        Batch::Entries(entries, rows) => {
            let count = match entries {
                Entries::Output => &mut copied.outputs,
                Entries::Pipeline => &mut copied.pipeline,
            };
            let sql = format!(
                "INSERT INTO {}(job_id, id, {}) SELECT * FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::TEXT[])",
                entries.table(),
                entries.column()
            );
            let args = vec![
                column(&rows, |r| r.0),
                column(&rows, |r| r.1),
                // Moved, not cloned: pipeline text is most of what a store holds.
                Box::new(rows.into_iter().map(|r| r.2).collect::<Vec<_>>()) as _,
            ];
            (count, sql, args)
        }
        Batch::Tokens(rows) => (
            &mut copied.tokens,
            "INSERT INTO tokens(id, hash, name, role, created, revoked) OVERRIDING SYSTEM VALUE
             SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::TEXT[],
             $5::TIMESTAMPTZ[], $6::BOOLEAN[])"
                .into(),
            vec![
                column(&rows, |r| r.id),
                column(&rows, |r| r.hash.clone()),
                column(&rows, |r| r.name.clone()),
                column(&rows, |r| r.role.clone()),
                column(&rows, |r| r.created),
                column(&rows, |r| r.revoked),
            ],
        ),
        Batch::Credentials(rows) => (
            &mut copied.credentials,
            "INSERT INTO credentials(name, user_name, secret)
             SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::BYTEA[])"
                .into(),
            vec![
                column(&rows, |r| r.name.clone()),
                column(&rows, |r| r.user.clone()),
                column(&rows, |r| r.secret.clone()),
            ],
        ),
        Batch::QueuedRuns(rows) => (
            &mut copied.queued_runs,
            "INSERT INTO queued_runs(job_id, spec)
             SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[])"
                .into(),
            vec![column(&rows, |r| r.0), column(&rows, |r| r.1.clone())],
        ),
    };
    let args: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a.as_ref() as _).collect();
    *count += tx.execute(&sql, &args).await?;
    Ok(())
}

/// One column of `rows`, as an array argument.
fn column<R, T: ToSql + Sync + Send + 'static>(
    rows: &[R],
    field: impl Fn(&R) -> T,
) -> Box<dyn ToSql + Sync + Send> {
    Box::new(rows.iter().map(field).collect::<Vec<T>>())
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use model::{Job, JobOutput, JobQuery, JobStatus, OutputType, ScriptParameter};

    use super::*;
    use crate::store::postgres_scratch::Scratch;
    use crate::store::{Appended, Store};

    /// A SQLite store with some of everything: a parent and a child job, a gap where a job was
    /// deleted, output records and pipeline objects, a queued job with its kept run, a revoked
    /// token, a credential, a script with cached parameters.
    fn filled(dir: &std::path::Path) -> SqliteStore {
        let store = SqliteStore::open(dir).unwrap();
        let script = store.script_id("sub/a.ps1").unwrap();
        let params = [ScriptParameter {
            name: "N".into(),
            ..Default::default()
        }];
        store.cache_parameters(script, "hash", &params).unwrap();
        let mut ids = Vec::new();
        for i in 0..4 {
            let mut job = Job {
                status: JobStatus::Running,
                script_id: Some(script),
                script_full_path: "sub/a.ps1".into(),
                parent_job_id: ids.first().copied(),
                created_time: Some(Utc::now() - Duration::minutes(10 - i)),
                ..Job::default()
            };
            store.insert_job(&mut job).unwrap();
            job.status = JobStatus::Completed;
            job.start_time = job.created_time;
            job.end_time = Some(Utc::now());
            store.update_job(&job).unwrap();
            let mut entries = [
                Appended::Output(JobOutput {
                    output_type: OutputType::Warning,
                    message: format!("warning {i}"),
                    ..Default::default()
                }),
                Appended::Pipeline(format!("<I32>{i}</I32>")),
                Appended::Pipeline("<S>ü ☃</S>".into()),
            ];
            store.append(job.id, &mut entries).unwrap();
            ids.push(job.id);
        }
        store.delete_jobs(&ids[2..3]).unwrap();
        let mut queued = Job {
            script_full_path: "sub/a.ps1".into(),
            ..Job::default()
        };
        store.insert_job(&mut queued).unwrap();
        store.save_run(queued.id, "{\"sealed\":\"spec\"}").unwrap();
        store.insert_token("hash-1", "ci", "Reader").unwrap();
        let revoked = store
            .insert_token("hash-2", "old", "Administrator")
            .unwrap();
        store.revoke_token(revoked).unwrap();
        store
            .put_credential(&StoredCredential {
                name: "svc".into(),
                user: "DOMAIN\\svc".into(),
                secret: vec![0, 1, 2, 255],
            })
            .unwrap();
        store
    }

    fn all_jobs(store: &dyn Store) -> Vec<Job> {
        let query = JobQuery {
            take: Some(100),
            ..JobQuery::default()
        };
        store.list_jobs(&query).unwrap().page
    }

    #[test]
    fn copies_every_row_with_its_ids() {
        let Some(scratch) = Scratch::new() else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let source = filled(dir.path());
        let target = scratch.open();
        let copied = sqlite_to_postgres(&source, &target).unwrap();
        let expected = Copied {
            scripts: 1,
            jobs: 4,
            outputs: 3,
            pipeline: 6,
            tokens: 2,
            credentials: 1,
            queued_runs: 1,
        };
        assert_eq!(copied, expected);

        let jobs = all_jobs(&source);
        assert_eq!(all_jobs(&target), jobs);
        for job in &jobs {
            assert_eq!(target.job(job.id).unwrap().as_ref(), Some(job));
            let run_id = job.run_id.unwrap();
            assert_eq!(target.job_by_run_id(run_id).unwrap().as_ref(), Some(job));
            assert_eq!(
                target.outputs(job.id, 0, 10).unwrap(),
                source.outputs(job.id, 0, 10).unwrap()
            );
            assert_eq!(
                target.pipeline(job.id, 0, 10).unwrap(),
                source.pipeline(job.id, 0, 10).unwrap()
            );
        }
        for hash in ["hash-1", "hash-2"] {
            assert_eq!(
                target.token_by_hash(hash).unwrap(),
                source.token_by_hash(hash).unwrap()
            );
        }
        assert_eq!(
            target.credential("svc").unwrap(),
            source.credential("svc").unwrap()
        );
        assert_eq!(target.saved_runs().unwrap(), source.saved_runs().unwrap());
        let script = source.script_id("sub/a.ps1").unwrap();
        assert_eq!(target.script_id("sub/a.ps1").unwrap(), script);
        assert_eq!(
            target.cached_parameters(script, "hash").unwrap(),
            source.cached_parameters(script, "hash").unwrap()
        );

        // New rows are numbered after the copied ones.
        let mut next = Job {
            script_full_path: "b.ps1".into(),
            ..Job::default()
        };
        target.insert_job(&mut next).unwrap();
        assert!(next.id > jobs.iter().map(|j| j.id).max().unwrap());
        assert_eq!(target.insert_token("hash-3", "new", "Reader").unwrap(), 3);
        assert!(target.script_id("b.ps1").unwrap() > script);
    }

    #[test]
    fn copies_only_into_an_empty_store() {
        let Some(scratch) = Scratch::new() else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let source = filled(dir.path());
        let target = scratch.open();
        target.insert_token("own", "mine", "Reader").unwrap();
        let refused = sqlite_to_postgres(&source, &target).unwrap_err();
        assert!(
            refused.to_string().contains("already has tokens"),
            "{refused}"
        );
        assert_eq!(target.token_count().unwrap(), 1);
        assert!(all_jobs(&target).is_empty());
    }

    #[test]
    fn a_copy_that_fails_midway_leaves_the_target_empty() {
        let Some(scratch) = Scratch::new() else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let source = filled(dir.path());
        // Tokens are read after jobs and their output, which the target has taken by then.
        source
            .conn()
            .execute(
                "UPDATE tokens SET created = 'not a time' WHERE hash = 'hash-2'",
                [],
            )
            .unwrap();
        let target = scratch.open();
        let failed = sqlite_to_postgres(&source, &target).unwrap_err();
        assert!(matches!(failed, StoreError::Sqlite(_)), "{failed}");
        assert!(all_jobs(&target).is_empty());
        assert_eq!(target.token_count().unwrap(), 0);
        assert_eq!(target.script_path(1).unwrap(), None);
    }
}
