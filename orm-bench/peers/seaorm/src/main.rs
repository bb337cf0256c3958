//! `orm-bench-seaorm`: the `orm-bench` harness with SeaORM 2.0 as a peer, in the same run: its
//! own idiomatic code for W1, W2, W5 and W6, interleaved with the `orm` crate's and the
//! hand-written sqlx, on the same database and data, under the same measuring rules and
//! checksum check. The command line is `orm-bench`'s (see `orm-bench/src/lib.rs`).
//!
//! ```text
//! cargo run --release --manifest-path orm-bench/peers/seaorm/Cargo.toml -- [--backend sqlite|postgres|mariadb] [--scale F] [--smoke]
//! ```
//!
//! A workspace of its own (see `README.md`): the root workspace's `--all-features` builds never
//! build SeaORM.

mod entities;

use orm_bench::peer::{BoxFuture, checksum};
use orm_bench::{BenchResult, Meter, Peer, PeerSession, Produced, Raw, Workload, data::Dataset};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{
    DatabaseConnection, QueryOrder as _, SqlxMySqlConnector, SqlxPostgresConnector, SqlxSqliteConnector,
    TransactionTrait as _,
};

use crate::entities::{project, task, user, user_project};

/// SeaORM 2.0.
struct SeaOrm;

impl Peer for SeaOrm {
    fn name(&self) -> &'static str {
        "seaorm"
    }

    fn supports(&self, workload: Workload) -> bool {
        matches!(workload, Workload::W1 | Workload::W2 | Workload::W5 | Workload::W6)
    }

    fn connect<'a>(&'a self, pool: Raw, data: &'a Dataset) -> BoxFuture<'a, BenchResult<Box<dyn PeerSession + 'a>>> {
        Box::pin(async move {
            // SeaORM over the sqlx pool the harness opened with the hand-written side's
            // session settings (search path and plan cache mode on PostgreSQL, strict mode and
            // READ COMMITTED on MariaDB, foreign keys on SQLite).
            let db = match pool {
                Raw::Pg(pool) => SqlxPostgresConnector::from_sqlx_postgres_pool(pool),
                Raw::Sqlite(pool) => SqlxSqliteConnector::from_sqlx_sqlite_pool(pool),
                Raw::MySql(pool) => SqlxMySqlConnector::from_sqlx_mysql_pool(pool),
            };
            // W5's users, loaded once, as the other sides do.
            let users = user::Entity::find()
                .filter(user::Column::Id.lte(data.sizes.w5_users as i64))
                .order_by_asc(user::Column::Id)
                .all(&db)
                .await?;
            let session: Box<dyn PeerSession + 'a> = Box::new(Session { db, data, users });
            Ok(session)
        })
    }
}

/// SeaORM open on one backend.
struct Session<'a> {
    db: DatabaseConnection,
    data: &'a Dataset,
    /// The first users, by key (W5).
    users: Vec<user::Model>,
}

impl PeerSession for Session<'_> {
    fn run<'a>(&'a self, workload: Workload, meter: &'a mut Meter) -> BoxFuture<'a, BenchResult<Produced>> {
        Box::pin(async move {
            match workload {
                Workload::W1 => self.w1(meter).await.map(Produced::Checksum),
                Workload::W2 => self.w2(meter).await.map(Produced::Checksum),
                Workload::W5 => self.w5(meter).await.map(Produced::Checksum),
                Workload::W6 => self.w6(meter).await.map(|()| Produced::Written),
                other => Err(format!("seaorm: no code for {}", other.key()).into()),
            }
        })
    }
}

fn task_hash(owner: i64, task: &task::ModelEx) -> u64 {
    checksum::task(owner, task.id, &task.title, task.done, task.user_id)
}

impl Session<'_> {
    /// W1: every user with its tasks, by SeaORM 2.0's Entity Loader (one query for the users,
    /// one `IN (…)` query for their tasks).
    async fn w1(&self, meter: &mut Meter) -> BenchResult<u64> {
        meter.start();
        let users = user::Entity::load().with(task::Entity).all(&self.db).await?;
        meter.stop();
        Ok(checksum::sum(users.iter().flat_map(|u| {
            std::iter::once(checksum::user(u.id, &u.name)).chain(u.tasks.iter().map(|t| task_hash(u.id, t)))
        })))
    }

    /// W2: every user with its projects and the join rows (their status): the Entity Loader
    /// through the join entity, nested (users; their `user_projects`; those rows' projects).
    async fn w2(&self, meter: &mut Meter) -> BenchResult<u64> {
        meter.start();
        let users = user::Entity::load().with((user_project::Entity, project::Entity)).all(&self.db).await?;
        meter.stop();
        let mut hashes = Vec::new();
        for u in &users {
            hashes.push(checksum::user(u.id, &u.name));
            for m in &u.memberships {
                let project = m.project.as_ref().ok_or("seaorm W2: a membership without its project")?;
                hashes.push(checksum::link(
                    u.id,
                    (project.id, &project.name),
                    (m.id, m.user_id, m.project_id, &m.status),
                ));
            }
        }
        Ok(checksum::sum(hashes))
    }

    /// W5: each of the first users' tasks, one lazy `find_related` call per user.
    async fn w5(&self, meter: &mut Meter) -> BenchResult<u64> {
        let users = &self.users;
        meter.start();
        let mut all = Vec::with_capacity(users.len());
        for u in users {
            all.push(u.find_related(task::Entity).all(&self.db).await?);
        }
        meter.stop();
        Ok(checksum::sum(
            users
                .iter()
                .zip(&all)
                .flat_map(|(u, tasks)| tasks.iter().map(|t| checksum::task(u.id, t.id, &t.title, t.done, t.user_id))),
        ))
    }

    /// W6: the tasks of the given keys move to user 1, in one transaction that fails (and
    /// changes nothing) when a key matches no task, as the other sides do.
    async fn w6(&self, meter: &mut Meter) -> BenchResult<()> {
        let keys = self.data.w6_keys.clone();
        let owner = self.users.first().ok_or("seaorm W6: no user 1")?.id;
        meter.start();
        let txn = self.db.begin().await?;
        let expected = keys.len() as u64;
        let updated = task::Entity::update_many()
            .col_expr(task::Column::UserId, Expr::value(owner))
            .filter(task::Column::Id.is_in(keys))
            .exec(&txn)
            .await?
            .rows_affected;
        if updated == expected {
            txn.commit().await?;
        } else {
            txn.rollback().await?;
        }
        meter.stop();
        if updated != expected {
            return Err(format!("seaorm W6: {updated} tasks updated for {expected} keys").into());
        }
        Ok(())
    }
}

fn main() -> BenchResult<()> {
    orm_bench::run_main(&[&SeaOrm])
}
