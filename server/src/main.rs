//! The `coreshard-server` binary.

use clap::Parser;
use coreshard_server::config::log_directive;
use coreshard_server::{Cli, Config, Server};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{reload, EnvFilter};

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::load(cli).map_err(anyhow::Error::msg)?;
    let filter =
        EnvFilter::try_from_env("CORESHARD_LOG").unwrap_or_else(|_| EnvFilter::new(log_directive(&config.loglevel)));
    // Behind a reload layer so that CONFIG SET loglevel takes effect.
    let (filter, filter_handle) = reload::Layer::new(filter);
    tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
                .with_writer(std::io::stderr),
        )
        .init();

    // A write past the file size limit (RLIMIT_FSIZE) then fails with
    // EFBIG, which the log reports and retries like a full disk, instead
    // of the signal killing the process.
    signal_hook::flag::register(signal_hook::consts::SIGXFSZ, std::sync::Arc::default())?;
    let server = Server::start(config).map_err(|e| {
        tracing::error!(error = %e, "cannot start");
        e
    })?;
    let state = server.state().clone();
    state.set_log_reloader(Box::new(move |level| {
        filter_handle.reload(EnvFilter::new(log_directive(level))).map_err(|e| e.to_string())
    }));
    let mut signals = signal_hook::iterator::Signals::new([signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM])?;
    std::thread::Builder::new().name("signals".into()).spawn(move || {
        if let Some(sig) = signals.forever().next() {
            tracing::info!(signal = sig, "received signal, shutting down");
            state.request_shutdown();
        }
    })?;
    server.wait();
    tracing::info!("shutting down: no new connections, finishing in-flight requests");
    server.shutdown();
    tracing::info!("bye");
    Ok(())
}
