//! Row locks (issue 17): `for_update()` and `for_share()` lock the queried rows until the
//! transaction ends on PostgreSQL and MariaDB, write nothing on SQLite (whose transactions hold
//! the database's write lock), and are refused where they would lock nothing.

use std::time::Duration;

use orm::prelude::*;
use orm::{Error, count_all};

use crate::on_all;
use crate::support::{is_mariadb, is_postgres, is_sqlite};

#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Entry)]
pub struct Account {
    pub id: i64,
    pub owner: String,
    pub balance: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: i64,
    pub amount: i64,
    pub account_id: Option<i64>,
}

async fn seed(db: &Db) -> Result<Account, Error> {
    Schema::new().model::<Account>().model::<Entry>().sync(db).await?;
    let account = Account::build().owner("ann").balance(100).create(db).await?;
    Entry::build().amount(100).account_id(account.id).create(db).await?;
    Ok(account)
}

/// How long a blocked statement must still be waiting before the test releases its lock.
const STILL_WAITING: Duration = Duration::from_millis(300);
/// How long a statement may take once nothing blocks it.
const SOON: Duration = Duration::from_secs(10);

on_all! {
    async fn a_lock_outside_a_transaction_is_an_error_and_runs_nothing(db: Db) -> TestResult {
        let account = seed(&db).await?;
        let before = db.statement_count();
        let all = Account::find().for_update().all(&db).await;
        assert!(matches!(all, Err(Error::LockOutsideTransaction { model: "Account" })), "{all:?}");
        let one = Account::find().filter(Account::id().eq(account.id)).for_share().one(&db).await;
        assert!(matches!(one, Err(Error::LockOutsideTransaction { .. })), "{one:?}");
        let projected = Account::find().select(Account::balance()).for_update().all(&db).await;
        assert!(matches!(projected, Err(Error::LockOutsideTransaction { .. })), "{projected:?}");
        assert_eq!(db.statement_count(), before, "nothing ran");
        Ok(())
    }
}

on_all! {
    async fn lock_clauses_are_the_backends_and_lock_only_the_queried_table(db: Db) -> TestResult {
        let account = seed(&db).await?;
        let mut tx = db.begin().await?;
        db.record_statements(true);
        let rows = Account::find().include(Account::entries()).for_update().all(&mut tx).await?;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].entries().len(), 1);
        let shared = Account::find().filter(Account::id().eq(account.id)).limit(1).for_share().one(&mut tx).await?;
        assert_eq!(shared.map(|a| a.balance), Some(100));
        let balances: Vec<i64> = Account::find().select(Account::balance()).for_update().all(&mut tx).await?;
        assert_eq!(balances, [100]);
        let statements = db.take_statements();
        tx.commit().await?;
        let (update, share) = if is_postgres(&db) {
            (" FOR UPDATE", " FOR SHARE")
        } else if is_mariadb(&db) {
            (" FOR UPDATE", " LOCK IN SHARE MODE")
        } else {
            ("", "")
        };
        assert_eq!(statements.len(), 4, "{statements:?}");
        if is_sqlite(&db) {
            assert!(statements.iter().all(|s| !s.contains(" FOR ") && !s.contains(" LOCK ")), "{statements:?}");
        } else {
            assert!(statements[0].ends_with(update), "{statements:?}");
            assert!(!statements[1].contains(update.trim()), "the included entries are not locked: {statements:?}");
            assert!(statements[2].ends_with(share), "after LIMIT: {statements:?}");
            assert!(statements[3].ends_with(update), "{statements:?}");
        }
        Ok(())
    }
}

on_all! {
    async fn a_lock_on_an_aggregate_or_a_group_is_an_error(db: Db) -> TestResult {
        seed(&db).await?;
        let mut tx = db.begin().await?;
        let count = Account::find().for_update().count(&mut tx).await;
        assert!(matches!(count, Err(Error::LockOnAggregate { model: "Account" })), "{count:?}");
        let sum = Account::find().for_share().sum(Account::balance(), &mut tx).await;
        assert!(matches!(sum, Err(Error::LockOnAggregate { .. })), "{sum:?}");
        let aggregate = Account::find().select((Account::owner(), count_all::<Account>())).for_update().all(&mut tx).await;
        assert!(matches!(aggregate, Err(Error::LockOnAggregate { .. })), "{aggregate:?}");
        let grouped = Account::find().select(Account::owner()).group_by(Account::owner()).for_update().all(&mut tx).await;
        assert!(matches!(grouped, Err(Error::LockOnAggregate { .. })), "{grouped:?}");
        // The transaction is untouched: nothing ran.
        assert_eq!(Account::find().count(&mut tx).await?, 1);
        tx.commit().await?;
        Ok(())
    }
}

on_all! {
    async fn for_update_makes_a_second_locking_read_wait_for_the_commit(db: Db) -> TestResult {
        let account = seed(&db).await?;
        if is_sqlite(&db) {
            // No row locks: a SQLite transaction holds the database's write lock from `BEGIN
            // IMMEDIATE`, and the in-memory database has one connection, so a second
            // transaction cannot even start meanwhile.
            return Ok(());
        }
        let this = move || Account::find().filter(Account::id().eq(account.id));
        let mut first = db.begin().await?;
        let read = this().for_update().one(&mut first).await?;
        assert_eq!(read.map(|a| a.balance), Some(100));
        let second = tokio::spawn({
            let db = db.clone();
            async move {
                let mut tx = db.begin().await?;
                let row = this().for_update().one(&mut tx).await?;
                tx.commit().await?;
                Ok::<_, Error>(row)
            }
        });
        tokio::time::sleep(STILL_WAITING).await;
        assert!(!second.is_finished(), "the second `for_update` waits for the first transaction");
        Account::update().set(Account::balance(), 50_i64).filter(Account::id().eq(account.id)).exec(&mut first).await?;
        first.commit().await?;
        let row = tokio::time::timeout(SOON, second).await???;
        assert_eq!(row.map(|a| a.balance), Some(50), "it reads the row as committed by the first");
        Ok(())
    }
}

on_all! {
    async fn for_share_lets_readers_share_and_makes_writers_wait(db: Db) -> TestResult {
        let account = seed(&db).await?;
        if is_sqlite(&db) {
            // See `for_update_makes_a_second_locking_read_wait_for_the_commit`.
            return Ok(());
        }
        let this = move || Account::find().filter(Account::id().eq(account.id));
        let mut first = db.begin().await?;
        this().for_share().one(&mut first).await?;
        let mut second = db.begin().await?;
        let shared = tokio::time::timeout(SOON, this().for_share().one(&mut second)).await??;
        assert_eq!(shared.map(|a| a.balance), Some(100), "a second share lock is granted at once");
        second.commit().await?;
        let writer = tokio::spawn({
            let db = db.clone();
            async move {
                let mut tx = db.begin().await?;
                let changed =
                    Account::update().set(Account::balance(), 0_i64).filter(Account::id().eq(account.id)).exec(&mut tx).await?;
                tx.commit().await?;
                Ok::<_, Error>(changed)
            }
        });
        tokio::time::sleep(STILL_WAITING).await;
        assert!(!writer.is_finished(), "a write waits for the share lock");
        first.commit().await?;
        assert_eq!(tokio::time::timeout(SOON, writer).await???, 1);
        assert_eq!(this().one(&db).await?.map(|a| a.balance), Some(0));
        Ok(())
    }
}
