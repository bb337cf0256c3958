//! `orm-bench`: the `orm` crate against hand-written sqlx, on the same data in the same process.
//!
//! ```text
//! cargo run -p orm-bench --release -- [--backend sqlite|postgres|mariadb] [--scale F] [--smoke] [--out FILE]
//! ```
//!
//! `--only W2,W6` runs some workloads only (for profiling one of them).
//!
//! `--pgbouncer-url URL` connects the ORM's PostgreSQL side through a transaction-pooling
//! PgBouncer at `URL` (in front of the same server and database) with
//! `ConnectOptions::transaction_pooling()`. The hand-written sqlx side, the data loading and the
//! resets between runs stay on the direct connection (sqlx's named prepared statements would not
//! survive the pooler), so its ratios are the ORM behind the pooler against hand-written sqlx
//! without it: the pooler's hop and the transaction around each statement are in them.
//!
//! The three backends run unless `--backend` picks one (SQLite first, then PostgreSQL, then
//! MariaDB). Each workload runs the ORM's idiomatic code and the hand-written sqlx a careful
//! person would write: one warm-up run, then 5 measured runs (1 with `--smoke`, which also sets
//! the scale to 0.01), ORM and sqlx interleaved (alternating which goes first) so that drift
//! affects both. Every run's checksum must equal the others', or the bench stops with an error.
//! It prints the median wall time, the bytes allocated in the measured section (a counting
//! global allocator) and the ratios, and appends one JSON object per workload and backend to `--out`
//! (`target/orm-bench.jsonl` by default).
//!
//! - **PostgreSQL**: `ORM_BENCH_POSTGRES_URL`, else `ORM_TEST_POSTGRES_URL`, else
//!   `postgres://postgres@127.0.0.1:5432/test`. The run creates the schema `orm_bench_<pid>`
//!   and drops it (`CASCADE`) at the end. The sqlx pool sets `plan_cache_mode =
//!   force_custom_plan` on its connections, as the ORM does on its own, so that both sides'
//!   prepared `= ANY($1)` statements are planned alike (a generic plan is much slower).
//! - **MariaDB** (10.5 or later): `ORM_BENCH_MARIADB_URL`, else `ORM_TEST_MARIADB_URL`, else
//!   `mysql://root@127.0.0.1:3306/test`. The run creates the database `orm_bench_<pid>` (on the
//!   server of that URL) and drops it at the end. The sqlx pool sets `READ COMMITTED` and
//!   strict mode (`STRICT_ALL_TABLES`) on its connections, as the ORM does on its own. MariaDB
//!   has no array binds: the hand-written side sends keys as chunked `IN (?, …)` lists under
//!   the protocol's 65,535 binds, and bulk inserts as multi-row `VALUES … RETURNING id`.
//! - **SQLite**: a temporary database file (not in memory), opened by the ORM and by a sqlx
//!   pool with foreign keys on, both with sqlx's defaults otherwise (rollback journal,
//!   `synchronous = FULL`), and removed at the end.
//!
//! **Instruction counts** (`--instructions`): wall time on a shared machine moves with the
//! neighbours' load; the number of instructions a section executes barely does, so its ratio
//! compares between runs. With `--instructions` the bench re-executes itself under
//! `valgrind --tool=callgrind` (Valgrind must be installed; x86_64 only), which zeroes the
//! counters when a measured section starts and dumps them when it stops; the table gains the
//! `instr ratio` column and the JSON lines `orm_instructions`, `sqlx_instructions` and
//! `instr_ratio` (`null` without the flag). The counts cover every thread of the bench (sqlx's
//! SQLite worker thread too) and nothing outside it: a PostgreSQL or MariaDB server's work is
//! another process's, left out for both sides alike. Under callgrind everything runs some 50×
//! slower (wall times then mean little), so pick a small scale or a few workloads:
//!
//! ```text
//! cargo run -p orm-bench --release -- --instructions --smoke
//! cargo run -p orm-bench --release -- --instructions --backend sqlite --scale 0.1 --only W1,W2
//! ```
//!
//! **Peak RSS** (W8): before each side's section the bench hands its free heap pages back to
//! the kernel (glibc's `malloc_trim`) and resets the RSS high-water mark
//! (`/proc/self/clear_refs`); after it, it reads `VmHWM`. It reports how far the peak rose above
//! the RSS at the start (and the peak itself) for both sides, and their ratio (Linux only).
//!
//! The async runtime is tokio's current-thread runtime: every workload is sequential, and one
//! thread keeps the timing free of cross-thread wake-ups.
//!
//! **Peers.** This library is the harness; the `orm-bench` binary runs it with no peer. Another
//! binary can run it with other ORMs beside ours ([`Peer`], e.g. SeaORM in
//! `orm-bench/peers/seaorm`, a workspace of its own): each peer's runs are interleaved with the
//! ORM's and sqlx's on the workloads it supports, its checksum must agree too, and the table and
//! the JSON lines gain its columns.

// A benchmark harness: a failed set-up or a checksum mismatch must stop it loudly, so the
// workspace's warnings against unwrap/expect/panic (meant for library code) are lifted here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod alloc;
mod callgrind;
pub mod data;
mod measure;
mod models;
pub mod peer;
mod rss;
mod w8;
mod workloads;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Instant;

use sqlx::Executor as _;
use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use crate::data::{Dataset, Sizes};
pub use crate::measure::Meter;
use crate::measure::{Extra, ExtraOutcome, median};
use crate::models::User;
pub use crate::peer::{Peer, PeerSession, Produced};
use crate::workloads::{Bench, Side};
pub use crate::workloads::{Raw, Workload};
use orm::{CompareOrdered as _, Filter as _, Model as _, OrderBy as _};

/// Counts every allocation of the process (`std::alloc::System` underneath).
#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

/// The error type of the harness.
pub type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The goal printed under the tables.
const GOAL_TIME: f64 = 1.15;
const GOAL_ALLOC: f64 = 1.5;
const GOAL_RSS: f64 = 1.5;

/// A backend to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
    MariaDb,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::MariaDb => "mariadb",
        }
    }
}

/// The command line, and the peers of the binary.
struct Config<'p> {
    backends: Vec<Backend>,
    scale: f64,
    runs: usize,
    out: PathBuf,
    workloads: Vec<Workload>,
    /// The ORM's PostgreSQL side goes through this transaction-pooling PgBouncer.
    pgbouncer_url: Option<String>,
    /// The peers run beside the ORM and sqlx.
    peers: &'p [&'p dyn Peer],
    /// Count instructions under callgrind (`--instructions`).
    instructions: bool,
}

const USAGE: &str = "usage: orm-bench [--backend sqlite|postgres|mariadb] [--scale F] [--smoke] [--out FILE] \
                     [--only W1,W2,...] [--pgbouncer-url URL] [--instructions]";

fn parse_args<'p>(peers: &'p [&'p dyn Peer]) -> BenchResult<Config<'p>> {
    let mut backends = vec![Backend::Sqlite, Backend::Postgres, Backend::MariaDb];
    let mut scale = None;
    let mut smoke = false;
    let mut out = PathBuf::from("target/orm-bench.jsonl");
    let mut workloads = Workload::ALL.to_vec();
    let mut pgbouncer_url = None;
    let mut instructions = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--backend" => {
                backends = match value("--backend")?.as_str() {
                    "postgres" | "pg" => vec![Backend::Postgres],
                    "sqlite" => vec![Backend::Sqlite],
                    "mariadb" | "mysql" => vec![Backend::MariaDb],
                    other => return Err(format!("unknown backend `{other}`\n{USAGE}").into()),
                }
            }
            "--scale" => {
                let text = value("--scale")?;
                let parsed: f64 = text.parse().map_err(|_| format!("--scale takes a number, not `{text}`"))?;
                if !(parsed > 0.0 && parsed.is_finite()) {
                    return Err("--scale must be positive".into());
                }
                scale = Some(parsed);
            }
            "--smoke" => smoke = true,
            "--instructions" => instructions = true,
            "--pgbouncer-url" => pgbouncer_url = Some(value("--pgbouncer-url")?),
            "--out" => out = PathBuf::from(value("--out")?),
            "--only" => {
                let list = value("--only")?;
                workloads = list
                    .split(',')
                    .map(|key| {
                        Workload::ALL
                            .into_iter()
                            .find(|w| w.key().eq_ignore_ascii_case(key.trim()))
                            .ok_or_else(|| format!("unknown workload `{key}`\n{USAGE}"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`\n{USAGE}").into()),
        }
    }
    let scale = scale.unwrap_or(if smoke { 0.01 } else { 1.0 });
    Ok(Config { backends, scale, runs: if smoke { 1 } else { 5 }, out, workloads, pgbouncer_url, peers, instructions })
}

/// One line of the table and of the JSON output.
#[derive(Debug)]
struct Outcome {
    workload: Workload,
    orm_ms: f64,
    sqlx_ms: f64,
    orm_bytes: f64,
    sqlx_bytes: f64,
    orm_allocations: f64,
    sqlx_allocations: f64,
    orm_statements: u64,
    checksum: u64,
    /// The peers that ran this workload.
    peers: Vec<PeerOutcome>,
    /// Instructions and peak RSS, where measured.
    extra: ExtraOutcome,
}

/// A peer's medians on one workload (its checksum agreed, or the bench would have stopped).
#[derive(Debug)]
struct PeerOutcome {
    name: &'static str,
    ms: f64,
    bytes: f64,
    allocations: f64,
}

impl Outcome {
    fn ratio(&self) -> f64 {
        self.orm_ms / self.sqlx_ms
    }

    fn alloc_ratio(&self) -> f64 {
        self.orm_bytes / self.sqlx_bytes.max(1.0)
    }

    /// The outcome of the peer `name`, when it ran this workload.
    fn peer(&self, name: &str) -> Option<&PeerOutcome> {
        self.peers.iter().find(|p| p.name == name)
    }
}

/// A peer open on the backend under test.
struct OpenPeer<'a> {
    name: &'static str,
    peer: &'a dyn Peer,
    session: Box<dyn PeerSession + 'a>,
}

/// Who runs: one of the two sides, or a peer (by its index among the open peers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Contender {
    Side(Side),
    Peer(usize),
}

/// The medians of one contender's measured runs.
#[derive(Debug, Default)]
struct Samples {
    ms: Vec<f64>,
    bytes: Vec<f64>,
    allocations: Vec<f64>,
}

impl Samples {
    fn push(&mut self, meter: &Meter) {
        self.ms.push(meter.elapsed.as_secs_f64() * 1e3);
        self.bytes.push(meter.bytes as f64);
        self.allocations.push(meter.allocations as f64);
    }
}

/// Runs a workload: a warm-up, then `runs` measured runs, every contender (ORM, sqlx, and the
/// peers supporting the workload) once per iteration, the order rotating by one each iteration
/// (with no peer: ORM and sqlx alternating which goes first); every run's checksum must agree.
async fn measure(bench: &Bench<'_>, peers: &[OpenPeer<'_>], workload: Workload, runs: usize) -> BenchResult<Outcome> {
    let mut contenders = vec![Contender::Side(Side::Orm), Contender::Side(Side::Sqlx)];
    contenders.extend((0..peers.len()).filter(|&i| peers[i].peer.supports(workload)).map(Contender::Peer));
    let (mut orm, mut sqlx) = (Samples::default(), Samples::default());
    let mut peer_samples: Vec<Samples> = peers.iter().map(|_| Samples::default()).collect();
    let (mut orm_extra, mut sqlx_extra) = (Extra::default(), Extra::default());
    let mut orm_statements = 0;
    let name = |contender: Contender| match contender {
        Contender::Side(side) => format!("{side:?}"),
        Contender::Peer(i) => peers[i].name.to_owned(),
    };
    let mut expected: Option<(u64, Contender)> = None;
    for iteration in 0..=runs {
        let mut order = contenders.clone();
        order.rotate_left(iteration % contenders.len());
        for contender in order {
            bench.reset(workload).await?;
            let mut meter = workload.meter();
            let statements = bench.db.statement_count();
            let checksum = match contender {
                Contender::Side(side) => bench.run(workload, side, &mut meter).await?,
                Contender::Peer(i) => match peers[i].session.run(workload, &mut meter).await? {
                    Produced::Checksum(checksum) => checksum,
                    Produced::Written => bench.state_after(workload).await?,
                },
            };
            let statements = bench.db.statement_count() - statements;
            match expected {
                None => expected = Some((checksum, contender)),
                Some((first, first_contender)) if first != checksum => {
                    return Err(format!(
                        "{}: checksum mismatch: {} gave {first:#018x}, {} gave {checksum:#018x}",
                        workload.key(),
                        name(first_contender),
                        name(contender),
                    )
                    .into());
                }
                Some(_) => {}
            }
            if iteration == 0 {
                continue;
            }
            match contender {
                Contender::Side(Side::Orm) => {
                    orm.push(&meter);
                    orm_statements = statements;
                    orm_extra.push(&meter);
                }
                Contender::Side(Side::Sqlx) => {
                    sqlx.push(&meter);
                    sqlx_extra.push(&meter);
                }
                Contender::Peer(i) => peer_samples[i].push(&meter),
            }
        }
    }
    bench.reset(workload).await?;
    let peers = contenders
        .iter()
        .filter_map(|&contender| match contender {
            Contender::Peer(i) => Some(i),
            Contender::Side(_) => None,
        })
        .map(|i| {
            let samples = &mut peer_samples[i];
            PeerOutcome {
                name: peers[i].name,
                ms: median(&mut samples.ms),
                bytes: median(&mut samples.bytes),
                allocations: median(&mut samples.allocations),
            }
        })
        .collect();
    Ok(Outcome {
        workload,
        orm_ms: median(&mut orm.ms),
        sqlx_ms: median(&mut sqlx.ms),
        orm_bytes: median(&mut orm.bytes),
        sqlx_bytes: median(&mut sqlx.bytes),
        orm_allocations: median(&mut orm.allocations),
        sqlx_allocations: median(&mut sqlx.allocations),
        orm_statements,
        checksum: expected.map_or(0, |(c, _)| c),
        peers,
        extra: ExtraOutcome { orm: orm_extra.medians(), sqlx: sqlx_extra.medians() },
    })
}

/// Loads the dataset and runs every workload on a connected backend.
///
/// `peer_raw` is the sqlx pool the peers are opened on (present when `config` has peers).
async fn run_workloads(
    backend: Backend,
    db: orm::Db,
    raw: Raw,
    peer_raw: Option<Raw>,
    data: &Dataset,
    config: &Config<'_>,
) -> BenchResult<Vec<Outcome>> {
    let started = Instant::now();
    models::sync(&db).await?;
    match &raw {
        Raw::Pg(pool) => data::load_pg(pool, data).await?,
        Raw::Sqlite(pool) => data::load_sqlite(pool, data).await?,
        Raw::MySql(pool) => data::load_mysql(pool, data).await?,
    }
    let first = data.sizes.w4_users.max(data.sizes.w5_users) as i64;
    let users = User::find().filter(User::id().le(first)).order_by(User::id().asc()).all(&db).await?;
    eprintln!("[{}] schema and data loaded in {:.1} s", backend.name(), started.elapsed().as_secs_f64());
    let bench = Bench { db, raw, data, users };
    let mut peers = Vec::new();
    if let Some(peer_raw) = &peer_raw {
        for &peer in config.peers {
            if config.workloads.iter().any(|&w| peer.supports(w)) {
                let session = peer.connect(peer_raw.clone(), data).await?;
                peers.push(OpenPeer { name: peer.name(), peer, session });
            }
        }
    }
    let mut outcomes = Vec::new();
    for &workload in &config.workloads {
        if workload == Workload::W8 {
            // Loaded just before it runs, so that its million rows (and the database's work
            // after writing them) stay out of the other workloads' way.
            let started = Instant::now();
            w8::load(&bench.raw, &data.sizes).await?;
            eprintln!("[{}] W8 data loaded in {:.1} s", backend.name(), started.elapsed().as_secs_f64());
        }
        let started = Instant::now();
        let outcome = measure(&bench, &peers, workload, config.runs).await?;
        let mut line = format!(
            "[{}] {:<34} {:>8.1} s   orm {:>9.2} ms  sqlx {:>9.2} ms",
            backend.name(),
            workload.label(),
            started.elapsed().as_secs_f64(),
            outcome.orm_ms,
            outcome.sqlx_ms
        );
        for peer in &outcome.peers {
            line.push_str(&format!("  {} {:>9.2} ms", peer.name, peer.ms));
        }
        eprintln!("{line}");
        outcomes.push(outcome);
    }
    drop(peers);
    bench.db.close().await;
    for raw in std::iter::once(&bench.raw).chain(&peer_raw) {
        match raw {
            Raw::Pg(pool) => pool.close().await,
            Raw::Sqlite(pool) => pool.close().await,
            Raw::MySql(pool) => pool.close().await,
        }
    }
    Ok(outcomes)
}

async fn run_postgres(data: &Dataset, config: &Config<'_>) -> BenchResult<Vec<Outcome>> {
    let url = std::env::var("ORM_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("ORM_TEST_POSTGRES_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let schema = format!("orm_bench_{}", std::process::id());
    let admin = PgPoolOptions::new().max_connections(1).connect(&url).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(&admin).await?;
    let result = async {
        let orm_options = match &config.pgbouncer_url {
            Some(pooler) => orm::postgres::ConnectOptions::new(pooler.as_str()).transaction_pooling(),
            None => orm::postgres::ConnectOptions::new(url.as_str()),
        };
        let db = orm_options.search_path(schema.as_str()).connect().await?;
        let options = PgConnectOptions::from_str(&url)?
            .options([("search_path", schema.as_str()), ("plan_cache_mode", "force_custom_plan")]);
        let pool = PgPoolOptions::new().max_connections(10).connect_with(options.clone()).await?;
        let peer_pool = if config.peers.is_empty() {
            None
        } else {
            Some(Raw::Pg(PgPoolOptions::new().max_connections(10).connect_with(options).await?))
        };
        run_workloads(Backend::Postgres, db, Raw::Pg(pool), peer_pool, data, config).await
    }
    .await;
    let dropped = sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE"))).execute(&admin).await;
    admin.close().await;
    let outcomes = result?;
    dropped?;
    Ok(outcomes)
}

/// `url` with its database (the path) replaced by `database`, its query string kept.
fn with_database(url: &str, database: &str) -> BenchResult<String> {
    let (base, query) = url.split_once('?').map_or((url, None), |(base, query)| (base, Some(query)));
    let authority = base.find("://").ok_or_else(|| format!("`{url}` is not a URL"))? + 3;
    let path = base[authority..].find('/').map_or(base.len(), |i| authority + i);
    let mut out = format!("{}/{database}", &base[..path]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    Ok(out)
}

async fn run_mariadb(data: &Dataset, config: &Config<'_>) -> BenchResult<Vec<Outcome>> {
    let url = std::env::var("ORM_BENCH_MARIADB_URL")
        .or_else(|_| std::env::var("ORM_TEST_MARIADB_URL"))
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".to_owned());
    let database = format!("orm_bench_{}", std::process::id());
    let admin = MySqlPoolOptions::new().max_connections(1).connect(&url).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database} CHARACTER SET utf8mb4")))
        .execute(&admin)
        .await?;
    let result = async {
        let url = with_database(&url, &database)?;
        let db = orm::mariadb::ConnectOptions::new(url.as_str()).max_connections(10).connect().await?;
        let options = MySqlConnectOptions::from_str(&url)?;
        let open = || {
            MySqlPoolOptions::new()
                .max_connections(10)
                .after_connect(|connection, _| {
                    Box::pin(async move {
                        connection.execute(orm::mariadb::SESSION_SETTINGS).await?;
                        Ok(())
                    })
                })
                .connect_with(options.clone())
        };
        let pool = open().await?;
        let peer_pool = if config.peers.is_empty() { None } else { Some(Raw::MySql(open().await?)) };
        run_workloads(Backend::MariaDb, db, Raw::MySql(pool), peer_pool, data, config).await
    }
    .await;
    let dropped = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE {database}"))).execute(&admin).await;
    admin.close().await;
    let outcomes = result?;
    dropped?;
    Ok(outcomes)
}

fn remove_sqlite_files(path: &Path) {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        // Absent files are fine.
        let _ = std::fs::remove_file(file);
    }
}

async fn run_sqlite(data: &Dataset, config: &Config<'_>) -> BenchResult<Vec<Outcome>> {
    let path = std::env::temp_dir().join(format!("orm-bench-{}.db", std::process::id()));
    remove_sqlite_files(&path);
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let result = async {
        let db = orm::sqlite::connect(&url).await?;
        let options = SqliteConnectOptions::from_str(&url)?.foreign_keys(true).create_if_missing(true);
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options.clone()).await?;
        let peer_pool = if config.peers.is_empty() {
            None
        } else {
            Some(Raw::Sqlite(SqlitePoolOptions::new().max_connections(8).connect_with(options).await?))
        };
        run_workloads(Backend::Sqlite, db, Raw::Sqlite(pool), peer_pool, data, config).await
    }
    .await;
    remove_sqlite_files(&path);
    result
}

fn kib(bytes: f64) -> f64 {
    bytes / 1024.0
}

/// Whether the ORM's side of `backend` ran through the PgBouncer of `--pgbouncer-url`.
fn through_pgbouncer(backend: Backend, config: &Config<'_>) -> bool {
    backend == Backend::Postgres && config.pgbouncer_url.is_some()
}

fn print_table(backend: Backend, config: &Config<'_>, outcomes: &[Outcome]) {
    println!();
    println!(
        "{}{} (scale {}, median of {} run{} after a warm-up)",
        backend.name(),
        if through_pgbouncer(backend, config) { ", the ORM through PgBouncer (transaction pooling)" } else { "" },
        config.scale,
        config.runs,
        if config.runs == 1 { "" } else { "s" }
    );
    // The peers that ran a workload on this backend get five columns each: time, ratio to sqlx,
    // KiB, allocation ratio to sqlx, and checksum agreement (`=`; a mismatch stops the bench).
    let mut peers: Vec<&'static str> = Vec::new();
    for peer in outcomes.iter().flat_map(|o| &o.peers) {
        if !peers.contains(&peer.name) {
            peers.push(peer.name);
        }
    }
    let mut head = format!(
        "{:<34} | {:>9} | {:>9} | {:>6} | {:>10} | {:>10} | {:>11} | {:>11}",
        "workload", "orm ms", "sqlx ms", "ratio", "orm KiB", "sqlx KiB", "alloc ratio", "instr ratio"
    );
    for name in &peers {
        head.push_str(&format!(
            " | {:>10} | {:>6} | {:>10} | {:>11} | {:>3}",
            format!("{name} ms"),
            "ratio",
            format!("{name} KiB"),
            "alloc ratio",
            "sum"
        ));
    }
    println!("{head}");
    println!("{}", "-".repeat(head.chars().count()));
    for o in outcomes {
        let over = |value: f64, goal: f64| if value > goal { "*" } else { " " };
        let instr = o.extra.instr_ratio().map_or_else(|| "-".to_owned(), |r| format!("{r:.3}"));
        let mut line = format!(
            "{:<34} | {:>9.2} | {:>9.2} | {:>5.2}{} | {:>10.1} | {:>10.1} | {:>10.2}{} | {:>11}",
            o.workload.label(),
            o.orm_ms,
            o.sqlx_ms,
            o.ratio(),
            over(o.ratio(), GOAL_TIME),
            kib(o.orm_bytes),
            kib(o.sqlx_bytes),
            o.alloc_ratio(),
            over(o.alloc_ratio(), GOAL_ALLOC),
            instr,
        );
        for name in &peers {
            match o.peer(name) {
                Some(p) => line.push_str(&format!(
                    " | {:>10.2} | {:>6.2} | {:>10.1} | {:>11.2} | {:>3}",
                    p.ms,
                    p.ms / o.sqlx_ms,
                    kib(p.bytes),
                    p.bytes / o.sqlx_bytes.max(1.0),
                    "="
                )),
                None => line.push_str(&format!(" | {:>10} | {:>6} | {:>10} | {:>11} | {:>3}", "-", "-", "-", "-", "-")),
            }
        }
        println!("{line}");
    }
    print_peak_rss(outcomes);
}

/// The peak RSS of the workloads that track it, under their table.
fn print_peak_rss(outcomes: &[Outcome]) {
    let mib = |bytes: Option<f64>| bytes.map_or_else(|| "-".to_owned(), |b| format!("{:.1}", b / (1024.0 * 1024.0)));
    for o in outcomes.iter().filter(|o| o.extra.rss_ratio().is_some()) {
        let (orm, sqlx) = (o.extra.orm, o.extra.sqlx);
        println!(
            "{:<34}   peak RSS above start: orm {} MiB, sqlx {} MiB, ratio {:.2}{}   (peak: orm {} MiB, sqlx {} MiB)",
            o.workload.label(),
            mib(orm.rss_delta),
            mib(sqlx.rss_delta),
            o.extra.rss_ratio().unwrap_or(0.0),
            if o.extra.rss_ratio().unwrap_or(0.0) > GOAL_RSS { "*" } else { "" },
            mib(orm.rss_peak),
            mib(sqlx.rss_peak),
        );
    }
}

fn write_json(backend: Backend, config: &Config, outcomes: &[Outcome]) -> BenchResult<()> {
    if let Some(dir) = config.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&config.out)?;
    for o in outcomes {
        let mut line = serde_json::json!({
            "backend": backend.name(),
            "orm_through_pgbouncer": through_pgbouncer(backend, config),
            "workload": o.workload.key(),
            "label": o.workload.label(),
            "orm_ms": o.orm_ms,
            "sqlx_ms": o.sqlx_ms,
            "ratio": o.ratio(),
            "orm_bytes": o.orm_bytes,
            "sqlx_bytes": o.sqlx_bytes,
            "alloc_ratio": o.alloc_ratio(),
            "orm_allocations": o.orm_allocations,
            "sqlx_allocations": o.sqlx_allocations,
            "orm_statements": o.orm_statements,
            "checksum": format!("{:#018x}", o.checksum),
            "scale": config.scale,
            "runs": config.runs,
            "instructions_counted": config.instructions,
        });
        // Each peer that ran: `<name>_ms`, `_bytes`, `_allocations`, `_ratio` and
        // `_alloc_ratio` (against sqlx) and `_checksum_agrees` (always true: a mismatch stops
        // the bench).
        if let Some(fields) = line.as_object_mut() {
            for p in &o.peers {
                let name = p.name;
                fields.insert(format!("{name}_ms"), p.ms.into());
                fields.insert(format!("{name}_bytes"), p.bytes.into());
                fields.insert(format!("{name}_allocations"), p.allocations.into());
                fields.insert(format!("{name}_ratio"), (p.ms / o.sqlx_ms).into());
                fields.insert(format!("{name}_alloc_ratio"), (p.bytes / o.sqlx_bytes.max(1.0)).into());
                fields.insert(format!("{name}_checksum_agrees"), true.into());
            }
            fields.extend(o.extra.json_fields());
        }
        writeln!(file, "{line}")?;
    }
    Ok(())
}

/// The bench's entry point: parses the command line, runs the workloads on the backends asked
/// for, with `peers` beside the ORM and sqlx, prints the tables and appends the JSON lines. The
/// `orm-bench` binary calls it with no peer; a binary that links this library gets the
/// counting allocator with it.
pub fn run_main(peers: &[&dyn Peer]) -> BenchResult<()> {
    let config = parse_args(peers)?;
    if config.instructions && callgrind::counting().is_none() {
        return callgrind::reexec();
    }
    let started = Instant::now();
    let data = Dataset::generate(Sizes::at(config.scale));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let mut all = Vec::new();
    for backend in config.backends.clone() {
        let outcomes = runtime.block_on(async {
            match backend {
                Backend::Sqlite => run_sqlite(&data, &config).await,
                Backend::Postgres => run_postgres(&data, &config).await,
                Backend::MariaDb => run_mariadb(&data, &config).await,
            }
        })?;
        write_json(backend, &config, &outcomes)?;
        all.push((backend, outcomes));
    }
    for (backend, outcomes) in &all {
        print_table(*backend, &config, outcomes);
    }
    println!();
    println!(
        "goal: time ≤ {GOAL_TIME}×, allocations ≤ {GOAL_ALLOC}×, peak RSS ≤ {GOAL_RSS}×   (* marks a ratio over the goal)"
    );
    println!("total {:.1} s; results appended to {}", started.elapsed().as_secs_f64(), config.out.display());
    Ok(())
}
