//! The deterministic dataset, its sizes at a scale, and the bulk loading and restoring done with
//! plain sqlx outside the measured sections (on SQLite, PostgreSQL and MariaDB).

use std::collections::HashSet;

use sqlx::{MySql, MySqlPool, PgPool, QueryBuilder, SqlitePool};

use crate::BenchResult;

/// The most values one MariaDB statement binds (the prepared-statement protocol counts them in
/// a `u16`).
pub const MYSQL_MAX_BINDS: usize = 65_535;

/// Tasks per user.
pub const TASKS_PER_USER: i64 = 10;
/// Project links tried per user (before deduplication).
pub const LINKS_PER_USER: i64 = 5;

/// How many rows of each kind, and how large each workload is, at a scale.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    /// Users (10,000 at scale 1).
    pub users: i64,
    /// Projects (1,000 at scale 1).
    pub projects: i64,
    /// W4: users whose projects are set (1,000).
    pub w4_users: usize,
    /// W5: users whose tasks are read one call each (2,000).
    pub w5_users: usize,
    /// W6: task keys added to user 1 (20,000).
    pub w6_keys: usize,
    /// W7: products created with a customer and two addresses (1,000).
    pub w7_products: usize,
    /// W8: owners, each with [`W8_ITEMS_PER_OWNER`] items (100,000).
    pub w8_owners: i64,
}

/// W8: items per owner (1,000,000 items at scale 1).
pub const W8_ITEMS_PER_OWNER: i64 = 10;

fn scaled(base: f64, scale: f64, min: i64) -> i64 {
    ((base * scale).round() as i64).max(min)
}

impl Sizes {
    /// The sizes at `scale` (1.0: the numbers). Every count scales together.
    pub fn at(scale: f64) -> Sizes {
        let users = scaled(10_000.0, scale, 30);
        let projects = scaled(1_000.0, scale, 10);
        let cap = |n: i64, max: i64| usize::try_from(n.min(max)).unwrap_or(1).max(1);
        Sizes {
            users,
            projects,
            w4_users: cap(scaled(1_000.0, scale, 1), users),
            w5_users: cap(scaled(2_000.0, scale, 1), users),
            // Tasks of users 2, 3, …: never more than the other users hold.
            w6_keys: cap(scaled(20_000.0, scale, 1), (users - 1) * TASKS_PER_USER),
            w7_products: cap(scaled(1_000.0, scale, 1), i64::MAX),
            w8_owners: scaled(100_000.0, scale, 10),
        }
    }
}

/// A task row as loaded.
#[derive(Debug, Clone)]
pub struct TaskRow {
    /// Key.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Done flag.
    pub done: bool,
    /// Owner.
    pub user_id: i64,
}

/// A user-project link as loaded.
#[derive(Debug, Clone)]
pub struct LinkRow {
    /// Key of the join row.
    pub id: i64,
    /// User.
    pub user_id: i64,
    /// Project.
    pub project_id: i64,
    /// `active` or `paused`.
    pub status: &'static str,
}

/// The generated rows.
#[derive(Debug)]
pub struct Dataset {
    /// The sizes it was generated for.
    pub sizes: Sizes,
    /// `(id, name)`.
    pub users: Vec<(i64, String)>,
    /// Every task.
    pub tasks: Vec<TaskRow>,
    /// `(id, name)`.
    pub projects: Vec<(i64, String)>,
    /// Every link, ordered by user.
    pub links: Vec<LinkRow>,
    /// W4: the three projects each of the first users is set to.
    pub w4_targets: Vec<[i64; 3]>,
    /// W6: the task keys added to user 1.
    pub w6_keys: Vec<i64>,
    /// W7: what each product is created with.
    pub w7: Vec<NewProduct>,
}

/// W7 input: a product, its new customer and the customer's two addresses.
#[derive(Debug, Clone)]
pub struct NewProduct {
    /// Product title.
    pub title: String,
    /// Customer name.
    pub customer: String,
    /// `(line1, city)` of each address.
    pub addresses: [(String, String); 2],
}

impl Dataset {
    /// Generates the dataset for `sizes`.
    pub fn generate(sizes: Sizes) -> Dataset {
        let users: Vec<(i64, String)> = (1..=sizes.users).map(|i| (i, format!("user {i}"))).collect();
        let mut tasks = Vec::with_capacity((sizes.users * TASKS_PER_USER) as usize);
        for i in 1..=sizes.users {
            for k in 0..TASKS_PER_USER {
                tasks.push(TaskRow {
                    id: (i - 1) * TASKS_PER_USER + k + 1,
                    title: format!("task {i}-{k}"),
                    done: k % 3 == 0,
                    user_id: i,
                });
            }
        }
        let projects: Vec<(i64, String)> = (1..=sizes.projects).map(|p| (p, format!("project {p}"))).collect();
        let mut links = Vec::with_capacity((sizes.users * LINKS_PER_USER) as usize);
        let mut w4_targets = Vec::with_capacity(sizes.w4_users);
        for i in 1..=sizes.users {
            let mut seen = HashSet::new();
            let mut mine = Vec::new();
            for k in 0..LINKS_PER_USER {
                let project = (i * 7 + k * 13) % sizes.projects + 1;
                if seen.insert(project) {
                    let status = if k % 2 == 0 { "active" } else { "paused" };
                    links.push(LinkRow { id: links.len() as i64 + 1, user_id: i, project_id: project, status });
                    mine.push(project);
                }
            }
            if (i as usize) <= sizes.w4_users {
                // Keep the first link (active), keep the second (paused: the write makes it
                // active), and add a project the user is not in yet.
                let mut fresh = (i * 7 + 500) % sizes.projects + 1;
                while seen.contains(&fresh) {
                    fresh = fresh % sizes.projects + 1;
                }
                let second = mine.get(1).copied().unwrap_or(fresh % sizes.projects + 1);
                w4_targets.push([mine[0], second, fresh]);
            }
        }
        let w6_keys = (0..sizes.w6_keys as i64).map(|n| TASKS_PER_USER + 1 + n).collect();
        let w7 = (0..sizes.w7_products)
            .map(|n| NewProduct {
                title: format!("product {n}"),
                customer: format!("customer {n}"),
                addresses: [
                    (format!("{n} Main St."), "Austin".to_owned()),
                    (format!("{n} Side St."), "Boston".to_owned()),
                ],
            })
            .collect();
        Dataset { sizes, users, tasks, projects, links, w4_targets, w6_keys, w7 }
    }

    /// The links of users `1..=max_user`.
    pub fn links_up_to(&self, max_user: i64) -> &[LinkRow] {
        let end = self.links.partition_point(|l| l.user_id <= max_user);
        &self.links[..end]
    }
}

/// Loads the dataset into PostgreSQL with `UNNEST` inserts in one transaction, moves the
/// identity sequences past the explicit keys, and analyzes.
pub async fn load_pg(pool: &PgPool, data: &Dataset) -> BenchResult<()> {
    let mut tx = pool.begin().await?;
    let (ids, names): (Vec<i64>, Vec<&str>) = data.users.iter().map(|(i, n)| (*i, n.as_str())).unzip();
    sqlx::query("INSERT INTO users (id, name) SELECT * FROM UNNEST($1::int8[], $2::text[])")
        .bind(&ids)
        .bind(&names)
        .execute(&mut *tx)
        .await?;
    let (ids, names): (Vec<i64>, Vec<&str>) = data.projects.iter().map(|(i, n)| (*i, n.as_str())).unzip();
    sqlx::query("INSERT INTO projects (id, name) SELECT * FROM UNNEST($1::int8[], $2::text[])")
        .bind(&ids)
        .bind(&names)
        .execute(&mut *tx)
        .await?;
    let ids: Vec<i64> = data.tasks.iter().map(|t| t.id).collect();
    let titles: Vec<&str> = data.tasks.iter().map(|t| t.title.as_str()).collect();
    let done: Vec<bool> = data.tasks.iter().map(|t| t.done).collect();
    let owners: Vec<i64> = data.tasks.iter().map(|t| t.user_id).collect();
    sqlx::query(
        "INSERT INTO tasks (id, title, done, user_id) SELECT * FROM UNNEST($1::int8[], $2::text[], $3::bool[], $4::int8[])",
    )
    .bind(&ids)
    .bind(&titles)
    .bind(&done)
    .bind(&owners)
    .execute(&mut *tx)
    .await?;
    insert_links_pg(&mut tx, &data.links).await?;
    for table in ["users", "tasks", "projects", "user_projects"] {
        let sql = format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))");
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    sqlx::query("ANALYZE").execute(pool).await?;
    Ok(())
}

async fn insert_links_pg(tx: &mut sqlx::PgTransaction<'_>, links: &[LinkRow]) -> BenchResult<()> {
    let ids: Vec<i64> = links.iter().map(|l| l.id).collect();
    let users: Vec<i64> = links.iter().map(|l| l.user_id).collect();
    let projects: Vec<i64> = links.iter().map(|l| l.project_id).collect();
    let statuses: Vec<&str> = links.iter().map(|l| l.status).collect();
    sqlx::query(
        "INSERT INTO user_projects (id, user_id, project_id, status) \
         SELECT * FROM UNNEST($1::int8[], $2::int8[], $3::int8[], $4::text[])",
    )
    .bind(&ids)
    .bind(&users)
    .bind(&projects)
    .bind(&statuses)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Loads the dataset into SQLite with `json_each` inserts in one transaction, and analyzes.
pub async fn load_sqlite(pool: &SqlitePool, data: &Dataset) -> BenchResult<()> {
    let mut tx = pool.begin().await?;
    let users = serde_json::to_string(&data.users)?;
    sqlx::query("INSERT INTO users (id, name) SELECT value ->> 0, value ->> 1 FROM json_each(?)")
        .bind(users)
        .execute(&mut *tx)
        .await?;
    let projects = serde_json::to_string(&data.projects)?;
    sqlx::query("INSERT INTO projects (id, name) SELECT value ->> 0, value ->> 1 FROM json_each(?)")
        .bind(projects)
        .execute(&mut *tx)
        .await?;
    let tasks: Vec<(i64, &str, i64, i64)> =
        data.tasks.iter().map(|t| (t.id, t.title.as_str(), i64::from(t.done), t.user_id)).collect();
    sqlx::query(
        "INSERT INTO tasks (id, title, done, user_id) \
         SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?)",
    )
    .bind(serde_json::to_string(&tasks)?)
    .execute(&mut *tx)
    .await?;
    insert_links_sqlite(&mut tx, &data.links).await?;
    tx.commit().await?;
    sqlx::query("ANALYZE").execute(pool).await?;
    Ok(())
}

async fn insert_links_sqlite(tx: &mut sqlx::SqliteTransaction<'_>, links: &[LinkRow]) -> BenchResult<()> {
    let rows: Vec<(i64, i64, i64, &str)> = links.iter().map(|l| (l.id, l.user_id, l.project_id, l.status)).collect();
    sqlx::query(
        "INSERT INTO user_projects (id, user_id, project_id, status) \
         SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?)",
    )
    .bind(serde_json::to_string(&rows)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// W4 reset on PostgreSQL: the original links of users `1..=max_user`, with their keys.
pub async fn restore_links_pg(pool: &PgPool, data: &Dataset, max_user: i64) -> BenchResult<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM user_projects WHERE user_id <= $1").bind(max_user).execute(&mut *tx).await?;
    insert_links_pg(&mut tx, data.links_up_to(max_user)).await?;
    tx.commit().await?;
    sqlx::query("VACUUM ANALYZE user_projects").execute(pool).await?;
    Ok(())
}

/// W4 reset on SQLite.
pub async fn restore_links_sqlite(pool: &SqlitePool, data: &Dataset, max_user: i64) -> BenchResult<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM user_projects WHERE user_id <= ?").bind(max_user).execute(&mut *tx).await?;
    insert_links_sqlite(&mut tx, data.links_up_to(max_user)).await?;
    tx.commit().await?;
    Ok(())
}

/// Inserts `rows` with multi-row `VALUES` lists, as many rows per statement as the bind limit
/// allows (`columns` binds a row).
async fn insert_mysql<T>(
    conn: &mut sqlx::MySqlConnection,
    head: &str,
    columns: usize,
    rows: &[T],
    mut bind: impl FnMut(&mut sqlx::query_builder::Separated<'_, MySql, &'static str>, &T),
) -> BenchResult<()> {
    for chunk in rows.chunks(MYSQL_MAX_BINDS / columns) {
        let mut insert = QueryBuilder::<MySql>::new(head);
        insert.push_values(chunk, |mut b, row| bind(&mut b, row));
        insert.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Loads the dataset into MariaDB with multi-row `INSERT`s in one transaction (the
/// `AUTO_INCREMENT` counters move past the explicit keys by themselves), and analyzes.
pub async fn load_mysql(pool: &MySqlPool, data: &Dataset) -> BenchResult<()> {
    let mut tx = pool.begin().await?;
    insert_mysql(&mut tx, "INSERT INTO users (id, name) ", 2, &data.users, |b, (id, name)| {
        b.push_bind(*id).push_bind(name.as_str());
    })
    .await?;
    insert_mysql(&mut tx, "INSERT INTO projects (id, name) ", 2, &data.projects, |b, (id, name)| {
        b.push_bind(*id).push_bind(name.as_str());
    })
    .await?;
    insert_mysql(&mut tx, "INSERT INTO tasks (id, title, done, user_id) ", 4, &data.tasks, |b, t| {
        b.push_bind(t.id).push_bind(t.title.as_str()).push_bind(t.done).push_bind(t.user_id);
    })
    .await?;
    insert_links_mysql(&mut tx, &data.links).await?;
    tx.commit().await?;
    sqlx::raw_sql("ANALYZE TABLE users, tasks, projects, user_projects").execute(pool).await?;
    Ok(())
}

async fn insert_links_mysql(conn: &mut sqlx::MySqlConnection, links: &[LinkRow]) -> BenchResult<()> {
    insert_mysql(conn, "INSERT INTO user_projects (id, user_id, project_id, status) ", 4, links, |b, l| {
        b.push_bind(l.id).push_bind(l.user_id).push_bind(l.project_id).push_bind(l.status);
    })
    .await
}

/// W4 reset on MariaDB.
pub async fn restore_links_mysql(pool: &MySqlPool, data: &Dataset, max_user: i64) -> BenchResult<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM user_projects WHERE user_id <= ?").bind(max_user).execute(&mut *tx).await?;
    insert_links_mysql(&mut tx, data.links_up_to(max_user)).await?;
    tx.commit().await?;
    sqlx::raw_sql("ANALYZE TABLE user_projects").execute(pool).await?;
    Ok(())
}
