use orm::prelude::*;
use orm::raw;

use crate::on_all;
use crate::support::{is_mariadb, is_postgres};

#[derive(Model, Debug, Clone)]
pub struct Person {
    pub id: i64,
    pub first_name: String,
}

#[derive(Model, Debug, Clone)]
#[model(table = "legacy_people", rename_all = "camelCase")]
pub struct LegacyPerson {
    pub id: i64,
    pub first_name: String,
    pub user_id: Option<i64>,
    #[model(column = "SURNAME")]
    pub last_name: String,
}

#[derive(Model, Debug, Clone)]
#[model(name(singular = "goose", plural = "geese"))]
pub struct Goose {
    pub id: i64,
}

/// Reserved words as table and column names, and a mixed-case column.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "order")]
pub struct Order {
    pub id: i64,
    #[model(column = "user")]
    pub user: String,
    #[model(column = "group")]
    pub group: i32,
    #[model(column = "userId")]
    pub user_id: i64,
}

#[derive(Model, Debug, Clone)]
#[model(table = "user")]
pub struct User {
    #[model(primary_key)]
    pub code: String,
    #[model(column = "select")]
    pub select_: Option<String>,
}

async fn columns(db: &Db, table: &str) -> Result<Vec<String>, orm::Error> {
    let query = if is_postgres(db) {
        raw(
            "SELECT column_name::text FROM information_schema.columns WHERE table_name = ? AND table_schema = current_schema() ORDER BY ordinal_position",
        )
    } else if is_mariadb(db) {
        raw(
            "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
        )
    } else {
        raw("SELECT name FROM pragma_table_info(?) ORDER BY cid")
    };
    Ok(query.bind(table.to_owned()).fetch::<(String,)>(db).await?.into_iter().map(|(c,)| c).collect())
}

#[test]
fn names_follow_the_inflector_and_options() {
    assert_eq!(Person::meta().table, "people");
    assert_eq!((Person::meta().singular, Person::meta().plural), ("person", "people"));
    assert_eq!(LegacyPerson::meta().table, "legacy_people");
    assert_eq!(Goose::meta().table, "geese");
    assert_eq!((Goose::meta().singular, Goose::meta().plural), ("goose", "geese"));
    let columns: Vec<&str> = LegacyPerson::meta().columns.iter().map(|c| c.name).collect();
    assert_eq!(columns, ["id", "firstName", "userId", "SURNAME"]);
}

on_all! {
    async fn renamed_columns_exist_in_the_database(db: Db) -> TestResult {
        Schema::new().model::<Person>().model::<LegacyPerson>().sync(&db).await?;
        assert_eq!(columns(&db, "people").await?, ["id", "first_name"]);
        assert_eq!(columns(&db, "legacy_people").await?, ["id", "firstName", "userId", "SURNAME"]);
        let row = LegacyPerson::build().first_name("Ada").last_name("Lovelace").user_id(7).create(&db).await?;
        let found = LegacyPerson::find().filter(LegacyPerson::user_id().eq(7)).all(&db).await?;
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].id, found[0].first_name.as_str(), found[0].last_name.as_str()), (row.id, "Ada", "Lovelace"));
        Ok(())
    }
}

on_all! {
    async fn reserved_words_and_mixed_case_identifiers_work(db: Db) -> TestResult {
        Schema::new().model::<Order>().model::<User>().sync(&db).await?;
        assert_eq!(columns(&db, "order").await?, ["id", "user", "group", "userId"]);
        let mut order = Order::build().user("ann").group(2).user_id(5).create(&db).await?;
        order.group = 3;
        order.save(&db).await?;
        let found = Order::find()
            .filter(Order::user().eq("ann").and(Order::user_id().eq(5)))
            .order_by(Order::group().desc())
            .all(&db)
            .await?;
        assert_eq!(found, vec![order.clone()]);
        Order::update().set(Order::user(), "bob").filter(Order::group().eq(3)).exec(&db).await?;
        assert_eq!(raw("SELECT \"user\" FROM \"order\"").fetch::<(String,)>(&db).await?, vec![("bob".into(),)]);
        User::build().code("u1").select_("x").create(&db).await?;
        let user = User::find_by_pk(&db, "u1").await?.expect("found by text key");
        assert_eq!(user.select_.as_deref(), Some("x"));
        user.destroy(&db).await?;
        order.destroy(&db).await?;
        assert_eq!(Order::find().count(&db).await? + User::find().count(&db).await?, 0);
        Ok(())
    }
}
