//! `psujobs`: serve, manage app tokens, store run-as credentials.

use std::io::{IsTerminal, Read};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use psujobs_server::auth::{self, Role};
use psujobs_server::backup;
use psujobs_server::config::{FileConfig, Settings, TlsFiles};
use psujobs_server::node::Node;
use psujobs_server::secrets::SecretBox;
use psujobs_server::serve;
use psujobs_server::store::{self, PostgresStore, SqliteStore, Store, StoredCredential};

#[derive(Parser)]
#[command(
    name = "psujobs",
    version,
    about = "A PowerShell Universal compatible job server"
)]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Common {
    /// TOML config file (default ./psujobs.toml when present).
    #[arg(long, global = true, env = "PSUJOBS_CONFIG")]
    config: Option<PathBuf>,
    /// Data folder: database, key file, admin token (default ./.psujobs).
    #[arg(long, global = true, env = "PSUJOBS_DATA")]
    data: Option<PathBuf>,
    /// Keep jobs in PostgreSQL instead of SQLite in the data folder:
    /// postgres://user:password@host:port/database[?sslmode=verify-full&sslrootcert=ca.pem]
    /// (TCP with TLS as libpq's sslmode asks, or a Unix socket).
    #[arg(long, global = true, env = "PSUJOBS_DATABASE")]
    database: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Issue or revoke app tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Store run-as credentials.
    #[command(subcommand)]
    Credential(CredentialCommand),
    /// Copy the SQLite store of the data folder into the empty PostgreSQL store of
    /// --database, ids included; serve with that --database and the same data folder after.
    CopyStore,
    /// Copy the SQLite store and the credentials' key into a new folder while the server
    /// serves; the folder is a data folder to serve from (or restore from).
    Backup {
        /// The folder to create.
        folder: PathBuf,
    },
}

#[derive(Args, Clone)]
struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:5000).
    #[arg(long, env = "PSUJOBS_LISTEN")]
    listen: Option<SocketAddr>,
    /// Script repository folder (default ./scripts).
    #[arg(long, env = "PSUJOBS_REPOSITORY")]
    repository: Option<PathBuf>,
    /// Server-wide limit of running jobs; 0 = none (default 10).
    #[arg(long, env = "PSUJOBS_CONCURRENT_JOBS")]
    concurrent_jobs: Option<usize>,
    /// Days finished jobs are kept (default 30).
    #[arg(long, env = "PSUJOBS_GROOM_DAYS")]
    groom_days: Option<u32>,
    /// Seconds between grooming passes (default 3600).
    #[arg(long, env = "PSUJOBS_GROOM_INTERVAL")]
    groom_interval: Option<u64>,
    /// Address jobs by run id only (numeric ids answer 404).
    #[arg(long, env = "PSUJOBS_JOB_RUN_ID")]
    job_run_id: Option<bool>,
    /// Largest accepted request body in bytes (default 1 MiB).
    #[arg(long, env = "PSUJOBS_MAX_BODY_BYTES")]
    max_body_bytes: Option<usize>,
    /// The pwsh executable (default `pwsh` on PATH, else where PowerShell's installers put it).
    #[arg(long, env = "PSUJOBS_PWSH")]
    pwsh: Option<PathBuf>,
    /// Serve HTTPS with this PEM certificate chain (needs --tls-key).
    #[arg(long, env = "PSUJOBS_TLS_CERT")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "PSUJOBS_TLS_KEY")]
    tls_key: Option<PathBuf>,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Issue a token and print it (it is stored only hashed).
    New {
        #[arg(long)]
        role: Role,
        /// The identity name jobs started with the token carry.
        #[arg(long, default_value = "token")]
        name: String,
    },
    /// Revoke a token by id.
    Revoke { id: i64 },
}

#[derive(Subcommand)]
enum CredentialCommand {
    /// Store a credential; the secret is read from standard input.
    Set {
        name: String,
        #[arg(long)]
        user: String,
    },
}

/// The config file: `--config`, else `psujobs.toml` when there is one.
fn config_file(common: &Common) -> PathBuf {
    common
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from("psujobs.toml"))
}

fn settings(common: &Common, serve: Option<&ServeArgs>) -> anyhow::Result<Settings> {
    let explicit = common.config.is_some();
    let file = FileConfig::load(&config_file(common), explicit)?;
    let d = Settings::default();
    let s = serve;
    Ok(Settings {
        listen: pick(s.and_then(|s| s.listen), file.listen, d.listen),
        tls: TlsFiles::pair(
            s.and_then(|s| s.tls_cert.clone()).or(file.tls_cert),
            s.and_then(|s| s.tls_key.clone()).or(file.tls_key),
        )?,
        data_dir: pick(common.data.clone(), file.data, d.data_dir),
        database: common.database.clone().or(file.database),
        repository: pick(
            s.and_then(|s| s.repository.clone()),
            file.repository,
            d.repository,
        ),
        concurrent_jobs: pick(
            s.and_then(|s| s.concurrent_jobs),
            file.concurrent_jobs,
            d.concurrent_jobs,
        ),
        groom_days: pick(s.and_then(|s| s.groom_days), file.groom_days, d.groom_days),
        groom_interval: s
            .and_then(|s| s.groom_interval)
            .or(file.groom_interval_seconds)
            .map_or(d.groom_interval, Duration::from_secs),
        job_run_id: pick(s.and_then(|s| s.job_run_id), file.job_run_id, d.job_run_id),
        max_body_bytes: pick(
            s.and_then(|s| s.max_body_bytes),
            file.max_body_bytes,
            d.max_body_bytes,
        ),
        default_environment: file.default_environment.unwrap_or(d.default_environment),
        environments: file.environments,
        scripts: file.scripts,
        pwsh: pick(s.and_then(|s| s.pwsh.clone()), file.pwsh, d.pwsh),
        warm_processes: file.warm_processes.unwrap_or(d.warm_processes),
    }
    .finish()?)
}

/// A flag (or its environment variable) beats the config file, which beats the default.
fn pick<T>(flag: Option<T>, file: Option<T>, default: T) -> T {
    flag.or(file).unwrap_or(default)
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("PSUJOBS_LOG")
        .unwrap_or_else(|_| "info,tower_http=warn".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal: a log file or a service journal would
        // keep them as escape sequences. NO_COLOR (no-color.org) turns them off there too.
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none());
    // PSUJOBS_LOG_FORMAT=json gives one JSON object per event, for log collectors.
    if std::env::var("PSUJOBS_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        logs.json().init();
    } else {
        logs.init();
    }
    match &cli.command {
        Command::Serve(args) => {
            let first = settings(&cli.common, Some(args))?;
            let (common, args) = (cli.common.clone(), args.clone());
            let file = config_file(&common);
            let read = Box::new(move || settings(&common, Some(&args)));
            tokio::runtime::Runtime::new()?.block_on(serve::run(first, file, read))
        }
        Command::Token(cmd) => {
            let settings = settings(&cli.common, None)?;
            let store = serve::open_store(&settings)?;
            match cmd {
                TokenCommand::New { role, name } => {
                    let (id, token) = auth::issue(store.as_ref(), name, *role)?;
                    eprintln!("token {id} ({role}) issued; it is shown only now:");
                    println!("{token}");
                }
                TokenCommand::Revoke { id } => {
                    if !store.revoke_token(*id)? {
                        anyhow::bail!("no token with id {id}");
                    }
                    eprintln!("token {id} revoked");
                }
            }
            Ok(())
        }
        Command::CopyStore => copy_store(&settings(&cli.common, None)?),
        Command::Backup { folder } => backup::back_up(&settings(&cli.common, None)?, folder),
        Command::Credential(CredentialCommand::Set { name, user }) => {
            let settings = settings(&cli.common, None)?;
            let store = serve::open_store(&settings)?;
            let mut secret = String::new();
            std::io::stdin().read_to_string(&mut secret)?;
            let secret = secret.trim_end_matches(['\r', '\n']);
            let sealed = SecretBox::open_or_create(&settings.data_dir)?.seal(secret.as_bytes());
            store.put_credential(&StoredCredential {
                name: name.clone(),
                user: user.clone(),
                secret: sealed,
            })?;
            eprintln!("credential {name:?} stored for user {user:?}");
            Ok(())
        }
    }
}

/// `copy-store`: both stores are locked against servers for the copy, so neither changes
/// under it.
fn copy_store(settings: &Settings) -> anyhow::Result<()> {
    let Some(url) = &settings.database else {
        anyhow::bail!("copy-store copies into PostgreSQL: name the database with --database");
    };
    let file = settings.data_dir.join(SqliteStore::FILE);
    if !file.is_file() {
        anyhow::bail!(
            "there is no SQLite store to copy: {} does not exist",
            file.display()
        );
    }
    let node = Node::of(&settings.data_dir, settings.listen)?;
    let source = SqliteStore::open(&settings.data_dir)?;
    source.lock_for_server(&node.id)?;
    let target =
        PostgresStore::connect(url).context("cannot open the PostgreSQL store (--database)")?;
    target.lock_for_server(&node.id)?;
    let copied = store::sqlite_to_postgres(&source, &target)?;
    eprintln!(
        "copied {} into PostgreSQL: jobs {}, output records {}, pipeline objects {}, scripts {}, app tokens {}, credentials {}, queued runs {}",
        file.display(),
        copied.jobs,
        copied.outputs,
        copied.pipeline,
        copied.scripts,
        copied.tokens,
        copied.credentials,
        copied.queued_runs
    );
    eprintln!(
        "serve with --database and this data folder: it holds the key that opens the credentials"
    );
    Ok(())
}
