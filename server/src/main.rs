//! The `coreshard-server` binary.

use clap::Parser;
use coreshard_server::{Cli, Config, Server};
use tracing_subscriber::EnvFilter;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::load(cli).map_err(anyhow::Error::msg)?;
    let level = match config.loglevel.as_str() {
        "debug" => "debug",
        "verbose" => "debug",
        "warning" => "warn",
        "nothing" => "off",
        _ => "info",
    };
    let filter = EnvFilter::try_from_env("CORESHARD_LOG").unwrap_or_else(|_| EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();

    let server = Server::start(config)?;
    let state = server.state().clone();
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
