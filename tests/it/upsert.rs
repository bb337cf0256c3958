//! `Model::upsert(row).on_conflict(…).update(…).exec(&db)`: the insert and update branches,
//! the conflict target (primary key, unique column, composite key), what a conflict on another
//! unique key does (an error, nothing changed, on every backend), NULL targets, keys, hooks,
//! timestamps and versions.

use orm::prelude::*;
use orm::{Error, raw};

use crate::on_all;
use crate::support::quoted;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Member {
    pub id: i64,
    #[model(unique)]
    pub email: String,
    #[model(unique)]
    pub handle: Option<String>,
    pub name: String,
    pub age: i32,
}

fn member(email: &str, handle: Option<&str>, name: &str, age: i32) -> Member {
    Member { id: 0, email: email.into(), handle: handle.map(Into::into), name: name.into(), age }
}

type Row = (i64, String, Option<String>, String, i32);

async fn members(db: &Db) -> Result<Vec<Row>, Error> {
    raw("SELECT id, email, handle, name, age FROM members ORDER BY id").fetch::<Row>(db).await
}

async fn setup(db: &Db) -> Result<(Member, Member), Error> {
    Schema::new().model::<Member>().model::<Seat>().model::<Badge>().sync(db).await?;
    let ann = Member::create(db, member("ann@x", Some("ann"), "Ann", 30)).await?;
    let bob = Member::create(db, member("bob@x", Some("bob"), "Bob", 40)).await?;
    Ok((ann, bob))
}

fn row(m: &Member) -> Row {
    (m.id, m.email.clone(), m.handle.clone(), m.name.clone(), m.age)
}

on_all! {
    async fn upsert_inserts_a_row_that_conflicts_with_nothing(db: Db) -> TestResult {
        let (ann, bob) = setup(&db).await?;
        let cid = Member::upsert(member("cid@x", None, "Cid", 20)).on_conflict(Member::email()).exec(&db).await?;
        assert!(cid.id > bob.id, "the generated key is the database's: {cid:?}");
        assert_eq!(row(&cid), (cid.id, "cid@x".into(), None, "Cid".into(), 20));
        assert_eq!(members(&db).await?, vec![row(&ann), row(&bob), row(&cid)]);
        Ok(())
    }
}

on_all! {
    async fn upsert_updates_the_row_conflicting_on_the_target_and_returns_it(db: Db) -> TestResult {
        let (ann, bob) = setup(&db).await?;
        // By default every given column but the key and the target is updated.
        let stored = Member::upsert(member("ann@x", Some("annie"), "Annie", 31)).on_conflict(Member::email()).exec(&db).await?;
        assert_eq!(row(&stored), (ann.id, "ann@x".into(), Some("annie".into()), "Annie".into(), 31));
        assert_eq!(members(&db).await?, vec![row(&stored), row(&bob)]);
        // Only the columns named.
        let stored = Member::upsert(member("ann@x", Some("x"), "Ann B.", 99))
            .on_conflict(Member::email())
            .update((Member::name(),))
            .exec(&db)
            .await?;
        assert_eq!(row(&stored), (ann.id, "ann@x".into(), Some("annie".into()), "Ann B.".into(), 31));
        // Nothing: the row is returned as stored.
        let stored = Member::upsert(member("ann@x", None, "ignored", 0)).on_conflict(Member::email()).update(()).exec(&db).await?;
        assert_eq!(row(&stored), (ann.id, "ann@x".into(), Some("annie".into()), "Ann B.".into(), 31));
        assert_eq!(members(&db).await?, vec![row(&stored), row(&bob)]);
        Ok(())
    }
}

on_all! {
    async fn upsert_of_a_builder_updates_only_the_fields_it_sets(db: Db) -> TestResult {
        let (ann, _) = setup(&db).await?;
        let stored = Member::upsert(Member::build().email("ann@x").name("Annie").age(1)).on_conflict(Member::email()).exec(&db).await?;
        assert_eq!(row(&stored), (ann.id, "ann@x".into(), Some("ann".into()), "Annie".into(), 1), "handle kept");
        let error = Member::upsert(Member::build().email("new@x")).on_conflict(Member::email()).exec(&db).await.unwrap_err();
        assert!(matches!(error, Error::MissingField { model: "Member", field: "name" }), "{error:?}");
        Ok(())
    }
}

on_all! {
    async fn upsert_conflicting_on_another_unique_column_is_a_unique_violation_and_changes_nothing(db: Db) -> TestResult {
        let (ann, bob) = setup(&db).await?;
        let before = members(&db).await?;
        // The target matches Ann, but the handle is Bob's.
        let error = Member::upsert(member("ann@x", Some("bob"), "X", 1)).on_conflict(Member::email()).exec(&db).await.unwrap_err();
        assert!(matches!(error, Error::UniqueViolation { .. }), "{error:?}");
        // The target matches nothing, the handle is Ann's: MariaDB's ON DUPLICATE KEY UPDATE
        // would update Ann's row; the guard makes it the error it is elsewhere.
        let error = Member::upsert(member("new@x", Some("ann"), "X", 1)).on_conflict(Member::email()).exec(&db).await.unwrap_err();
        assert!(matches!(error, Error::UniqueViolation { .. }), "{error:?}");
        // By primary key, with another row's email.
        let error = Member::upsert(Member { id: ann.id, ..member("bob@x", None, "X", 1) }).exec(&db).await.unwrap_err();
        assert!(matches!(error, Error::UniqueViolation { .. }), "{error:?}");
        assert_eq!(members(&db).await?, before);
        assert_eq!(before, vec![row(&ann), row(&bob)]);
        Ok(())
    }
}

on_all! {
    async fn upsert_with_a_null_in_a_nullable_unique_target_inserts_another_row(db: Db) -> TestResult {
        setup(&db).await?;
        let first = Member::upsert(member("c1@x", None, "C", 1)).on_conflict(Member::handle()).exec(&db).await?;
        let second = Member::upsert(member("c2@x", None, "D", 2)).on_conflict(Member::handle()).exec(&db).await?;
        assert_ne!(first.id, second.id, "NULLs conflict with nothing, as in SQL");
        assert_eq!(Member::find().filter(Member::handle().eq(None)).count(&db).await?, 2);
        // A NULL target cannot update a row whose other unique column it shares.
        let error = Member::upsert(member("c1@x", None, "E", 3)).on_conflict(Member::handle()).exec(&db).await.unwrap_err();
        assert!(matches!(error, Error::UniqueViolation { .. }), "{error:?}");
        Ok(())
    }
}

on_all! {
    async fn upsert_by_primary_key_inserts_the_given_key_then_updates_it(db: Db) -> TestResult {
        let (ann, bob) = setup(&db).await?;
        let given = Member::upsert(Member { id: 1000, ..member("k@x", None, "K", 5) }).exec(&db).await?;
        assert_eq!(given.id, 1000, "as Sequelize, a given key is inserted");
        let updated = Member::upsert(Member { id: 1000, ..member("k2@x", None, "K2", 6) }).exec(&db).await?;
        assert_eq!(row(&updated), (1000, "k2@x".into(), None, "K2".into(), 6), "the key's row is updated, email too");
        // The identity sequence moved past the explicit key.
        let next = Member::create(&db, member("n@x", None, "N", 7)).await?;
        assert!(next.id > 1000, "{next:?}");
        // A new struct's key 0 is left to the database: always an insert.
        let fresh = Member::upsert(member("z@x", None, "Z", 8)).exec(&db).await?;
        assert!(fresh.id > next.id, "{fresh:?}");
        assert_eq!(members(&db).await?, vec![row(&ann), row(&bob), row(&updated), row(&next), row(&fresh)]);
        // By another column, the struct's key is ignored, as `create` ignores it.
        let by_email = Member::upsert(Member { id: 5000, ..member("q@x", None, "Q", 9) }).on_conflict(Member::email()).exec(&db).await?;
        assert!(by_email.id < 5000 && by_email.id > fresh.id, "{by_email:?}");
        Ok(())
    }
}

on_all! {
    async fn upsert_target_must_be_the_key_or_a_unique_column(db: Db) -> TestResult {
        setup(&db).await?;
        let before = db.statement_count();
        let error = Member::upsert(member("a@x", None, "Ann", 1)).on_conflict(Member::name()).exec(&db).await.unwrap_err();
        assert!(matches!(&error, Error::InvalidConflictTarget { model: "Member", columns } if columns == "name"), "{error:?}");
        assert!(error.to_string().contains("#[model(unique)]"), "the message says the fix: {error}");
        let error = Member::upsert(member("a@x", None, "Ann", 1)).on_conflict((Member::email(), Member::name())).exec(&db).await.unwrap_err();
        assert!(matches!(error, Error::InvalidConflictTarget { .. }), "{error:?}");
        let error = Member::upsert(member("a@x", None, "Ann", 1)).on_conflict(()).exec(&db).await.unwrap_err();
        assert!(matches!(error, Error::InvalidConflictTarget { .. }), "{error:?}");
        let error = Member::upsert(member("a@x", None, "Ann", 1)).update((Member::id(),)).exec(&db).await.unwrap_err();
        assert!(matches!(&error, Error::Invalid(m) if m.contains("`Member.id` is the primary key")), "{error:?}");
        assert_eq!(db.statement_count(), before, "rejected before any statement");
        Ok(())
    }
}

on_all! {
    async fn upsert_statement_names_its_conflict_target(db: Db) -> TestResult {
        setup(&db).await?;
        db.record_statements(true);
        Member::upsert(member("ann@x", None, "A", 1)).on_conflict(Member::email()).update((Member::name(),)).exec(&db).await?;
        let statements = db.take_statements();
        assert_eq!(statements.len(), 1, "one statement: {statements:?}");
        let expected = match db.dialect().name() {
            "mariadb" => " ON DUPLICATE KEY UPDATE `email` = IF(`email` = VALUES(`email`), `email`, (SELECT 1 UNION ALL SELECT 2)), `name` = VALUES(`name`) RETURNING ",
            _ => r#" ON CONFLICT ("email") DO UPDATE SET "name" = EXCLUDED."name" RETURNING "#,
        };
        assert!(statements[0].contains(expected), "{}", statements[0]);
        assert!(statements[0].starts_with(&quoted(&db, r#"INSERT INTO "members" ("email", "handle", "name", "age") VALUES ("#)), "{}", statements[0]);
        Ok(())
    }
}

// A composite key: the target is the whole key, as a tuple (or by default).
#[derive(Model, Debug, Clone, PartialEq)]
#[model(primary_key(hall, number))]
pub struct Seat {
    pub hall: String,
    pub number: i32,
    pub holder: Option<String>,
}

on_all! {
    async fn upsert_by_a_composite_key(db: Db) -> TestResult {
        setup(&db).await?;
        let seat = |holder: &str| Seat { hall: "A".into(), number: 1, holder: Some(holder.into()) };
        Seat::upsert(seat("ann")).exec(&db).await?;
        let stored = Seat::upsert(seat("bob")).on_conflict((Seat::hall(), Seat::number())).exec(&db).await?;
        assert_eq!(stored, seat("bob"));
        let stored = Seat::upsert(seat("cid")).on_conflict((Seat::number(), Seat::hall())).exec(&db).await?;
        assert_eq!(stored, seat("cid"), "the key's columns in any order");
        Seat::upsert(Seat { number: 2, ..seat("dan") }).exec(&db).await?;
        let rows = raw("SELECT hall, number, holder FROM seats ORDER BY number").fetch::<(String, i32, Option<String>)>(&db).await?;
        assert_eq!(rows, vec![("A".into(), 1, Some("cid".into())), ("A".into(), 2, Some("dan".into()))]);
        let error = Seat::upsert(seat("x")).on_conflict(Seat::hall()).exec(&db).await.unwrap_err();
        assert!(matches!(error, Error::InvalidConflictTarget { .. }), "one column of a composite key is not unique: {error:?}");
        Ok(())
    }
}

// A versioned model with hooks: `before_create` runs on both branches.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(hooks)]
pub struct Badge {
    pub id: i64,
    #[model(unique)]
    pub code: String,
    pub label: String,
    #[model(version)]
    pub version: i32,
}

#[orm::hooks]
impl Badge {
    async fn before_create(&mut self, _tx: &mut orm::Tx) -> orm::Result<()> {
        self.label = self.label.to_uppercase();
        if self.label == "FAIL" {
            return Err(Error::Invalid("refused by the hook".into()));
        }
        Ok(())
    }
    async fn after_create(&mut self, _tx: &mut orm::Tx) -> orm::Result<()> {
        Err(Error::Invalid("after_create must not run for an upsert".into()))
    }
}

on_all! {
    async fn upsert_runs_before_create_on_both_branches_and_bumps_the_version(db: Db) -> TestResult {
        setup(&db).await?;
        let badge = |label: &str| Badge::build().code("b1").label(label);
        let inserted = Badge::upsert(badge("gold")).on_conflict(Badge::code()).exec(&db).await?;
        assert_eq!((inserted.label.as_str(), inserted.version), ("GOLD", 0));
        let updated = Badge::upsert(badge("silver")).on_conflict(Badge::code()).exec(&db).await?;
        assert_eq!((updated.id, updated.label.as_str(), updated.version), (inserted.id, "SILVER", 1));
        let error = inserted.destroy(&db).await.unwrap_err();
        assert!(matches!(error, Error::StaleRow { model: "Badge", .. }), "the upsert made the copy stale: {error:?}");
        let error = Badge::upsert(badge("fail")).on_conflict(Badge::code()).exec(&db).await.unwrap_err();
        assert!(matches!(&error, Error::Invalid(m) if m == "refused by the hook"), "{error:?}");
        let rows = raw("SELECT code, label, version FROM badges").fetch::<(String, String, i32)>(&db).await?;
        assert_eq!(rows, vec![("b1".into(), "SILVER".into(), 1)]);
        Ok(())
    }
}

#[cfg(feature = "chrono")]
mod timestamps {
    use chrono::{DateTime, Utc};

    use super::*;

    #[derive(Model, Debug, Clone, PartialEq)]
    pub struct Setting {
        pub id: i64,
        #[model(unique)]
        pub key: String,
        pub value: String,
        #[model(created_at)]
        pub created_at: DateTime<Utc>,
        #[model(updated_at)]
        pub updated_at: DateTime<Utc>,
    }

    on_all! {
        async fn upsert_keeps_created_at_and_refreshes_updated_at(db: Db) -> TestResult {
            Schema::new().model::<Setting>().sync(&db).await?;
            let old = DateTime::from_timestamp(1_600_000_000, 0).expect("valid");
            let first = Setting::build().key("k").value("1").created_at(old).updated_at(old).create(&db).await?;
            let stored = Setting::upsert(Setting::build().key("k").value("2")).on_conflict(Setting::key()).exec(&db).await?;
            assert_eq!((stored.id, stored.value.as_str(), stored.created_at), (first.id, "2", old));
            assert!(stored.updated_at > old, "{stored:?}");
            let stored = Setting::upsert(Setting::build().key("k").value("3")).on_conflict(Setting::key()).update(()).exec(&db).await?;
            assert_eq!(stored.value, "2", "nothing named: only updated_at changes");
            Ok(())
        }
    }
}
