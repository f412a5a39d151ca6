//! Starting the server: open the store, repair after a crash, ensure an admin token, serve
//! until a shutdown signal, then stop jobs cleanly.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use tokio_util::sync::CancellationToken;

use crate::api::{self, AppState};
use crate::auth::{self, Role};
use crate::config::{Settings, TlsFiles};
use crate::engine::{self, Engine};
use crate::ipc;
use crate::metrics::Metrics;
use crate::node::{self, Node};
use crate::private_file;
use crate::rate_limit::FailureLimiter;
use crate::repository::Repository;
use crate::secrets::SecretBox;
use crate::settings_watch::{self, ReadSettings};
use crate::store::{PostgresStore, SqliteStore, Store};

/// How long a shutdown lets open connections finish. Long polls end at once, so this only bounds
/// a client that stalls: an HTTP/2 peer must answer the server's closing PING before its
/// connection ends, and a client that is hung (or hostile) never does.
const DRAIN: Duration = Duration::from_secs(5);

/// Where the first start writes the Administrator token.
pub fn admin_token_file(settings: &Settings) -> PathBuf {
    settings.data_dir.join("admin.token")
}

/// PostgreSQL when `--database` names one, else SQLite in the data folder. The folder is
/// made either way: it holds the key file and the first admin token.
pub fn open_store(settings: &Settings) -> anyhow::Result<Arc<dyn Store>> {
    std::fs::create_dir_all(&settings.data_dir).with_context(|| {
        format!(
            "cannot create the data folder {}",
            settings.data_dir.display()
        )
    })?;
    Ok(match &settings.database {
        Some(url) => Arc::new(
            PostgresStore::connect(url).context("cannot open the PostgreSQL store (--database)")?,
        ),
        None => Arc::new(SqliteStore::open(&settings.data_dir)?),
    })
}

/// Serves until Ctrl+C or SIGTERM; `config_file` is watched and `read_settings` reads the
/// settings again when it changes.
pub async fn run(
    settings: Settings,
    config_file: PathBuf,
    read_settings: ReadSettings,
) -> anyhow::Result<()> {
    // First, so a bad certificate stops the start before the store or any job is touched.
    let tls = match &settings.tls {
        Some(files) => Some(load_tls(files).await?),
        None => None,
    };
    let settings = Arc::new(settings);
    let store = open_store(&settings)?;
    let node = Node::of(&settings.data_dir, settings.listen)?;
    store.lock_for_server(&node.id)?;
    let secrets = Arc::new(SecretBox::open_or_create(&settings.data_dir)?);
    node::check_key(store.as_ref(), &secrets, &settings.data_dir)?;
    let recovered = engine::recover(store.as_ref(), &node)?;
    if recovered.repaired > 0 {
        tracing::warn!(
            count = recovered.repaired,
            "marked jobs left unfinished by the previous run"
        );
    }
    if store.token_count()? == 0 {
        let (_, token) = auth::issue(store.as_ref(), "admin", Role::Administrator)?;
        let file = admin_token_file(&settings);
        private_file::write(&file, token.as_bytes())?;
        tracing::info!(file = %file.display(), "created the Administrator app token");
    }
    let repo = Repository::open(&settings.repository)?;
    let metrics = Arc::new(Metrics::default());
    let engine = Engine::new(store, settings.clone(), metrics, secrets.clone(), node);
    let groomer = engine::spawn_groomer(engine.clone());
    settings_watch::spawn(engine.clone(), config_file, read_settings);
    let state = AppState {
        engine: engine.clone(),
        repo,
        secrets,
        limiter: Arc::new(FailureLimiter::new(10, Duration::from_secs(60))),
    };
    tokio::spawn(warm_parameter_cache(state.clone()));
    let listener = tokio::net::TcpListener::bind(settings.listen).await?;
    tracing::info!(
        address = %listener.local_addr()?,
        scheme = if tls.is_some() { "https" } else { "http" },
        repository = %settings.repository.display(),
        data = %settings.data_dir.display(),
        pwsh = %settings.pwsh.display(),
        "psujobs listening"
    );
    let router = api::router(state);
    let channel = Arc::new(ipc::Channel::start(router.clone(), &engine)?);
    engine.attach_channel(channel.clone());
    if recovered.queued > 0 {
        tracing::info!(
            count = recovered.queued,
            "the jobs accepted before the restart are still queued"
        );
    }
    engine.dispatch();
    let ticker = engine.spawn_ticker();
    let app = router.into_make_service_with_connect_info::<SocketAddr>();
    let stop = CancellationToken::new();
    tokio::spawn({
        let (stop, engine) = (stop.clone(), engine.clone());
        async move {
            shutdown_signal().await;
            // Long polls end now instead of holding the shutdown for their whole wait.
            engine.begin_shutdown();
            stop.cancel();
        }
    });
    let serving = async {
        match tls {
            None => {
                axum::serve(listener, app)
                    .with_graceful_shutdown(stop.clone().cancelled_owned())
                    .await?;
            }
            Some(config) => {
                let handle = axum_server::Handle::<SocketAddr>::new();
                tokio::spawn({
                    let (stop, handle) = (stop.clone(), handle.clone());
                    async move {
                        stop.cancelled().await;
                        // The deadline is DRAIN's, below, for both listeners alike.
                        handle.graceful_shutdown(None);
                    }
                });
                axum_server::Server::<SocketAddr>::from_listener(listener)
                    .acceptor(RustlsAcceptor::new(config))
                    .handle(handle)
                    .serve(app)
                    .await?;
            }
        }
        anyhow::Ok(())
    };
    tokio::select! {
        served = serving => served?,
        () = async { stop.cancelled().await; tokio::time::sleep(DRAIN).await } => {
            tracing::warn!(seconds = DRAIN.as_secs(), "connections still open after the drain time; closing them");
        }
    }
    tracing::info!("shutting down: stopping running jobs");
    groomer.abort();
    ticker.abort();
    engine.shutdown().await;
    channel.close_listener();
    Ok(())
}

/// Reads and checks the certificate and key, naming the file at fault.
async fn load_tls(files: &TlsFiles) -> anyhow::Result<RustlsConfig> {
    let read = |what: &str, path: &PathBuf| {
        std::fs::read(path)
            .with_context(|| format!("cannot read the TLS {what} {}", path.display()))
    };
    let cert = read("certificate", &files.cert)?;
    let key = read("private key", &files.key)?;
    RustlsConfig::from_pem(cert, key).await.with_context(|| {
        format!(
            "the TLS certificate {} and private key {} are not a usable PEM pair",
            files.cert.display(),
            files.key.display()
        )
    })
}

/// Reads the parameters of every changed script once at start, so the first run of a script
/// does not wait for PowerShell's parser.
async fn warm_parameter_cache(state: AppState) {
    let scripts: Vec<_> = match state.repo.list() {
        Ok(paths) => paths
            .into_iter()
            .filter_map(|p| {
                let file = state.repo.resolve(&p).ok()?;
                Some((state.engine.store.script_id(&p).ok()?, file))
            })
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e, "cannot list the script repository");
            return;
        }
    };
    let store = state.engine.store.as_ref();
    let pwsh = state.engine.settings().pwsh.clone();
    if let Err(e) = state.engine.parameters.read(&pwsh, store, &scripts).await {
        tracing::warn!(error = %e, "cannot read script parameters at start");
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}
