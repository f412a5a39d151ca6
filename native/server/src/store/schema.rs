//! The schemas of both stores: the same tables and columns, each in its own dialect. Jobs keep
//! their full JSON document beside the columns that are filtered or ordered on, so adding a Job
//! field needs no migration.

pub const SQLITE: &str = r#"
CREATE TABLE IF NOT EXISTS scripts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    full_path TEXT NOT NULL UNIQUE,
    fingerprint TEXT,
    parameters TEXT
);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL UNIQUE,
    status INTEGER NOT NULL,
    script_id INTEGER,
    script_full_path TEXT NOT NULL,
    parent_job_id INTEGER,
    created_time TEXT,
    start_time TEXT,
    end_time TEXT,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status);
CREATE INDEX IF NOT EXISTS jobs_script ON jobs(script_full_path, id);
CREATE INDEX IF NOT EXISTS jobs_parent ON jobs(parent_job_id);
CREATE TABLE IF NOT EXISTS job_output (
    job_id INTEGER NOT NULL,
    id INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (job_id, id)
);
CREATE TABLE IF NOT EXISTS pipeline_output (
    job_id INTEGER NOT NULL,
    id INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (job_id, id)
);
CREATE TABLE IF NOT EXISTS tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    created TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS credentials (
    name TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    secret BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS queued_runs (
    job_id INTEGER PRIMARY KEY,
    spec TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS nodes (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS job_nodes (
    job_id INTEGER PRIMARY KEY,
    node TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS cancels (
    job_id INTEGER PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS prompts (
    job_id INTEGER PRIMARY KEY,
    prompt TEXT NOT NULL,
    answer TEXT
);
CREATE TABLE IF NOT EXISTS facts (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"#;

/// Times are `timestamptz` (SQLite keeps fixed-width UTC text); `run_id` is a `uuid`.
pub const POSTGRES: &str = r#"
CREATE TABLE IF NOT EXISTS scripts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    full_path TEXT NOT NULL UNIQUE,
    fingerprint TEXT,
    parameters TEXT
);
CREATE TABLE IF NOT EXISTS jobs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id UUID NOT NULL UNIQUE,
    status INTEGER NOT NULL,
    script_id BIGINT,
    script_full_path TEXT NOT NULL,
    parent_job_id BIGINT,
    created_time TIMESTAMPTZ,
    start_time TIMESTAMPTZ,
    end_time TIMESTAMPTZ,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status);
CREATE INDEX IF NOT EXISTS jobs_script ON jobs(script_full_path, id);
CREATE INDEX IF NOT EXISTS jobs_parent ON jobs(parent_job_id);
CREATE TABLE IF NOT EXISTS job_output (
    job_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (job_id, id)
);
CREATE TABLE IF NOT EXISTS pipeline_output (
    job_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (job_id, id)
);
CREATE TABLE IF NOT EXISTS tokens (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    created TIMESTAMPTZ NOT NULL,
    revoked BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE IF NOT EXISTS credentials (
    name TEXT PRIMARY KEY,
    user_name TEXT NOT NULL,
    secret BYTEA NOT NULL
);
CREATE TABLE IF NOT EXISTS queued_runs (
    job_id BIGINT PRIMARY KEY,
    spec TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS nodes (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    seen TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS job_nodes (
    job_id BIGINT PRIMARY KEY,
    node TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS cancels (
    job_id BIGINT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS prompts (
    job_id BIGINT PRIMARY KEY,
    prompt TEXT NOT NULL,
    answer TEXT
);
CREATE TABLE IF NOT EXISTS facts (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"#;

/// What a readiness probe asks either store: it answers, and has the jobs table.
pub const PING: &str = "SELECT COUNT(*) FROM (SELECT 1 FROM jobs LIMIT 1) AS one";
