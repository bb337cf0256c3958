//! Nested creation (seed 003, "creating with associations").

use orm::prelude::*;
use orm::{Error, raw};

use crate::on_all;

// `Product.belongsTo(User)`, `User.hasMany(Address)`, and the `creator` alias.
#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to(User)]
#[belongs_to(User, as = "creator")]
pub struct Product {
    pub id: i64,
    pub title: String,
    pub user_id: Option<i64>,
    pub creator_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Address)]
#[has_one(Profile)]
pub struct User {
    pub id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Address {
    pub id: i64,
    #[model(column = "type")]
    pub kind: Option<String>,
    pub line1: String,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
    pub user_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Profile {
    pub id: i64,
    pub bio: String,
    pub user_id: Option<i64>,
}

// `Product.hasMany(Tag)` and `Product.hasMany(Tag, { as: 'categories' })`.
#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Tag)]
#[has_many(Tag, as = "categories", foreign_key = "category_item_id")]
pub struct Item {
    pub id: i64,
    pub title: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Tag {
    pub id: i64,
    #[model(unique)]
    pub name: String,
    pub item_id: Option<i64>,
    pub category_item_id: Option<i64>,
}

// "Also works for belongsToMany".
#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to_many(Label, through = Shelving)]
pub struct Shelf {
    pub id: i64,
    pub title: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Label {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Shelving {
    pub id: i64,
    pub shelf_id: i64,
    pub label_id: i64,
    #[model(default = 1)]
    pub position: i32,
}

async fn inserts(db: &Db) -> usize {
    db.take_statements().iter().filter(|s| s.starts_with("INSERT")).count()
}

on_all! {
    async fn product_with_user_and_addresses_in_one_step(db: Db) -> TestResult {
        Schema::new().model::<Product>().sync(&db).await?;
        let chair = Product::build()
            .title("Chair")
            .user(User::build().first_name("Mick").last_name("Broadstone").addresses([Address::build()
                .kind("home")
                .line1("100 Main St.")
                .city("Austin")
                .state("TX")
                .zip("78704")]))
            .create_nested(&db)
            .await?;
        let user = chair.user().expect("the user is loaded");
        assert_eq!((user.first_name.as_str(), user.last_name.as_deref()), ("Mick", Some("Broadstone")));
        assert_eq!(chair.user_id, Some(user.id));
        let address = &user.addresses()[0];
        assert_eq!((address.line1.as_str(), address.user_id), ("100 Main St.", Some(user.id)));

        assert_eq!(raw("SELECT id, title, user_id FROM products").fetch::<(i64, String, Option<i64>)>(&db).await?, vec![(chair.id, "Chair".into(), Some(user.id))]);
        assert_eq!(raw("SELECT id, first_name, last_name FROM users").fetch::<(i64, String, Option<String>)>(&db).await?, vec![(user.id, "Mick".into(), Some("Broadstone".into()))]);
        let addresses = raw("SELECT \"type\", line1, city, state, zip, user_id FROM addresses")
            .fetch::<(Option<String>, String, Option<String>, Option<String>, Option<String>, Option<i64>)>(&db)
            .await?;
        assert_eq!(addresses, vec![(Some("home".into()), "100 Main St.".into(), Some("Austin".into()), Some("TX".into()), Some("78704".into()), Some(user.id))]);
        Ok(())
    }
}

on_all! {
    async fn belongs_to_with_an_alias(db: Db) -> TestResult {
        Schema::new().model::<Product>().sync(&db).await?;
        let chair = Product::build().title("Chair").creator(User::build().first_name("Matt").last_name("Hansen")).create_nested(&db).await?;
        let creator = chair.creator().expect("loaded");
        assert_eq!((creator.first_name.as_str(), chair.creator_id, chair.user_id), ("Matt", Some(creator.id), None));
        assert_eq!(raw("SELECT creator_id FROM products").fetch::<(Option<i64>,)>(&db).await?, vec![(Some(creator.id),)]);
        Ok(())
    }
}

on_all! {
    async fn has_many_with_and_without_an_alias(db: Db) -> TestResult {
        Schema::new().model::<Item>().sync(&db).await?;
        let chair = Item::build()
            .id(1)
            .title("Chair")
            .tags([Tag::build().name("Alpha"), Tag::build().name("Beta")])
            .categories([Tag::build().id(11).name("Gamma"), Tag::build().id(12).name("Delta")])
            .create_nested(&db)
            .await?;
        assert_eq!(chair.id, 1);
        let names = |tags: &[TagWith<orm::Created>]| tags.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(chair.tags()), ["Alpha", "Beta"]);
        assert_eq!(names(chair.categories()), ["Gamma", "Delta"]);
        let rows = raw("SELECT name, item_id, category_item_id FROM tags ORDER BY name")
            .fetch::<(String, Option<i64>, Option<i64>)>(&db)
            .await?;
        assert_eq!(
            rows,
            vec![("Alpha".into(), Some(1), None), ("Beta".into(), Some(1), None), ("Delta".into(), None, Some(1)), ("Gamma".into(), None, Some(1))]
        );
        assert_eq!(raw("SELECT id FROM tags WHERE name = 'Gamma'").fetch::<(i64,)>(&db).await?, vec![(11,)]);
        Ok(())
    }
}

on_all! {
    async fn belongs_to_many_and_has_one_nested(db: Db) -> TestResult {
        Schema::new().model::<Shelf>().model::<User>().sync(&db).await?;
        let shelf = Shelf::build().title("Top").labels([Label::build().name("fragile"), Label::build().name("heavy")]).create_nested(&db).await?;
        let labels: Vec<(&str, i32)> = shelf.labels().iter().map(|(l, join)| (l.name.as_str(), join.position)).collect();
        assert_eq!(labels.len(), 2);
        assert!(labels.contains(&("fragile", 1)) && labels.contains(&("heavy", 1)));
        assert_eq!(raw("SELECT COUNT(*) FROM shelvings WHERE shelf_id = ?").bind(shelf.id).fetch::<(i64,)>(&db).await?, vec![(2,)]);
        // With join-row values.
        let low = Shelf::build()
            .title("Low")
            .labels_through([(Label::build().name("wide"), Shelving::build().position(3)), (Label::build().name("deep"), Shelving::build())])
            .create_nested(&db)
            .await?;
        let mut positions: Vec<(&str, i32)> = low.labels().iter().map(|(l, join)| (l.name.as_str(), join.position)).collect();
        positions.sort_unstable();
        assert_eq!(positions, [("deep", 1), ("wide", 3)]);
        let user = User::build().first_name("Ann").profile(Profile::build().bio("hello")).create_nested(&db).await?;
        assert_eq!(user.profile().map(|p| (p.bio.as_str(), p.user_id)), Some(("hello", Some(user.id))));
        Ok(())
    }
}

on_all! {
    async fn a_failure_at_the_deepest_level_leaves_no_row(db: Db) -> TestResult {
        Schema::new().model::<Product>().model::<Item>().sync(&db).await?;
        Tag::build().name("Taken").create(&db).await?;
        let error = Item::build().title("Chair").tags([Tag::build().name("Fresh"), Tag::build().name("Taken")]).create(&db).await.unwrap_err();
        assert!(matches!(error, Error::UniqueViolation { .. }), "{error:?}");
        assert_eq!(raw("SELECT COUNT(*) FROM items").fetch::<(i64,)>(&db).await?, vec![(0,)]);
        assert_eq!(raw("SELECT name FROM tags").fetch::<(String,)>(&db).await?, vec![("Taken".into(),)]);
        // A NOT NULL violation three levels down (raw SQL makes `line1` nullable-free input impossible
        // through the builder, which checks first): nothing at all is written.
        let before = db.statement_count();
        let error = Product::build().title("Desk").user(User::build().first_name("Mick").addresses([Address::build().city("Austin")])).create(&db).await.unwrap_err();
        assert!(matches!(error, Error::MissingField { model: "Address", field: "line1" }), "{error:?}");
        assert_eq!(db.statement_count(), before, "checked before any statement");
        assert_eq!(raw("SELECT COUNT(*) FROM products").fetch::<(i64,)>(&db).await?, vec![(0,)]);
        Ok(())
    }
}

on_all! {
    async fn a_hundred_children_take_a_constant_number_of_inserts(db: Db) -> TestResult {
        Schema::new().model::<Product>().sync(&db).await?;
        db.record_statements(true);
        let one = User::build().first_name("One").addresses((0..1).map(|i| Address::build().line1(format!("{i} Main St.")))).create_nested(&db).await?;
        assert_eq!(inserts(&db).await, 2);
        let many = User::build().first_name("Many").addresses((0..100).map(|i| Address::build().line1(format!("{i} Main St.")))).create_nested(&db).await?;
        assert_eq!(inserts(&db).await, 2, "one INSERT for the user, one for its 100 addresses");
        assert_eq!((one.addresses().len(), many.addresses().len()), (1, 100));
        assert!(many.addresses().iter().enumerate().all(|(i, a)| a.line1 == format!("{i} Main St.") && a.user_id == Some(many.id)));
        let products = Product::build().title("P").user(User::build().first_name("U").addresses((0..100).map(|i| Address::build().line1(i.to_string())))).create_nested(&db).await?;
        assert_eq!(inserts(&db).await, 3);
        assert_eq!(products.user().map(|u| u.addresses().len()), Some(100));
        Ok(())
    }
}

on_all! {
    async fn the_callers_transaction_rolled_back_leaves_nothing(db: Db) -> TestResult {
        Schema::new().model::<Product>().sync(&db).await?;
        let mut tx = db.begin().await?;
        let chair = Product::build().title("Chair").user(User::build().first_name("Mick").addresses([Address::build().line1("x")])).create(&mut tx).await?;
        assert!(Product::find_by_pk(&mut tx, chair.id).await?.is_some());
        tx.rollback().await?;
        for table in ["products", "users", "addresses"] {
            assert_eq!(raw(format!("SELECT COUNT(*) FROM {table}")).fetch::<(i64,)>(&db).await?, vec![(0,)], "{table}");
        }
        Ok(())
    }
}

on_all! {
    async fn create_many_inserts_rows_in_bulk(db: Db) -> TestResult {
        Schema::new().model::<Product>().sync(&db).await?;
        db.record_statements(true);
        let rows = (0..20_000).map(|i| Product { id: 0, title: format!("p{i}"), user_id: None, creator_id: None });
        let created = Product::create_many(&db, rows).await?;
        let statements = db.take_statements();
        assert_eq!(created.len(), 20_000);
        assert!(created.iter().enumerate().all(|(i, p)| p.title == format!("p{i}")), "returned in input order");
        let bulk = statements.iter().filter(|s| s.starts_with("INSERT")).count();
        // Three bound columns a row: 65,535 / 3 rows per statement on PostgreSQL and MariaDB,
        // 32,766 / 3 on SQLite.
        let expected = if crate::support::is_sqlite(&db) { 20_000usize.div_ceil(32_766 / 3) } else { 1 };
        assert_eq!(bulk, expected);
        assert_eq!(Product::find().count(&db).await?, 20_000);
        Ok(())
    }
}

on_all! {
    async fn create_all_batches_many_trees_level_by_level(db: Db) -> TestResult {
        Schema::new().model::<Product>().sync(&db).await?;
        db.record_statements(true);
        let products = Product::create_all(
            &db,
            (0..50).map(|i| {
                Product::build().title(format!("p{i}")).user(
                    User::build()
                        .first_name(format!("u{i}"))
                        .addresses([Address::build().line1(format!("{i} a")), Address::build().line1(format!("{i} b"))]),
                )
            }),
        )
        .await?;
        assert_eq!(inserts(&db).await, 3, "users, products, addresses: one INSERT each for all 50 trees");
        assert_eq!(products.len(), 50);
        let rows = raw("SELECT p.title, u.first_name, COUNT(a.id) FROM products p JOIN users u ON u.id = p.user_id JOIN addresses a ON a.user_id = u.id GROUP BY p.title, u.first_name ORDER BY p.title")
            .fetch::<(String, String, i64)>(&db)
            .await?;
        assert_eq!(rows.len(), 50);
        assert!(rows.iter().all(|(p, u, n)| p[1..] == u[1..] && *n == 2), "{rows:?}");
        Ok(())
    }
}

// Builders of one array nesting different associations (issue 18).
#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Lane)]
pub struct Board {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Card)]
#[belongs_to_many(Label, through = "lane_labels")]
pub struct Lane {
    pub id: i64,
    pub name: String,
    pub board_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Card {
    pub id: i64,
    pub title: String,
    pub lane_id: Option<i64>,
}

on_all! {
    async fn builders_of_one_array_may_nest_different_associations(db: Db) -> TestResult {
        Schema::new().model::<Board>().sync(&db).await?;
        db.record_statements(true);
        let existing = Card { id: 0, title: "from a value".into(), lane_id: None };
        let board = Board::build()
            .name("b")
            .lanes([
                Lane::build().name("todo").cards([Card::build().title("a"), existing.into()]),
                Lane::build().name("empty"),
                Lane::build().name("tagged").labels([Label::build().name("x"), Label::build().name("y")]).cards([]),
            ])
            .create_nested(&db)
            .await?;
        let statements = db.take_statements();
        assert!(statements.iter().all(|s| !s.starts_with("SELECT")), "nothing is read back: {statements:#?}");
        assert_eq!(statements.iter().filter(|s| s.starts_with("INSERT")).count(), 5, "boards, lanes, cards, labels, lane_labels: {statements:#?}");

        let lanes: Vec<(&str, Vec<&str>, Vec<&str>)> = board
            .lanes()
            .iter()
            .map(|lane| {
                let cards = lane.cards().iter().map(|c| c.title.as_str()).collect();
                let labels = lane.labels().iter().map(|l| l.name.as_str()).collect();
                (lane.name.as_str(), cards, labels)
            })
            .collect();
        assert_eq!(lanes, [("todo", vec!["a", "from a value"], vec![]), ("empty", vec![], vec![]), ("tagged", vec![], vec!["x", "y"])]);
        // What the tree says is what is stored.
        let todo = &board.lanes()[0];
        assert!(todo.cards().iter().all(|c| c.lane_id == Some(todo.id) && c.id > 0));
        assert!(board.lanes().iter().all(|l| l.board_id == Some(board.id)));
        let stored = Board::find()
            .include(Board::lanes().order_by(Lane::id().asc()).include(Lane::cards()).include(Lane::labels()))
            .all(&db)
            .await?;
        let stored: Vec<(&str, Vec<&str>, Vec<&str>)> = stored[0]
            .lanes()
            .iter()
            .map(|lane| {
                let cards = lane.cards().iter().map(|c| c.title.as_str()).collect();
                let labels = lane.labels().iter().map(|l| l.name.as_str()).collect();
                (lane.name.as_str(), cards, labels)
            })
            .collect();
        assert_eq!(stored, lanes);
        // `create` returns the row itself.
        let plain: Board = Board::build().name("plain").lanes([Lane::build().name("l")]).create(&db).await?;
        assert_eq!(plain.get_lanes(&db).await?.len(), 1);
        Ok(())
    }
}

on_all! {
    async fn a_failed_nested_create_returns_nothing_and_leaves_nothing(db: Db) -> TestResult {
        Schema::new().model::<Board>().model::<Item>().sync(&db).await?;
        // The second lane's card misses its title: checked before any statement.
        let before = db.statement_count();
        let error = Board::build()
            .name("b")
            .lanes([Lane::build().name("ok").cards([Card::build().title("a")]), Lane::build().name("bad").cards([Card::build()])])
            .create_nested(&db)
            .await
            .unwrap_err();
        assert!(matches!(error, Error::MissingField { model: "Card", field: "title" }), "{error:?}");
        assert_eq!(db.statement_count(), before);
        for table in ["boards", "lanes", "cards"] {
            assert_eq!(raw(format!("SELECT COUNT(*) FROM {table}")).fetch::<(i64,)>(&db).await?, vec![(0,)], "{table}");
        }
        Ok(())
    }
}
