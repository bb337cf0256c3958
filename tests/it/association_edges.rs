//! Edge cases of associations found in review, and the options the seed scenarios do not use.

use orm::prelude::*;
use orm::{Error, raw};

use crate::on_all;
use crate::support::{is_mariadb, is_postgres, quoted};

// Seed 003: `Country.hasMany(City, {foreignKey: 'countryCode', sourceKey: 'isoCode'})` and
// `City.belongsTo(Country, {foreignKey: 'countryCode', targetKey: 'isoCode'})`.
#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(City, foreign_key = "country_code", source_key = "iso_code")]
pub struct Country {
    pub id: i64,
    #[model(unique)]
    pub iso_code: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to(Country, foreign_key = "country_code", target_key = "iso_code")]
pub struct City {
    pub id: i64,
    pub name: String,
    pub country_code: Option<String>,
}

// A has_one with a NOT NULL key, explicit actions, and both forms of alias.
#[derive(Model, Debug, Clone, PartialEq)]
#[has_one(Desk, on_delete = "restrict", on_update = "no action")]
#[has_many(Memo, as(singular = "minute", plural = "minutes"))]
#[has_one(Badge)]
pub struct Clerk {
    pub id: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Desk {
    pub id: i64,
    pub clerk_id: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Memo {
    pub id: i64,
    pub clerk_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Badge {
    pub id: i64,
    pub clerk_id: Option<i64>,
}

// Both sides of one key, one of them with an explicit action: the DDL must not depend on the
// order the models are registered in.
#[derive(Model, Debug, Clone)]
#[has_many(Post, on_delete = "cascade")]
pub struct Author {
    pub id: i64,
}

#[derive(Model, Debug, Clone)]
#[belongs_to(Author)]
pub struct Post {
    pub id: i64,
    pub author_id: Option<i64>,
}

// The seeds' users and pictures, both constraints on: a cycle.
#[derive(Model, Debug, Clone)]
#[has_many(Picture)]
#[belongs_to(Picture, as = "profile_picture")]
pub struct User {
    pub id: i64,
    pub profile_picture_id: Option<i64>,
}

#[derive(Model, Debug, Clone)]
pub struct Picture {
    pub id: i64,
    pub user_id: Option<i64>,
}

on_all! {
    async fn has_many_and_belongs_to_on_a_source_key_other_than_the_primary_key(db: Db) -> TestResult {
        Schema::new().model::<Country>().model::<City>().sync(&db).await?;
        let nz = Country::build().iso_code("NZ").create(&db).await?;
        let mut wellington = City::build().name("Wellington").create(&db).await?;
        let auckland = nz.create_city(&db, City::build().name("Auckland")).await?;
        assert_eq!(auckland.country_code.as_deref(), Some("NZ"));
        nz.add_city(&db, &wellington).await?;
        assert_eq!(nz.count_cities(&db).await?, 2);
        // A bare primary key of the target is looked up for its `target_key` value.
        wellington.set_country(&db, None).await?;
        wellington.set_country(&db, nz.id).await?;
        assert_eq!(wellington.country_code.as_deref(), Some("NZ"));
        assert_eq!(wellington.get_country(&db).await?, Some(nz.clone()));
        let error = wellington.set_country(&db, nz.id + 99).await.unwrap_err();
        assert!(matches!(&error, Error::MissingKeys { keys, .. } if *keys == [(nz.id + 99).to_string()]), "{error:?}");
        let rows = raw("SELECT name, country_code FROM cities ORDER BY name").fetch::<(String, Option<String>)>(&db).await?;
        assert_eq!(rows, vec![("Auckland".into(), Some("NZ".into())), ("Wellington".into(), Some("NZ".into()))]);
        Ok(())
    }
}

on_all! {
    async fn has_one_set_to_its_current_target_keeps_a_not_null_key(db: Db) -> TestResult {
        Schema::new().model::<Clerk>().sync(&db).await?;
        let clerk = Clerk::build().create(&db).await?;
        let desk = clerk.create_desk(&db, Desk::build()).await?;
        clerk.set_desk(&db, &desk).await?;
        clerk.set_desk(&db, desk.id).await?;
        assert_eq!(clerk.get_desk(&db).await?, Some(desk.clone()));
        // Moving it to another clerk is an update of the NOT NULL key, never a NULL.
        let other = Clerk::build().create(&db).await?;
        other.set_desk(&db, &desk).await?;
        assert_eq!(raw("SELECT clerk_id FROM desks").fetch::<(i64,)>(&db).await?, vec![(other.id,)]);
        Ok(())
    }
}

on_all! {
    async fn has_one_create_unlinks_the_current_target(db: Db) -> TestResult {
        Schema::new().model::<Clerk>().sync(&db).await?;
        let clerk = Clerk::build().create(&db).await?;
        let first = clerk.create_badge(&db, Badge::build()).await?;
        let second = clerk.create_badge(&db, Badge::build()).await?;
        let rows = raw("SELECT id, clerk_id FROM badges ORDER BY id").fetch::<(i64, Option<i64>)>(&db).await?;
        assert_eq!(rows, vec![(first.id, None), (second.id, Some(clerk.id))], "one badge stays linked");
        assert_eq!(clerk.get_badge(&db).await?, Some(second));
        // The as(singular, plural) form names the has_many accessors.
        let minute = clerk.create_minute(&db, Memo::build()).await?;
        assert!(clerk.has_minute(&db, &minute).await?);
        Ok(())
    }
}

async fn rules(db: &Db, table: &str) -> Result<Vec<(String, String, String)>, Error> {
    let query = if is_postgres(db) {
        raw(
            "SELECT kcu.column_name::text, rc.update_rule::text, rc.delete_rule::text FROM information_schema.referential_constraints rc \
             JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = rc.constraint_name AND kcu.constraint_schema = rc.constraint_schema \
             WHERE kcu.table_name = ? AND kcu.table_schema = current_schema() ORDER BY 1",
        )
    } else if is_mariadb(db) {
        raw(
            "SELECT kcu.COLUMN_NAME, rc.UPDATE_RULE, rc.DELETE_RULE FROM information_schema.REFERENTIAL_CONSTRAINTS rc \
             JOIN information_schema.KEY_COLUMN_USAGE kcu ON kcu.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA AND kcu.CONSTRAINT_NAME = rc.CONSTRAINT_NAME AND kcu.TABLE_NAME = rc.TABLE_NAME \
             WHERE rc.CONSTRAINT_SCHEMA = DATABASE() AND kcu.TABLE_NAME = ? ORDER BY 1",
        )
    } else {
        raw("SELECT \"from\", on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY 1")
    };
    query.bind(table.to_owned()).fetch(db).await
}

on_all! {
    async fn explicit_has_one_actions_read_back(db: Db) -> TestResult {
        Schema::new().model::<Clerk>().sync(&db).await?;
        assert_eq!(rules(&db, "desks").await?, [("clerk_id".into(), "NO ACTION".into(), "RESTRICT".into())]);
        assert_eq!(rules(&db, "memos").await?, [("clerk_id".into(), "CASCADE".into(), "SET NULL".into())]);
        let clerk = Clerk::build().create(&db).await?;
        clerk.create_desk(&db, Desk::build()).await?;
        let error = clerk.destroy(&db).await.unwrap_err();
        assert!(matches!(error, Error::ForeignKeyViolation { .. } | Error::Database { .. }), "{error:?}");
        Ok(())
    }
}

on_all! {
    async fn the_ddl_does_not_depend_on_registration_order(db: Db) -> TestResult {
        let one = Schema::new().model::<Author>().model::<Post>().ddl(&db)?;
        let two = Schema::new().model::<Post>().model::<Author>().ddl(&db)?;
        let create_posts = quoted(&db, "CREATE TABLE IF NOT EXISTS \"posts\"");
        let post = |ddl: &[String]| ddl.iter().find(|s| s.contains(&create_posts)).cloned();
        assert_eq!(post(&one), post(&two));
        assert!(post(&one).is_some_and(|s| s.contains("ON DELETE CASCADE")), "{one:?}");
        Ok(())
    }
}

on_all! {
    async fn users_and_pictures_with_both_constraints_are_a_cycle(db: Db) -> TestResult {
        let error = Schema::new().model::<User>().sync(&db).await.unwrap_err();
        assert!(error.to_string().starts_with("Cyclic dependency found. 'users' is dependent of itself"), "{error}");
        assert_eq!(error.to_string(), "Cyclic dependency found. 'users' is dependent of itself. Dependency chain: users -> pictures => users");
        Ok(())
    }
}

on_all! {
    async fn accessors_run_inside_the_callers_transaction(db: Db) -> TestResult {
        Schema::new().model::<Clerk>().sync(&db).await?;
        let clerk = Clerk::build().create(&db).await?;
        let memo = Memo::build().create(&db).await?;
        let mut tx = db.begin().await?;
        clerk.add_minute(&mut tx, &memo).await?;
        assert_eq!(clerk.count_minutes(&mut tx).await?, 1);
        // A failing accessor rolls back to its savepoint; the transaction stays usable.
        assert!(clerk.add_minutes(&mut tx, [memo.id, 999]).await.is_err());
        assert_eq!(clerk.count_minutes(&mut tx).await?, 1);
        tx.rollback().await?;
        assert_eq!(clerk.count_minutes(&db).await?, 0, "the caller's rollback undoes the accessor");
        Ok(())
    }
}

on_all! {
    async fn plural_accessors_and_filters_take_more_keys_than_one_statement_binds(db: Db) -> TestResult {
        Schema::new().model::<Clerk>().sync(&db).await?;
        // MariaDB stops a recursive CTE at 1000 iterations: its sequence engine counts instead.
        let numbers = if is_mariadb(&db) {
            "seq_1_to_40000"
        } else {
            "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000) SELECT i FROM n) AS numbers"
        };
        raw(format!("INSERT INTO memos (clerk_id) SELECT NULL FROM {numbers}")).execute(&db).await?;
        let ids: Vec<i64> = raw("SELECT id FROM memos").fetch::<(i64,)>(&db).await?.into_iter().map(|(id,)| id).collect();
        let clerk = Clerk::build().create(&db).await?;
        clerk.add_minutes(&db, ids.iter().copied()).await?;
        assert_eq!(clerk.count_minutes(&db).await?, 40_000);
        assert!(clerk.has_minutes(&db, ids.iter().copied()).await?);
        assert_eq!(Memo::find().filter(Memo::id().is_in(ids.iter().copied())).count(&db).await?, 40_000);
        assert_eq!(Memo::find().filter(Memo::id().not_in(ids[..39_990].iter().copied())).count(&db).await?, 10);
        clerk.set_minutes(&db, ids[..10].iter().copied()).await?;
        assert_eq!(clerk.count_minutes(&db).await?, 10);
        Ok(())
    }
}
