//! A throwaway redis-server for differential tests: started on a unix socket
//! in a fresh temporary directory (no TCP port, nothing persisted) and killed
//! when dropped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) struct TestRedis {
    child: Child,
    dir: PathBuf,
    pub(crate) socket: PathBuf,
}

impl TestRedis {
    /// Starts redis-server; panics with a clear message if it cannot (the
    /// test command installs it: `scripts/test.sh`).
    pub(crate) fn start() -> TestRedis {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!("coreshard-redis-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create temp dir for redis-server");
        let socket = dir.join("redis.sock");
        let child = Command::new("redis-server")
            .args(["--port", "0", "--save", "", "--appendonly", "no", "--unixsocket"])
            .arg(&socket)
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be installed to run differential tests (scripts/test.sh installs it)");
        let mut redis = TestRedis { child, dir, socket };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::os::unix::net::UnixStream::connect(&redis.socket).is_err() {
            if let Ok(Some(status)) = redis.child.try_wait() {
                panic!("redis-server exited at start: {status}");
            }
            assert!(Instant::now() < deadline, "redis-server did not open its socket within 10 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        redis
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
