use orm::prelude::*;
use orm::{Error, raw};

use crate::on_all;
use crate::support::{TestResult, quoted};

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Account {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub balance: i32,
}

async fn setup(db: &Db) -> TestResult {
    Schema::new().model::<Account>().sync(db).await?;
    Ok(())
}

fn account(name: &str, balance: i32) -> Account {
    Account { id: 0, name: name.into(), email: None, balance }
}

on_all! {
    async fn create_returns_the_row_with_its_generated_key(db: Db) -> TestResult {
        setup(&db).await?;
        let ann = Account::create(&db, account("Ann", 10)).await?;
        let bob = Account::create(&db, account("Bob", 20)).await?;
        assert!(ann.id > 0);
        assert_eq!(bob.id, ann.id + 1);
        assert_eq!(bob.name, "Bob");
        let rows = raw("SELECT id, name, email, balance FROM accounts ORDER BY id")
            .fetch::<(i64, String, Option<String>, i32)>(&db)
            .await?;
        assert_eq!(rows, vec![(ann.id, "Ann".into(), None, 10), (bob.id, "Bob".into(), None, 20)]);
        Ok(())
    }
}

on_all! {
    async fn find_by_pk_loads_one_row_or_none(db: Db) -> TestResult {
        setup(&db).await?;
        let ann = Account::create(&db, account("Ann", 10)).await?;
        assert_eq!(Account::find_by_pk(&db, ann.id).await?, Some(ann.clone()));
        assert_eq!(Account::find_by_pk(&db, ann.id + 100).await?, None);
        Ok(())
    }
}

on_all! {
    async fn save_writes_every_field_back(db: Db) -> TestResult {
        setup(&db).await?;
        let mut ann = Account::create(&db, account("Ann", 10)).await?;
        let bob = Account::create(&db, account("Bob", 20)).await?;
        ann.name = "Annie".into();
        ann.email = Some("annie@example.com".into());
        ann.balance = 11;
        ann.save(&db).await?;
        let rows = raw("SELECT id, name, email, balance FROM accounts ORDER BY id")
            .fetch::<(i64, String, Option<String>, i32)>(&db)
            .await?;
        assert_eq!(
            rows,
            vec![(ann.id, "Annie".into(), Some("annie@example.com".into()), 11), (bob.id, "Bob".into(), None, 20)]
        );
        Ok(())
    }
}

on_all! {
    async fn save_of_a_deleted_row_is_not_found(db: Db) -> TestResult {
        setup(&db).await?;
        let mut ann = Account::create(&db, account("Ann", 10)).await?;
        ann.destroy(&db).await?;
        ann.balance = 5;
        let error = ann.save(&db).await.unwrap_err();
        assert!(matches!(error, Error::NotFound { model: "Account" }), "{error:?}");
        Ok(())
    }
}

on_all! {
    async fn destroy_deletes_only_that_row(db: Db) -> TestResult {
        setup(&db).await?;
        let ann = Account::create(&db, account("Ann", 10)).await?;
        let bob = Account::create(&db, account("Bob", 20)).await?;
        ann.destroy(&db).await?;
        let ids = raw("SELECT id FROM accounts").fetch::<(i64,)>(&db).await?;
        assert_eq!(ids, vec![(bob.id,)]);
        Ok(())
    }
}

on_all! {
    async fn builder_leaves_unset_nullable_fields_null_and_generates_the_key(db: Db) -> TestResult {
        setup(&db).await?;
        let ann = Account::build().name("Ann").balance(3).create(&db).await?;
        assert!(ann.id > 0);
        assert_eq!(ann.email, None);
        let rows = raw("SELECT name, email, balance FROM accounts").fetch::<(String, Option<String>, i32)>(&db).await?;
        assert_eq!(rows, vec![("Ann".into(), None, 3)]);
        Ok(())
    }
}

on_all! {
    async fn builder_with_an_explicit_key_inserts_it(db: Db) -> TestResult {
        setup(&db).await?;
        let row = Account::build().id(42).name("Ann").balance(1).email("a@example.com").create(&db).await?;
        assert_eq!(row.id, 42);
        let rows = raw("SELECT id, email FROM accounts").fetch::<(i64, Option<String>)>(&db).await?;
        assert_eq!(rows, vec![(42, Some("a@example.com".into()))]);
        Ok(())
    }
}

on_all! {
    async fn builder_missing_a_required_field_fails_before_any_statement(db: Db) -> TestResult {
        setup(&db).await?;
        let before = db.statement_count();
        let error = Account::build().name("Ann").create(&db).await.unwrap_err();
        assert!(matches!(error, Error::MissingField { model: "Account", field: "balance" }), "{error:?}");
        assert_eq!(db.statement_count(), before, "no statement may run");
        assert_eq!(error.to_string(), "`Account.balance` is required: it is NOT NULL and has no default; set it before creating");
        Ok(())
    }
}

on_all! {
    async fn bulk_update_changes_only_matching_rows(db: Db) -> TestResult {
        setup(&db).await?;
        for (name, balance) in [("Ann", 1), ("Bob", 5), ("Cid", 9)] {
            Account::create(&db, account(name, balance)).await?;
        }
        let changed = Account::update()
            .set(Account::email(), "rich@example.com")
            .set(Account::balance(), 100)
            .filter(Account::balance().ge(5))
            .exec(&db)
            .await?;
        assert_eq!(changed, 2);
        let rows = raw("SELECT name, email, balance FROM accounts ORDER BY name")
            .fetch::<(String, Option<String>, i32)>(&db)
            .await?;
        assert_eq!(
            rows,
            vec![
                ("Ann".into(), None, 1),
                ("Bob".into(), Some("rich@example.com".into()), 100),
                ("Cid".into(), Some("rich@example.com".into()), 100),
            ]
        );
        Ok(())
    }
}

on_all! {
    async fn bulk_delete_removes_only_matching_rows(db: Db) -> TestResult {
        setup(&db).await?;
        for (name, balance) in [("Ann", 1), ("Bob", 5), ("Cid", 9)] {
            Account::create(&db, account(name, balance)).await?;
        }
        let removed = Account::delete().filter(Account::name().ne("Bob")).exec(&db).await?;
        assert_eq!(removed, 2);
        let rows = raw("SELECT name FROM accounts").fetch::<(String,)>(&db).await?;
        assert_eq!(rows, vec![("Bob".into(),)]);
        Ok(())
    }
}

on_all! {
    async fn model_statements_are_built_once_and_reused(db: Db) -> TestResult {
        setup(&db).await?;
        db.record_statements(true);
        let a = Account::create(&db, account("Ann", 1)).await?;
        let b = Account::create(&db, account("Bob", 2)).await?;
        Account::find_by_pk(&db, a.id).await?;
        Account::find_by_pk(&db, b.id).await?;
        let statements = db.take_statements();
        assert_eq!(statements.len(), 4);
        assert_eq!(statements[0], statements[1]);
        assert_eq!(statements[2], statements[3]);
        let placeholder = if crate::support::is_postgres(&db) { "$1" } else { "?" };
        assert_eq!(
            statements[2],
            quoted(
                &db,
                &format!(
                    "SELECT \"accounts\".\"id\", \"accounts\".\"name\", \"accounts\".\"email\", \"accounts\".\"balance\" FROM \"accounts\" WHERE \"accounts\".\"id\" = {placeholder}"
                )
            )
        );
        Ok(())
    }
}
