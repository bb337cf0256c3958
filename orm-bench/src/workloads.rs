//! The workloads: for each, the ORM's idiomatic code and the hand-written sqlx a careful
//! person would write, on each backend (SQLite, PostgreSQL, MariaDB), and a checksum of what
//! each produced.

use std::collections::HashMap;

use orm::{Db, IncludeWith as _, Model as _};
use sqlx::mysql::MySqlRow;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{MySqlPool, PgPool, Row as _, SqlitePool};

use crate::BenchResult;
use crate::data::{self, Dataset, MYSQL_MAX_BINDS};
use crate::measure::{Fnv, Meter};
use crate::models::{Address, Customer, Product, Project, Task, User, UserProject};
use crate::peer::checksum::{self, sum};

/// The most values one SQLite statement binds (`SQLITE_MAX_VARIABLE_NUMBER`).
const SQLITE_MAX_BINDS: usize = 32_766;

/// Which implementation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The ORM's idiomatic code.
    Orm,
    /// Hand-written sqlx.
    Sqlx,
}

/// One workload of the issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// All users with their tasks.
    W1,
    /// All users with their projects and the join row.
    W2,
    /// All users with tasks and projects, in one call.
    W3,
    /// `set_projects` for the first 1,000 users, one call (transaction) each.
    W4,
    /// `get_tasks` for the first 2,000 users, one call each.
    W5,
    /// `add_tasks` of 20,000 existing task keys to user 1, in one call.
    W6,
    /// Nested create of 1,000 products with a new customer and two addresses each.
    W7,
    /// W7's ORM code against sqlx also creating one product per transaction: separates the
    /// per-call cost from the API shape (a diagnostic row).
    W7b,
    /// W7 with the ORM's bulk nested create, `Product::create_all(&db, builders)`, against the
    /// same bulk sqlx (both return the product rows only).
    W7c,
    /// 100,000 owners with their 1,000,000 items (include), with each side's peak RSS.
    W8,
}

impl Workload {
    /// Every workload, in the order they run.
    pub const ALL: [Workload; 10] = [
        Workload::W1,
        Workload::W2,
        Workload::W3,
        Workload::W4,
        Workload::W5,
        Workload::W6,
        Workload::W7,
        Workload::W7b,
        Workload::W7c,
        Workload::W8,
    ];

    /// A short label for the table.
    pub fn label(self) -> &'static str {
        match self {
            Workload::W1 => "W1 users + tasks (include)",
            Workload::W2 => "W2 users + projects + join row",
            Workload::W3 => "W3 users + tasks + projects",
            Workload::W4 => "W4 set_projects x users",
            Workload::W5 => "W5 get_tasks x users",
            Workload::W6 => "W6 add_tasks (one call)",
            Workload::W7 => "W7 nested create (sqlx bulk)",
            Workload::W7b => "W7b nested create (sqlx per row)",
            Workload::W7c => "W7c create_all (both bulk)",
            Workload::W8 => "W8 100k owners + 1M items (RSS)",
        }
    }

    /// The workload's key in the JSON lines.
    pub fn key(self) -> &'static str {
        match self {
            Workload::W1 => "W1",
            Workload::W2 => "W2",
            Workload::W3 => "W3",
            Workload::W4 => "W4",
            Workload::W5 => "W5",
            Workload::W6 => "W6",
            Workload::W7 => "W7",
            Workload::W7b => "W7b",
            Workload::W7c => "W7c",
            Workload::W8 => "W8",
        }
    }

    /// A meter for one run: W8 also reports its peak RSS.
    pub fn meter(self) -> Meter {
        match self {
            Workload::W8 => Meter::tracking_rss(),
            _ => Meter::default(),
        }
    }
}

/// The sqlx pool of the backend under test.
#[derive(Debug, Clone)]
pub enum Raw {
    /// PostgreSQL.
    Pg(PgPool),
    /// SQLite.
    Sqlite(SqlitePool),
    /// MariaDB (sqlx's MySQL driver).
    MySql(MySqlPool),
}

/// Everything the workloads run against.
#[derive(Debug)]
pub struct Bench<'d> {
    /// The ORM's handle.
    pub db: Db,
    /// The sqlx pool, on the same database.
    pub raw: Raw,
    /// The dataset loaded.
    pub data: &'d Dataset,
    /// The first users (by key), loaded once for the per-user workloads.
    pub users: Vec<User>,
}

// ---------------------------------------------------------------------------------------------
// Checksums: a wrapping sum of one hash per record, so the order of rows does not matter but
// every value does. Each side's results are reduced the same way.

fn user_hash(user: &User) -> u64 {
    checksum::user(user.id, &user.name)
}

fn task_hash(owner: i64, task: &Task) -> u64 {
    checksum::task(owner, task.id, &task.title, task.done, task.user_id)
}

fn link_hash(owner: i64, project: &Project, join: &UserProject) -> u64 {
    checksum::link(owner, (project.id, &project.name), (join.id, join.user_id, join.project_id, &join.status))
}

/// A created product: hashed without generated keys (they differ between runs), after checking
/// that the keys link the rows as created.
fn created_hash<'a>(
    product: &Product,
    customer: &Customer,
    addresses: impl IntoIterator<Item = &'a Address> + Clone,
) -> BenchResult<u64> {
    if product.customer_id != Some(customer.id) || addresses.clone().into_iter().any(|a| a.customer_id != customer.id) {
        return Err(format!("product {} is not linked to its customer and addresses", product.title).into());
    }
    let mut sum = Fnv::new().str("product").str(&product.title).str(&customer.name).finish();
    for address in addresses {
        sum = sum.wrapping_add(
            Fnv::new().str("address").str(&product.title).str(&address.line1).str(&address.city).finish(),
        );
    }
    Ok(sum)
}

// ---------------------------------------------------------------------------------------------
// Row decoders of the hand-written side, by column position.

macro_rules! decoders {
    ($row:ty, $user:ident, $task:ident, $link:ident) => {
        fn $user(row: $row) -> Result<User, sqlx::Error> {
            Ok(User { id: row.try_get(0)?, name: row.try_get(1)? })
        }

        fn $task(row: $row) -> Result<Task, sqlx::Error> {
            Ok(Task { id: row.try_get(0)?, title: row.try_get(1)?, done: row.try_get(2)?, user_id: row.try_get(3)? })
        }

        fn $link(row: $row) -> Result<(Project, UserProject), sqlx::Error> {
            Ok((
                Project { id: row.try_get(0)?, name: row.try_get(1)? },
                UserProject {
                    id: row.try_get(2)?,
                    user_id: row.try_get(3)?,
                    project_id: row.try_get(4)?,
                    status: row.try_get(5)?,
                },
            ))
        }
    };
}

decoders!(PgRow, user_pg, task_pg, link_pg);
decoders!(SqliteRow, user_lite, task_lite, link_lite);
decoders!(MySqlRow, user_my, task_my, link_my);

/// A user with its tasks and its projects (with join rows), as the hand-written W3 returns it.
type UserWithBoth = (User, Vec<Task>, Vec<(Project, UserProject)>);

/// Groups children under their parents, in the parents' order, through a hash map.
fn group<C>(users: Vec<User>, children: Vec<C>, owner: impl Fn(&C) -> i64) -> Vec<(User, Vec<C>)> {
    let mut by_user: HashMap<i64, Vec<C>> = HashMap::with_capacity(users.len());
    for child in children {
        by_user.entry(owner(&child)).or_default().push(child);
    }
    users
        .into_iter()
        .map(|user| {
            let children = by_user.remove(&user.id).unwrap_or_default();
            (user, children)
        })
        .collect()
}

const USERS_SQL: &str = "SELECT id, name FROM users";
const TASKS_PG: &str = "SELECT id, title, done, user_id FROM tasks WHERE user_id = ANY($1) ORDER BY id";
const TASKS_LITE: &str =
    "SELECT id, title, done, user_id FROM tasks WHERE user_id IN (SELECT value FROM json_each(?1)) ORDER BY id";
const LINKS_PG: &str = "SELECT p.id, p.name, up.id, up.user_id, up.project_id, up.status \
     FROM projects p JOIN user_projects up ON up.project_id = p.id WHERE up.user_id = ANY($1) ORDER BY p.id";
const LINKS_LITE: &str = "SELECT p.id, p.name, up.id, up.user_id, up.project_id, up.status \
     FROM projects p JOIN user_projects up ON up.project_id = p.id \
     WHERE up.user_id IN (SELECT value FROM json_each(?1)) ORDER BY p.id";
/// MariaDB has no array binds: the keys go in `IN (?, ?, …)` lists, one statement per chunk of
/// keys under the bind limit (`{}`: the placeholders).
const TASKS_MY: &str = "SELECT id, title, done, user_id FROM tasks WHERE user_id IN ({}) ORDER BY id";
const LINKS_MY: &str = "SELECT p.id, p.name, up.id, up.user_id, up.project_id, up.status \
     FROM projects p JOIN user_projects up ON up.project_id = p.id WHERE up.user_id IN ({}) ORDER BY p.id";

/// `?, ?, ?`: `n` placeholders.
fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// Runs `sql` (a [`TASKS_MY`]-like template) for each chunk of `keys` and decodes every row.
async fn fetch_in_my<T: Send + Unpin + 'static>(
    pool: &MySqlPool,
    sql: &str,
    keys: &[i64],
    decode: fn(MySqlRow) -> Result<T, sqlx::Error>,
) -> BenchResult<Vec<T>> {
    let mut rows = Vec::new();
    for chunk in keys.chunks(MYSQL_MAX_BINDS) {
        let sql = sql.replace("{}", &placeholders(chunk.len()));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for key in chunk {
            query = query.bind(*key);
        }
        let fetched = query.try_map(decode).fetch_all(pool).await?;
        // The first chunk's vector is kept (no copy when one chunk holds every key).
        if rows.is_empty() {
            rows = fetched;
        } else {
            rows.extend(fetched);
        }
    }
    Ok(rows)
}

/// `(?, ?), (?, ?)`: `rows` groups of `columns` placeholders.
fn values_list(rows: usize, columns: usize) -> String {
    let one = format!("({})", vec!["?"; columns].join(", "));
    vec![one; rows].join(", ")
}

impl Bench<'_> {
    /// Puts the database back in the state the workload starts from (outside the measured
    /// section).
    pub async fn reset(&self, workload: Workload) -> BenchResult<()> {
        let data = self.data;
        match (workload, &self.raw) {
            (Workload::W4, Raw::Pg(pool)) => data::restore_links_pg(pool, data, data.sizes.w4_users as i64).await,
            (Workload::W4, Raw::Sqlite(pool)) => {
                data::restore_links_sqlite(pool, data, data.sizes.w4_users as i64).await
            }
            (Workload::W4, Raw::MySql(pool)) => data::restore_links_mysql(pool, data, data.sizes.w4_users as i64).await,
            (Workload::W6, Raw::Pg(pool)) => {
                sqlx::query("UPDATE tasks SET user_id = (id - 1) / 10 + 1 WHERE user_id <> (id - 1) / 10 + 1")
                    .execute(pool)
                    .await?;
                sqlx::query("VACUUM ANALYZE tasks").execute(pool).await?;
                Ok(())
            }
            (Workload::W6, Raw::Sqlite(pool)) => {
                sqlx::query("UPDATE tasks SET user_id = (id - 1) / 10 + 1 WHERE user_id <> (id - 1) / 10 + 1")
                    .execute(pool)
                    .await?;
                Ok(())
            }
            (Workload::W6, Raw::MySql(pool)) => {
                // `/` divides exactly on MariaDB; `DIV` is the integer division.
                sqlx::query("UPDATE tasks SET user_id = (id - 1) DIV 10 + 1 WHERE user_id <> (id - 1) DIV 10 + 1")
                    .execute(pool)
                    .await?;
                sqlx::raw_sql("ANALYZE TABLE tasks").execute(pool).await?;
                Ok(())
            }
            (Workload::W7 | Workload::W7b | Workload::W7c, raw) => {
                for sql in ["DELETE FROM products", "DELETE FROM addresses", "DELETE FROM customers"] {
                    match raw {
                        Raw::Pg(pool) => {
                            sqlx::query(sql).execute(pool).await?;
                        }
                        Raw::Sqlite(pool) => {
                            sqlx::query(sql).execute(pool).await?;
                        }
                        Raw::MySql(pool) => {
                            sqlx::query(sql).execute(pool).await?;
                        }
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The checksum of the database's state after a write workload (W4, W6), as each side's
    /// run returns it; a peer's write is checked with it.
    pub async fn state_after(&self, workload: Workload) -> BenchResult<u64> {
        match workload {
            Workload::W4 => self.w4_state().await,
            Workload::W6 => self.w6_state().await,
            other => Err(format!("{}: no state checksum for a peer's write", other.key()).into()),
        }
    }

    /// Runs one side of a workload once, measured by `meter`; returns the checksum of what it
    /// produced.
    pub async fn run(&self, workload: Workload, side: Side, meter: &mut Meter) -> BenchResult<u64> {
        match (workload, side) {
            (Workload::W1, Side::Orm) => self.w1_orm(meter).await,
            (Workload::W1, Side::Sqlx) => self.w1_sqlx(meter).await,
            (Workload::W2, Side::Orm) => self.w2_orm(meter).await,
            (Workload::W2, Side::Sqlx) => self.w2_sqlx(meter).await,
            (Workload::W3, Side::Orm) => self.w3_orm(meter).await,
            (Workload::W3, Side::Sqlx) => self.w3_sqlx(meter).await,
            (Workload::W4, Side::Orm) => self.w4_orm(meter).await,
            (Workload::W4, Side::Sqlx) => self.w4_sqlx(meter).await,
            (Workload::W5, Side::Orm) => self.w5_orm(meter).await,
            (Workload::W5, Side::Sqlx) => self.w5_sqlx(meter).await,
            (Workload::W6, Side::Orm) => self.w6_orm(meter).await,
            (Workload::W6, Side::Sqlx) => self.w6_sqlx(meter).await,
            (Workload::W7 | Workload::W7b, Side::Orm) => self.w7_orm(meter).await,
            (Workload::W7, Side::Sqlx) => self.w7_sqlx(meter, true).await,
            (Workload::W7c, Side::Orm) => self.w7c_orm(meter).await,
            (Workload::W7c, Side::Sqlx) => self.w7_sqlx(meter, false).await,
            (Workload::W7b, Side::Sqlx) => self.w7b_sqlx(meter).await,
            (Workload::W8, Side::Orm) => self.w8_orm(meter).await,
            (Workload::W8, Side::Sqlx) => self.w8_sqlx(meter).await,
        }
    }

    // -- W1 -----------------------------------------------------------------------------------

    async fn w1_orm(&self, meter: &mut Meter) -> BenchResult<u64> {
        meter.start();
        let users = User::find().include(User::tasks()).all(&self.db).await?;
        meter.stop();
        Ok(sum(users
            .iter()
            .flat_map(|u| std::iter::once(user_hash(u.row())).chain(u.tasks().iter().map(|t| task_hash(u.id, t))))))
    }

    async fn w1_sqlx(&self, meter: &mut Meter) -> BenchResult<u64> {
        meter.start();
        let users = match &self.raw {
            Raw::Pg(pool) => {
                let users = sqlx::query(USERS_SQL).try_map(user_pg).fetch_all(pool).await?;
                let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
                let tasks = sqlx::query(TASKS_PG).bind(&ids).try_map(task_pg).fetch_all(pool).await?;
                group(users, tasks, |t| t.user_id)
            }
            Raw::Sqlite(pool) => {
                let users = sqlx::query(USERS_SQL).try_map(user_lite).fetch_all(pool).await?;
                let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
                let ids = serde_json::to_string(&ids)?;
                let tasks = sqlx::query(TASKS_LITE).bind(ids).try_map(task_lite).fetch_all(pool).await?;
                group(users, tasks, |t| t.user_id)
            }
            Raw::MySql(pool) => {
                let users = sqlx::query(USERS_SQL).try_map(user_my).fetch_all(pool).await?;
                let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
                let tasks = fetch_in_my(pool, TASKS_MY, &ids, task_my).await?;
                group(users, tasks, |t| t.user_id)
            }
        };
        meter.stop();
        Ok(sum(users
            .iter()
            .flat_map(|(u, tasks)| std::iter::once(user_hash(u)).chain(tasks.iter().map(|t| task_hash(u.id, t))))))
    }

    // -- W2 -----------------------------------------------------------------------------------

    async fn w2_orm(&self, meter: &mut Meter) -> BenchResult<u64> {
        meter.start();
        let users = User::find().include(User::projects()).all(&self.db).await?;
        meter.stop();
        Ok(sum(users.iter().flat_map(|u| {
            std::iter::once(user_hash(u.row())).chain(u.projects().iter().map(|(p, j)| link_hash(u.id, p, j)))
        })))
    }

    async fn w2_sqlx(&self, meter: &mut Meter) -> BenchResult<u64> {
        meter.start();
        let users = match &self.raw {
            Raw::Pg(pool) => {
                let users = sqlx::query(USERS_SQL).try_map(user_pg).fetch_all(pool).await?;
                let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
                let links = sqlx::query(LINKS_PG).bind(&ids).try_map(link_pg).fetch_all(pool).await?;
                group(users, links, |(_, j)| j.user_id)
            }
            Raw::Sqlite(pool) => {
                let users = sqlx::query(USERS_SQL).try_map(user_lite).fetch_all(pool).await?;
                let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
                let ids = serde_json::to_string(&ids)?;
                let links = sqlx::query(LINKS_LITE).bind(ids).try_map(link_lite).fetch_all(pool).await?;
                group(users, links, |(_, j)| j.user_id)
            }
            Raw::MySql(pool) => {
                let users = sqlx::query(USERS_SQL).try_map(user_my).fetch_all(pool).await?;
                let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
                let links = fetch_in_my(pool, LINKS_MY, &ids, link_my).await?;
                group(users, links, |(_, j)| j.user_id)
            }
        };
        meter.stop();
        Ok(sum(users.iter().flat_map(|(u, links)| {
            std::iter::once(user_hash(u)).chain(links.iter().map(|(p, j)| link_hash(u.id, p, j)))
        })))
    }

    // -- W3 -----------------------------------------------------------------------------------

    async fn w3_orm(&self, meter: &mut Meter) -> BenchResult<u64> {
        meter.start();
        let users = User::find().include(User::tasks()).include(User::projects()).all(&self.db).await?;
        meter.stop();
        Ok(sum(users.iter().flat_map(|u| {
            std::iter::once(user_hash(u.row()))
                .chain(u.tasks().iter().map(|t| task_hash(u.id, t)))
                .chain(u.projects().iter().map(|(p, j)| link_hash(u.id, p, j)))
        })))
    }

    async fn w3_sqlx(&self, meter: &mut Meter) -> BenchResult<u64> {
        meter.start();
        let (users, tasks, links) = match &self.raw {
            Raw::Pg(pool) => {
                let users = sqlx::query(USERS_SQL).try_map(user_pg).fetch_all(pool).await?;
                let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
                let tasks = sqlx::query(TASKS_PG).bind(&ids).try_map(task_pg).fetch_all(pool).await?;
                let links = sqlx::query(LINKS_PG).bind(&ids).try_map(link_pg).fetch_all(pool).await?;
                (users, tasks, links)
            }
            Raw::Sqlite(pool) => {
                let users = sqlx::query(USERS_SQL).try_map(user_lite).fetch_all(pool).await?;
                let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
                let ids = serde_json::to_string(&ids)?;
                let tasks = sqlx::query(TASKS_LITE).bind(&ids).try_map(task_lite).fetch_all(pool).await?;
                let links = sqlx::query(LINKS_LITE).bind(ids).try_map(link_lite).fetch_all(pool).await?;
                (users, tasks, links)
            }
            Raw::MySql(pool) => {
                let users = sqlx::query(USERS_SQL).try_map(user_my).fetch_all(pool).await?;
                let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
                let tasks = fetch_in_my(pool, TASKS_MY, &ids, task_my).await?;
                let links = fetch_in_my(pool, LINKS_MY, &ids, link_my).await?;
                (users, tasks, links)
            }
        };
        let mut tasks_by_user: HashMap<i64, Vec<Task>> = HashMap::with_capacity(users.len());
        for task in tasks {
            tasks_by_user.entry(task.user_id).or_default().push(task);
        }
        let mut links_by_user: HashMap<i64, Vec<(Project, UserProject)>> = HashMap::with_capacity(users.len());
        for link in links {
            links_by_user.entry(link.1.user_id).or_default().push(link);
        }
        let rows: Vec<UserWithBoth> = users
            .into_iter()
            .map(|u| {
                let tasks = tasks_by_user.remove(&u.id).unwrap_or_default();
                let links = links_by_user.remove(&u.id).unwrap_or_default();
                (u, tasks, links)
            })
            .collect();
        meter.stop();
        Ok(sum(rows.iter().flat_map(|(u, tasks, links)| {
            std::iter::once(user_hash(u))
                .chain(tasks.iter().map(|t| task_hash(u.id, t)))
                .chain(links.iter().map(|(p, j)| link_hash(u.id, p, j)))
        })))
    }

    // -- W4 -----------------------------------------------------------------------------------

    /// The links of the W4 users after the run, read back the same way for both sides (join
    /// keys left out: the ORM keeps the rows that stay, the hand-written code re-inserts them).
    async fn w4_state(&self) -> BenchResult<u64> {
        let max_user = self.data.sizes.w4_users as i64;
        let rows: Vec<(i64, i64, String)> = match &self.raw {
            Raw::Pg(pool) => {
                sqlx::query_as("SELECT user_id, project_id, status FROM user_projects WHERE user_id <= $1")
                    .bind(max_user)
                    .fetch_all(pool)
                    .await?
            }
            Raw::Sqlite(pool) => {
                sqlx::query_as("SELECT user_id, project_id, status FROM user_projects WHERE user_id <= ?")
                    .bind(max_user)
                    .fetch_all(pool)
                    .await?
            }
            Raw::MySql(pool) => {
                sqlx::query_as("SELECT user_id, project_id, status FROM user_projects WHERE user_id <= ?")
                    .bind(max_user)
                    .fetch_all(pool)
                    .await?
            }
        };
        Ok(sum(rows.iter().map(|(u, p, s)| Fnv::new().int(*u).int(*p).str(s).finish())))
    }

    async fn w4_orm(&self, meter: &mut Meter) -> BenchResult<u64> {
        let users = &self.users[..self.data.sizes.w4_users];
        meter.start();
        for (user, projects) in users.iter().zip(&self.data.w4_targets) {
            user.set_projects(&self.db, *projects).through(UserProject::build().status("active")).await?;
        }
        meter.stop();
        self.w4_state().await
    }

    async fn w4_sqlx(&self, meter: &mut Meter) -> BenchResult<u64> {
        let users = &self.users[..self.data.sizes.w4_users];
        meter.start();
        match &self.raw {
            Raw::Pg(pool) => {
                for (user, projects) in users.iter().zip(&self.data.w4_targets) {
                    let mut tx = pool.begin().await?;
                    sqlx::query("DELETE FROM user_projects WHERE user_id = $1").bind(user.id).execute(&mut *tx).await?;
                    sqlx::query(
                        "INSERT INTO user_projects (user_id, project_id, status) \
                         SELECT $1, project_id, $3 FROM UNNEST($2::int8[]) AS t(project_id)",
                    )
                    .bind(user.id)
                    .bind(&projects[..])
                    .bind("active")
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                }
            }
            Raw::Sqlite(pool) => {
                for (user, projects) in users.iter().zip(&self.data.w4_targets) {
                    let mut tx = pool.begin().await?;
                    sqlx::query("DELETE FROM user_projects WHERE user_id = ?").bind(user.id).execute(&mut *tx).await?;
                    let mut insert = sqlx::query(
                        "INSERT INTO user_projects (user_id, project_id, status) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)",
                    );
                    for project in projects {
                        insert = insert.bind(user.id).bind(*project).bind("active");
                    }
                    insert.execute(&mut *tx).await?;
                    tx.commit().await?;
                }
            }
            Raw::MySql(pool) => {
                for (user, projects) in users.iter().zip(&self.data.w4_targets) {
                    let mut tx = pool.begin().await?;
                    sqlx::query("DELETE FROM user_projects WHERE user_id = ?").bind(user.id).execute(&mut *tx).await?;
                    let mut insert = sqlx::query(
                        "INSERT INTO user_projects (user_id, project_id, status) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)",
                    );
                    for project in projects {
                        insert = insert.bind(user.id).bind(*project).bind("active");
                    }
                    insert.execute(&mut *tx).await?;
                    tx.commit().await?;
                }
            }
        }
        meter.stop();
        self.w4_state().await
    }

    // -- W5 -----------------------------------------------------------------------------------

    async fn w5_orm(&self, meter: &mut Meter) -> BenchResult<u64> {
        let users = &self.users[..self.data.sizes.w5_users];
        meter.start();
        let mut all = Vec::with_capacity(users.len());
        for user in users {
            all.push(user.get_tasks(&self.db).await?);
        }
        meter.stop();
        Ok(sum(users.iter().zip(&all).flat_map(|(u, tasks)| tasks.iter().map(|t| task_hash(u.id, t)))))
    }

    async fn w5_sqlx(&self, meter: &mut Meter) -> BenchResult<u64> {
        let users = &self.users[..self.data.sizes.w5_users];
        meter.start();
        let mut all = Vec::with_capacity(users.len());
        match &self.raw {
            Raw::Pg(pool) => {
                for user in users {
                    let tasks = sqlx::query("SELECT id, title, done, user_id FROM tasks WHERE user_id = $1")
                        .bind(user.id)
                        .try_map(task_pg)
                        .fetch_all(pool)
                        .await?;
                    all.push(tasks);
                }
            }
            Raw::Sqlite(pool) => {
                for user in users {
                    let tasks = sqlx::query("SELECT id, title, done, user_id FROM tasks WHERE user_id = ?")
                        .bind(user.id)
                        .try_map(task_lite)
                        .fetch_all(pool)
                        .await?;
                    all.push(tasks);
                }
            }
            Raw::MySql(pool) => {
                for user in users {
                    let tasks = sqlx::query("SELECT id, title, done, user_id FROM tasks WHERE user_id = ?")
                        .bind(user.id)
                        .try_map(task_my)
                        .fetch_all(pool)
                        .await?;
                    all.push(tasks);
                }
            }
        }
        meter.stop();
        Ok(sum(users.iter().zip(&all).flat_map(|(u, tasks)| tasks.iter().map(|t| task_hash(u.id, t)))))
    }

    // -- W6 -----------------------------------------------------------------------------------

    /// User 1's tasks after the run, and the owners of all tasks.
    async fn w6_state(&self) -> BenchResult<u64> {
        let (count, keys, owners): (i64, i64, i64) = match &self.raw {
            Raw::Pg(pool) => {
                sqlx::query_as(
                    "SELECT COUNT(*) FILTER (WHERE user_id = 1), \
                     COALESCE(SUM(id) FILTER (WHERE user_id = 1), 0)::int8, COALESCE(SUM(user_id), 0)::int8 FROM tasks",
                )
                .fetch_one(pool)
                .await?
            }
            Raw::Sqlite(pool) => {
                sqlx::query_as(
                    "SELECT COUNT(*) FILTER (WHERE user_id = 1), \
                     COALESCE(SUM(id) FILTER (WHERE user_id = 1), 0), COALESCE(SUM(user_id), 0) FROM tasks",
                )
                .fetch_one(pool)
                .await?
            }
            Raw::MySql(pool) => {
                // No FILTER clause; SUM of integers is a DECIMAL, cast back to BIGINT.
                sqlx::query_as(
                    "SELECT COUNT(CASE WHEN user_id = 1 THEN 1 END), \
                     CAST(COALESCE(SUM(CASE WHEN user_id = 1 THEN id END), 0) AS SIGNED), \
                     CAST(COALESCE(SUM(user_id), 0) AS SIGNED) FROM tasks",
                )
                .fetch_one(pool)
                .await?
            }
        };
        Ok(Fnv::new().int(count).int(keys).int(owners).finish())
    }

    async fn w6_orm(&self, meter: &mut Meter) -> BenchResult<u64> {
        let keys = self.data.w6_keys.clone();
        meter.start();
        self.users[0].add_tasks(&self.db, keys).await?;
        meter.stop();
        self.w6_state().await
    }

    async fn w6_sqlx(&self, meter: &mut Meter) -> BenchResult<u64> {
        let keys = self.data.w6_keys.clone();
        let user = self.users[0].id;
        meter.start();
        // As the ORM does, the call fails (and changes nothing) when a key matches no task:
        // here by comparing the rows updated with the keys given.
        let updated = match &self.raw {
            Raw::Pg(pool) => {
                let mut tx = pool.begin().await?;
                let done = sqlx::query("UPDATE tasks SET user_id = $1 WHERE id = ANY($2)")
                    .bind(user)
                    .bind(&keys)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == keys.len() as u64 {
                    tx.commit().await?;
                }
                done.rows_affected()
            }
            Raw::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                let mut updated = 0;
                for chunk in keys.chunks(SQLITE_MAX_BINDS - 1) {
                    let sql =
                        format!("UPDATE tasks SET user_id = ? WHERE id IN ({})", vec!["?"; chunk.len()].join(", "));
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(user);
                    for key in chunk {
                        query = query.bind(*key);
                    }
                    updated += query.execute(&mut *tx).await?.rows_affected();
                }
                if updated == keys.len() as u64 {
                    tx.commit().await?;
                }
                updated
            }
            Raw::MySql(pool) => {
                // sqlx's MySQL driver reports the rows matched (`CLIENT_FOUND_ROWS`), not only
                // the rows changed.
                let mut tx = pool.begin().await?;
                let mut updated = 0;
                for chunk in keys.chunks(MYSQL_MAX_BINDS - 1) {
                    let sql = format!("UPDATE tasks SET user_id = ? WHERE id IN ({})", placeholders(chunk.len()));
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(user);
                    for key in chunk {
                        query = query.bind(*key);
                    }
                    updated += query.execute(&mut *tx).await?.rows_affected();
                }
                if updated == keys.len() as u64 {
                    tx.commit().await?;
                }
                updated
            }
        };
        meter.stop();
        if updated != keys.len() as u64 {
            return Err(format!("W6: {updated} tasks updated for {} keys", keys.len()).into());
        }
        self.w6_state().await
    }

    // -- W7 -----------------------------------------------------------------------------------

    /// Row counts of the W7 tables after the run.
    async fn w7_state(&self) -> BenchResult<u64> {
        let sql = "SELECT (SELECT COUNT(*) FROM products), (SELECT COUNT(*) FROM customers), \
                   (SELECT COUNT(*) FROM addresses)";
        let (p, c, a): (i64, i64, i64) = match &self.raw {
            Raw::Pg(pool) => sqlx::query_as(sql).fetch_one(pool).await?,
            Raw::Sqlite(pool) => sqlx::query_as(sql).fetch_one(pool).await?,
            Raw::MySql(pool) => sqlx::query_as(sql).fetch_one(pool).await?,
        };
        Ok(Fnv::new().int(p).int(c).int(a).finish())
    }

    async fn w7_orm(&self, meter: &mut Meter) -> BenchResult<u64> {
        let inputs = &self.data.w7;
        meter.start();
        let mut created = Vec::with_capacity(inputs.len());
        for input in inputs {
            let [(line1, city1), (line2, city2)] = &input.addresses;
            let product = Product::build()
                .title(input.title.as_str())
                .customer(Customer::build().name(input.customer.as_str()).addresses([
                    Address::build().line1(line1.as_str()).city(city1.as_str()),
                    Address::build().line1(line2.as_str()).city(city2.as_str()),
                ]))
                .create_nested(&self.db)
                .await?;
            created.push(product);
        }
        meter.stop();
        let mut total = self.w7_state().await?;
        for product in &created {
            let customer = product.customer().ok_or("W7: a product came back without its customer")?;
            total = total.wrapping_add(created_hash(product, customer, customer.addresses().iter().map(|a| &**a))?);
        }
        Ok(total)
    }

    /// The bulk hand-written nested create; with `trees`, it returns every created row typed
    /// (as the ORM's per-product call does), otherwise the product rows only (as `create_all`).
    async fn w7_sqlx(&self, meter: &mut Meter, trees: bool) -> BenchResult<u64> {
        let inputs = &self.data.w7;
        meter.start();
        // Generated keys increase in insertion order: the returned keys, sorted, follow the
        // input (RETURNING itself promises no order).
        let (mut customer_ids, mut product_ids, mut address_ids): (Vec<i64>, Vec<i64>, Vec<i64>);
        match &self.raw {
            Raw::Pg(pool) => {
                let mut tx = pool.begin().await?;
                let names: Vec<&str> = inputs.iter().map(|i| i.customer.as_str()).collect();
                customer_ids =
                    sqlx::query_scalar("INSERT INTO customers (name) SELECT * FROM UNNEST($1::text[]) RETURNING id")
                        .bind(&names)
                        .fetch_all(&mut *tx)
                        .await?;
                customer_ids.sort_unstable();
                let titles: Vec<&str> = inputs.iter().map(|i| i.title.as_str()).collect();
                product_ids = sqlx::query_scalar(
                    "INSERT INTO products (title, customer_id) \
                     SELECT * FROM UNNEST($1::text[], $2::int8[]) RETURNING id",
                )
                .bind(&titles)
                .bind(&customer_ids)
                .fetch_all(&mut *tx)
                .await?;
                let lines: Vec<&str> = inputs.iter().flat_map(|i| i.addresses.iter().map(|a| a.0.as_str())).collect();
                let cities: Vec<&str> = inputs.iter().flat_map(|i| i.addresses.iter().map(|a| a.1.as_str())).collect();
                let owners: Vec<i64> = customer_ids.iter().flat_map(|c| [*c, *c]).collect();
                address_ids = sqlx::query_scalar(
                    "INSERT INTO addresses (line1, city, customer_id) \
                     SELECT * FROM UNNEST($1::text[], $2::text[], $3::int8[]) RETURNING id",
                )
                .bind(&lines)
                .bind(&cities)
                .bind(&owners)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
            }
            Raw::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                customer_ids = Vec::with_capacity(inputs.len());
                for chunk in inputs.chunks(SQLITE_MAX_BINDS) {
                    let sql =
                        format!("INSERT INTO customers (name) VALUES {} RETURNING id", values_list(chunk.len(), 1));
                    let mut query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
                    for input in chunk {
                        query = query.bind(input.customer.as_str());
                    }
                    customer_ids.extend(query.fetch_all(&mut *tx).await?);
                }
                customer_ids.sort_unstable();
                product_ids = Vec::with_capacity(inputs.len());
                let per = SQLITE_MAX_BINDS / 2;
                for (chunk, owners) in inputs.chunks(per).zip(customer_ids.chunks(per)) {
                    let sql = format!(
                        "INSERT INTO products (title, customer_id) VALUES {} RETURNING id",
                        values_list(chunk.len(), 2)
                    );
                    let mut query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
                    for (input, owner) in chunk.iter().zip(owners) {
                        query = query.bind(input.title.as_str()).bind(*owner);
                    }
                    product_ids.extend(query.fetch_all(&mut *tx).await?);
                }
                address_ids = Vec::with_capacity(inputs.len() * 2);
                let per = SQLITE_MAX_BINDS / 6;
                for (chunk, owners) in inputs.chunks(per).zip(customer_ids.chunks(per)) {
                    let sql = format!(
                        "INSERT INTO addresses (line1, city, customer_id) VALUES {} RETURNING id",
                        values_list(chunk.len() * 2, 3)
                    );
                    let mut query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
                    for (input, owner) in chunk.iter().zip(owners) {
                        for (line1, city) in &input.addresses {
                            query = query.bind(line1.as_str()).bind(city.as_str()).bind(*owner);
                        }
                    }
                    address_ids.extend(query.fetch_all(&mut *tx).await?);
                }
                tx.commit().await?;
            }
            Raw::MySql(pool) => {
                // Multi-row `INSERT … RETURNING` (MariaDB 10.5+), chunked under the bind limit.
                let mut tx = pool.begin().await?;
                customer_ids = Vec::with_capacity(inputs.len());
                for chunk in inputs.chunks(MYSQL_MAX_BINDS) {
                    let sql =
                        format!("INSERT INTO customers (name) VALUES {} RETURNING id", values_list(chunk.len(), 1));
                    let mut query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
                    for input in chunk {
                        query = query.bind(input.customer.as_str());
                    }
                    customer_ids.extend(query.fetch_all(&mut *tx).await?);
                }
                customer_ids.sort_unstable();
                product_ids = Vec::with_capacity(inputs.len());
                let per = MYSQL_MAX_BINDS / 2;
                for (chunk, owners) in inputs.chunks(per).zip(customer_ids.chunks(per)) {
                    let sql = format!(
                        "INSERT INTO products (title, customer_id) VALUES {} RETURNING id",
                        values_list(chunk.len(), 2)
                    );
                    let mut query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
                    for (input, owner) in chunk.iter().zip(owners) {
                        query = query.bind(input.title.as_str()).bind(*owner);
                    }
                    product_ids.extend(query.fetch_all(&mut *tx).await?);
                }
                address_ids = Vec::with_capacity(inputs.len() * 2);
                let per = MYSQL_MAX_BINDS / 6;
                for (chunk, owners) in inputs.chunks(per).zip(customer_ids.chunks(per)) {
                    let sql = format!(
                        "INSERT INTO addresses (line1, city, customer_id) VALUES {} RETURNING id",
                        values_list(chunk.len() * 2, 3)
                    );
                    let mut query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
                    for (input, owner) in chunk.iter().zip(owners) {
                        for (line1, city) in &input.addresses {
                            query = query.bind(line1.as_str()).bind(city.as_str()).bind(*owner);
                        }
                    }
                    address_ids.extend(query.fetch_all(&mut *tx).await?);
                }
                tx.commit().await?;
            }
        }
        product_ids.sort_unstable();
        if !trees {
            let products: Vec<Product> = inputs
                .iter()
                .zip(&product_ids)
                .zip(&customer_ids)
                .map(|((input, id), customer)| Product {
                    id: *id,
                    title: input.title.clone(),
                    customer_id: Some(*customer),
                })
                .collect();
            meter.stop();
            return self.w7_tree_state(&products).await;
        }
        address_ids.sort_unstable();
        let created = assemble_created(inputs, &customer_ids, &product_ids, &address_ids)?;
        meter.stop();
        let mut total = self.w7_state().await?;
        for (product, customer, addresses) in &created {
            total = total.wrapping_add(created_hash(product, customer, addresses.iter())?);
        }
        Ok(total)
    }

    /// W7c: the created trees as stored (read back the same way for both sides), and the
    /// product rows returned.
    async fn w7_tree_state(&self, products: &[Product]) -> BenchResult<u64> {
        let sql = "SELECT p.title, c.name, a.line1, a.city FROM products p \
                   JOIN customers c ON c.id = p.customer_id JOIN addresses a ON a.customer_id = c.id";
        let rows: Vec<(String, String, String, String)> = match &self.raw {
            Raw::Pg(pool) => sqlx::query_as(sql).fetch_all(pool).await?,
            Raw::Sqlite(pool) => sqlx::query_as(sql).fetch_all(pool).await?,
            Raw::MySql(pool) => sqlx::query_as(sql).fetch_all(pool).await?,
        };
        let mut total = self.w7_state().await?;
        for (title, name, line1, city) in &rows {
            total = total.wrapping_add(Fnv::new().str(title).str(name).str(line1).str(city).finish());
        }
        for product in products {
            if product.customer_id.is_none() {
                return Err(format!("W7c: product {} came back without its customer key", product.title).into());
            }
            total = total.wrapping_add(Fnv::new().str("product").str(&product.title).finish());
        }
        Ok(total)
    }

    async fn w7c_orm(&self, meter: &mut Meter) -> BenchResult<u64> {
        let inputs = &self.data.w7;
        meter.start();
        let builders = inputs.iter().map(|input| {
            let [(line1, city1), (line2, city2)] = &input.addresses;
            Product::build().title(input.title.as_str()).customer(
                Customer::build().name(input.customer.as_str()).addresses([
                    Address::build().line1(line1.as_str()).city(city1.as_str()),
                    Address::build().line1(line2.as_str()).city(city2.as_str()),
                ]),
            )
        });
        let products = Product::create_all(&self.db, builders).await?;
        meter.stop();
        self.w7_tree_state(&products).await
    }

    /// The hand-written code shaped like the ORM's call: one transaction per product.
    async fn w7b_sqlx(&self, meter: &mut Meter) -> BenchResult<u64> {
        let inputs = &self.data.w7;
        meter.start();
        let mut created = Vec::with_capacity(inputs.len());
        for input in inputs {
            let [(line1, city1), (line2, city2)] = &input.addresses;
            let (customer_id, product_id, mut address_ids): (i64, i64, Vec<i64>) = match &self.raw {
                Raw::Pg(pool) => {
                    let mut tx = pool.begin().await?;
                    let customer: i64 = sqlx::query_scalar("INSERT INTO customers (name) VALUES ($1) RETURNING id")
                        .bind(input.customer.as_str())
                        .fetch_one(&mut *tx)
                        .await?;
                    let product: i64 =
                        sqlx::query_scalar("INSERT INTO products (title, customer_id) VALUES ($1, $2) RETURNING id")
                            .bind(input.title.as_str())
                            .bind(customer)
                            .fetch_one(&mut *tx)
                            .await?;
                    let addresses: Vec<i64> = sqlx::query_scalar(
                        "INSERT INTO addresses (line1, city, customer_id) VALUES ($1, $2, $3), ($4, $5, $3) RETURNING id",
                    )
                    .bind(line1.as_str())
                    .bind(city1.as_str())
                    .bind(customer)
                    .bind(line2.as_str())
                    .bind(city2.as_str())
                    .fetch_all(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    (customer, product, addresses)
                }
                Raw::Sqlite(pool) => {
                    let mut tx = pool.begin().await?;
                    let customer: i64 = sqlx::query_scalar("INSERT INTO customers (name) VALUES (?) RETURNING id")
                        .bind(input.customer.as_str())
                        .fetch_one(&mut *tx)
                        .await?;
                    let product: i64 =
                        sqlx::query_scalar("INSERT INTO products (title, customer_id) VALUES (?, ?) RETURNING id")
                            .bind(input.title.as_str())
                            .bind(customer)
                            .fetch_one(&mut *tx)
                            .await?;
                    let addresses: Vec<i64> = sqlx::query_scalar(
                        "INSERT INTO addresses (line1, city, customer_id) VALUES (?1, ?2, ?3), (?4, ?5, ?3) RETURNING id",
                    )
                    .bind(line1.as_str())
                    .bind(city1.as_str())
                    .bind(customer)
                    .bind(line2.as_str())
                    .bind(city2.as_str())
                    .fetch_all(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    (customer, product, addresses)
                }
                Raw::MySql(pool) => {
                    // One-row inserts read their key from the OK packet (`LAST_INSERT_ID()`);
                    // the two addresses come back through `RETURNING`.
                    let mut tx = pool.begin().await?;
                    let customer = sqlx::query("INSERT INTO customers (name) VALUES (?)")
                        .bind(input.customer.as_str())
                        .execute(&mut *tx)
                        .await?
                        .last_insert_id();
                    let customer = i64::try_from(customer)?;
                    let product = sqlx::query("INSERT INTO products (title, customer_id) VALUES (?, ?)")
                        .bind(input.title.as_str())
                        .bind(customer)
                        .execute(&mut *tx)
                        .await?
                        .last_insert_id();
                    let product = i64::try_from(product)?;
                    let addresses: Vec<i64> = sqlx::query_scalar(
                        "INSERT INTO addresses (line1, city, customer_id) VALUES (?, ?, ?), (?, ?, ?) RETURNING id",
                    )
                    .bind(line1.as_str())
                    .bind(city1.as_str())
                    .bind(customer)
                    .bind(line2.as_str())
                    .bind(city2.as_str())
                    .bind(customer)
                    .fetch_all(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    (customer, product, addresses)
                }
            };
            address_ids.sort_unstable();
            created.push(assemble_one(input, customer_id, product_id, &address_ids)?);
        }
        meter.stop();
        let mut total = self.w7_state().await?;
        for (product, customer, addresses) in &created {
            total = total.wrapping_add(created_hash(product, customer, addresses.iter())?);
        }
        Ok(total)
    }
}

/// A product the hand-written code created, as the typed rows the ORM returns.
type Created = (Product, Customer, Vec<Address>);

fn assemble_one(input: &data::NewProduct, customer: i64, product: i64, addresses: &[i64]) -> BenchResult<Created> {
    if addresses.len() != input.addresses.len() {
        return Err("W7: an address insert returned the wrong number of keys".into());
    }
    Ok((
        Product { id: product, title: input.title.clone(), customer_id: Some(customer) },
        Customer { id: customer, name: input.customer.clone() },
        input
            .addresses
            .iter()
            .zip(addresses)
            .map(|((line1, city), id)| Address {
                id: *id,
                line1: line1.clone(),
                city: city.clone(),
                customer_id: customer,
            })
            .collect(),
    ))
}

fn assemble_created(
    inputs: &[data::NewProduct],
    customers: &[i64],
    products: &[i64],
    addresses: &[i64],
) -> BenchResult<Vec<Created>> {
    if customers.len() != inputs.len() || products.len() != inputs.len() || addresses.len() != inputs.len() * 2 {
        return Err("W7: an insert returned the wrong number of keys".into());
    }
    inputs
        .iter()
        .zip(customers)
        .zip(products)
        .zip(addresses.chunks(2))
        .map(|(((input, customer), product), addresses)| assemble_one(input, *customer, *product, addresses))
        .collect()
}
