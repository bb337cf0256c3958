//! `Model::find_or_create(&db, filter, row)`: found, created, racing creators on a unique
//! column (one creates, every caller gets that row), a lost race inside a caller's transaction
//! (which stays usable), and nested rows.

use std::time::Duration;

use orm::prelude::*;
use orm::{Error, raw};

use crate::on_all;
use crate::support::is_sqlite;

#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Alias)]
pub struct Person {
    pub id: i64,
    #[model(unique)]
    pub email: String,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Alias {
    pub id: i64,
    pub name: String,
    pub person_id: Option<i64>,
}

async fn setup(db: &Db) -> Result<Person, Error> {
    Schema::new().model::<Person>().model::<Alias>().sync(db).await?;
    Person::build().email("ann@x").name("Ann").create(db).await
}

async fn people(db: &Db) -> Result<Vec<(i64, String, String)>, Error> {
    raw("SELECT id, email, name FROM people ORDER BY id").fetch(db).await
}

on_all! {
    async fn find_or_create_returns_the_row_found_and_creates_nothing(db: Db) -> TestResult {
        let ann = setup(&db).await?;
        let before = db.statement_count();
        let (found, created) =
            Person::find_or_create(&db, Person::email().eq("ann@x"), Person::build().email("ann@x").name("Other")).await?;
        assert_eq!((found, created), (ann.clone(), false));
        assert_eq!(db.statement_count() - before, 1, "one SELECT");
        assert_eq!(people(&db).await?, vec![(ann.id, "ann@x".into(), "Ann".into())]);
        Ok(())
    }
}

on_all! {
    async fn find_or_create_creates_the_row_when_none_matches(db: Db) -> TestResult {
        let ann = setup(&db).await?;
        let (bob, created) = Person::find_or_create(
            &db,
            Person::email().eq("bob@x"),
            Person::build().email("bob@x").name("Bob").aliases([Alias::build().name("bobby")]),
        )
        .await?;
        assert!(created);
        assert_eq!(people(&db).await?, vec![(ann.id, "ann@x".into(), "Ann".into()), (bob.id, "bob@x".into(), "Bob".into())]);
        assert_eq!(bob.get_aliases(&db).await?.len(), 1, "nested rows are created with it");
        // A struct works too.
        let (cid, created) = Person::find_or_create(
            &db,
            Person::email().eq("cid@x"),
            Person { id: 0, email: "cid@x".into(), name: "Cid".into() },
        )
        .await?;
        assert!(created && cid.id > bob.id);
        Ok(())
    }
}

on_all! {
    async fn find_or_create_reports_a_conflict_the_filter_does_not_find(db: Db) -> TestResult {
        let ann = setup(&db).await?;
        // The filter misses Ann (another name), the insert hits her email.
        let filter = Person::email().eq("ann@x").and(Person::name().eq("Someone"));
        let row = || Person::build().email("ann@x").name("Someone");
        let error = Person::find_or_create(&db, filter.clone(), row()).await.unwrap_err();
        assert!(matches!(error, Error::UniqueViolation { .. }), "{error:?}");
        // Inside a transaction, which stays usable (the insert ran in a savepoint).
        let mut tx = db.begin().await?;
        let error = Person::find_or_create(&mut tx, filter, row()).await.unwrap_err();
        assert!(matches!(error, Error::UniqueViolation { .. }), "{error:?}");
        let (dan, created) = Person::find_or_create(&mut tx, Person::email().eq("dan@x"), Person::build().email("dan@x").name("Dan")).await?;
        assert!(created);
        tx.commit().await?;
        assert_eq!(people(&db).await?, vec![(ann.id, "ann@x".into(), "Ann".into()), (dan.id, "dan@x".into(), "Dan".into())]);
        Ok(())
    }
}

on_all! {
    async fn find_or_create_with_a_missing_required_field_fails_before_any_statement(db: Db) -> TestResult {
        setup(&db).await?;
        let before = db.statement_count();
        let error = Person::find_or_create(&db, Person::email().eq("ann@x"), Person::build().email("ann@x")).await.unwrap_err();
        assert!(matches!(error, Error::MissingField { model: "Person", field: "name" }), "{error:?}");
        assert_eq!(db.statement_count(), before);
        Ok(())
    }
}

on_all! {
    // A real race on PostgreSQL and MariaDB (the losers' inserts wait on the winner's unique
    // key, then fail, and find its row); serial on SQLite's one in-memory connection.
    async fn racing_find_or_create_on_a_unique_column_creates_one_row(db: Db) -> TestResult {
        setup(&db).await?;
        let handles: Vec<_> = (0..12)
            .map(|i| {
                let db = db.clone();
                tokio::spawn(async move {
                    let row = Person::build().email("race@x").name(format!("racer {i}"));
                    if i % 2 == 0 {
                        Person::find_or_create(&db, Person::email().eq("race@x"), row).await
                    } else {
                        // Half of them inside transactions of their own.
                        let mut tx = db.begin().await?;
                        let outcome = Person::find_or_create(&mut tx, Person::email().eq("race@x"), row).await?;
                        tx.commit().await?;
                        Ok(outcome)
                    }
                })
            })
            .collect();
        let mut outcomes = Vec::new();
        for handle in handles {
            outcomes.push(handle.await??);
        }
        let created: Vec<&(Person, bool)> = outcomes.iter().filter(|(_, created)| *created).collect();
        assert_eq!(created.len(), 1, "exactly one creator: {outcomes:?}");
        let winner = &created[0].0;
        assert!(outcomes.iter().all(|(row, _)| row == winner), "every caller got the one row: {outcomes:?}");
        assert_eq!(Person::find().filter(Person::email().eq("race@x")).count(&db).await?, 1);
        Ok(())
    }
}

on_all! {
    async fn find_or_create_that_loses_a_race_in_a_transaction_returns_the_winner_and_keeps_it_usable(db: Db) -> TestResult {
        if is_sqlite(&db) {
            return Ok(()); // one connection in memory: no second writer can hold the key
        }
        setup(&db).await?;
        // The winner has inserted and holds the new key, uncommitted.
        let mut winner_tx = db.begin().await?;
        let (winner, created) =
            Person::find_or_create(&mut winner_tx, Person::email().eq("w@x"), Person::build().email("w@x").name("Winner")).await?;
        assert!(created);
        let loser = tokio::spawn({
            let db = db.clone();
            async move {
                let mut tx = db.begin().await?;
                let outcome =
                    Person::find_or_create(&mut tx, Person::email().eq("w@x"), Person::build().email("w@x").name("Loser")).await?;
                // The transaction goes on after the unique violation its savepoint caught.
                Person::build().email("after@x").name("After").create(&mut tx).await?;
                tx.commit().await?;
                Ok::<_, Error>(outcome)
            }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!loser.is_finished(), "the loser's insert waits on the winner's key");
        winner_tx.commit().await?;
        let (found, created) = loser.await??;
        assert_eq!((found, created), (winner, false));
        let emails: Vec<String> = people(&db).await?.into_iter().map(|(_, email, _)| email).collect();
        assert_eq!(emails, vec!["ann@x", "w@x", "after@x"]);
        Ok(())
    }
}
