//! The `cmdb` server as a library, so tests and the benchmark start the real thing in-process.

use cmdb_api::{AppState, Apps};
use cmdb_core::Core;
use cmdb_store::{Store, StoreOptions};
use std::collections::HashMap;
use std::net::SocketAddr;
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub database_url: String,
    pub sqlite_full_sync: bool,
}

#[derive(Clone)]
pub struct ServeConfig {
    pub listen: String,
    pub apps: HashMap<String, String>,
    pub body_limit: usize,
    pub store: StoreConfig,
    /// How long change events are kept for resource_watch.
    pub event_retention: std::time::Duration,
}

/// Connects and migrates.
pub async fn open(cfg: &StoreConfig) -> Result<Core, String> {
    let opts = StoreOptions { sqlite_full_sync: cfg.sqlite_full_sync, ..StoreOptions::default() };
    let store = Store::connect(&cfg.database_url, &opts).await.map_err(|e| e.to_string())?;
    Core::open(store).await.map_err(|e| e.to_string())
}

pub async fn migrate(cfg: &StoreConfig) -> Result<(), String> {
    open(cfg).await?;
    tracing::info!(database = %redact(&cfg.database_url), "migrations applied");
    Ok(())
}

/// Hides a password in a database URL for logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Binds, then serves until SIGINT/SIGTERM, draining in-flight requests.
pub async fn serve(cfg: ServeConfig) -> Result<(), String> {
    let addr: SocketAddr = cfg.listen.parse().map_err(|e| format!("bad listen address {}: {e}", cfg.listen))?;
    if cfg.apps.is_empty() {
        if !addr.ip().is_loopback() {
            return Err(format!("refusing to listen on {addr} without configured apps (--app CODE:SECRET)"));
        }
        tracing::warn!(
            "NO APPS CONFIGURED: accepting ANY bk_app_code/bk_app_secret because the server listens on loopback only"
        );
    }
    let listener = TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let running = start(listener, cfg).await?;
    shutdown_signal().await;
    tracing::info!("shutting down: draining in-flight requests");
    running.stop().await;
    Ok(())
}

/// A server running in the background (used by `serve`, tests and the benchmark).
pub struct Running {
    pub addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

pub async fn start(listener: TcpListener, cfg: ServeConfig) -> Result<Running, String> {
    let mut core = open(&cfg.store).await?;
    core.event_retention = cfg.event_retention;
    core.start_event_retention();
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let state = AppState::new(core, Apps(cfg.apps.clone()), cfg.body_limit);
    let app = cmdb_api::router(state);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tracing::info!(%addr, database = %redact(&cfg.store.database_url), "cmdb listening");
    let task = tokio::spawn(async move {
        let shutdown = async {
            let _ = rx.await;
        };
        if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
            tracing::error!("server error: {e}");
        }
    });
    Ok(Running { addr, stop: tx, task })
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
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
