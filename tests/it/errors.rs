use orm::prelude::*;
use orm::{Error, raw};

use crate::on_all;
use crate::support::TestResult;

#[derive(Model, Debug, Clone)]
pub struct Member {
    pub id: i64,
    #[model(unique)]
    pub email: String,
    #[model(references(model = Club))]
    pub club_id: Option<i64>,
}

#[derive(Model, Debug, Clone)]
pub struct Club {
    pub id: i64,
    pub title: String,
}

async fn setup(db: &Db) -> TestResult {
    Schema::new().model::<Member>().sync(db).await?;
    Ok(())
}

on_all! {
    async fn unique_violation_is_classified_with_its_column(db: Db) -> TestResult {
        setup(&db).await?;
        Member::build().email("a@example.com").create(&db).await?;
        let error = Member::build().email("a@example.com").create(&db).await.unwrap_err();
        match &error {
            Error::UniqueViolation { table, column, constraint, .. } => {
                assert_eq!(table.as_deref(), Some("members"));
                if crate::support::is_postgres(&db) || crate::support::is_mariadb(&db) {
                    assert_eq!(constraint.as_deref(), Some("members_email_key"));
                } else {
                    assert_eq!(column.as_deref(), Some("email"));
                }
            }
            other => panic!("expected a unique violation, got {other:?}"),
        }
        assert!(std::error::Error::source(&error).is_some(), "the database error is kept as source");
        assert_eq!(raw("SELECT COUNT(*) FROM members").fetch::<(i64,)>(&db).await?, vec![(1,)]);
        Ok(())
    }
}

on_all! {
    async fn foreign_key_violation_is_classified(db: Db) -> TestResult {
        setup(&db).await?;
        let error = Member::build().email("a@example.com").club_id(999).create(&db).await.unwrap_err();
        match &error {
            Error::ForeignKeyViolation { table, constraint, column, .. } => {
                if crate::support::is_postgres(&db) || crate::support::is_mariadb(&db) {
                    assert_eq!(table.as_deref(), Some("members"));
                    assert_eq!(constraint.as_deref(), Some("members_club_id_fkey"));
                }
                if crate::support::is_mariadb(&db) {
                    // MariaDB's message also names the referencing column.
                    assert_eq!(column.as_deref(), Some("club_id"));
                }
            }
            other => panic!("expected a foreign-key violation, got {other:?}"),
        }
        Ok(())
    }
}

on_all! {
    async fn not_null_violation_is_classified_with_its_column(db: Db) -> TestResult {
        setup(&db).await?;
        let error = raw("INSERT INTO clubs (title) VALUES (?)").bind(Option::<String>::None).execute(&db).await.unwrap_err();
        match &error {
            Error::NotNullViolation { table, column, .. } => {
                assert_eq!(table.as_deref(), Some("clubs"));
                assert_eq!(column.as_deref(), Some("title"));
            }
            other => panic!("expected a not-null violation, got {other:?}"),
        }
        Ok(())
    }
}

on_all! {
    async fn decoding_null_into_a_required_field_names_the_column(db: Db) -> TestResult {
        setup(&db).await?;
        raw("CREATE TABLE loose (id INTEGER PRIMARY KEY, title TEXT)").execute(&db).await?;
        raw("INSERT INTO loose (id, title) VALUES (1, NULL)").execute(&db).await?;
        let error = raw("SELECT title FROM loose").fetch::<(String,)>(&db).await.unwrap_err();
        assert!(matches!(&error, Error::UnexpectedNull { column } if column == "title"), "{error:?}");
        Ok(())
    }
}
