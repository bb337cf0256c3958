//! A PgBouncer in transaction-pooling mode, started once per test process in front of the
//! server of `ORM_TEST_POSTGRES_URL` when `ORM_TEST_PGBOUNCER=1`, and stopped when the process
//! ends, however it ends: it runs under a shell that kills it (and removes its directory) once
//! its standard input, a pipe only this process holds, closes.
//!
//! Without `ORM_TEST_PGBOUNCER=1` its tests are skipped with a notice; `ORM_REQUIRE_PGBOUNCER=1`
//! makes a skip, a missing `pgbouncer` binary or a pooler that does not start a failure.
//! `ORM_TEST_PGBOUNCER=associations` runs the `on_all!` bodies of the association files only
//! ([`ASSOCIATION_FILES`]; CI's choice, to keep its time) and every test of `pooler.rs`.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Whether a pooler test that cannot run fails instead of being skipped.
pub fn required() -> bool {
    std::env::var("ORM_REQUIRE_PGBOUNCER").is_ok_and(|v| v == "1")
}

fn enabled() -> bool {
    std::env::var("ORM_TEST_PGBOUNCER").is_ok_and(|v| v == "1" || v == "associations")
}

/// The test files whose `on_all!` bodies run through the pooler with
/// `ORM_TEST_PGBOUNCER=associations`.
pub const ASSOCIATION_FILES: [&str; 5] =
    ["associations", "includes", "many_to_many", "nested_create", "association_edges"];

/// Whether the `on_all!` body of the test module `test` (a `module_path!()`) runs through the
/// pooler: every body with `ORM_TEST_PGBOUNCER=1`, those of [`ASSOCIATION_FILES`] with
/// `associations` (the others print a notice).
pub fn selected(test: &str) -> bool {
    if std::env::var("ORM_TEST_PGBOUNCER").as_deref() != Ok("associations") {
        return true;
    }
    let file = test.split("::").nth(1).unwrap_or_default();
    let chosen = ASSOCIATION_FILES.contains(&file);
    if !chosen {
        eprintln!("notice: pgbouncer run of {test} skipped: ORM_TEST_PGBOUNCER=associations");
    }
    chosen
}

/// The running pooler. Kept in a static, so never dropped: the process's exit closes
/// `_stdin`, and that stops it.
struct Pooler {
    port: u16,
    user: String,
    database: String,
    _shell: Child,
    _stdin: ChildStdin,
}

/// The pieces of a `postgres://user[:password]@host[:port]/database[?…]` URL.
pub struct Server {
    pub user: String,
    pub host: String,
    pub port: u16,
    pub database: String,
}

/// Reads the server a test URL names.
pub fn server(url: &str) -> Option<Server> {
    let rest = url.split_once("://")?.1;
    let rest = rest.split('?').next()?;
    let (authority, database) = rest.split_once('/')?;
    let (credentials, address) = authority.rsplit_once('@')?;
    let user = credentials.split(':').next()?.to_owned();
    let (host, port) = match address.rsplit_once(':') {
        Some((host, port)) => (host.to_owned(), port.parse().ok()?),
        None => (address.to_owned(), 5432),
    };
    Some(Server { user, host, port, database: database.to_owned() })
}

/// The URL of the pooler for the test database, or `None` (after a notice) when pooler tests
/// are not enabled. Panics when they are required, or enabled, but the pooler cannot run.
pub fn url() -> Option<String> {
    database_url(None)
}

/// The URL of one of the pooler's databases: `None` for the test database, or an alias such
/// as [`ONE_SERVER_CONNECTION`].
pub fn database_url(alias: Option<&str>) -> Option<String> {
    if !enabled() {
        assert!(!required(), "ORM_REQUIRE_PGBOUNCER=1 but ORM_TEST_PGBOUNCER is not 1");
        eprintln!("notice: pgbouncer test skipped: set ORM_TEST_PGBOUNCER=1 to run it");
        return None;
    }
    static POOLER: OnceLock<Result<Pooler, String>> = OnceLock::new();
    match POOLER.get_or_init(start) {
        Ok(pooler) => {
            let database = alias.unwrap_or(&pooler.database);
            Some(format!("postgres://{}@127.0.0.1:{}/{}", pooler.user, pooler.port, database))
        }
        Err(error) => panic!("ORM_TEST_PGBOUNCER=1 but PgBouncer cannot run: {error}"),
    }
}

/// An alias of the test database with a pool of exactly one server connection, where what one
/// client leaves on the server connection meets the next client for certain.
pub const ONE_SERVER_CONNECTION: &str = "orm_one_server_connection";

/// Another alias like [`ONE_SERVER_CONNECTION`], for a test that leaves named statements on
/// its server connection while it runs.
pub const SECOND_ONE_SERVER_CONNECTION: &str = "orm_second_one_server_connection";

fn start() -> Result<Pooler, String> {
    let url = std::env::var("ORM_TEST_POSTGRES_URL").map_err(|_| "ORM_TEST_POSTGRES_URL is not set".to_owned())?;
    let server = server(&url).ok_or_else(|| format!("cannot read the server of {url}"))?;
    let binary = ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer"]
        .into_iter()
        .find(|path| std::path::Path::new(path).exists())
        .ok_or("no pgbouncer binary (Debian: apt-get install pgbouncer)")?;
    let port = free_port()?;
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!("orm-pgbouncer-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    // PgBouncer refuses to run as root: as root, it runs as `postgres`, which then owns the
    // directory (to write the log, and to remove it in a sticky `/tmp`).
    let as_root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if as_root {
        let owned = Command::new("chown").arg("postgres:").arg(&dir).status().map_err(|e| e.to_string())?;
        if !owned.success() {
            return Err(format!("chown postgres: {} failed", dir.display()));
        }
    }
    let users = dir.join("userlist.txt");
    std::fs::write(&users, format!("\"{}\" \"\"\n", server.user)).map_err(|e| e.to_string())?;
    let config = dir.join("pgbouncer.ini");
    // Few server connections, so that clients share them; the reserve pool only keeps tests
    // that each hold several transactions open from waiting on one another for long.
    let ini = format!(
        "[databases]\n\
         {ONE_SERVER_CONNECTION} = host={host} port={server_port} dbname={database} pool_size=1\n\
         {SECOND_ONE_SERVER_CONNECTION} = host={host} port={server_port} dbname={database} pool_size=1\n\
         * = host={host} port={server_port}\n\
         [pgbouncer]\n\
         listen_addr = 127.0.0.1\n\
         listen_port = {port}\n\
         unix_socket_dir =\n\
         auth_type = trust\n\
         auth_file = {users}\n\
         pool_mode = transaction\n\
         default_pool_size = 4\n\
         reserve_pool_size = 4\n\
         reserve_pool_timeout = 2\n\
         max_client_conn = 1000\n\
         logfile = {log}\n",
        host = server.host,
        server_port = server.port,
        database = server.database,
        users = users.display(),
        log = dir.join("pgbouncer.log").display(),
    );
    std::fs::write(&config, ini).map_err(|e| e.to_string())?;
    let script = "\"$1\" \"$2\" & pid=$!; cat >/dev/null; kill \"$pid\"; wait \"$pid\"; rm -rf \"$3\"";
    let mut command = if as_root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--", "sh", "-c", script, "sh"]);
        command
    } else {
        let mut command = Command::new("sh");
        command.args(["-c", script, "sh"]);
        command
    };
    let mut shell = command
        .arg(binary)
        .arg(&config)
        .arg(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("starting {binary}: {e}"))?;
    let stdin = shell.stdin.take().ok_or("no stdin pipe")?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline || shell.try_wait().map_err(|e| e.to_string())?.is_some() {
            let log = std::fs::read_to_string(dir.join("pgbouncer.log")).unwrap_or_default();
            return Err(format!("PgBouncer did not listen on port {port} within 10 s; its log:\n{log}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(Pooler { port, user: server.user, database: server.database, _shell: shell, _stdin: stdin })
}

/// A port nothing listens on now.
fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}
