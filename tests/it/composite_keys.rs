//! Composite primary keys: `find_by_pk`, `save` and `destroy` address exactly one row, and a
//! join model keyed by its pair (as Sequelize creates join tables) works through every
//! belongs_to_many accessor, include and nested create.

use orm::prelude::*;
use orm::raw;

use crate::on_all;
use crate::support::{is_mariadb, is_postgres, quoted};

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

#[orm::hooks]
impl Translation {
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

on_all! {
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

on_all! {
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
        // create_ inserts the target and its pair-keyed join row; remove_ of several deletes
        // exactly those pairs.
        let delta = ann.create_project(&db, Project::build().name("delta")).await?;
        assert!(ann.has_projects(&db, [&alpha, &delta]).await?);
        ann.remove_projects(&db, [&delta, &beta]).await?;
        assert!(!ann.has_project(&db, &delta).await? && ann.has_project(&db, &alpha).await?);

        let linked = alpha.get_users(&db).order_by(User::name().asc()).await?;
        let roles: Vec<(&str, &str)> = linked.iter().map(|(u, m)| (u.name.as_str(), m.role.as_str())).collect();
        assert_eq!(roles, [("ann", "lead"), ("bob", "owner")]);

        let loaded = Project::find().include(Project::users()).order_by(Project::name().asc()).all(&db).await?;
        let seen: Vec<(&str, usize)> = loaded.iter().map(|p| (p.name.as_str(), p.users().len())).collect();
        assert_eq!(seen, [("alpha", 2), ("beta", 0), ("delta", 0), ("gamma", 0)]);
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

on_all! {
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

on_all! {
    async fn a_join_table_created_by_sequelize_round_trips(db: Db) -> TestResult {
        // What Sequelize 6 creates for `User.belongsToMany(Project, { through: 'UserProjects' })`
        // (`sync()`): the pair is the primary key, both timestamps NOT NULL.
        Schema::new().model::<Account>().model::<Board>().sync(&db).await?;
        raw("DROP TABLE \"UserProjects\"").execute(&db).await?;
        let create = if is_mariadb(&db) {
            // Sequelize's MySQL dialect: table-level foreign keys (MariaDB parses a column's
            // `REFERENCES` and ignores it).
            "CREATE TABLE \"UserProjects\" (\"createdAt\" DATETIME NOT NULL, \"updatedAt\" DATETIME NOT NULL, \
             \"accountId\" INTEGER NOT NULL, \"boardId\" INTEGER NOT NULL, PRIMARY KEY (\"accountId\", \"boardId\"), \
             FOREIGN KEY (\"accountId\") REFERENCES accounts (id) ON DELETE CASCADE ON UPDATE CASCADE, \
             FOREIGN KEY (\"boardId\") REFERENCES boards (id) ON DELETE CASCADE ON UPDATE CASCADE) ENGINE=InnoDB"
                .to_owned()
        } else {
            let timestamp = if is_postgres(&db) { "TIMESTAMP WITH TIME ZONE" } else { "DATETIME" };
            format!(
                "CREATE TABLE \"UserProjects\" (\"createdAt\" {timestamp} NOT NULL, \"updatedAt\" {timestamp} NOT NULL, \
                 \"accountId\" INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE ON UPDATE CASCADE, \
                 \"boardId\" INTEGER NOT NULL REFERENCES boards (id) ON DELETE CASCADE ON UPDATE CASCADE, \
                 PRIMARY KEY (\"accountId\", \"boardId\"))"
            )
        };
        raw(create).execute(&db).await?;
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

on_all! {
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

        // has_many to a pair-keyed target: reads by the foreign key, writes identify each
        // target by its whole key.
        assert_eq!(ann.count_memberships(&db).await?, 1);
        let loaded = User::find().include(User::memberships()).order_by(User::name().asc()).all(&db).await?;
        let counts: Vec<usize> = loaded.iter().map(|u| u.memberships().len()).collect();
        assert_eq!(counts, [1, 1]);
        assert!(!ann.has_membership(&db, &row).await? && bob.has_membership(&db, &row).await?);
        ann.add_membership(&db, &row).await?;
        assert_eq!(memberships(&db).await?, [(ann.id, alpha.id, "member".into()), (ann.id, beta.id, "member".into())]);
        assert!(ann.has_memberships(&db, Membership::find().all(&db).await?.iter()).await?);
        // Unlinking would NULL a NOT NULL key column: refused by the database, nothing changes.
        let moved = Membership::find_by_pk(&db, (ann.id, alpha.id)).await?.expect("moved to ann");
        assert!(ann.remove_membership(&db, &moved).await.is_err());
        assert_eq!(ann.count_memberships(&db).await?, 2);
        Ok(())
    }
}

// Composite foreign keys: customers are numbered per tenant, so a customer is `(tenant, number)`
// and everything that points at one carries both columns. Rows of two tenants with the same
// number must never meet.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(primary_key(tenant, number))]
#[has_many(Invoice, foreign_key(customer_tenant, customer_number), on_delete = "cascade", hooks = true)]
#[has_one(Profile, foreign_key(owner_tenant, owner_number))]
pub struct Customer {
    pub tenant: String,
    pub number: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(hooks)]
#[belongs_to(Customer, foreign_key(customer_tenant, customer_number))]
pub struct Invoice {
    pub id: i64,
    pub customer_tenant: Option<String>,
    pub customer_number: Option<i64>,
    pub total: i64,
}

static INVOICES_DESTROYED: std::sync::Mutex<Vec<i64>> = std::sync::Mutex::new(Vec::new());

#[orm::hooks]
impl Invoice {
    async fn before_destroy(&self, _tx: &mut orm::Tx) -> orm::Result<()> {
        INVOICES_DESTROYED.lock().expect("not poisoned").push(self.total);
        Ok(())
    }
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Profile {
    pub id: i64,
    pub owner_tenant: Option<String>,
    pub owner_number: Option<i64>,
    pub bio: String,
}

async fn invoice_links(db: &Db) -> Result<Vec<(i64, Option<String>, Option<i64>)>, orm::Error> {
    raw("SELECT total, customer_tenant, customer_number FROM invoices ORDER BY total").fetch(db).await
}

/// Two tenants, each with accounts 1 and 2.
async fn customers(db: &Db) -> Result<[Customer; 4], orm::Error> {
    Schema::new().model::<Customer>().model::<Invoice>().model::<Profile>().sync(db).await?;
    let rows = [("acme", 1, "acme one"), ("acme", 2, "acme two"), ("bolt", 1, "bolt one"), ("bolt", 2, "bolt two")];
    let created = Customer::create_many(
        db,
        rows.iter().map(|(t, n, name)| Customer { tenant: (*t).into(), number: *n, name: (*name).into() }),
    )
    .await?;
    let mut found = Vec::new();
    for (t, n, _) in rows {
        found.push(created.iter().find(|a| a.tenant == t && a.number == n).cloned().expect("created"));
    }
    Ok([found[0].clone(), found[1].clone(), found[2].clone(), found[3].clone()])
}

fn invoice(total: i64) -> Invoice {
    Invoice { id: 0, customer_tenant: None, customer_number: None, total }
}

on_all! {
    async fn a_composite_foreign_key_through_every_has_many_and_belongs_to_accessor(db: Db) -> TestResult {
        let [acme1, acme2, bolt1, _bolt2] = customers(&db).await?;
        // has_many: create, add, set, remove, count, has, get.
        acme1.create_invoice(&db, invoice(10)).await?;
        let i20 = Invoice::create(&db, invoice(20)).await?;
        let i30 = Invoice::create(&db, invoice(30)).await?;
        let i40 = Invoice::create(&db, invoice(40)).await?;
        acme1.add_invoices(&db, [&i20, &i30]).await?;
        bolt1.add_invoice(&db, i40.id).await?;
        let acme = |n: i64| (Some("acme".to_owned()), Some(n));
        let bolt = |n: i64| (Some("bolt".to_owned()), Some(n));
        let link = |total: i64, (t, n): (Option<String>, Option<i64>)| (total, t, n);
        assert_eq!(
            invoice_links(&db).await?,
            [link(10, acme(1)), link(20, acme(1)), link(30, acme(1)), link(40, bolt(1))]
        );
        // Same number, other tenant: never mixed up.
        assert_eq!((acme1.count_invoices(&db).await?, bolt1.count_invoices(&db).await?), (3, 1));
        assert!(acme1.has_invoice(&db, &i20).await? && !bolt1.has_invoice(&db, &i20).await?);
        let totals: Vec<i64> = bolt1.get_invoices(&db).await?.into_iter().map(|i| i.total).collect();
        assert_eq!(totals, [40]);
        let narrowed = acme1.get_invoices(&db).filter(Invoice::total().gt(15)).order_by(Invoice::total().desc()).await?;
        assert_eq!(narrowed.iter().map(|i| i.total).collect::<Vec<_>>(), [30, 20]);
        assert!(acme1.has_invoices(&db, [&i20, &i30]).await? && !acme1.has_invoices(&db, [&i20, &i40]).await?);
        acme1.remove_invoices(&db, [&i20, &i40]).await?;
        assert_eq!(bolt1.count_invoices(&db).await?, 1, "i40 is bolt's: removing it from acme 1 changes nothing");
        acme1.set_invoices(&db, [&i30, &i40]).await?;
        acme1.remove_invoice(&db, &i30).await?;
        assert_eq!(
            invoice_links(&db).await?,
            [link(10, (None, None)), link(20, (None, None)), link(30, (None, None)), link(40, acme(1))]
        );
        // A key that names no account: nothing changes.
        let missing = acme2.add_invoice(&db, 9_999).await;
        assert!(matches!(missing, Err(orm::Error::MissingKeys { .. })), "{missing:?}");

        // belongs_to: get, set (instance, None), create.
        let mut i10 = Invoice::find().filter(Invoice::total().eq(10)).one(&db).await?.expect("i10");
        assert_eq!(i10.get_customer(&db).await?, None);
        i10.set_customer(&db, &acme2).await?;
        assert_eq!((i10.customer_tenant.as_deref(), i10.customer_number), (Some("acme"), Some(2)));
        assert_eq!(i10.get_customer(&db).await?.map(|a| a.name), Some("acme two".to_owned()));
        i10.set_customer(&db, None).await?;
        assert_eq!((i10.customer_tenant.clone(), i10.customer_number), (None, None));
        let created = i10.create_customer(&db, Customer { tenant: "cog".into(), number: 1, name: "cog one".into() }).await?;
        assert_eq!((i10.customer_tenant.as_deref(), i10.customer_number), (Some("cog"), Some(1)));
        assert_eq!(created.name, "cog one");
        assert_eq!(link(10, (i10.customer_tenant.clone(), i10.customer_number)), invoice_links(&db).await?[0]);

        // has_one: set, get, create.
        let profile = Profile::create(&db, Profile { id: 0, owner_tenant: None, owner_number: None, bio: "b".into() }).await?;
        bolt1.set_profile(&db, &profile).await?;
        assert_eq!(bolt1.get_profile(&db).await?.map(|p| p.id), Some(profile.id));
        assert_eq!(acme1.get_profile(&db).await?, None, "acme 1 has the same number, not the same key");
        let replaced = bolt1.create_profile(&db, Profile::build().bio("new")).await?;
        let owners: Vec<(String, Option<String>, Option<i64>)> =
            raw("SELECT bio, owner_tenant, owner_number FROM profiles ORDER BY bio").fetch(&db).await?;
        assert_eq!(owners, [("b".into(), None, None), ("new".into(), Some("bolt".into()), Some(1))]);
        assert_eq!(bolt1.get_profile(&db).await?.map(|p| p.id), Some(replaced.id));
        Ok(())
    }
}

on_all! {
    async fn a_composite_foreign_key_through_includes_and_nested_create(db: Db) -> TestResult {
        let [acme1, _acme2, bolt1, bolt2] = customers(&db).await?;
        for (account, totals) in [(&acme1, [1, 2, 3]), (&bolt1, [4, 5, 6])] {
            for total in totals {
                account.create_invoice(&db, invoice(total)).await?;
            }
        }
        Invoice::create(&db, invoice(7)).await?;

        let loaded = Customer::find()
            .include(Customer::invoices().order_by(Invoice::total().desc()))
            .order_by(Customer::tenant().asc())
            .order_by(Customer::number().asc())
            .all(&db)
            .await?;
        let seen: Vec<(String, i64, Vec<i64>)> = loaded
            .iter()
            .map(|a| (a.tenant.clone(), a.number, a.invoices().iter().map(|i| i.total).collect()))
            .collect();
        assert_eq!(
            seen,
            [
                ("acme".into(), 1, vec![3, 2, 1]),
                ("acme".into(), 2, vec![]),
                ("bolt".into(), 1, vec![6, 5, 4]),
                ("bolt".into(), 2, vec![])
            ]
        );
        // Per-parent limit and required, over the composite key.
        let top = Customer::find().include(Customer::invoices().order_by(Invoice::total().desc()).limit(1).required()).all(&db).await?;
        let mut top: Vec<(String, Vec<i64>)> =
            top.iter().map(|a| (a.tenant.clone(), a.invoices().iter().map(|i| i.total).collect())).collect();
        top.sort();
        assert_eq!(top, [("acme".into(), vec![3]), ("bolt".into(), vec![6])]);
        // belongs_to include, shared parents and a NULL key.
        let invoices = Invoice::find().include(Invoice::customer()).order_by(Invoice::total().asc()).all(&db).await?;
        let owners: Vec<Option<&str>> = invoices.iter().map(|i| i.customer().map(|a| a.name.as_str())).collect();
        assert_eq!(
            owners,
            [Some("acme one"), Some("acme one"), Some("acme one"), Some("bolt one"), Some("bolt one"), Some("bolt one"), None]
        );
        let owned = Invoice::find().include(Invoice::customer().required()).count(&db).await?;
        assert_eq!(owned, 6);

        // Nested create, both directions.
        Customer::create_all(
            &db,
            [Customer::build().tenant("dune").number(1).name("dune one").invoices([Invoice::build().total(8), Invoice::build().total(9)])],
        )
        .await?;
        let made = Invoice::build().total(11).customer(Customer::build().tenant("echo").number(2).name("echo two")).create(&db).await?;
        assert_eq!((made.customer_tenant.as_deref(), made.customer_number), (Some("echo"), Some(2)));
        let dune: Vec<(i64, Option<String>, Option<i64>)> =
            raw("SELECT total, customer_tenant, customer_number FROM invoices WHERE total IN (8, 9, 11) ORDER BY total")
                .fetch(&db)
                .await?;
        assert_eq!(
            dune,
            [(8, Some("dune".into()), Some(1)), (9, Some("dune".into()), Some(1)), (11, Some("echo".into()), Some(2))]
        );
        assert_eq!(bolt2.count_invoices(&db).await?, 0);
        Ok(())
    }
}

on_all! {
    async fn a_composite_foreign_key_cascades_with_hooks_and_constrains_the_schema(db: Db) -> TestResult {
        let [acme1, acme2, bolt1, _] = customers(&db).await?;
        for (account, total) in [(&acme1, 101), (&acme1, 102), (&acme2, 103), (&bolt1, 104)] {
            account.create_invoice(&db, invoice(total)).await?;
        }
        // The hooked cascade destroys exactly acme 1's invoices, one by one through the ORM.
        acme1.destroy(&db).await?;
        let destroyed: Vec<i64> =
            INVOICES_DESTROYED.lock().expect("not poisoned").iter().copied().filter(|t| *t > 100).collect();
        let mut destroyed = destroyed;
        destroyed.sort_unstable();
        destroyed.dedup();
        assert!(destroyed.contains(&101) && destroyed.contains(&102) && !destroyed.contains(&104), "{destroyed:?}");
        let left: Vec<(i64,)> = raw("SELECT total FROM invoices ORDER BY total").fetch(&db).await?;
        assert_eq!(left, [(103,), (104,)]);
        // The database enforces the pair: an invoice of an account that does not exist fails.
        let orphan = raw("INSERT INTO invoices (customer_tenant, customer_number, total) VALUES ('acme', 1, 1)")
            .execute(&db)
            .await;
        assert!(matches!(orphan, Err(orm::Error::ForeignKeyViolation { .. })), "{orphan:?}");
        let ddl = Schema::new().model::<Invoice>().ddl(&db)?;
        let ddl = ddl.join("\n");
        assert!(
            ddl.contains(&quoted(
                &db,
                "FOREIGN KEY (\"customer_tenant\", \"customer_number\") REFERENCES \"customers\" (\"tenant\", \"number\")"
            )),
            "{ddl}"
        );
        if is_mariadb(&db) {
            // InnoDB indexes each foreign key itself, so sync creates no index of its own: the
            // index on the pair is there all the same, its columns in the key's order.
            assert!(!ddl.contains("CREATE INDEX"), "{ddl}");
            let indexed: Vec<(String, String)> = raw(
                "SELECT index_name, GROUP_CONCAT(column_name ORDER BY seq_in_index SEPARATOR ', ') \
                 FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = 'invoices' \
                 GROUP BY index_name ORDER BY index_name",
            )
            .fetch(&db)
            .await?;
            assert!(
                indexed.iter().any(|(_, columns)| columns == "customer_tenant, customer_number"),
                "the pair is indexed: {indexed:?}"
            );
        } else {
            assert!(ddl.contains("(\"customer_tenant\", \"customer_number\")") && ddl.contains("CREATE INDEX"), "{ddl}");
        }
        Ok(())
    }
}

// Composite keys in long key lists: 40,000 pair-keyed targets through has_many writes (one
// array per key column on PostgreSQL, chunks under the bind limit on SQLite).
#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Line)]
pub struct Doc {
    pub id: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(primary_key(page, row))]
pub struct Line {
    pub page: i32,
    pub row: i32,
    pub doc_id: Option<i64>,
}

on_all! {
    async fn composite_keyed_targets_at_40000_keys(db: Db) -> TestResult {
        Schema::new().model::<Doc>().sync(&db).await?;
        let doc = Doc::create(&db, Doc { id: 0 }).await?;
        let other = Doc::create(&db, Doc { id: 0 }).await?;
        let lines = Line::create_many(&db, (0..40_000).map(|i| Line { page: i / 100, row: i % 100, doc_id: None })).await?;
        doc.add_lines(&db, &lines).await?;
        assert_eq!(doc.count_lines(&db).await?, 40_000);
        assert!(doc.has_lines(&db, &lines).await?);
        doc.remove_lines(&db, &lines[..25_000]).await?;
        assert_eq!(doc.count_lines(&db).await?, 15_000);
        other.set_lines(&db, &lines[10_000..35_000]).await?;
        assert_eq!((doc.count_lines(&db).await?, other.count_lines(&db).await?), (5_000, 25_000));
        let owners: Vec<(i64, i64)> =
            raw("SELECT doc_id, COUNT(*) FROM \"lines\" WHERE doc_id IS NOT NULL GROUP BY doc_id ORDER BY doc_id")
                .fetch(&db)
                .await?;
        assert_eq!(owners, [(doc.id, 5_000), (other.id, 25_000)]);
        // The first 10,000 and the last 5,000 rows are where they should be, key by key.
        let loaded = Doc::find().include(Doc::lines()).order_by(Doc::id().asc()).all(&db).await?;
        let first: Vec<(i32, i32)> = loaded[0].lines().iter().map(|l| (l.page, l.row)).collect();
        let want: Vec<(i32, i32)> = lines[35_000..].iter().map(|l| (l.page, l.row)).collect();
        assert_eq!(first, want);
        Ok(())
    }
}

on_all! {
    // Racing writers through one composite-keyed source: the source row is locked by its
    // whole key, so the end state is one caller's.
    async fn racing_composite_writes_end_with_one_callers_state(db: Db) -> TestResult {
        let [acme1, _, bolt1, _] = customers(&db).await?;
        let invoices = Invoice::create_many(&db, (0..24).map(invoice)).await?;
        let sets: Vec<Vec<Invoice>> = invoices.chunks(3).map(<[Invoice]>::to_vec).collect();
        let handles: Vec<_> = sets
            .iter()
            .cloned()
            .map(|set| {
                let (db, customer) = (db.clone(), acme1.clone());
                tokio::spawn(async move { customer.set_invoices(&db, &set).await })
            })
            .collect();
        for handle in handles {
            handle.await??;
        }
        let mut linked: Vec<i64> = acme1.get_invoices(&db).await?.iter().map(|i| i.id).collect();
        linked.sort_unstable();
        let wanted: Vec<Vec<i64>> = sets.iter().map(|s| s.iter().map(|i| i.id).collect()).collect();
        assert!(wanted.contains(&linked), "one caller's set, not a union: {linked:?}");

        let profiles = Profile::create_many(
            &db,
            (0..8).map(|i| Profile { id: 0, owner_tenant: None, owner_number: None, bio: format!("p{i}") }),
        )
        .await?;
        let handles: Vec<_> = profiles
            .into_iter()
            .map(|profile| {
                let (db, customer) = (db.clone(), bolt1.clone());
                tokio::spawn(async move { customer.set_profile(&db, &profile).await })
            })
            .collect();
        for handle in handles {
            handle.await??;
        }
        let owned: Vec<(i64,)> =
            raw("SELECT COUNT(*) FROM profiles WHERE owner_tenant = 'bolt' AND owner_number = 1").fetch(&db).await?;
        assert_eq!(owned, [(1,)], "a has_one never ends with two targets");
        Ok(())
    }
}
