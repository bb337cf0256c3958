//! Composite primary keys: `find_by_pk`, `save` and `destroy` address exactly one row, and a
//! join model keyed by its pair (as Sequelize creates join tables) works through every
//! belongs_to_many accessor, include and nested create.

use orm::prelude::*;
use orm::raw;

use crate::on_both;
use crate::support::is_postgres;

#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to_many(Project, through = Membership)]
#[has_many(Membership)]
pub struct User {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to_many(User, through = Membership)]
pub struct Project {
    pub id: i64,
    pub name: String,
}

/// Keyed by its pair, with extra columns: no `id` of its own.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(primary_key(user_id, project_id))]
#[belongs_to(User)]
#[belongs_to(Project)]
pub struct Membership {
    pub user_id: i64,
    pub project_id: i64,
    #[model(default = "member")]
    pub role: String,
    pub hours: Option<i32>,
}

/// The other spelling: several fields marked `primary_key`, a text and an integer column.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(hooks)]
pub struct Translation {
    #[model(primary_key)]
    pub locale: String,
    #[model(primary_key)]
    pub key: i32,
    pub text: String,
}

static DESTROYED: std::sync::Mutex<Vec<(String, i32)>> = std::sync::Mutex::new(Vec::new());

impl orm::Hooks for Translation {
    async fn before_destroy(&self, _tx: &mut orm::Tx) -> orm::Result<()> {
        DESTROYED.lock().expect("not poisoned").push((self.locale.clone(), self.key));
        Ok(())
    }
}

async fn memberships(db: &Db) -> Result<Vec<(i64, i64, String)>, orm::Error> {
    raw("SELECT user_id, project_id, role FROM memberships ORDER BY user_id, project_id").fetch(db).await
}

#[test]
fn the_key_is_every_listed_column() {
    let meta = Membership::meta();
    let key: Vec<&str> = meta.primary_key_columns().map(|c| c.name).collect();
    assert_eq!(key, ["user_id", "project_id"]);
    assert!(meta.columns.iter().all(|c| !c.generated));
    let key: Vec<&str> = Translation::meta().primary_key_columns().map(|c| c.name).collect();
    assert_eq!(key, ["locale", "key"]);
}

on_both! {
    async fn find_by_pk_save_and_destroy_address_one_row(db: Db) -> TestResult {
        Schema::new().model::<Translation>().sync(&db).await?;
        let rows = [("en", 1, "hello"), ("en", 2, "bye"), ("fr", 1, "bonjour")];
        Translation::create_many(
            &db,
            rows.iter().map(|(l, k, t)| Translation { locale: (*l).into(), key: *k, text: (*t).into() }),
        )
        .await?;
        let mut en1 = Translation::find_by_pk(&db, ("en".to_owned(), 1)).await?.expect("en/1 exists");
        assert_eq!(en1.text, "hello");
        assert!(Translation::find_by_pk(&db, ("de".to_owned(), 1)).await?.is_none());

        en1.text = "hi".into();
        en1.save(&db).await?;
        let texts: Vec<(String, i32, String)> =
            raw("SELECT locale, \"key\", text FROM translations ORDER BY locale, \"key\"").fetch(&db).await?;
        assert_eq!(
            texts,
            [("en".into(), 1, "hi".into()), ("en".into(), 2, "bye".into()), ("fr".into(), 1, "bonjour".into())]
        );

        // Hooks make destroy go through the ORM (locked, hooked): still exactly one row.
        en1.destroy(&db).await?;
        let left: Vec<(String, i32)> =
            raw("SELECT locale, \"key\" FROM translations ORDER BY locale, \"key\"").fetch(&db).await?;
        assert_eq!(left, [("en".into(), 2), ("fr".into(), 1)]);
        assert!(DESTROYED.lock().expect("not poisoned").contains(&("en".to_owned(), 1)));

        // A row that is gone: save fails with NotFound and touches nothing.
        let gone = Translation { locale: "en".into(), key: 1, text: "again".into() };
        let mut ghost = gone.clone();
        assert!(matches!(ghost.save(&db).await, Err(orm::Error::NotFound { .. })));
        // The key is the pair: the same key twice is a unique violation.
        let twice = Translation::create(&db, Translation { locale: "fr".into(), key: 1, text: "x".into() }).await;
        assert!(matches!(twice, Err(orm::Error::UniqueViolation { .. })), "{twice:?}");
        Ok(())
    }
}

on_both! {
    async fn a_join_model_keyed_by_its_pair_works_through_every_accessor(db: Db) -> TestResult {
        Schema::new().model::<User>().model::<Project>().sync(&db).await?;
        let ann = User::build().name("ann").create(&db).await?;
        let bob = User::build().name("bob").create(&db).await?;
        let alpha = Project::build().name("alpha").create(&db).await?;
        let beta = Project::build().name("beta").create(&db).await?;
        let gamma = Project::build().name("gamma").create(&db).await?;

        ann.add_project(&db, &alpha).await?;
        ann.add_projects(&db, [&beta, &gamma]).through(Membership::build().role("lead")).await?;
        bob.set_projects(&db, [&alpha]).through_for(&alpha, Membership::build().role("owner").hours(3)).await?;
        assert_eq!(
            memberships(&db).await?,
            [
                (ann.id, alpha.id, "member".into()),
                (ann.id, beta.id, "lead".into()),
                (ann.id, gamma.id, "lead".into()),
                (bob.id, alpha.id, "owner".into()),
            ]
        );
        // Adding an existing link updates its join row in place, by the pair.
        ann.add_project(&db, &alpha).through(Membership::build().role("lead")).await?;
        ann.set_projects(&db, [&alpha, &gamma]).await?;
        ann.remove_project(&db, &gamma).await?;
        assert_eq!(memberships(&db).await?, [(ann.id, alpha.id, "lead".into()), (bob.id, alpha.id, "owner".into())]);
        assert_eq!(ann.count_projects(&db).await?, 1);
        assert!(ann.has_project(&db, &alpha).await? && !ann.has_project(&db, &beta).await?);

        let linked = alpha.get_users(&db).order_by(User::name().asc()).await?;
        let roles: Vec<(&str, &str)> = linked.iter().map(|(u, m)| (u.name.as_str(), m.role.as_str())).collect();
        assert_eq!(roles, [("ann", "lead"), ("bob", "owner")]);

        let loaded = Project::find().include(Project::users()).order_by(Project::name().asc()).all(&db).await?;
        let seen: Vec<(&str, usize)> = loaded.iter().map(|p| (p.name.as_str(), p.users().len())).collect();
        assert_eq!(seen, [("alpha", 2), ("beta", 0), ("gamma", 0)]);
        assert!(loaded[0].users().iter().all(|(u, m)| m.user_id == u.id && m.project_id == alpha.id));

        // The join row itself: found, saved and destroyed by its pair.
        let mut row = Membership::find_by_pk(&db, (bob.id, alpha.id)).await?.expect("bob is in alpha");
        row.hours = Some(8);
        row.save(&db).await?;
        let hours: Vec<(i64, Option<i32>)> =
            raw("SELECT user_id, hours FROM memberships ORDER BY user_id").fetch(&db).await?;
        assert_eq!(hours, [(ann.id, None), (bob.id, Some(8))]);
        row.destroy(&db).await?;
        assert_eq!(memberships(&db).await?, [(ann.id, alpha.id, "lead".into())]);
        Ok(())
    }
}

on_both! {
    async fn nested_create_writes_pair_keyed_join_rows(db: Db) -> TestResult {
        Schema::new().model::<User>().model::<Project>().sync(&db).await?;
        let users = User::create_all(
            &db,
            [
                User::build().name("ann").projects_through([
                    (Project::build().name("alpha"), Membership::build().role("lead")),
                    (Project::build().name("beta"), Membership::build()),
                ]),
                User::build().name("bob").projects([Project::build().name("gamma")]),
            ],
        )
        .await?;
        let rows: Vec<(String, String, String)> = raw(
            "SELECT u.name, p.name, m.role FROM memberships m JOIN users u ON u.id = m.user_id JOIN projects p ON p.id = m.project_id ORDER BY u.name, p.name",
        )
        .fetch(&db)
        .await?;
        assert_eq!(
            rows,
            [
                ("ann".into(), "alpha".into(), "lead".into()),
                ("ann".into(), "beta".into(), "member".into()),
                ("bob".into(), "gamma".into(), "member".into()),
            ]
        );
        assert_eq!(users.len(), 2);
        Ok(())
    }
}

on_both! {
    async fn a_join_table_created_by_sequelize_round_trips(db: Db) -> TestResult {
        // What Sequelize 6 creates for `User.belongsToMany(Project, { through: 'UserProjects' })`
        // (`sync()`): the pair is the primary key, both timestamps NOT NULL.
        Schema::new().model::<Account>().model::<Board>().sync(&db).await?;
        raw("DROP TABLE \"UserProjects\"").execute(&db).await?;
        let timestamp = if is_postgres(&db) { "TIMESTAMP WITH TIME ZONE" } else { "DATETIME" };
        raw(format!(
            "CREATE TABLE \"UserProjects\" (\"createdAt\" {timestamp} NOT NULL, \"updatedAt\" {timestamp} NOT NULL, \
             \"accountId\" INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE ON UPDATE CASCADE, \
             \"boardId\" INTEGER NOT NULL REFERENCES boards (id) ON DELETE CASCADE ON UPDATE CASCADE, \
             PRIMARY KEY (\"accountId\", \"boardId\"))"
        ))
        .execute(&db)
        .await?;
        let ann = Account::create(&db, Account { id: 0 }).await?;
        let one = Board::create(&db, Board { id: 0 }).await?;
        let two = Board::create(&db, Board { id: 0 }).await?;
        ann.set_boards(&db, [&one, &two]).await?;
        ann.remove_board(&db, &one).await?;
        let rows: Vec<(i32, i32)> =
            raw("SELECT \"accountId\", \"boardId\" FROM \"UserProjects\"").fetch(&db).await?;
        assert_eq!(rows, [(ann.id, two.id)]);
        let joined = ann.get_boards(&db).await?;
        assert_eq!(joined.len(), 1);
        assert_eq!((joined[0].1.account_id, joined[0].1.board_id), (ann.id, two.id));
        let row = AccountBoard::find_by_pk(&db, (ann.id, two.id)).await?.expect("the link exists");
        row.destroy(&db).await?;
        assert_eq!(ann.count_boards(&db).await?, 0);
        Ok(())
    }
}

#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to_many(Board, through = AccountBoard)]
pub struct Account {
    pub id: i32,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Board {
    pub id: i32,
}

/// Sequelize's join table, mapped as it is: camelCase columns, keyed by the pair.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "UserProjects", rename_all = "camelCase", primary_key(account_id, board_id))]
pub struct AccountBoard {
    pub account_id: i32,
    pub board_id: i32,
    #[model(created_at)]
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[model(updated_at)]
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

on_both! {
    async fn belongs_to_and_has_many_with_a_pair_keyed_model(db: Db) -> TestResult {
        Schema::new().model::<User>().model::<Project>().sync(&db).await?;
        let ann = User::build().name("ann").create(&db).await?;
        let bob = User::build().name("bob").create(&db).await?;
        let alpha = Project::build().name("alpha").create(&db).await?;
        let beta = Project::build().name("beta").create(&db).await?;
        ann.set_projects(&db, [&alpha, &beta]).await?;

        // belongs_to from a pair-keyed row writes exactly that row, found by both columns.
        let mut row = Membership::find_by_pk(&db, (ann.id, alpha.id)).await?.expect("linked");
        row.set_user(&db, &bob).await?;
        assert_eq!((row.user_id, row.project_id), (bob.id, alpha.id));
        assert_eq!(memberships(&db).await?, [(ann.id, beta.id, "member".into()), (bob.id, alpha.id, "member".into())]);
        assert_eq!(row.get_project(&db).await?.map(|p| p.name), Some("alpha".to_owned()));

        // has_many reads by the foreign key; a write that would identify a pair-keyed row by
        // one column is refused, with nothing written.
        assert_eq!(ann.count_memberships(&db).await?, 1);
        let loaded = User::find().include(User::memberships()).order_by(User::name().asc()).all(&db).await?;
        let counts: Vec<usize> = loaded.iter().map(|u| u.memberships().len()).collect();
        assert_eq!(counts, [1, 1]);
        let refused = ann.add_membership(&db, &row).await;
        assert!(
            matches!(&refused, Err(orm::Error::CompositeKeyTarget { association, model: "Membership", key })
                if association == "User.memberships" && key == "user_id, project_id"),
            "{refused:?}"
        );
        assert_eq!(memberships(&db).await?, [(ann.id, beta.id, "member".into()), (bob.id, alpha.id, "member".into())]);
        Ok(())
    }
}
