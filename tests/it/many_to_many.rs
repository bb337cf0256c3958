//! belongs_to_many: join tables, join models, join-row attributes, self-references.

use orm::prelude::*;
use orm::{Error, raw};

use crate::on_all;
use crate::support::{is_mariadb, is_postgres, is_sqlite, quoted};

// Seed 000/001: `User.belongsToMany(Project, { through: UserProjects })` and back, with a
// `started` attribute on the join model (default false).
#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to_many(Project, through = UserProject)]
pub struct User {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to_many(User, through = UserProject)]
pub struct Project {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct UserProject {
    pub id: i64,
    pub user_id: i64,
    pub project_id: i64,
    #[model(default = false)]
    pub started: bool,
    pub status: Option<String>,
}

// A join table managed by the ORM, and a self-reference: `user_id`, `friend_id`.
#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to_many(Person, as = "friends", through = "friendships")]
#[belongs_to_many(Club, through = "club_members", unique_key = "ignored_for_tables")]
pub struct Person {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to_many(Person, as = "members", through = "club_members")]
pub struct Club {
    pub id: i64,
}

// A join model with its own key, a named unique constraint and custom key names.
#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to_many(Tag, through = Tagging, foreign_key = "item", other_key = "label", unique_key = "tagging_pair")]
pub struct Item {
    pub id: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Tag {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Tagging {
    pub id: i64,
    pub item: i64,
    pub label: i64,
}

async fn links(db: &Db) -> Result<Vec<(i64, i64, bool)>, Error> {
    raw("SELECT user_id, project_id, started FROM user_projects ORDER BY user_id, project_id")
        .fetch::<(i64, i64, bool)>(db)
        .await
}

on_all! {
    async fn jan_homework_makedinner_doshopping_as_in_the_seed(db: Db) -> TestResult {
        Schema::new().model::<User>().sync(&db).await?;
        let jan = User::build().name("jan").create(&db).await?;
        let homework = Project::build().name("homework").create(&db).await?;
        let makedinner = Project::build().name("makedinner").create(&db).await?;
        let doshopping = Project::build().name("doshopping").create(&db).await?;

        // The homework project is not started yet.
        jan.add_project(&db, &homework).through(UserProject::build().started(false)).await?;
        assert_eq!(links(&db).await?, [(jan.id, homework.id, false)]);
        // Both shopping and dinner have been started; homework is no longer linked.
        jan.set_projects(&db, [&makedinner, &doshopping]).through(UserProject::build().started(true)).await?;
        assert_eq!(links(&db).await?, [(jan.id, makedinner.id, true), (jan.id, doshopping.id, true)]);

        let projects = jan.get_projects(&db).order_by(Project::name().asc()).await?;
        let seen: Vec<(&str, bool)> = projects.iter().map(|(p, join)| (p.name.as_str(), join.started)).collect();
        assert_eq!(seen, [("doshopping", true), ("makedinner", true)]);
        assert!(projects.iter().all(|(p, join)| join.project_id == p.id && join.user_id == jan.id));
        // From the other side, through the same join model.
        assert_eq!(makedinner.get_users(&db).targets_only().await?, vec![jan.clone()]);
        Ok(())
    }
}

on_all! {
    async fn per_item_join_values_override_the_common_ones(db: Db) -> TestResult {
        Schema::new().model::<User>().sync(&db).await?;
        let user = User::build().name("u").create(&db).await?;
        let p1 = Project::build().name("p1").create(&db).await?;
        let p2 = Project::build().name("p2").create(&db).await?;
        // Seed: p1.UserProjects = { started: true }; user.setProjects([p1, p2], { started: false }).
        user.set_projects(&db, [&p1, &p2])
            .through(UserProject::build().started(false))
            .through_for(&p1, UserProject::build().started(true))
            .await?;
        assert_eq!(links(&db).await?, [(user.id, p1.id, true), (user.id, p2.id, false)]);
        Ok(())
    }
}

on_all! {
    async fn adding_a_linked_target_updates_its_join_row_and_never_duplicates(db: Db) -> TestResult {
        Schema::new().model::<User>().sync(&db).await?;
        let user = User::build().name("u").create(&db).await?;
        let project = Project::build().name("p").create(&db).await?;
        user.add_project(&db, &project).await?;
        assert_eq!(links(&db).await?, [(user.id, project.id, false)], "the join model's default");
        user.add_project(&db, project.id).await?;
        assert_eq!(links(&db).await?, [(user.id, project.id, false)], "no duplicate");
        user.add_projects(&db, [&project]).through(UserProject::build().started(true).status("go")).await?;
        let rows = raw("SELECT started, status FROM user_projects").fetch::<(bool, Option<String>)>(&db).await?;
        assert_eq!(rows, vec![(true, Some("go".into()))]);
        // set with the same target and new values updates in place.
        user.set_projects(&db, [&project]).through(UserProject::build().started(false)).await?;
        assert_eq!(links(&db).await?, [(user.id, project.id, false)]);
        Ok(())
    }
}

on_all! {
    async fn count_has_remove_and_create(db: Db) -> TestResult {
        Schema::new().model::<User>().sync(&db).await?;
        let user = User::build().name("u").create(&db).await?;
        let a = Project::build().name("a").create(&db).await?;
        let b = Project::build().name("b").create(&db).await?;
        assert!(!user.has_project(&db, &a).await?);
        user.add_projects(&db, [a.id, b.id]).await?;
        assert_eq!(user.count_projects(&db).await?, 2);
        assert!(user.has_projects(&db, [&a, &b]).await?);
        user.remove_project(&db, &a).await?;
        assert!(!user.has_projects(&db, [&a, &b]).await?);
        assert!(user.has_project(&db, b.id).await?);
        let c = user.create_project(&db, Project::build().name("c")).await?;
        assert_eq!(links(&db).await?, [(user.id, b.id, false), (user.id, c.id, false)]);
        user.remove_projects(&db, [&b, &c]).await?;
        assert_eq!(user.count_projects(&db).await?, 0);
        assert_eq!(Project::find().count(&db).await?, 3, "removing a link keeps the target");
        let error = user.add_projects(&db, [a.id, 4242]).await.unwrap_err();
        assert!(matches!(&error, Error::MissingKeys { keys, .. } if keys == &["4242"]), "{error:?}");
        assert_eq!(user.count_projects(&db).await?, 0, "nothing was added");
        Ok(())
    }
}

on_all! {
    async fn getter_filters_on_targets_and_on_join_rows(db: Db) -> TestResult {
        Schema::new().model::<User>().sync(&db).await?;
        let user = User::build().name("u").create(&db).await?;
        let mut projects = Vec::new();
        for name in ["a", "b", "c", "d"] {
            projects.push(Project::build().name(name).create(&db).await?);
        }
        user.add_projects(&db, &projects).through_for(&projects[1], UserProject::build().started(true)).through_for(projects[3].id, UserProject::build().started(true)).await?;
        let started = user.get_projects(&db).through_filter(UserProject::started().eq(true)).order_by(Project::name().asc()).await?;
        assert_eq!(started.iter().map(|(p, _)| p.name.as_str()).collect::<Vec<_>>(), ["b", "d"]);
        let page = user.get_projects(&db).filter(Project::name().ne("a")).order_by(Project::name().desc()).limit(2).targets_only().await?;
        assert_eq!(page.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["d", "c"]);
        Ok(())
    }
}

on_all! {
    async fn self_referential_friends_use_the_alias_for_the_other_key(db: Db) -> TestResult {
        Schema::new().model::<Person>().sync(&db).await?;
        let ann = Person::build().name("ann").create(&db).await?;
        let bob = Person::build().name("bob").create(&db).await?;
        let cid = Person::build().name("cid").create(&db).await?;
        ann.add_friends(&db, [&bob, &cid]).await?;
        bob.add_friend(&db, &ann).await?;
        // The source is `Person`, so its column is `person_id`; the other key follows the alias.
        let rows = raw("SELECT person_id, friend_id FROM friendships ORDER BY person_id, friend_id").fetch::<(i64, i64)>(&db).await?;
        assert_eq!(rows, vec![(ann.id, bob.id), (ann.id, cid.id), (bob.id, ann.id)]);
        let mut friends: Vec<String> = ann.get_friends(&db).await?.into_iter().map(|p| p.name).collect();
        friends.sort();
        assert_eq!(friends, ["bob", "cid"]);
        assert_eq!(cid.count_friends(&db).await?, 0);
        Ok(())
    }
}

on_all! {
    async fn join_model_with_its_own_key_and_custom_columns(db: Db) -> TestResult {
        Schema::new().model::<Item>().sync(&db).await?;
        let item = Item::build().create(&db).await?;
        let red = Tag::build().name("red").create(&db).await?;
        let blue = Tag::build().name("blue").create(&db).await?;
        item.set_tags(&db, [&red, &blue]).await?;
        item.add_tag(&db, &red).await?;
        let rows = raw("SELECT item, label FROM taggings ORDER BY label").fetch::<(i64, i64)>(&db).await?;
        assert_eq!(rows, vec![(item.id, red.id), (item.id, blue.id)]);
        let tagged = item.get_tags(&db).await?;
        assert!(tagged.iter().all(|(tag, join)| join.label == tag.id && join.id > 0));
        let duplicate = raw("INSERT INTO taggings (item, label) VALUES (?, ?)").bind(item.id).bind(red.id).execute(&db).await.unwrap_err();
        assert!(matches!(duplicate, Error::UniqueViolation { .. }), "{duplicate:?}");
        Ok(())
    }
}

/// (columns of the primary key, columns of unique constraints other than the key)
async fn pair_constraints(db: &Db, table: &str) -> Result<(Vec<String>, Vec<(String, String)>), Error> {
    if is_postgres(db) {
        let key = raw("SELECT a.attname::text FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
                       WHERE i.indrelid = ?::regclass AND i.indisprimary ORDER BY a.attname")
            .bind(table.to_owned()).fetch::<(String,)>(db).await?;
        let unique = raw("SELECT tc.constraint_name::text, kcu.column_name::text FROM information_schema.table_constraints tc \
                          JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema \
                          WHERE tc.table_name = ? AND tc.table_schema = current_schema() AND tc.constraint_type = 'UNIQUE' ORDER BY 1, 2")
            .bind(table.to_owned()).fetch::<(String, String)>(db).await?;
        Ok((key.into_iter().map(|(c,)| c).collect(), unique))
    } else if is_mariadb(db) {
        let key = raw("SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE \
                       WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY COLUMN_NAME")
            .bind(table.to_owned()).fetch::<(String,)>(db).await?;
        let unique = raw("SELECT tc.CONSTRAINT_NAME, kcu.COLUMN_NAME FROM information_schema.TABLE_CONSTRAINTS tc \
                          JOIN information_schema.KEY_COLUMN_USAGE kcu ON kcu.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND kcu.TABLE_NAME = tc.TABLE_NAME AND kcu.CONSTRAINT_NAME = tc.CONSTRAINT_NAME \
                          WHERE tc.TABLE_SCHEMA = DATABASE() AND tc.TABLE_NAME = ? AND tc.CONSTRAINT_TYPE = 'UNIQUE' ORDER BY 1, 2")
            .bind(table.to_owned()).fetch::<(String, String)>(db).await?;
        Ok((key.into_iter().map(|(c,)| c).collect(), unique))
    } else {
        let key = raw("SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY name")
            .bind(table.to_owned())
            .fetch::<(String,)>(db)
            .await?;
        let unique = raw("SELECT l.name, i.name FROM pragma_index_list(?1) l JOIN pragma_index_info(l.name) i WHERE l.origin = 'u' ORDER BY 1, 2")
            .bind(table.to_owned()).fetch::<(String, String)>(db).await?;
        Ok((key.into_iter().map(|(c,)| c).collect(), unique))
    }
}

async fn cascade_rules(db: &Db, table: &str) -> Result<Vec<(String, String, String, String)>, Error> {
    let query = if is_postgres(db) {
        raw(
            "SELECT kcu.column_name::text, ccu.table_name::text, rc.update_rule::text, rc.delete_rule::text FROM information_schema.referential_constraints rc \
             JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = rc.constraint_name AND kcu.constraint_schema = rc.constraint_schema \
             JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = rc.constraint_name AND ccu.constraint_schema = rc.constraint_schema \
             WHERE kcu.table_name = ? AND kcu.table_schema = current_schema() ORDER BY 1",
        )
    } else if is_mariadb(db) {
        raw(
            "SELECT kcu.COLUMN_NAME, kcu.REFERENCED_TABLE_NAME, rc.UPDATE_RULE, rc.DELETE_RULE FROM information_schema.REFERENTIAL_CONSTRAINTS rc \
             JOIN information_schema.KEY_COLUMN_USAGE kcu ON kcu.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA AND kcu.CONSTRAINT_NAME = rc.CONSTRAINT_NAME AND kcu.TABLE_NAME = rc.TABLE_NAME \
             WHERE rc.CONSTRAINT_SCHEMA = DATABASE() AND kcu.TABLE_NAME = ? ORDER BY 1",
        )
    } else {
        raw("SELECT \"from\", \"table\", on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY 1")
    };
    query.bind(table.to_owned()).fetch(db).await
}

on_all! {
    async fn join_tables_read_back_with_their_keys_and_cascades(db: Db) -> TestResult {
        let schema = Schema::new().model::<Person>().model::<Item>().model::<User>();
        let ddl = schema.ddl(&db)?;
        let creates: Vec<&String> = ddl.iter().filter(|s| s.starts_with("CREATE TABLE")).collect();
        assert_eq!(creates.iter().filter(|s| s.contains(&quoted(&db, "\"club_members\""))).count(), 1, "declared from both sides, created once");
        let position = |table: &str| creates.iter().position(|s| s.starts_with(&quoted(&db, &format!("CREATE TABLE IF NOT EXISTS \"{table}\"")))).unwrap();
        assert!(position("club_members") > position("people") && position("club_members") > position("clubs"));
        assert!(position("user_projects") > position("users") && position("user_projects") > position("projects"));
        schema.sync(&db).await?;

        assert_eq!(pair_constraints(&db, "friendships").await?.0, ["friend_id", "person_id"]);
        assert_eq!(pair_constraints(&db, "club_members").await?.0, ["club_id", "person_id"]);
        let (key, unique) = pair_constraints(&db, "taggings").await?;
        assert_eq!(key, ["id"]);
        if !is_sqlite(&db) {
            assert_eq!(unique, [("tagging_pair".into(), "item".into()), ("tagging_pair".into(), "label".into())]);
        } else {
            assert_eq!(unique.iter().map(|(_, c)| c.as_str()).collect::<Vec<_>>(), ["item", "label"]);
        }
        let (_, unique) = pair_constraints(&db, "user_projects").await?;
        assert_eq!(unique.len(), 2, "one default-named constraint over both columns: {unique:?}");
        for table in ["friendships", "club_members", "taggings", "user_projects"] {
            let rules = cascade_rules(&db, table).await?;
            assert_eq!(rules.len(), 2, "{table}: {rules:?}");
            assert!(rules.iter().all(|(_, _, update, delete)| update == "CASCADE" && delete == "CASCADE"), "{table}: {rules:?}");
        }
        // Deleting a project deletes its join rows.
        let user = User::build().name("u").create(&db).await?;
        let project = Project::build().name("p").create(&db).await?;
        user.add_project(&db, &project).await?;
        project.destroy(&db).await?;
        assert_eq!(user.count_projects(&db).await?, 0);
        Ok(())
    }
}

on_all! {
    async fn seventy_thousand_keys_set_and_add(db: Db) -> TestResult {
        Schema::new().model::<Person>().sync(&db).await?;
        // MariaDB stops a recursive CTE at 1000 iterations: its sequence engine counts instead.
        let numbers = if is_mariadb(&db) {
            "seq_1_to_70001"
        } else {
            "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 70001) SELECT i FROM n) AS numbers"
        };
        raw(format!("INSERT INTO people (name) SELECT 'p' FROM {numbers}")).execute(&db).await?;
        let ids: Vec<i64> = raw("SELECT id FROM people ORDER BY id").fetch::<(i64,)>(&db).await?.into_iter().map(|(id,)| id).collect();
        assert_eq!(ids.len(), 70_001);
        let (me, others) = ids.split_first().unwrap();
        let me = Person::find_by_pk(&db, *me).await?.unwrap();
        me.set_friends(&db, others.iter().copied()).await?;
        assert_eq!(me.count_friends(&db).await?, 70_000);
        // Keep the second half, add nothing new: half the rows go.
        me.set_friends(&db, others[35_000..].iter().copied()).await?;
        assert_eq!(me.count_friends(&db).await?, 35_000);
        me.add_friends(&db, others.iter().copied()).await?;
        assert_eq!(me.count_friends(&db).await?, 70_000);
        assert!(me.has_friends(&db, others.iter().copied()).await?);
        Ok(())
    }
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn concurrent_adds_of_one_pair_leave_one_row_on_postgres() {
    let Some((admin, url, schema)) = crate::support::postgres_schema().await else { return };
    let db = orm::postgres::ConnectOptions::new(&url).search_path(&schema).max_connections(8).connect().await.unwrap();
    Schema::new().model::<User>().sync(&db).await.unwrap();
    let user = User::build().name("u").create(&db).await.unwrap();
    let project = Project::build().name("p").create(&db).await.unwrap();
    for _ in 0..10 {
        raw("DELETE FROM user_projects").execute(&db).await.unwrap();
        let (a, b) =
            tokio::join!(user.add_project(&db, &project).into_future(), user.add_project(&db, &project).into_future());
        a.unwrap();
        b.unwrap();
        assert_eq!(links(&db).await.unwrap().len(), 1);
    }
    db.close().await;
    raw(format!("DROP SCHEMA \"{schema}\" CASCADE")).execute(&admin).await.unwrap();
}

// A join table named by a string with `timestamps`: Sequelize adds `createdAt`/`updatedAt`
// to the join tables it creates; the ORM fills them on every link it inserts.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(rename_all = "camelCase")]
#[belongs_to_many(Tag, through = "reader_tags", timestamps)]
pub struct Reader {
    pub id: i64,
}

on_all! {
    async fn a_join_table_with_timestamps_has_them_filled_on_every_link(db: Db) -> TestResult {
        Schema::new().model::<Reader>().sync(&db).await?;
        let before = chrono::Utc::now() - chrono::Duration::seconds(1);
        let ann = Reader::create(&db, Reader { id: 0 }).await?;
        let rust = Tag::create(&db, Tag { id: 0, name: "rust".into() }).await?;
        let sql = Tag::create(&db, Tag { id: 0, name: "sql".into() }).await?;
        ann.add_tag(&db, &rust).await?;
        ann.set_tags(&db, [&rust, &sql]).await?;
        Reader::create_all(&db, [Reader::build().tags([Tag::build().name("nested")])]).await?;
        let rows: Vec<(i64, chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> =
            raw("SELECT \"tagId\", \"createdAt\", \"updatedAt\" FROM reader_tags ORDER BY \"tagId\"")
                .fetch(&db)
                .await?;
        assert_eq!(rows.len(), 3);
        let after = chrono::Utc::now() + chrono::Duration::seconds(1);
        for (_, created, updated) in &rows {
            assert!(*created > before && *created < after && created == updated, "{rows:?}");
        }
        // A NULL is refused: the columns are NOT NULL, as the ones Sequelize creates.
        let refused = raw("INSERT INTO reader_tags (\"readerId\", \"tagId\") VALUES (?, ?)")
            .bind(ann.id)
            .bind(sql.id + 100)
            .execute(&db)
            .await;
        assert!(refused.is_err(), "{refused:?}");
        Ok(())
    }
}

on_all! {
    /// `set_` keeps the join rows of the links that stay (their key, and every join value not
    /// given), gives them the values given, deletes the others and inserts the new ones: on
    /// PostgreSQL in two statements (the source row's lock with the key check, then the delete
    /// inside the upsert's `WITH`), without reading the current links.
    async fn set_keeps_the_join_rows_that_stay_and_writes_in_two_statements(db: Db) -> TestResult {
        Schema::new().model::<User>().sync(&db).await?;
        let user = User::build().name("u").create(&db).await?;
        let [p1, p2, p3] = [
            Project::build().name("p1").create(&db).await?,
            Project::build().name("p2").create(&db).await?,
            Project::build().name("p3").create(&db).await?,
        ];
        user.add_projects(&db, [&p1, &p2]).through(UserProject::build().status("kept")).await?;
        let before = raw("SELECT id, project_id FROM user_projects ORDER BY project_id").fetch::<(i64, i64)>(&db).await?;

        db.record_statements(true);
        user.set_projects(&db, [&p2, &p3]).through(UserProject::build().started(true)).await?;
        let statements = db.take_statements();
        db.record_statements(false);

        let rows = raw("SELECT id, project_id, started, status FROM user_projects ORDER BY project_id")
            .fetch::<(i64, i64, bool, Option<String>)>(&db)
            .await?;
        assert_eq!(rows.len(), 2, "{rows:?}");
        // p2's row is the same row, with `started` given and `status` as it was.
        assert_eq!(rows[0], (before[1].0, p2.id, true, Some("kept".into())));
        // p3's is new, with the join model's defaults for what was not given.
        assert_eq!((rows[1].1, rows[1].2, rows[1].3.clone()), (p3.id, true, None));
        assert!(!rows.iter().any(|r| r.0 == before[0].0), "p1's link is deleted");

        let writes: Vec<&String> =
            statements.iter().filter(|s| !matches!(s.as_str(), "BEGIN" | "COMMIT" | "ROLLBACK")).collect();
        assert!(writes.iter().all(|s| !s.contains("SELECT \"user_projects\".\"project_id\"")), "{writes:#?}");
        if is_postgres(&db) {
            assert_eq!(writes.len(), 2, "{writes:#?}");
            assert!(writes[0].contains("FOR NO KEY UPDATE") && writes[0].contains("COUNT(*)"), "{writes:#?}");
            assert!(writes[1].starts_with("WITH") && writes[1].contains("DELETE") && writes[1].contains("ON CONFLICT"), "{writes:#?}");
        }

        // A missing target fails the call and changes nothing.
        let err = user.set_projects(&db, [p1.id, 999]).await.expect_err("999 is no project");
        assert!(matches!(err, Error::MissingKeys { .. }), "{err:?}");
        let after = raw("SELECT id, project_id, started, status FROM user_projects ORDER BY project_id")
            .fetch::<(i64, i64, bool, Option<String>)>(&db)
            .await?;
        assert_eq!(after, rows);
        Ok(())
    }
}
