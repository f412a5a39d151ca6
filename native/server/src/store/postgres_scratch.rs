//! Test support for the PostgreSQL store: a schema of its own per test, and side sessions.

use uuid::Uuid;

use super::PostgresStore;
use super::postgres::connection;

/// A `postgres://` URL of a database the tests may create schemas in. CI provides one; a
/// developer without PostgreSQL skips these tests, and each says so.
pub fn database() -> Option<String> {
    setting("PSUJOBS_TEST_POSTGRES", "a postgres:// URL")
}

/// The PEM file of the CA that issued the test database's certificate: CI's cluster offers
/// TLS; a developer's own database may not, and the TLS tests then say they are skipped.
pub fn test_ca() -> Option<String> {
    database()?;
    setting("PSUJOBS_TEST_POSTGRES_CA", "the test database's CA")
}

/// The environment variable `name`, which CI must set and a developer may leave out.
fn setting(name: &str, what: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(value) => Some(value),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("CI runs the PostgreSQL store tests: set {name} ({what})")
        }
        Err(_) => {
            eprintln!("skipped: {name} ({what}) is not set");
            None
        }
    }
}

/// A schema of its own for one test, dropped afterwards; `url` reaches only it.
pub struct Scratch {
    base: String,
    schema: String,
    pub url: String,
}

impl Scratch {
    pub fn new() -> Option<Self> {
        let base = database()?;
        let schema = format!("psujobs_test_{}", Uuid::new_v4().simple());
        execute(&base, &format!("CREATE SCHEMA {schema}"));
        let join = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{join}options=-csearch_path%3D{schema}");
        Some(Self { base, schema, url })
    }

    pub fn open(&self) -> PostgresStore {
        PostgresStore::connect(&self.url).unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        execute(&self.base, &format!("DROP SCHEMA {} CASCADE", self.schema));
    }
}

pub fn execute(url: &str, sql: &str) {
    count(url, &format!("{sql}; SELECT 0"));
}

/// A session of its own on `url`, and the runtime that drives it (while it is blocked on).
pub fn session(url: &str) -> (tokio::runtime::Runtime, tokio_postgres::Client) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = runtime.block_on(async {
        let (config, tls) = connection(url).unwrap();
        let (client, connection) = config.connect(tls).await.unwrap();
        tokio::spawn(connection);
        client
    });
    (runtime, client)
}

/// Runs `sql` on a connection of its own; the first column of the last row, as a count.
pub fn count(url: &str, sql: &str) -> i64 {
    let (runtime, client) = session(url);
    runtime.block_on(async {
        let messages = client.simple_query(sql).await.unwrap();
        let last = messages.iter().rev().find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
            _ => None,
        });
        last.and_then(|v| v.parse().ok()).unwrap_or(0)
    })
}
