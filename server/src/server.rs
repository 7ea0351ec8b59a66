//! Process-wide server state and start-up: the engine, the listeners on
//! every shard's core, and shutdown.

use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use arc_swap::ArcSwap;
use coreshard_engine::runtime::{IoPreference, Pinning};
use coreshard_engine::{Engine, Handle, IoBackend, ShardCtx};

use coreshard_persistence::log::LogStatus;

use crate::config::Config;
use crate::core_state::CoreState;
use crate::listener;
use crate::slowlog::SlowLog;

/// What a listening port presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortKind {
    /// The main port, accepted on by every core.
    Main,
    /// Shard `i`'s own port.
    Shard(usize),
}

/// The process's one shutdown signal: set once, by a signal, SHUTDOWN or
/// [`Server::shutdown`]; every core's listeners and connections check it,
/// and [`Server::wait`] blocks on it.
#[derive(Default)]
struct Shutdown {
    requested: AtomicBool,
    wait: (Mutex<bool>, Condvar),
}

/// State shared by every core and connection.
pub struct ServerState {
    /// The settings: one immutable snapshot, replaced as a whole by
    /// `CONFIG SET` ([`update_settings`](Self::update_settings)). Reading it
    /// is a few atomic operations, cheap enough for every request.
    settings: ArcSwap<Config>,
    /// The engine.
    pub handle: Handle,
    /// I/O driver of each shard's loop.
    pub backends: Vec<IoBackend>,
    /// Start time.
    pub started: Instant,
    /// Start time, Unix seconds.
    pub started_unix: u64,
    /// 40 hex characters, new at every start (INFO `run_id`).
    pub run_id: String,
    /// Per-shard node ids for cluster emulation (40 hex characters).
    pub node_ids: Vec<String>,
    /// Connected clients.
    pub clients: AtomicUsize,
    /// Client ids.
    next_client_id: AtomicU64,
    /// Connections accepted since start.
    pub total_connections: AtomicU64,
    /// Connections refused by `maxclients`.
    pub rejected_connections: AtomicU64,
    shutdown: Shutdown,
    /// Commands slower than `slowlog-log-slower-than`.
    pub slowlog: SlowLog,
    /// Applies a new `loglevel` to the process's logger (installed by the
    /// binary, which owns the logger).
    log_reloader: Mutex<Option<LogReloader>>,
    /// The shards' logs, when `appendonly` is on.
    pub log: Option<Arc<LogStatus>>,
    /// Snapshots and log rewrites.
    pub snapshots: crate::persist::Snapshots,
}

/// Applies a log level name (`debug`, `verbose`, `notice`, `warning`,
/// `nothing`) to the process's logger.
pub type LogReloader = Box<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

impl ServerState {
    /// A fresh client id.
    pub fn next_client_id(&self) -> u64 {
        self.next_client_id.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Whether shutdown has begun.
    #[inline]
    pub fn is_shutting_down(&self) -> bool {
        self.shutdown.requested.load(Ordering::Acquire)
    }

    /// Starts shutdown: listeners stop accepting, idle connections close,
    /// and [`Server::wait`] returns.
    pub fn request_shutdown(&self) {
        if self.shutdown.requested.swap(true, Ordering::AcqRel) {
            return;
        }
        let (lock, cv) = &self.shutdown.wait;
        if let Ok(mut done) = lock.lock() {
            *done = true;
            cv.notify_all();
        }
    }

    /// The current settings (a snapshot: later changes do not show in it).
    #[inline]
    pub fn settings(&self) -> arc_swap::Guard<Arc<Config>> {
        self.settings.load()
    }

    /// Replaces the settings with `change` applied to a copy of them.
    pub fn update_settings(&self, change: impl Fn(&mut Config)) {
        self.settings.rcu(|old| {
            let mut new = Config::clone(old);
            change(&mut new);
            new
        });
    }

    /// Number of shards.
    pub fn shards(&self) -> usize {
        self.handle.shards()
    }

    /// Installs what `CONFIG SET loglevel` calls to change the logger.
    pub fn set_log_reloader(&self, f: LogReloader) {
        if let Ok(mut r) = self.log_reloader.lock() {
            *r = Some(f);
        }
    }

    /// Applies `level` to the logger, when one is installed.
    pub fn reload_log_level(&self, level: &str) -> Result<(), String> {
        match self.log_reloader.lock() {
            Ok(r) => r.as_ref().map_or(Ok(()), |f| f(level)),
            Err(_) => Err("logger unavailable".into()),
        }
    }
}

/// A running server.
pub struct Server {
    engine: Option<Engine>,
    state: Arc<ServerState>,
    addrs: Vec<SocketAddr>,
}

fn random_hex40() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..40).map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0')).collect()
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The engine did not start.
    #[error(transparent)]
    Engine(#[from] coreshard_engine::runtime::BuildError),
    /// The data directory could not be read back or written.
    #[error("{0}")]
    Persistence(String),
    /// A port could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

impl Server {
    /// Starts the engine and binds every listener; returns once all of them
    /// accept connections.
    pub fn start(config: Config) -> Result<Server, StartError> {
        let pinning = match &config.pin_cores {
            None => Pinning::Auto,
            Some(v) if v.is_empty() => Pinning::Off,
            Some(v) => Pinning::Cores(v.clone()),
        };
        let main_addr = SocketAddr::new(config.bind, config.port);
        listener::probe_port(main_addr).map_err(|source| StartError::Bind { addr: main_addr, source })?;
        let engine = Engine::builder()
            .shards(config.shards)
            .pinning(pinning)
            .io(IoPreference::Auto)
            .databases(config.databases)
            .maxmemory(config.maxmemory as usize)
            .policy(config.maxmemory_policy)
            .thread_name("coreshard-shard")
            .build()?;
        let shards = engine.shards();
        // The data first: no client sees the keyspace before it is whole.
        let log = if config.appendonly {
            Some(crate::persist::open_logs(&engine, &config).map_err(StartError::Persistence)?)
        } else {
            None
        };
        let started_unix = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let state = Arc::new(ServerState {
            settings: ArcSwap::from_pointee(config.clone()),
            handle: engine.handle(),
            backends: engine.io_backends().to_vec(),
            started: Instant::now(),
            started_unix,
            run_id: random_hex40(),
            node_ids: (0..shards).map(|_| random_hex40()).collect(),
            clients: AtomicUsize::new(0),
            next_client_id: AtomicU64::new(0),
            total_connections: AtomicU64::new(0),
            rejected_connections: AtomicU64::new(0),
            shutdown: Shutdown::default(),
            slowlog: SlowLog::new(config.slowlog_log_slower_than, config.slowlog_max_len),
            log_reloader: Mutex::new(None),
            log,
            snapshots: crate::persist::Snapshots::new(shards, started_unix),
        });
        // Each core's state, then its listeners, on the shard's own thread:
        // the listener's io_uring belongs to that core's loop.
        let mut bound = Vec::new();
        for shard in 0..shards {
            let st = state.clone();
            let res = engine
                .spawn_on(shard, move |ctx: ShardCtx| async move {
                    let core = Rc::new(CoreState::new(ctx.id()));
                    CoreState::install(&ctx, core.clone()).await;
                    crate::persist::start_shard_tasks(&ctx, st.clone());
                    Ok(listener::bind_and_serve(ctx, core, st))
                })
                .wait();
            match res {
                Ok(Ok(addrs)) => bound.extend(addrs),
                Ok(Err((addr, source))) => {
                    state.request_shutdown();
                    return Err(StartError::Bind { addr, source });
                }
                Err(e) => {
                    state.request_shutdown();
                    return Err(StartError::Bind {
                        addr: SocketAddr::new(config.bind, config.port),
                        source: std::io::Error::other(e.to_string()),
                    });
                }
            }
        }
        let pin = match &config.pin_cores {
            None => "auto".to_string(),
            Some(v) if v.is_empty() => "off".to_string(),
            Some(v) => v.iter().map(ToString::to_string).collect::<Vec<_>>().join(","),
        };
        let shard_ports = if config.shard_ports {
            format!("{}-{}", config.shard_port_base, config.shard_port_base as usize + shards - 1)
        } else {
            "off".to_string()
        };
        tracing::info!(
            version = env!("CARGO_PKG_VERSION"),
            shards,
            bind = %config.bind,
            port = config.port,
            shard_ports = %shard_ports,
            io = state.backends.first().map_or("none", |b| b.name()),
            pinning = %pin,
            "coreshard-server started"
        );
        if state.backends.contains(&IoBackend::Epoll) {
            tracing::warn!("io_uring is unavailable here; shards run on epoll");
        }
        tracing::info!("ready to accept connections");
        Ok(Server { engine: Some(engine), state, addrs: bound })
    }

    /// Shared state.
    pub fn state(&self) -> &Arc<ServerState> {
        &self.state
    }

    /// Every bound address (main port once per core, then shard ports).
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// Blocks until shutdown is requested (signal or SHUTDOWN).
    pub fn wait(&self) {
        let (lock, cv) = &self.state.shutdown.wait;
        let Ok(mut done) = lock.lock() else { return };
        while !*done {
            done = match cv.wait(done) {
                Ok(d) => d,
                Err(_) => return,
            };
        }
    }

    /// Stops accepting, lets connections finish what they are doing, and
    /// stops the engine.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.state.request_shutdown();
        let Some(engine) = self.engine.take() else { return };
        for shard in 0..engine.shards() {
            let started = engine.spawn_on(shard, |ctx| async move {
                if let Some(core) = ctx.local::<CoreState>() {
                    core.begin_shutdown();
                }
                Ok(())
            });
            if let Err(e) = started.wait() {
                tracing::warn!(shard, error = %e, "shard did not take the shutdown signal");
            }
        }
        // Connections close once their in-flight work is written.
        let deadline = Instant::now() + std::time::Duration::from_secs(10);
        while self.state.clients.load(Ordering::Acquire) > 0 && Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        engine.shutdown();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
