//! Regression tests for the silent wrong answers of issue 13: each failed (returned wrong rows,
//! errored or crashed) before it was fixed, on the backend noted.

use orm::prelude::*;
use orm::{Error, raw};

use crate::on_all;
use crate::support::{TestResult, is_postgres, is_sqlite};

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Reading {
    pub id: i64,
    pub label: String,
    pub note: Option<String>,
    pub small: i16,
    pub ratio: f32,
    pub value: f64,
    pub flag: bool,
    pub level: Option<i64>,
    pub payload: Vec<u8>,
}

fn reading(i: i64) -> ReadingBuilder {
    Reading::build()
        .label(format!("r{i}"))
        .note((i % 5 != 0).then(|| format!("n{i}")))
        .small(i16::try_from(i).unwrap_or(i16::MAX))
        .ratio(i as f32 / 4.0)
        .value(i as f64 / 8.0)
        .flag(i % 2 == 0)
        .level((i % 3 == 0).then_some(i))
        .payload(i.to_le_bytes().to_vec())
}

async fn seed(db: &Db, count: i64) -> Result<(), Error> {
    Schema::new().model::<Reading>().sync(db).await?;
    Reading::create_all(db, (0..count).map(reading)).await?;
    Ok(())
}

async fn ids(db: &Db, filter: Expr<Reading>) -> Result<Vec<i64>, Error> {
    Ok(Reading::find().filter(filter).order_by(Reading::id().asc()).all(db).await?.into_iter().map(|r| r.id).collect())
}

on_all! {
    // Before: `eq(None)` bound NULL and matched nothing; `ne(None)` too.
    async fn eq_none_is_null_and_ne_none_is_not_null(db: Db) -> TestResult {
        seed(&db, 10).await?;
        let null_levels = ids(&db, Reading::level().is_null()).await?;
        assert_eq!(null_levels.len(), 6);
        assert_eq!(ids(&db, Reading::level().eq(None)).await?, null_levels);
        assert_eq!(ids(&db, Reading::level().ne(None)).await?, ids(&db, Reading::level().is_not_null()).await?);
        assert_eq!(ids(&db, Reading::level().eq(None).not()).await?.len(), 4);
        assert_eq!(Reading::find().filter(Reading::note().eq(None)).count(&db).await?, 2);
        // Any other comparison with NULL is UNKNOWN: no row matches, and neither does its negation.
        assert!(ids(&db, Reading::level().lt(None)).await?.is_empty());
        assert!(ids(&db, Reading::level().lt(None).not()).await?.is_empty());
        Ok(())
    }
}

/// Every scalar type in lists of 1, 500, 501 and 40,000 values (past SQLite's 32,766 binds),
/// with and without a NULL.
async fn check_lists(db: &Db, count: i64) -> TestResult {
    let all = ids(db, Reading::id().is_in((1..=count).collect::<Vec<_>>())).await?;
    assert_eq!(all.len(), usize::try_from(count)?);
    for len in [1usize, 500, 501, 40_000] {
        let wanted: Vec<i64> = (1..=count).take(len).collect();
        let rows: Vec<Reading> = Reading::find().filter(Reading::id().is_in(wanted)).all(db).await?;
        let smalls: Vec<i16> = rows.iter().map(|r| r.small).chain(std::iter::repeat_n(-7, len)).take(len).collect();
        assert_eq!(ids(db, Reading::small().is_in(smalls)).await?.len(), rows.len(), "i16 list of {len}");
        let ratios: Vec<f32> = rows.iter().map(|r| r.ratio).chain(std::iter::repeat_n(-1.5, len)).take(len).collect();
        assert_eq!(ids(db, Reading::ratio().is_in(ratios)).await?.len(), rows.len(), "f32 list of {len}");
        let values: Vec<f64> = rows.iter().map(|r| r.value).chain(std::iter::repeat_n(-0.5, len)).take(len).collect();
        assert_eq!(ids(db, Reading::value().is_in(values.clone())).await?.len(), rows.len(), "f64 list of {len}");
        assert_eq!(
            ids(db, Reading::value().not_in(values)).await?.len(),
            usize::try_from(count)? - rows.len(),
            "f64 not_in list of {len}"
        );
        let payloads: Vec<Vec<u8>> = rows.iter().map(|r| r.payload.clone()).collect();
        assert_eq!(ids(db, Reading::payload().is_in(payloads)).await?.len(), rows.len(), "bytes list of {len}");
        let flags: Vec<bool> = std::iter::repeat_n(true, len).collect();
        assert_eq!(
            ids(db, Reading::flag().is_in(flags)).await?.len(),
            usize::try_from(count)?.div_ceil(2),
            "bool list of {len}"
        );
        // A NULL in the list matches nothing: `level IN (…, NULL)` is UNKNOWN where it misses,
        // and so is `NOT IN`.
        let mut levels: Vec<Option<i64>> =
            (0..count).filter(|i| i % 3 == 0).map(Some).take(len.saturating_sub(1)).collect();
        levels.push(None);
        let matched = levels.iter().flatten().count();
        assert_eq!(ids(db, Reading::level().is_in(levels.clone())).await?.len(), matched, "nullable list of {len}");
        assert!(ids(db, Reading::level().not_in(levels)).await?.is_empty(), "NOT IN with a NULL matches nothing");
    }
    Ok(())
}

on_all! {
    // Before: on PostgreSQL a list of more than 500 i16, f32, f64, bool or nullable values was
    // sent SQLite's `json_each` and failed; on SQLite bytes lists overflowed the bind limit.
    async fn lists_of_every_type_and_length_filter_rows(db: Db) -> TestResult {
        seed(&db, 600).await?;
        check_lists(&db, 600).await
    }
}

on_all! {
    // Before: `like` was case-insensitive on SQLite and `\` escaped on PostgreSQL only.
    async fn like_is_case_sensitive_and_ilike_is_not_with_the_same_escapes(db: Db) -> TestResult {
        Schema::new().model::<Reading>().sync(&db).await?;
        for label in ["Apple", "apple", "100%", "1000", "a_b", "axb", r"back\slash", "APPLE pie", "ünï"] {
            reading(0).label(label).create(&db).await?;
        }
        let labels = |filter: Expr<Reading>| {
            let db = db.clone();
            async move {
                let rows = Reading::find().filter(filter).order_by(Reading::label().asc()).all(&db).await?;
                Ok::<_, Error>(rows.into_iter().map(|r| r.label).collect::<Vec<_>>())
            }
        };
        assert_eq!(labels(Reading::label().like("app%")).await?, ["apple"]);
        assert_eq!(labels(Reading::label().like("App%")).await?, ["Apple"]);
        assert_eq!(labels(Reading::label().ilike("app%")).await?, ["APPLE pie", "Apple", "apple"]);
        assert_eq!(labels(Reading::label().like(r"100\%")).await?, ["100%"]);
        assert_eq!(labels(Reading::label().like("100%")).await?, ["100%", "1000"]);
        assert_eq!(labels(Reading::label().like(r"a\_b")).await?, ["a_b"]);
        assert_eq!(labels(Reading::label().like("a_b")).await?, ["a_b", "axb"]);
        assert_eq!(labels(Reading::label().like(r"back\\slash")).await?, [r"back\slash"]);
        assert_eq!(labels(Reading::label().like(r"%\")).await?, Vec::<String>::new(), "a trailing \\ is a literal backslash");
        assert_eq!(labels(Reading::label().like("*")).await?, Vec::<String>::new(), "GLOB's wildcards are literal");
        // PostgreSQL's ILIKE and MariaDB's `LOWER(…) LIKE LOWER(…)` fold every letter; SQLite's
        // LIKE folds ASCII only.
        assert_eq!(labels(Reading::label().ilike("ÜNÏ")).await?.len(), usize::from(!is_sqlite(&db)), "SQLite folds ASCII only");
        assert_eq!(labels(Reading::label().ilike("ünï")).await?, ["ünï"]);
        assert_eq!(labels(Reading::note().like("%").not()).await?, Vec::<String>::new(), "NULL notes are UNKNOWN");
        Ok(())
    }
}

on_all! {
    // Before: SQLite stored NaN as NULL: a not-null violation, or `None` read back. MariaDB's
    // FLOAT and DOUBLE hold no NaN either: refused up front there too.
    async fn nan_is_refused_on_sqlite_and_kept_on_postgres(db: Db) -> TestResult {
        Schema::new().model::<Reading>().sync(&db).await?;
        let created = reading(1).value(f64::NAN).create(&db).await;
        if is_postgres(&db) {
            assert!(created?.value.is_nan());
            assert_eq!(ids(&db, Reading::value().eq(f64::NAN)).await?.len(), 1, "NaN equals NaN on PostgreSQL");
        } else {
            let backend = if is_sqlite(&db) { "sqlite" } else { "mariadb" };
            assert_eq!(db.dialect().name(), backend);
            assert!(
                matches!(&created, Err(Error::UnrepresentableValue { what: "NaN", backend: b, .. }) if *b == backend),
                "{created:?}"
            );
            assert_eq!(Reading::find().count(&db).await?, 0, "nothing was written");
            let filtered = ids(&db, Reading::value().eq(f64::NAN)).await;
            assert!(
                matches!(&filtered, Err(Error::UnrepresentableValue { what: "NaN", backend: b, .. }) if *b == backend),
                "{filtered:?}"
            );
        }
        // -0.0 equals 0.0 on every backend; SQLite reads it back as 0.0 (documented).
        let created = reading(2).value(-0.0).create(&db).await?;
        assert_eq!(ids(&db, Reading::value().eq(0.0)).await?, [created.id]);
        Ok(())
    }
}

on_all! {
    // Before: SQLite sorted NULLs first ascending, PostgreSQL last.
    async fn nulls_sort_last_ascending_and_first_descending_on_every_backend(db: Db) -> TestResult {
        seed(&db, 7).await?;
        let levels = |order| {
            let db = db.clone();
            async move {
                let rows = Reading::find().order_by(order).order_by(Reading::id().asc()).all(&db).await?;
                Ok::<_, Error>(rows.into_iter().map(|r| r.level).collect::<Vec<_>>())
            }
        };
        assert_eq!(levels(Reading::level().asc()).await?, [Some(0), Some(3), Some(6), None, None, None, None]);
        assert_eq!(levels(Reading::level().desc()).await?, [None, None, None, None, Some(6), Some(3), Some(0)]);
        Ok(())
    }
}

on_all! {
    // Before: a multi-row insert of rows that set no column was one `DEFAULT VALUES` ("returned
    // 1 rows for 3"); `save` of a model whose only column is its key wrote `SET  WHERE`.
    async fn rows_with_only_defaults_insert_one_row_each_and_key_only_rows_save(db: Db) -> TestResult {
        Schema::new().model::<Marker>().sync(&db).await?;
        let created = Marker::create_all(&db, [Marker::build(), Marker::build(), Marker::build()]).await?;
        assert_eq!(created.len(), 3);
        let mut keys: Vec<i64> = created.iter().map(|m| m.id).collect();
        keys.dedup();
        assert_eq!(keys.len(), 3, "three distinct rows");
        assert_eq!(Marker::find().count(&db).await?, 3);
        let mut marker = created[0].clone();
        marker.save(&db).await?;
        marker.destroy(&db).await?;
        assert!(matches!(marker.save(&db).await, Err(Error::NotFound { model: "Marker" })));
        Ok(())
    }
}

on_all! {
    // Before: a `limit` or `offset` above `i64::MAX` was a raw database error on both.
    async fn limits_and_offsets_past_i64_max_are_clamped(db: Db) -> TestResult {
        seed(&db, 3).await?;
        assert_eq!(Reading::find().limit(u64::MAX).all(&db).await?.len(), 3);
        assert!(Reading::find().offset(u64::MAX).all(&db).await?.is_empty());
        assert!(Reading::find().limit(u64::MAX).offset(1 << 63).all(&db).await?.is_empty());
        Ok(())
    }
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Marker {
    pub id: i64,
}

on_all! {
    // Before: on PostgreSQL an explicit key did not move the identity sequence, so the next
    // generated key collided with it.
    async fn explicit_keys_do_not_collide_with_generated_ones(db: Db) -> TestResult {
        Schema::new().model::<Marker>().sync(&db).await?;
        Marker::build().id(1000).create(&db).await?;
        let next = Marker::build().create(&db).await?;
        assert!(next.id > 1000, "{}", next.id);
        Marker::create_all(&db, [Marker::build().id(2000), Marker::build().id(5)]).await?;
        let after = Marker::create(&db, Marker { id: 0 }).await?;
        assert!(after.id > 2000, "{}", after.id);
        assert_eq!(raw("SELECT COUNT(*) FROM markers").fetch::<(i64,)>(&db).await?, [(5,)]);
        Ok(())
    }
}
