//! The thread-per-core runtime: one pinned thread per shard, each running a
//! monoio event loop (io_uring, or epoll where io_uring is unavailable) that
//! owns its [`Shard`] outright.

mod core;
mod ctx;
mod durable;
mod handle;
mod mesh;
mod ops;
#[cfg(test)]
mod tests;

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::clock::Clock;
use crate::error::Result;
use crate::eviction::PolicyKind;
use crate::mutation::MutationSink;
use crate::routing::{Router, ShardCountError};
use crate::shard::{Shard, ShardConfig};

pub use self::core::{yield_now, CoreLocal};
pub use self::ctx::{ShardCtx, Txn};
pub use self::durable::Durability;
pub use self::handle::{Handle, Pending};

use self::core::ShardCore;
use self::mesh::Inbox;

/// The I/O driver a shard's event loop runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoBackend {
    /// Linux io_uring.
    IoUring,
    /// epoll (through mio), used where io_uring is unavailable.
    Epoll,
}

impl IoBackend {
    /// `io_uring` or `epoll`.
    pub fn name(self) -> &'static str {
        match self {
            IoBackend::IoUring => "io_uring",
            IoBackend::Epoll => "epoll",
        }
    }
}

/// Which I/O driver to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IoPreference {
    /// io_uring when the kernel allows it, else epoll.
    #[default]
    Auto,
    /// Always epoll.
    Epoll,
}

/// How shard threads are pinned to cores.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Pinning {
    /// Shard `i` runs on the `i`-th available core (wrapping around).
    #[default]
    Auto,
    /// Shard `i` runs on core `cores[i % cores.len()]`.
    Cores(Vec<usize>),
    /// No pinning.
    Off,
}

/// Error starting an engine.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Invalid shard count.
    #[error(transparent)]
    ShardCount(#[from] ShardCountError),
    /// A shard thread or its event loop could not start.
    #[error("shard {shard} failed to start: {source}")]
    Start {
        /// Which shard.
        shard: usize,
        /// Why.
        source: std::io::Error,
    },
}

/// State shared by every shard thread and handle.
pub(crate) struct Shared {
    pub(crate) router: Router,
    pub(crate) inboxes: Vec<Inbox>,
    shutdown: AtomicBool,
    /// How long an idle loop keeps polling before it sleeps.
    pub(crate) spin: Duration,
}

impl Shared {
    #[inline]
    pub(crate) fn is_shutting_down(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }
}

/// Default polling time of an idle loop before it sleeps.
pub const DEFAULT_SPIN: Duration = Duration::from_micros(50);

type SinkFactory = Box<dyn Fn(usize) -> Option<Box<dyn MutationSink + Send>> + Send>;

/// Configures and starts an [`Engine`].
pub struct EngineBuilder {
    shards: usize,
    pinning: Pinning,
    io: IoPreference,
    config: ShardConfig,
    sinks: Option<SinkFactory>,
    thread_name: String,
    spin: Duration,
}

impl Default for EngineBuilder {
    fn default() -> Self {
        EngineBuilder {
            shards: std::thread::available_parallelism().map_or(1, |n| n.get()),
            pinning: Pinning::Auto,
            io: IoPreference::Auto,
            config: ShardConfig::default(),
            sinks: None,
            thread_name: "coreshard".into(),
            spin: DEFAULT_SPIN,
        }
    }
}

impl EngineBuilder {
    /// Number of shards (threads); defaults to the number of available cores.
    pub fn shards(mut self, n: usize) -> Self {
        self.shards = n;
        self
    }

    /// Pins shard `i` to `cores[i % cores.len()]`.
    pub fn pin_cores(mut self, cores: impl IntoIterator<Item = usize>) -> Self {
        let cores: Vec<usize> = cores.into_iter().collect();
        self.pinning = if cores.is_empty() { Pinning::Off } else { Pinning::Cores(cores) };
        self
    }

    /// Sets the pinning strategy.
    pub fn pinning(mut self, p: Pinning) -> Self {
        self.pinning = p;
        self
    }

    /// Chooses the I/O driver.
    pub fn io(mut self, io: IoPreference) -> Self {
        self.io = io;
        self
    }

    /// Number of logical databases (default 16).
    pub fn databases(mut self, n: usize) -> Self {
        self.config.databases = n;
        self
    }

    /// Total memory budget in bytes, split evenly between shards (0 = none).
    pub fn maxmemory(mut self, bytes: usize) -> Self {
        self.config.maxmemory = bytes;
        self
    }

    /// Eviction policy used when over budget.
    pub fn policy(mut self, p: PolicyKind) -> Self {
        self.config.policy = p;
        self
    }

    /// Time source (a manual clock makes TTL tests deterministic).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.config.clock = clock;
        self
    }

    /// Subscribes each shard's mutation stream at start: `f(shard)` returns
    /// the sink for that shard (or `None`).
    pub fn mutation_sinks(
        mut self,
        f: impl Fn(usize) -> Option<Box<dyn MutationSink + Send>> + Send + 'static,
    ) -> Self {
        self.sinks = Some(Box::new(f));
        self
    }

    /// How long a shard's loop keeps polling after its last message before
    /// it sleeps (default 50 µs). Polling catches the replies of hops and the
    /// next requests without a cross-core wake-up; zero sleeps at once.
    pub fn spin(mut self, d: Duration) -> Self {
        self.spin = d;
        self
    }

    /// Prefix of the shard threads' names.
    pub fn thread_name(mut self, name: impl Into<String>) -> Self {
        self.thread_name = name.into();
        self
    }

    /// Starts the shard threads and returns once every event loop runs.
    pub fn build(self) -> std::result::Result<Engine, BuildError> {
        let router = Router::new(self.shards)?;
        let n = router.shards();
        let shared = Arc::new(Shared {
            inboxes: (0..n).map(|_| Inbox::new(n)).collect(),
            router,
            shutdown: AtomicBool::new(false),
            spin: self.spin,
        });
        let cores = core_affinity::get_core_ids().unwrap_or_default();
        let mut threads = Vec::with_capacity(n);
        let mut backends = Vec::with_capacity(n);
        let (ready_tx, ready_rx) = mpsc::channel();
        for id in 0..n {
            let pin = match &self.pinning {
                Pinning::Off => None,
                Pinning::Auto if cores.is_empty() => None,
                Pinning::Auto => Some(cores[id % cores.len()]),
                Pinning::Cores(list) => Some(core_affinity::CoreId { id: list[id % list.len()] }),
            };
            let mut config = self.config.clone();
            if config.maxmemory > 0 {
                config.maxmemory = (config.maxmemory / n).max(1);
            }
            let sink = self.sinks.as_ref().and_then(|f| f(id));
            let thread_shared = shared.clone();
            let ready = ready_tx.clone();
            let io = self.io;
            let spawned = std::thread::Builder::new()
                .name(format!("{}-{id}", self.thread_name))
                .spawn(move || shard_thread(id, thread_shared, config, sink, pin, io, ready));
            match spawned {
                Ok(t) => threads.push(t),
                Err(source) => {
                    shutdown_threads(&shared, &mut threads);
                    return Err(BuildError::Start { shard: id, source });
                }
            }
        }
        drop(ready_tx);
        let mut started = vec![None; n];
        for _ in 0..n {
            match ready_rx.recv() {
                Ok((id, Ok(backend))) => started[id] = Some(backend),
                Ok((id, Err(source))) => {
                    shutdown_threads(&shared, &mut threads);
                    return Err(BuildError::Start { shard: id, source });
                }
                Err(_) => break,
            }
        }
        for (id, b) in started.into_iter().enumerate() {
            match b {
                Some(b) => backends.push(b),
                None => {
                    shutdown_threads(&shared, &mut threads);
                    return Err(BuildError::Start { shard: id, source: std::io::Error::other("thread exited") });
                }
            }
        }
        tracing::info!(shards = n, backend = backends[0].name(), "engine started");
        Ok(Engine { handle: Handle::new(shared), threads, backends })
    }
}

fn shutdown_threads(shared: &Shared, threads: &mut Vec<JoinHandle<()>>) {
    // SeqCst pairs with the loop's re-check after parking (core.rs).
    shared.shutdown.store(true, Ordering::SeqCst);
    for inbox in &shared.inboxes {
        inbox.notifier.notify();
    }
    for t in threads.drain(..) {
        let _ = t.join();
    }
}

/// io_uring set up for one thread per ring: completions are processed when
/// the loop next enters the kernel instead of interrupting it (an IPI and a
/// signal-style task-work run per completion otherwise), unless
/// `CORESHARD_URING_COOP=0` asks for the kernel default. Measured on the
/// server at pipeline 1: 9.2 → 7.1 µs of CPU per request.
fn uring_builder(coop: bool) -> io_uring::Builder {
    let mut b = io_uring::IoUring::builder();
    if coop && std::env::var_os("CORESHARD_URING_COOP").is_none_or(|v| v != "0") {
        b.setup_coop_taskrun();
        b.setup_taskrun_flag();
    }
    b
}

type Ready = mpsc::Sender<(usize, std::io::Result<IoBackend>)>;

fn shard_thread(
    id: usize,
    shared: Arc<Shared>,
    config: ShardConfig,
    sink: Option<Box<dyn MutationSink + Send>>,
    pin: Option<core_affinity::CoreId>,
    io: IoPreference,
    ready: Ready,
) {
    if let Some(core) = pin {
        if !core_affinity::set_for_current(core) {
            tracing::warn!(shard = id, core = core.id, "could not pin shard thread");
        }
    }
    mesh::set_current_shard(id);
    let mut shard = Shard::new(id, config);
    if let Some(sink) = sink {
        shard.subscribe(sink);
    }
    let core_state = move || ShardCore::new(id, shard, shared);
    let use_uring = io == IoPreference::Auto && monoio::utils::detect_uring();
    if use_uring {
        let built = monoio::RuntimeBuilder::<monoio::IoUringDriver>::new()
            .uring_builder(uring_builder(true))
            .enable_timer()
            .build()
            // Kernels before 5.19 lack cooperative task running.
            .or_else(|_| {
                monoio::RuntimeBuilder::<monoio::IoUringDriver>::new()
                    .uring_builder(uring_builder(false))
                    .enable_timer()
                    .build()
            });
        match built {
            Ok(mut rt) => {
                let _ = ready.send((id, Ok(IoBackend::IoUring)));
                rt.block_on(core_state().serve());
                return;
            }
            Err(e) => tracing::warn!(shard = id, error = %e, "io_uring unavailable, falling back to epoll"),
        }
    }
    match monoio::RuntimeBuilder::<monoio::LegacyDriver>::new().enable_timer().build() {
        Ok(mut rt) => {
            let _ = ready.send((id, Ok(IoBackend::Epoll)));
            rt.block_on(core_state().serve());
        }
        Err(e) => {
            let _ = ready.send((id, Err(e)));
        }
    }
}

/// A running engine: one pinned thread per shard. Dropping it (or calling
/// [`shutdown`](Engine::shutdown)) stops and joins every thread; work
/// already queued is finished first.
pub struct Engine {
    handle: Handle,
    threads: Vec<JoinHandle<()>>,
    backends: Vec<IoBackend>,
}

impl Engine {
    /// Configures a new engine.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// A handle usable from any thread.
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    /// Number of shards.
    pub fn shards(&self) -> usize {
        self.handle.shards()
    }

    /// The slot → shard table.
    pub fn router(&self) -> &Router {
        self.handle.router()
    }

    /// The I/O driver each shard's loop runs on.
    pub fn io_backends(&self) -> &[IoBackend] {
        &self.backends
    }

    /// Runs `f(ctx)` as a task on shard `shard`'s thread, where `ctx` gives
    /// direct, unsynchronised access to that shard.
    pub fn spawn_on<F, Fut, R>(&self, shard: usize, f: F) -> Pending<R>
    where
        F: FnOnce(ShardCtx) -> Fut + Send + 'static,
        Fut: Future<Output = Result<R>> + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_on(shard, f)
    }

    /// Runs `f(ctx)` on every shard at once and waits for all results, in
    /// shard order.
    pub fn run_on_all<F, Fut, R>(&self, f: F) -> Result<Vec<R>>
    where
        F: Fn(ShardCtx) -> Fut + Send + Clone + 'static,
        Fut: Future<Output = Result<R>> + 'static,
        R: Send + 'static,
    {
        let pending: Vec<_> = (0..self.shards()).map(|s| self.spawn_on(s, f.clone())).collect();
        pending.into_iter().map(Pending::wait).collect()
    }

    /// Stops accepting work, finishes what is queued, and joins the threads.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        shutdown_threads(&self.handle.shared, &mut self.threads);
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.stop();
    }
}
