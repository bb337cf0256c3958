//! `reload`, and atomic `increment`/`decrement` on a row and in bulk: the values in the
//! database, NULLs, every integer type's overflow (a database error on every backend, nothing
//! written), and the row refreshed from what is stored.

use orm::prelude::*;
use orm::{Error, raw};

use crate::on_all;
use crate::support::{TestResult, is_mariadb, quoted};

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Counter {
    pub id: i64,
    pub name: String,
    pub hits: i32,
    pub score: Option<i32>,
    pub big: i64,
    pub small: i16,
    pub ratio: f64,
}

fn counter(name: &str) -> Counter {
    Counter { id: 0, name: name.into(), hits: 0, score: None, big: 0, small: 0, ratio: 0.0 }
}

async fn setup(db: &Db) -> Result<(Counter, Counter), Error> {
    Schema::new().model::<Counter>().sync(db).await?;
    let ann = Counter::create(db, Counter { hits: 10, score: Some(1), ..counter("ann") }).await?;
    let bob = Counter::create(db, Counter { hits: 20, ..counter("bob") }).await?;
    Ok((ann, bob))
}

type Stored = (i64, String, i32, Option<i32>, i64, i16, f64);

async fn stored(db: &Db) -> Result<Vec<Stored>, Error> {
    raw("SELECT id, name, hits, score, big, small, ratio FROM counters ORDER BY id").fetch::<Stored>(db).await
}

on_all! {
    async fn reload_reads_the_row_after_a_bulk_update(db: Db) -> TestResult {
        let (mut ann, _) = setup(&db).await?;
        Counter::update().set(Counter::name(), "annie").set(Counter::score(), None).exec(&db).await?;
        ann.hits = 99; // an unsaved change is replaced by what is stored
        ann.reload(&db).await?;
        assert_eq!(ann, Counter { id: ann.id, hits: 10, score: None, ..counter("annie") });
        Ok(())
    }
}

on_all! {
    async fn reload_of_a_deleted_row_is_not_found_and_leaves_it_as_it_was(db: Db) -> TestResult {
        let (mut ann, _) = setup(&db).await?;
        ann.destroy(&db).await?;
        let before = ann.clone();
        let error = ann.reload(&db).await.unwrap_err();
        assert!(matches!(error, Error::NotFound { model: "Counter" }), "{error:?}");
        assert_eq!(ann, before);
        Ok(())
    }
}

on_all! {
    async fn increment_adds_in_the_database_and_refreshes_the_row(db: Db) -> TestResult {
        let (mut ann, bob) = setup(&db).await?;
        // Another writer's change since `ann` was loaded is kept: the addition is atomic.
        Counter::update().increment(Counter::hits(), 5).filter(Counter::id().eq(ann.id)).exec(&db).await?;
        ann.name = "unsaved".into();
        db.record_statements(true);
        ann.increment(&db, Counter::hits(), 2).await?;
        let statements = db.take_statements();
        assert_eq!(ann, Counter { id: ann.id, hits: 17, score: Some(1), ..counter("ann") }, "refreshed from the row");
        let update = statements.iter().find(|s| s.starts_with("UPDATE")).expect("an UPDATE ran");
        assert!(update.contains(&quoted(&db, r#""hits" = "hits" + "#)), "{update}");
        if is_mariadb(&db) {
            // No UPDATE … RETURNING: the row is read back in the same unit (BEGIN and COMMIT
            // are not recorded).
            assert_eq!(statements.len(), 2, "{statements:?}");
            assert!(statements[1].starts_with("SELECT"), "{statements:?}");
        } else {
            assert_eq!(statements.len(), 1, "one UPDATE … RETURNING: {statements:?}");
        }
        ann.increment(&db, Counter::hits(), -20).await?;
        assert_eq!(ann.hits, -3);
        let rows = stored(&db).await?;
        assert_eq!(rows[0], (ann.id, "ann".into(), -3, Some(1), 0, 0, 0.0));
        assert_eq!(rows[1], (bob.id, "bob".into(), 20, None, 0, 0, 0.0), "the other row is untouched");
        Ok(())
    }
}

on_all! {
    async fn decrement_subtracts_and_works_on_every_numeric_type(db: Db) -> TestResult {
        let (mut ann, _) = setup(&db).await?;
        ann.decrement(&db, Counter::hits(), 4).await?;
        ann.decrement(&db, Counter::big(), -7).await?;
        ann.increment(&db, Counter::small(), 3).await?;
        ann.increment(&db, Counter::ratio(), 0.25).await?;
        ann.decrement(&db, Counter::score(), 2).await?;
        assert_eq!((ann.hits, ann.big, ann.small, ann.ratio, ann.score), (6, 7, 3, 0.25, Some(-1)));
        assert_eq!(stored(&db).await?[0], (ann.id, "ann".into(), 6, Some(-1), 7, 3, 0.25));
        Ok(())
    }
}

on_all! {
    async fn increment_of_null_stays_null_as_in_sql(db: Db) -> TestResult {
        let (_, mut bob) = setup(&db).await?;
        bob.increment(&db, Counter::score(), 5).await?;
        assert_eq!(bob.score, None);
        Counter::update().increment(Counter::score(), 1).exec(&db).await?;
        let scores: Vec<Option<i32>> = stored(&db).await?.into_iter().map(|r| r.3).collect();
        assert_eq!(scores, vec![Some(2), None]);
        Ok(())
    }
}

on_all! {
    async fn increment_of_a_deleted_row_is_not_found(db: Db) -> TestResult {
        let (mut ann, _) = setup(&db).await?;
        ann.destroy(&db).await?;
        let error = ann.increment(&db, Counter::hits(), 1).await.unwrap_err();
        assert!(matches!(error, Error::NotFound { model: "Counter" }), "{error:?}");
        assert_eq!(ann.hits, 10, "the row in memory is left as it was");
        Ok(())
    }
}

/// Runs `step` on a copy of `row`, expecting a database error that leaves the stored rows and
/// the copy as they were.
async fn overflows(db: &Db, row: &Counter, step: impl AsyncFnOnce(&mut Counter) -> orm::Result<()>) -> TestResult {
    let before = stored(db).await?;
    let mut copy = row.clone();
    let error = step(&mut copy).await.expect_err("the sum is out of the column's range");
    assert!(matches!(error, Error::Database { .. }), "a database error, not a wrapped value: {error:?}");
    assert_eq!(copy, *row, "the row in memory is unchanged");
    assert_eq!(stored(db).await?, before, "nothing was written");
    Ok(())
}

on_all! {
    async fn increment_past_an_integer_type_is_a_database_error_and_writes_nothing(db: Db) -> TestResult {
        let (mut ann, _) = setup(&db).await?;
        ann.hits = i32::MAX - 1;
        ann.big = i64::MAX - 1;
        ann.small = i16::MAX;
        ann.save(&db).await?;
        ann.increment(&db, Counter::hits(), 1).await?;
        assert_eq!(ann.hits, i32::MAX);
        ann.increment(&db, Counter::big(), 1).await?;
        assert_eq!(ann.big, i64::MAX);
        overflows(&db, &ann, async |row| row.increment(&db, Counter::hits(), 1).await).await?;
        overflows(&db, &ann, async |row| row.increment(&db, Counter::big(), 1).await).await?;
        overflows(&db, &ann, async |row| row.increment(&db, Counter::big(), i64::MAX).await).await?;
        overflows(&db, &ann, async |row| row.decrement(&db, Counter::big(), -1).await).await?;
        overflows(&db, &ann, async |row| row.increment(&db, Counter::small(), 1).await).await?;
        // SQLite would store a 64-bit sum past the range as a float: the value stays an integer.
        let kinds = raw("SELECT big FROM counters ORDER BY id").fetch::<(i64,)>(&db).await?;
        assert_eq!(kinds[0], (i64::MAX,));
        Ok(())
    }
}

on_all! {
    async fn decrement_past_an_integer_type_is_a_database_error_and_writes_nothing(db: Db) -> TestResult {
        let (mut ann, _) = setup(&db).await?;
        ann.hits = i32::MIN;
        ann.big = i64::MIN + 1;
        ann.small = i16::MIN;
        ann.save(&db).await?;
        ann.decrement(&db, Counter::big(), 1).await?;
        assert_eq!(ann.big, i64::MIN);
        overflows(&db, &ann, async |row| row.decrement(&db, Counter::hits(), 1).await).await?;
        overflows(&db, &ann, async |row| row.decrement(&db, Counter::big(), 1).await).await?;
        overflows(&db, &ann, async |row| row.increment(&db, Counter::big(), i64::MIN).await).await?;
        overflows(&db, &ann, async |row| row.decrement(&db, Counter::small(), 1).await).await?;
        // Decrementing by the smallest value is adding 2^63: fine from below zero.
        ann.big = -5;
        ann.save(&db).await?;
        ann.decrement(&db, Counter::big(), i64::MIN).await?;
        assert_eq!(ann.big, i64::MAX - 4);
        Ok(())
    }
}

on_all! {
    async fn bulk_increment_changes_only_the_filtered_rows(db: Db) -> TestResult {
        let (ann, bob) = setup(&db).await?;
        let changed = Counter::update()
            .increment(Counter::hits(), 3)
            .decrement(Counter::big(), 2)
            .set(Counter::name(), "bobby")
            .filter(Counter::name().eq("bob"))
            .exec(&db)
            .await?;
        assert_eq!(changed, 1);
        assert_eq!(
            stored(&db).await?,
            vec![(ann.id, "ann".into(), 10, Some(1), 0, 0, 0.0), (bob.id, "bobby".into(), 23, None, -2, 0, 0.0)]
        );
        let none = Counter::update().increment(Counter::hits(), 1).filter(Counter::name().eq("nobody")).exec(&db).await?;
        assert_eq!(none, 0, "no row matches: nothing changes, no error");
        Ok(())
    }
}

on_all! {
    async fn bulk_increment_that_overflows_one_row_changes_no_row(db: Db) -> TestResult {
        let (mut ann, _) = setup(&db).await?;
        ann.hits = i32::MAX;
        ann.save(&db).await?;
        let before = stored(&db).await?;
        let error = Counter::update().increment(Counter::hits(), 1).exec(&db).await.unwrap_err();
        assert!(matches!(error, Error::Database { .. }), "{error:?}");
        assert_eq!(stored(&db).await?, before);
        Ok(())
    }
}

#[cfg(feature = "chrono")]
mod timestamps {
    use chrono::{DateTime, Utc};

    use super::*;

    #[derive(Model, Debug, Clone, PartialEq)]
    pub struct Visit {
        pub id: i64,
        pub count: i64,
        #[model(created_at)]
        pub created_at: DateTime<Utc>,
        #[model(updated_at)]
        pub updated_at: DateTime<Utc>,
    }

    on_all! {
        async fn increment_refreshes_updated_at_and_keeps_created_at(db: Db) -> TestResult {
            Schema::new().model::<Visit>().sync(&db).await?;
            let old = DateTime::from_timestamp(1_600_000_000, 0).expect("valid");
            let mut visit = Visit::build().count(1).created_at(old).updated_at(old).create(&db).await?;
            visit.increment(&db, Visit::count(), 1).await?;
            assert_eq!((visit.count, visit.created_at), (2, old));
            assert!(visit.updated_at > old, "updated_at refreshed: {visit:?}");
            Visit::update().increment(Visit::count(), 1).exec(&db).await?;
            let bulk = Visit::find_by_pk(&db, visit.id).await?.expect("still there");
            assert_eq!(bulk.count, 3);
            assert!(bulk.updated_at >= visit.updated_at);
            Ok(())
        }
    }
}
