//! A throw-away PostgreSQL 15 primary with streaming replicas, started by the test itself: an
//! `initdb` in a temporary directory, on free ports, trust authentication on 127.0.0.1 only;
//! each replica a `pg_basebackup -R` of it. Dropping the [`Cluster`] stops every server
//! (`pg_ctl stop -m immediate`) and removes the directory. The machine's own cluster is never
//! touched.

use std::io::Write as _;
use std::net::TcpListener;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Where Debian's PostgreSQL 15 keeps its server binaries.
const BIN: &str = "/usr/lib/postgresql/15/bin";

fn require_postgres() -> bool {
    std::env::var("ORM_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

/// One server of the cluster.
struct Node {
    data: PathBuf,
    port: u16,
    running: bool,
}

/// A primary (node 0) and its replicas (nodes 1…), stopped and removed on drop.
pub struct Cluster {
    dir: PathBuf,
    nodes: Vec<Node>,
    /// `initdb` and `postgres` refuse to run as root: as root, every server command runs as
    /// the `postgres` user.
    as_postgres: bool,
}

impl Cluster {
    /// Starts a primary and `replicas` streaming replicas of it. `None` (with a notice) when
    /// the PostgreSQL 15 binaries are missing, unless `ORM_REQUIRE_POSTGRES=1` makes that a
    /// failure.
    pub fn start(replicas: usize) -> Option<Cluster> {
        let missing: Vec<&str> =
            ["initdb", "pg_ctl", "pg_basebackup", "postgres"].into_iter().filter(|b| !bin(b).exists()).collect();
        if !missing.is_empty() {
            assert!(!require_postgres(), "ORM_REQUIRE_POSTGRES=1 but {BIN} lacks {missing:?}");
            eprintln!("notice: replica test skipped: {BIN} lacks {missing:?}");
            return None;
        }
        let as_postgres = std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false);
        let dir = temporary_directory(as_postgres);
        let mut cluster = Cluster { dir, nodes: Vec::new(), as_postgres };
        let ports = free_ports(replicas + 1);

        let primary = cluster.dir.join("primary");
        cluster.run("initdb", &["-D", path(&primary), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
        append(
            &primary.join("postgresql.conf"),
            &format!(
                "listen_addresses = '127.0.0.1'\nport = {}\nunix_socket_directories = '{}'\nfsync = off\n\
                 full_page_writes = off\nshared_buffers = 16MB\n",
                ports[0],
                cluster.dir.display()
            ),
        );
        cluster.nodes.push(Node { data: primary, port: ports[0], running: false });
        cluster.start_node(0);

        for (i, port) in ports.iter().enumerate().skip(1) {
            let data = cluster.dir.join(format!("replica{i}"));
            let primary_port = ports[0].to_string();
            cluster.run(
                "pg_basebackup",
                &["-h", "127.0.0.1", "-p", &primary_port, "-U", "postgres", "-D", path(&data), "-R", "-X", "stream"]
                    .into_iter()
                    .chain(["-c", "fast", "--no-sync"])
                    .collect::<Vec<_>>(),
            );
            // The copied configuration names the primary's port; a later line wins.
            append(&data.join("postgresql.conf"), &format!("port = {port}\n"));
            cluster.nodes.push(Node { data, port: *port, running: false });
            cluster.start_node(i);
        }
        Some(cluster)
    }

    /// The URL of node `i` (0: the primary, `n`: replica `n`).
    pub fn url(&self, i: usize) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.nodes[i].port)
    }

    /// The port of node `i`, as `inet_server_port()` reports it.
    pub fn port(&self, i: usize) -> i32 {
        i32::from(self.nodes[i].port)
    }

    /// Stops node `i` at once, as a crash would (`pg_ctl stop -m immediate`).
    pub fn stop(&mut self, i: usize) {
        let data = self.nodes[i].data.clone();
        self.run("pg_ctl", &["-D", path(&data), "-m", "immediate", "-w", "stop"]);
        self.nodes[i].running = false;
    }

    /// Waits until every running replica has replayed all the primary's WAL written so far.
    pub async fn catch_up(&self) {
        let primary = orm::postgres::ConnectOptions::new(self.url(0)).max_connections(1).connect().await.unwrap();
        let (lsn,): (String,) = orm::raw("SELECT pg_current_wal_lsn()::text").fetch(&primary).await.unwrap().remove(0);
        primary.close().await;
        for i in 1..self.nodes.len() {
            if !self.nodes[i].running {
                continue;
            }
            let replica = orm::postgres::ConnectOptions::new(self.url(i)).max_connections(1).connect().await.unwrap();
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                let (done,): (bool,) = orm::raw("SELECT pg_last_wal_replay_lsn() >= ?::pg_lsn")
                    .bind(lsn.clone())
                    .fetch(&replica)
                    .await
                    .unwrap()
                    .remove(0);
                if done {
                    break;
                }
                assert!(Instant::now() < deadline, "replica {i} did not replay up to {lsn} within 20 s");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            replica.close().await;
        }
    }

    fn start_node(&mut self, i: usize) {
        let data = self.nodes[i].data.clone();
        let log = self.dir.join(format!("node{i}.log"));
        self.run("pg_ctl", &["-D", path(&data), "-l", path(&log), "-w", "-t", "60", "start"]);
        self.nodes[i].running = true;
    }

    /// Runs a PostgreSQL binary (as `postgres` when we are root); panics with its output and
    /// the server logs when it fails.
    fn run(&self, program: &str, args: &[&str]) {
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(bin(program));
            command
        } else {
            Command::new(bin(program))
        };
        let output = command.args(args).current_dir(&self.dir).output().expect("runs a PostgreSQL binary");
        if !output.status.success() {
            let logs: String = (0..=self.nodes.len())
                .filter_map(|i| std::fs::read_to_string(self.dir.join(format!("node{i}.log"))).ok())
                .collect();
            panic!(
                "{program} {args:?} failed: {}\n{}\n{}\nlogs:\n{logs}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for i in (0..self.nodes.len()).rev() {
            if self.nodes[i].running {
                let data = self.nodes[i].data.clone();
                // Never panic in a drop: a failure here leaves a stray server to the log.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    self.run("pg_ctl", &["-D", path(&data), "-m", "immediate", "-w", "stop"])
                }));
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn bin(program: &str) -> PathBuf {
    Path::new(BIN).join(program)
}

fn path(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

fn append(file: &Path, text: &str) {
    let mut file = std::fs::OpenOptions::new().append(true).open(file).expect("opens a configuration file");
    file.write_all(text.as_bytes()).expect("appends to a configuration file");
}

/// A new directory under the system's temporary directory, owned by `postgres` when the
/// servers run as that user. Short, as a Unix socket path is limited to ~100 bytes.
fn temporary_directory(as_postgres: bool) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir =
        std::env::temp_dir().join(format!("orm-scale-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).expect("creates a temporary directory");
    if as_postgres {
        let status = Command::new("chown").args(["postgres:postgres", path(&dir)]).status().expect("runs chown");
        assert!(status.success(), "chown postgres {} failed", dir.display());
    }
    dir
}

/// `n` distinct ports free on 127.0.0.1 right now (held together while chosen, so distinct).
fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> =
        (0..n).map(|_| TcpListener::bind("127.0.0.1:0").expect("binds a free port")).collect();
    listeners.iter().map(|l| l.local_addr().expect("has an address").port()).collect()
}
