//! Fault-injection sweeps of the row-level writes that take more than one statement: an
//! increment read back in its unit (MariaDB), versioned saves and destroys with hooks (the
//! stale path too), an upsert with hooks and an explicit generated key, and find_or_create
//! (created, and the lost race that finds the row again).

use super::*;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Tally {
    pub id: i64,
    pub name: String,
    pub count: i32,
}

// Versioned, with hooks that write a log row in the unit, and a hooked cascade.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(hooks)]
#[has_many(Sheet, on_delete = "cascade", hooks = true)]
pub struct Ledger {
    pub id: i64,
    #[model(unique)]
    pub code: String,
    pub title: String,
    #[model(version)]
    pub version: i32,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(hooks)]
pub struct Sheet {
    pub id: i64,
    pub name: String,
    pub ledger_id: Option<i64>,
    #[model(version)]
    pub version: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Nickname)]
pub struct Citizen {
    pub id: i64,
    #[model(unique)]
    pub email: String,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Nickname {
    pub id: i64,
    pub name: String,
    pub citizen_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct LedgerLog {
    pub id: i64,
    pub event: String,
}

async fn log(tx: &mut orm::Tx, event: String) -> orm::Result<()> {
    raw("INSERT INTO ledger_logs (event) VALUES (?)").bind(event).execute(tx).await.map(drop)
}

#[orm::hooks]
impl Ledger {
    async fn before_create(&mut self, tx: &mut orm::Tx) -> orm::Result<()> {
        log(tx, format!("create {}", self.code)).await
    }
    async fn before_update(&mut self, tx: &mut orm::Tx) -> orm::Result<()> {
        log(tx, format!("update {}", self.code)).await
    }
    async fn after_update(&mut self, tx: &mut orm::Tx) -> orm::Result<()> {
        log(tx, format!("updated {} to {}", self.code, self.version)).await
    }
    async fn before_destroy(&self, tx: &mut orm::Tx) -> orm::Result<()> {
        log(tx, format!("destroy {}", self.code)).await
    }
}

#[orm::hooks]
impl Sheet {
    async fn after_destroy(&self, tx: &mut orm::Tx) -> orm::Result<()> {
        log(tx, format!("destroyed sheet {}", self.name)).await
    }
}

async fn setup(db: &Db) -> Result<Ledger, BoxError> {
    Schema::new().model::<Tally>().model::<Ledger>().model::<Citizen>().model::<LedgerLog>().sync(db).await?;
    Tally::create_many(db, [("a", 1), ("b", 2)].map(|(n, c)| Tally { id: 0, name: n.into(), count: c })).await?;
    let ledger = Ledger::build()
        .code("L1")
        .title("first")
        .sheets([Sheet::build().name("s1"), Sheet::build().name("s2")])
        .create(db)
        .await?;
    Ledger::build().code("L2").title("kept").create(db).await?;
    Citizen::build().email("ann@x").name("Ann").create(db).await?;
    Ok(Ledger::find_by_pk(db, ledger.id).await?.ok_or("no ledger")?)
}

fn rows(mut ex: Executor<'_>) -> BoxFut<'_, orm::Result<Snapshot>> {
    Box::pin(async move {
        let mut s = Snapshot::new();
        table::<(i64, String, i32)>(&mut ex, "tallies", "SELECT id, name, count FROM tallies", &mut s).await?;
        let sql = "SELECT id, code, title, version FROM ledgers";
        table::<(i64, String, String, i32)>(&mut ex, "ledgers", sql, &mut s).await?;
        let sql = "SELECT id, name, ledger_id, version FROM sheets";
        table::<(i64, String, Option<i64>, i64)>(&mut ex, "sheets", sql, &mut s).await?;
        table::<(i64, String)>(&mut ex, "ledger_logs", "SELECT id, event FROM ledger_logs", &mut s).await?;
        table::<(i64, String, String)>(&mut ex, "citizens", "SELECT id, email, name FROM citizens", &mut s).await?;
        let sql = "SELECT id, name, citizen_id FROM nicknames";
        table::<(i64, String, Option<i64>)>(&mut ex, "nicknames", sql, &mut s).await?;
        Ok(s)
    })
}

async fn increment_read_back(db: &Db, place: Place) -> TestResult {
    setup(db).await?;
    let tally = Tally::find().filter(Tally::name().eq("a")).one(db).await?.ok_or("no tally")?;
    // One `UPDATE … RETURNING` where the backend has it; UPDATE and SELECT in a unit on MariaDB.
    let ran = sweep_at_least(1, db, place, rows, move |ex| {
        let mut tally = tally.clone();
        Box::pin(async move {
            tally.increment(ex, Tally::count(), 5).await?;
            ensure_ok(tally.count == 6, format!("refreshed: {tally:?}"))
        })
    })
    .await?;
    ensure!(db.dialect().name() != "mariadb" || ran >= 3, "MariaDB reads the row back in a unit ({ran})");
    Ok(())
}

fn ensure_ok(condition: bool, message: String) -> orm::Result<()> {
    if condition { Ok(()) } else { Err(orm::Error::Invalid(message)) }
}

async fn versioned_save_with_hooks(db: &Db, place: Place) -> TestResult {
    let ledger = setup(db).await?;
    sweep(db, place, rows, move |ex| {
        let mut ledger = ledger.clone();
        Box::pin(async move {
            ledger.title = "renamed".into();
            ledger.save(ex).await?;
            ensure_ok(ledger.version == 1, format!("bumped: {ledger:?}"))
        })
    })
    .await?;
    Ok(())
}

async fn stale_save_with_hooks(db: &Db, place: Place) -> TestResult {
    let ledger = setup(db).await?;
    Ledger::update().set(Ledger::title(), "theirs").filter(Ledger::id().eq(ledger.id)).exec(db).await?;
    // The hooks' log rows and the version check's read: all rolled back with the unit.
    sweep(db, place, rows, move |ex| {
        let mut ledger = ledger.clone();
        Box::pin(async move {
            ledger.title = "mine".into();
            match ledger.save(ex).await {
                Err(orm::Error::StaleRow { .. }) => Ok(()),
                other => other.and(Err(orm::Error::Invalid("the copy is stale".into()))),
            }
        })
    })
    .await?;
    Ok(())
}

async fn versioned_cascade_destroy(db: &Db, place: Place) -> TestResult {
    let ledger = setup(db).await?;
    sweep(db, place, rows, move |ex| {
        let ledger = ledger.clone();
        Box::pin(async move { ledger.destroy(ex).await })
    })
    .await?;
    Ok(())
}

async fn upsert_with_hooks_and_an_explicit_key(db: &Db, place: Place) -> TestResult {
    setup(db).await?;
    // Inserts key 500 (and moves PostgreSQL's sequence), after `before_create` logs it.
    sweep(db, place, rows, |ex| {
        Box::pin(async move {
            let row = Ledger { id: 500, code: "L9".into(), title: "new".into(), version: 0 };
            let stored = Ledger::upsert(row).exec(ex).await?;
            ensure_ok(stored.id == 500, format!("{stored:?}"))
        })
    })
    .await?;
    Ok(())
}

async fn find_or_create_with_nested_rows(db: &Db, place: Place) -> TestResult {
    setup(db).await?;
    sweep(db, place, rows, |ex| {
        Box::pin(async move {
            let row = Citizen::build().email("bob@x").name("Bob").nicknames([Nickname::build().name("bobby")]);
            let (_, created) = Citizen::find_or_create(ex, Citizen::email().eq("bob@x"), row).await?;
            ensure_ok(created, "created".into())
        })
    })
    .await?;
    Ok(())
}

async fn find_or_create_that_conflicts(db: &Db, place: Place) -> TestResult {
    setup(db).await?;
    // The filter misses Ann; the insert hits her email, and the second find misses too.
    sweep(db, place, rows, |ex| {
        Box::pin(async move {
            let filter = Citizen::email().eq("ann@x").and(Citizen::name().eq("Other"));
            let row = Citizen::build().email("ann@x").name("Other");
            match Citizen::find_or_create(ex, filter, row).await {
                Err(orm::Error::UniqueViolation { .. }) => Ok(()),
                other => other.and(Err(orm::Error::Invalid("a unique violation".into()))),
            }
        })
    })
    .await?;
    Ok(())
}

sweep_tests!(
    increment_read_back,
    versioned_save_with_hooks,
    stale_save_with_hooks,
    versioned_cascade_destroy,
    upsert_with_hooks_and_an_explicit_key,
    find_or_create_with_nested_rows,
    find_or_create_that_conflicts,
);

on_all! {
    async fn a_cancelled_find_or_create_leaves_nothing(db: Db) -> TestResult {
        setup(&db).await?;
        cancel_sweep(&db, rows, |ex| {
            Box::pin(async move {
                let row = Citizen::build().email("bob@x").name("Bob").nicknames([Nickname::build().name("bobby")]);
                Citizen::find_or_create(ex, Citizen::email().eq("bob@x"), row).await.map(drop)
            })
        })
        .await
    }
}

on_all! {
    async fn a_cancelled_versioned_save_with_hooks_leaves_nothing(db: Db) -> TestResult {
        let ledger = setup(&db).await?;
        cancel_sweep(&db, rows, move |ex| {
            let mut ledger = ledger.clone();
            Box::pin(async move {
                ledger.title = "renamed".into();
                ledger.save(ex).await
            })
        })
        .await
    }
}
