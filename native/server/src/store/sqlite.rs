//! The SQLite store: one connection in WAL mode behind a mutex (SQLite serialises writers
//! anyway, and every call is short).

use std::collections::HashMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, TryLockError as Busy};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use model::{Job, JobOutput, JobQuery, JobStatus, Page, PipelineOutput, ScriptParameter};
use rusqlite::{
    Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior, params,
    params_from_iter, types::Value as Sql,
};
use uuid::Uuid;

use super::listing::{Listing, Param};
use super::schema;
use super::{
    Appended, Candidate, Entries, Store, StoreError, StoreResult, StoredCredential, TokenRecord,
    beyond_history, off_worker, statuses,
};

pub struct SqliteStore {
    conn: Mutex<Connection>,
    data_dir: PathBuf,
    /// `server.lock`, locked, once [`Store::lock_for_server`] succeeded. The operating system
    /// releases the lock when the process ends, however it ends.
    lease: Mutex<Option<File>>,
}

/// Fixed-width UTC text, so that text order is time order.
fn time_text(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(|t| t.to_rfc3339_opts(SecondsFormat::Micros, true))
}

/// The time `within` ago, as [`time_text`] writes it.
fn since(within: Duration) -> Option<String> {
    time_text(Some(Utc::now() - within))
}

impl SqliteStore {
    /// The store's file in the data folder.
    pub const FILE: &str = "jobs.db";

    /// Opens (creating when needed) [`Self::FILE`] in `data_dir`.
    pub fn open(data_dir: &Path) -> StoreResult<Self> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::Io {
            path: data_dir.display().to_string(),
            source,
        })?;
        let conn = Connection::open(data_dir.join(Self::FILE))?;
        // WAL: readers never block the writer, and a killed server loses nothing committed.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(schema::SQLITE)?;
        Ok(Self {
            conn: Mutex::new(conn),
            data_dir: data_dir.to_path_buf(),
            lease: Mutex::new(None),
        })
    }

    /// Writes a consistent copy of the store to `file`, which must not exist, while servers go
    /// on reading and writing it; returns how many jobs the copy holds, read back from it.
    pub fn back_up_into(&self, file: &Path) -> StoreResult<i64> {
        let Some(target) = file.to_str() else {
            return Err(StoreError::Io {
                path: file.display().to_string(),
                source: std::io::Error::other("SQLite needs a path that is valid UTF-8"),
            });
        };
        // One read transaction: the copy is the store as of one moment, compacted.
        self.conn().execute("VACUUM INTO ?1", [target])?;
        let copy = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        Ok(copy.query_row("SELECT COUNT(*) FROM jobs", [], |row| row.get(0))?)
    }

    pub(super) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (statements are
        // atomic), so a poisoned lock is still safe to use. Another call holds it for as long
        // as its statement runs, or waits on a writer outside this process (busy_timeout).
        match self.conn.try_lock() {
            Ok(conn) => conn,
            Err(Busy::Poisoned(p)) => p.into_inner(),
            Err(Busy::WouldBlock) => {
                off_worker(|| self.conn.lock().unwrap_or_else(|p| p.into_inner()))
            }
        }
    }

    /// What `sql` returns for `job_ids` (bound as `?1`, a JSON array for `json_each`), a row
    /// read by `row`.
    fn for_jobs<T, C: FromIterator<T>>(
        &self,
        sql: &str,
        job_ids: &[i64],
        row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> StoreResult<C> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(sql)?;
        let found = stmt
            .query_map([serde_json::to_string(job_ids)?], row)?
            .collect::<Result<_, _>>()?;
        Ok(found)
    }

    /// The nodes (id, name) `sql` returns, given the time `within` ago.
    fn nodes(&self, sql: &str, within: Duration) -> StoreResult<Vec<(String, String)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(sql)?;
        let nodes = stmt
            .query_map([since(within)], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(nodes)
    }

    fn jobs_where(&self, sql: &str, args: &[Sql]) -> StoreResult<Vec<Job>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!("SELECT doc FROM jobs {sql}"))?;
        let docs = stmt
            .query_map(params_from_iter(args), |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        docs.iter().map(|d| Ok(serde_json::from_str(d)?)).collect()
    }
}

/// The id for the next row of `job_id` in `entries`: read once per transaction into `next`,
/// then counted on.
fn next_id(
    tx: &Transaction<'_>,
    next: &mut Option<i64>,
    entries: Entries,
    job_id: i64,
) -> StoreResult<i64> {
    let id = match *next {
        Some(id) => id,
        None => tx
            .prepare_cached(&format!(
                "SELECT COALESCE(MAX(id), 0) + 1 FROM {} WHERE job_id = ?1",
                entries.table()
            ))?
            .query_row([job_id], |r| r.get(0))?,
    };
    *next = Some(id + 1);
    Ok(id)
}

impl Store for SqliteStore {
    fn shared(&self) -> bool {
        false
    }

    /// One node only: the file lock keeps any second server off the database file.
    fn lock_for_server(&self, _node: &str) -> StoreResult<()> {
        let path = self.data_dir.join("server.lock");
        let io = |source| StoreError::Io {
            path: path.display().to_string(),
            source,
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {
                *self.lease.lock().unwrap_or_else(|p| p.into_inner()) = Some(file);
                Ok(())
            }
            Err(TryLockError::WouldBlock) => Err(StoreError::InUse(format!(
                "another psujobs server is serving from {}",
                self.data_dir.display()
            ))),
            Err(TryLockError::Error(source)) => Err(io(source)),
        }
    }

    fn ping(&self) -> StoreResult<()> {
        self.conn().query_row(schema::PING, [], |_| Ok(()))?;
        Ok(())
    }

    fn script_id(&self, full_path: &str) -> StoreResult<i64> {
        let conn = self.conn();
        conn.prepare_cached("INSERT OR IGNORE INTO scripts(full_path) VALUES (?1)")?
            .execute([full_path])?;
        Ok(conn
            .prepare_cached("SELECT id FROM scripts WHERE full_path = ?1")?
            .query_row([full_path], |r| r.get(0))?)
    }

    fn script_path(&self, id: i64) -> StoreResult<Option<String>> {
        Ok(self
            .conn()
            .query_row("SELECT full_path FROM scripts WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?)
    }

    fn cached_parameters(
        &self,
        id: i64,
        fingerprint: &str,
    ) -> StoreResult<Option<Vec<ScriptParameter>>> {
        let text: Option<String> = self
            .conn()
            .query_row(
                "SELECT parameters FROM scripts WHERE id = ?1 AND fingerprint = ?2",
                params![id, fingerprint],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        text.map(|t| serde_json::from_str(&t).map_err(StoreError::from))
            .transpose()
    }

    fn cache_parameters(
        &self,
        id: i64,
        fingerprint: &str,
        params: &[ScriptParameter],
    ) -> StoreResult<()> {
        self.conn().execute(
            "UPDATE scripts SET fingerprint = ?2, parameters = ?3 WHERE id = ?1",
            params![id, fingerprint, serde_json::to_string(params)?],
        )?;
        Ok(())
    }

    fn insert_job(&self, job: &mut Job) -> StoreResult<()> {
        let mut conn = self.conn();
        // The document holds the id SQLite assigns, so it is written in a second statement;
        // one transaction makes that a single commit.
        let tx = conn.transaction()?;
        let run_id = job.run_id.get_or_insert_with(Uuid::new_v4).to_string();
        tx.prepare_cached(
            "INSERT INTO jobs(run_id, status, script_id, script_full_path, parent_job_id,
             created_time, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, '{}')",
        )?
        .execute(params![
            run_id,
            job.status.as_i32(),
            job.script_id,
            job.script_full_path,
            job.parent_job_id,
            time_text(job.created_time)
        ])?;
        job.id = tx.last_insert_rowid();
        tx.prepare_cached("UPDATE jobs SET doc = ?2 WHERE id = ?1")?
            .execute(params![job.id, serde_json::to_string(job)?])?;
        tx.commit()?;
        Ok(())
    }

    fn update_job(&self, job: &Job) -> StoreResult<()> {
        self.conn()
            .prepare_cached(
                "UPDATE jobs SET status = ?2, start_time = ?3, end_time = ?4, doc = ?5 WHERE id = ?1",
            )?
            .execute(params![
                job.id,
                job.status.as_i32(),
                time_text(job.start_time),
                time_text(job.end_time),
                serde_json::to_string(job)?
            ],
        )?;
        Ok(())
    }

    fn job(&self, id: i64) -> StoreResult<Option<Job>> {
        Ok(self.jobs_where("WHERE id = ?1", &[Sql::Integer(id)])?.pop())
    }

    fn job_by_run_id(&self, run_id: Uuid) -> StoreResult<Option<Job>> {
        Ok(self
            .jobs_where("WHERE run_id = ?1", &[Sql::Text(run_id.to_string())])?
            .pop())
    }

    fn list_jobs(&self, q: &JobQuery) -> StoreResult<Page<Job>> {
        let listing = Listing::new(q, |n| format!("?{n}"));
        let args: Vec<Sql> = listing
            .params
            .into_iter()
            .map(|p| match p {
                Param::Int(v) => Sql::Integer(v.into()),
                Param::BigInt(v) => Sql::Integer(v),
                Param::Text(v) => Sql::Text(v),
            })
            .collect();
        let total: i64 = self.conn().query_row(
            &format!("SELECT COUNT(*) FROM jobs {}", listing.clause),
            params_from_iter(&args),
            |r| r.get(0),
        )?;
        let page = self.jobs_where(
            &format!("{} {}", listing.clause, listing.order_and_page),
            &args,
        )?;
        Ok(Page { page, total })
    }

    fn jobs_in_status(&self, statuses: &[JobStatus]) -> StoreResult<Vec<Job>> {
        let list = statuses
            .iter()
            .map(|s| s.as_i32().to_string())
            .collect::<Vec<_>>()
            .join(",");
        self.jobs_where(&format!("WHERE status IN ({list}) ORDER BY id"), &[])
    }

    fn groom_candidates(
        &self,
        cutoff: DateTime<Utc>,
        keep: &dyn Fn(&str) -> i64,
    ) -> StoreResult<Vec<i64>> {
        let terminal = statuses(true)
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let conn = self.conn();
        let expired: Vec<i64> = conn
            .prepare(&format!(
                "SELECT id FROM jobs WHERE status IN ({terminal}) AND end_time < ?1"
            ))?
            .query_map([time_text(Some(cutoff))], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut stmt = conn.prepare(&format!(
            "SELECT script_full_path, id FROM jobs WHERE status IN ({terminal})
             ORDER BY script_full_path, id DESC"
        ))?;
        let finished = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(beyond_history(expired, finished, keep))
    }

    fn delete_jobs(&self, ids: &[i64]) -> StoreResult<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for id in ids {
            tx.execute("DELETE FROM job_output WHERE job_id = ?1", [id])?;
            tx.execute("DELETE FROM pipeline_output WHERE job_id = ?1", [id])?;
            tx.execute("DELETE FROM queued_runs WHERE job_id = ?1", [id])?;
            tx.execute("DELETE FROM job_nodes WHERE job_id = ?1", [id])?;
            tx.execute("DELETE FROM cancels WHERE job_id = ?1", [id])?;
            tx.execute("DELETE FROM prompts WHERE job_id = ?1", [id])?;
            tx.execute("DELETE FROM jobs WHERE id = ?1", [id])?;
        }
        tx.commit()?;
        Ok(())
    }

    fn append(&self, job_id: i64, entries: &mut [Appended]) -> StoreResult<()> {
        let mut conn = self.conn();
        // One write transaction for the lot: a busy job's records cost one commit per batch.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (mut next_output, mut next_pipeline) = (None, None);
        for entry in entries.iter_mut() {
            match entry {
                Appended::Output(record) => {
                    record.id = next_id(&tx, &mut next_output, Entries::Output, job_id)?;
                    tx.prepare_cached(
                        "INSERT INTO job_output(job_id, id, doc) VALUES (?1, ?2, ?3)",
                    )?
                    .execute(params![
                        job_id,
                        record.id,
                        serde_json::to_string(record)?
                    ])?;
                }
                Appended::Pipeline(data) => {
                    let id = next_id(&tx, &mut next_pipeline, Entries::Pipeline, job_id)?;
                    tx.prepare_cached(
                        "INSERT INTO pipeline_output(job_id, id, data) VALUES (?1, ?2, ?3)",
                    )?
                    .execute(params![job_id, id, data.as_str()])?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn outputs(&self, job_id: i64, after: i64, take: i64) -> StoreResult<Vec<JobOutput>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT doc FROM job_output WHERE job_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
        )?;
        let docs = stmt
            .query_map(params![job_id, after, take], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        docs.iter().map(|d| Ok(serde_json::from_str(d)?)).collect()
    }

    fn pipeline(&self, job_id: i64, after: i64, take: i64) -> StoreResult<Vec<PipelineOutput>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, data FROM pipeline_output WHERE job_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
        )?;
        let rows = stmt
            .query_map(params![job_id, after, take], |r| {
                Ok(PipelineOutput {
                    id: r.get(0)?,
                    data: r.get(1)?,
                    json_data: None,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn delete_pipeline(&self, job_id: i64) -> StoreResult<()> {
        self.conn()
            .execute("DELETE FROM pipeline_output WHERE job_id = ?1", [job_id])?;
        Ok(())
    }

    fn insert_token(&self, hash: &str, name: &str, role: &str) -> StoreResult<i64> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO tokens(hash, name, role, created) VALUES (?1, ?2, ?3, ?4)",
            params![hash, name, role, time_text(Some(Utc::now()))],
        )?;
        Ok(conn.last_insert_rowid())
    }

    fn token_by_hash(&self, hash: &str) -> StoreResult<Option<TokenRecord>> {
        Ok(self
            .conn()
            .prepare_cached("SELECT id, name, role, revoked FROM tokens WHERE hash = ?1")?
            .query_row([hash], |r| {
                Ok(TokenRecord {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    role: r.get(2)?,
                    revoked: r.get(3)?,
                })
            })
            .optional()?)
    }

    fn revoke_token(&self, id: i64) -> StoreResult<bool> {
        Ok(self
            .conn()
            .execute("UPDATE tokens SET revoked = 1 WHERE id = ?1", [id])?
            > 0)
    }

    fn token_count(&self) -> StoreResult<i64> {
        Ok(self
            .conn()
            .query_row("SELECT COUNT(*) FROM tokens", [], |r| r.get(0))?)
    }

    fn put_credential(&self, cred: &StoredCredential) -> StoreResult<()> {
        self.conn().execute(
            "INSERT INTO credentials(name, user, secret) VALUES (?1, ?2, ?3)
             ON CONFLICT(name) DO UPDATE SET user = excluded.user, secret = excluded.secret",
            params![cred.name, cred.user, cred.secret],
        )?;
        Ok(())
    }

    fn credential(&self, name: &str) -> StoreResult<Option<StoredCredential>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT name, user, secret FROM credentials WHERE name = ?1",
                [name],
                |r| {
                    Ok(StoredCredential {
                        name: r.get(0)?,
                        user: r.get(1)?,
                        secret: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    fn save_run(&self, job_id: i64, spec: &str) -> StoreResult<()> {
        self.conn().execute(
            "INSERT INTO queued_runs(job_id, spec) VALUES (?1, ?2)
             ON CONFLICT(job_id) DO UPDATE SET spec = excluded.spec",
            params![job_id, spec],
        )?;
        Ok(())
    }

    fn saved_runs(&self) -> StoreResult<Vec<(i64, String)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT job_id, spec FROM queued_runs ORDER BY job_id")?;
        let runs = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(runs)
    }

    fn queued_runs(&self, take: i64) -> StoreResult<Vec<(i64, String)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT q.job_id, j.script_full_path FROM queued_runs q JOIN jobs j ON j.id = q.job_id
             WHERE j.status = ?2
             ORDER BY q.job_id LIMIT ?1",
        )?;
        let runs = stmt
            .query_map([take, i64::from(JobStatus::Queued.as_i32())], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<Result<_, _>>()?;
        Ok(runs)
    }

    fn queued_count(&self) -> StoreResult<i64> {
        Ok(self.conn().query_row(
            "SELECT COUNT(*) FROM queued_runs q JOIN jobs j ON j.id = q.job_id WHERE j.status = ?1",
            [JobStatus::Queued.as_i32()],
            |r| r.get(0),
        )?)
    }

    fn claim_run(
        &self,
        candidates: &[Candidate],
        node: &str,
    ) -> StoreResult<Option<(i64, String)>> {
        // One writer at a time: the oldest candidate with room is the one to claim.
        let wanted: Vec<(i64, i64)> = candidates
            .iter()
            .map(|c| (c.job_id, c.script_limit))
            .collect();
        let wanted = serde_json::to_string(&wanted)?;
        let unfinished = serde_json::to_string(&statuses(false))?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let claimed: Option<(i64, String)> = tx
            .query_row(
                "WITH busy AS (
                     SELECT r.script_full_path AS path, COUNT(*) AS jobs
                     FROM jobs r JOIN job_nodes n ON n.job_id = r.id
                     WHERE r.status IN (SELECT value FROM json_each(?2))
                     GROUP BY r.script_full_path)
                 DELETE FROM queued_runs WHERE job_id = (
                     SELECT q.job_id FROM queued_runs q
                     JOIN (SELECT json_extract(value, '$[0]') AS job_id,
                                  json_extract(value, '$[1]') AS script_limit
                           FROM json_each(?1)) AS w ON w.job_id = q.job_id
                     JOIN jobs j ON j.id = q.job_id
                     LEFT JOIN busy b ON b.path = j.script_full_path
                     WHERE w.script_limit = 0 OR w.script_limit > COALESCE(b.jobs, 0)
                     ORDER BY q.job_id LIMIT 1)
                 RETURNING job_id, spec",
                [wanted, unfinished],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((id, _)) = &claimed {
            tx.execute(
                "INSERT INTO job_nodes(job_id, node) VALUES (?1, ?2)
                 ON CONFLICT(job_id) DO UPDATE SET node = excluded.node",
                params![id, node],
            )?;
        }
        tx.commit()?;
        Ok(claimed)
    }

    fn job_nodes(&self, job_ids: &[i64]) -> StoreResult<HashMap<i64, String>> {
        self.for_jobs(
            "SELECT job_id, node FROM job_nodes WHERE job_id IN (SELECT value FROM json_each(?1))",
            job_ids,
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    fn request_cancel(&self, job_id: i64) -> StoreResult<()> {
        self.conn().execute(
            "INSERT INTO cancels(job_id) VALUES (?1) ON CONFLICT(job_id) DO NOTHING",
            [job_id],
        )?;
        Ok(())
    }

    fn take_cancel_requests(&self, job_ids: &[i64]) -> StoreResult<Vec<i64>> {
        self.for_jobs(
            "DELETE FROM cancels WHERE job_id IN (SELECT value FROM json_each(?1)) RETURNING job_id",
            job_ids,
            |r| r.get(0),
        )
    }

    fn put_prompt(&self, job_id: i64, prompt: &str) -> StoreResult<()> {
        self.conn().execute(
            "INSERT INTO prompts(job_id, prompt) VALUES (?1, ?2)
             ON CONFLICT(job_id) DO UPDATE SET prompt = excluded.prompt, answer = NULL",
            params![job_id, prompt],
        )?;
        Ok(())
    }

    fn prompt(&self, job_id: i64) -> StoreResult<Option<String>> {
        let prompt = self
            .conn()
            .query_row(
                "SELECT prompt FROM prompts WHERE job_id = ?1 AND answer IS NULL",
                [job_id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(prompt)
    }

    fn answer_prompt(&self, job_id: i64, answer: &str) -> StoreResult<bool> {
        let answered = self.conn().execute(
            "UPDATE prompts SET answer = ?2 WHERE job_id = ?1 AND answer IS NULL",
            params![job_id, answer],
        )?;
        Ok(answered > 0)
    }

    fn take_answers(&self, job_ids: &[i64]) -> StoreResult<Vec<(i64, String)>> {
        self.for_jobs(
            "DELETE FROM prompts WHERE job_id IN (SELECT value FROM json_each(?1))
             AND answer IS NOT NULL RETURNING job_id, answer",
            job_ids,
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    fn withdraw_prompt(&self, job_id: i64) -> StoreResult<bool> {
        let conn = self.conn();
        let sql = "DELETE FROM prompts WHERE job_id = ?1 AND answer IS NULL";
        if conn.execute(sql, [job_id])? > 0 {
            return Ok(true);
        }
        // A row left is one another server answered.
        let answered: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM prompts WHERE job_id = ?1)",
            [job_id],
            |r| r.get(0),
        )?;
        Ok(!answered)
    }

    fn drop_prompt(&self, job_id: i64) -> StoreResult<()> {
        self.conn()
            .execute("DELETE FROM prompts WHERE job_id = ?1", [job_id])?;
        Ok(())
    }

    fn heartbeat(&self, node: &str, name: &str) -> StoreResult<bool> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let known = tx
            .query_row("SELECT 1 FROM nodes WHERE id = ?1", [node], |_| Ok(()))
            .optional()?
            .is_some();
        tx.execute(
            "INSERT INTO nodes(id, name, seen) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, seen = excluded.seen",
            params![node, name, time_text(Some(Utc::now()))],
        )?;
        tx.commit()?;
        Ok(known)
    }

    fn live_nodes(&self, within: Duration) -> StoreResult<Vec<(String, String)>> {
        self.nodes(
            "SELECT id, name FROM nodes WHERE seen >= ?1 ORDER BY id",
            within,
        )
    }

    fn reap_nodes(&self, within: Duration) -> StoreResult<Vec<(String, String)>> {
        self.nodes(
            "DELETE FROM nodes WHERE seen < ?1 RETURNING id, name",
            within,
        )
    }

    fn fact(&self, name: &str, value: &str) -> StoreResult<String> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO facts(name, value) VALUES (?1, ?2) ON CONFLICT(name) DO NOTHING",
            [name, value],
        )?;
        Ok(
            conn.query_row("SELECT value FROM facts WHERE name = ?1", [name], |r| {
                r.get(0)
            })?,
        )
    }

    fn forget_run(&self, job_id: i64) -> StoreResult<bool> {
        let dropped = self
            .conn()
            .execute("DELETE FROM queued_runs WHERE job_id = ?1", [job_id])?;
        Ok(dropped > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_the_store_suite() {
        let dir = tempfile::tempdir().unwrap();
        super::super::suite::run_all(&SqliteStore::open(dir.path()).unwrap());
    }

    #[test]
    fn one_server_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        super::super::suite::one_server_at_a_time(&|| SqliteStore::open(dir.path()).unwrap());
    }

    #[test]
    fn data_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        super::super::suite::data_survives_reopening(&|| SqliteStore::open(dir.path()).unwrap());
    }
}
