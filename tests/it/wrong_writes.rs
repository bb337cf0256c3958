//! Regression tests for the association, schema and hook defects of issue 13: each failed
//! (short pages, lost links, a silent no-op, a stack overflow) before it was fixed.

use std::sync::Mutex;

use orm::prelude::*;
use orm::{Error, raw};

use crate::on_all;
use crate::support::is_mariadb;

#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to_many(Project, through = "team_projects")]
pub struct Team {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Task)]
pub struct Project {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Task {
    pub id: i64,
    pub done: bool,
    pub project_id: Option<i64>,
}

/// A team linked to six projects; only projects 2, 4 and 6 have a done task.
async fn teams(db: &Db) -> Result<Team, Error> {
    Schema::new().model::<Team>().sync(db).await?;
    let team = Team::build().name("t").create(db).await?;
    for i in 1..=6 {
        let project = team.create_project(db, Project::build().name(format!("p{i}"))).await?;
        project.create_task(db, Task::build().done(i % 2 == 0)).await?;
        project.create_task(db, Task::build().done(false)).await?;
    }
    Ok(team)
}

fn names<'a>(projects: impl IntoIterator<Item = &'a ProjectWith<impl Send + Sync + 'a>>) -> Vec<String> {
    projects.into_iter().map(|p| p.name.clone()).collect()
}

on_all! {
    // Before: the belongs_to_many getter applied `limit` before the nested required include,
    // and a per-parent include limit counted targets the nested required include dropped.
    async fn pages_count_only_rows_that_required_includes_keep(db: Db) -> TestResult {
        let team = teams(&db).await?;
        let done = || Project::tasks().filter(Task::done().eq(true)).required();
        let page = team.get_projects(&db).include(done()).order_by(Project::id().asc()).limit(2).await?;
        assert_eq!(names(&page), ["p2", "p4"]);
        let page = team.get_projects(&db).include(done()).order_by(Project::id().asc()).limit(2).offset(1).await?;
        assert_eq!(names(&page), ["p4", "p6"]);
        let loaded = Team::find()
            .include(Team::projects().order_by(Project::id().asc()).limit(2).include(done()))
            .all(&db)
            .await?;
        assert_eq!(names(loaded[0].projects()), ["p2", "p4"]);
        assert!(loaded[0].projects().iter().all(|p| p.tasks().len() == 1 && p.tasks()[0].done));
        Ok(())
    }
}

on_all! {
    // Before: `has_xs(&db, [])` answered false; every one of no targets is linked.
    async fn having_all_of_no_targets_is_true(db: Db) -> TestResult {
        let team = teams(&db).await?;
        assert!(team.has_projects(&db, Vec::<i64>::new()).await?);
        let project = Project::find().one(&db).await?.ok_or("a project")?;
        assert!(project.has_tasks(&db, Vec::<i64>::new()).await?);
        assert!(!project.has_tasks(&db, [123_456]).await?);
        Ok(())
    }
}

#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to_many(Group, through = Membership)]
pub struct Member {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Group {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Membership {
    pub id: i64,
    pub member_id: i64,
    pub group_id: i64,
    pub role: Option<String>,
    #[model(unique)]
    pub badge: Option<String>,
    #[model(updated_at)]
    pub updated_at: chrono::NaiveDateTime,
}

async fn memberships(db: &Db) -> Result<Vec<(i64, Option<String>, chrono::NaiveDateTime)>, Error> {
    let rows = Membership::find().order_by(Membership::group_id().asc()).all(db).await?;
    Ok(rows.into_iter().map(|m| (m.group_id, m.role, m.updated_at)).collect())
}

on_all! {
    // Before: join values changed by `add_`/`set_` left the join model's `updated_at` as it
    // was, and `ON CONFLICT DO NOTHING` (no conflict target) swallowed the violation of any
    // other unique constraint: the link was silently not made.
    async fn join_writes_refresh_updated_at_and_report_other_violations(db: Db) -> TestResult {
        Schema::new().model::<Member>().sync(&db).await?;
        let member = Member::build().name("m").create(&db).await?;
        let one = Group::build().name("one").create(&db).await?;
        let two = Group::build().name("two").create(&db).await?;
        member.add_group(&db, &one).through(Membership::build().role("reader")).await?;
        let first = memberships(&db).await?[0].2;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        member.add_group(&db, &one).through(Membership::build().role("admin")).await?;
        let rows = memberships(&db).await?;
        assert_eq!(rows.len(), 1);
        let (_, role, second) = rows[0].clone();
        assert_eq!(role.as_deref(), Some("admin"));
        assert!(second > first, "updated_at refreshed: {first} then {second}");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        member.set_groups(&db, [&one]).through(Membership::build().role("owner")).await?;
        let third = memberships(&db).await?[0].2;
        assert!(third > second, "set_ refreshes it too");

        member.add_group(&db, &one).through(Membership::build().badge("gold")).await?;
        let taken = member.add_group(&db, &two).through(Membership::build().badge("gold")).await;
        assert!(matches!(taken, Err(Error::UniqueViolation { .. })), "another constraint's violation is an error: {taken:?}");
        assert!(!member.has_group(&db, &two).await?, "and nothing was linked");
        Ok(())
    }
}

#[derive(Model, Debug, Clone)]
#[belongs_to_many(Right, through = "pairs")]
pub struct Left {
    pub id: i64,
}

#[derive(Model, Debug, Clone)]
#[model(rename_all = "camelCase")]
#[belongs_to_many(Left, through = "pairs")]
pub struct Right {
    pub id: i64,
}

#[derive(Model, Debug, Clone)]
#[belongs_to_many(Left, through = "lefts")]
pub struct Stray {
    pub id: i64,
}

on_all! {
    // Before: the two sides made one table with four NOT NULL columns, and every write failed
    // at run time.
    async fn sync_refuses_join_tables_whose_sides_disagree(db: Db) -> TestResult {
        let refused = Schema::new().model::<Left>().model::<Right>().sync(&db).await;
        let Err(Error::JoinTableConflict { table, first, second, first_columns, second_columns }) = refused else {
            panic!("{refused:?}")
        };
        assert_eq!(table, "pairs");
        assert_eq!((first.as_str(), second.as_str()), ("Left.rights", "Right.lefts"));
        assert_eq!((first_columns.as_str(), second_columns.as_str()), ("left_id, right_id", "rightId, leftId"));
        let message = Error::JoinTableConflict { table, first, second, first_columns, second_columns }.to_string();
        assert!(message.contains("`rename_all`"), "{message}");
        let refused = Schema::new().model::<Stray>().sync(&db).await;
        assert!(matches!(&refused, Err(Error::JoinTableConflict { first, .. }) if first == "the model `Left`"), "{refused:?}");
        if is_mariadb(&db) {
            // MariaDB's information_schema spans the server: the test's own database.
            let sql = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() \
                       AND table_name IN ('pairs', 'lefts', 'rights')";
            assert_eq!(raw(sql).fetch::<(i64,)>(&db).await?, [(0,)], "nothing ran");
        } else {
            let tables =
                raw("SELECT COUNT(*) FROM information_schema.tables WHERE table_name IN ('pairs', 'lefts', 'rights')")
                    .fetch::<(i64,)>(&db)
                    .await;
            // Nothing ran (SQLite has no information_schema: the query itself fails there).
            assert!(tables.map_or(true, |rows| rows == [(0,)]));
        }
        Ok(())
    }
}

static DESTROYED: Mutex<Vec<(String, i64)>> = Mutex::new(Vec::new());

#[derive(Model, Debug, Clone)]
#[model(hooks)]
#[has_many(
    Node,
    as(singular = "child", plural = "children"),
    foreign_key = "parent_id",
    on_delete = "cascade",
    hooks = true
)]
pub struct Node {
    pub id: i64,
    pub tag: String,
    pub parent_id: Option<i64>,
}

#[orm::hooks]
impl Node {
    async fn before_destroy(&self, _tx: &mut orm::Tx) -> orm::Result<()> {
        DESTROYED.lock().unwrap().push((self.tag.clone(), self.id));
        Ok(())
    }
}

fn destroyed(tag: &str) -> Vec<i64> {
    DESTROYED.lock().unwrap().iter().filter(|(t, _)| t == tag).map(|(_, id)| *id).collect()
}

fn tag(db: &Db, name: &str) -> String {
    format!("{}-{}-{name}", db.dialect().name(), std::process::id())
}

on_all! {
    // Before: a hooked cascade over a row that is its own parent, or a two-row cycle, recursed
    // until the stack overflowed and the process aborted.
    async fn hooked_cascades_end_on_cycles(db: Db) -> TestResult {
        Schema::new().model::<Node>().sync(&db).await?;
        let tag = tag(&db, "cycle");
        let mut selfish = Node::build().tag(tag.as_str()).create(&db).await?;
        selfish.parent_id = Some(selfish.id);
        selfish.save(&db).await?;
        selfish.destroy(&db).await?;
        assert_eq!(destroyed(&tag), [selfish.id], "each row's hooks run once");

        let a = Node::build().tag(tag.as_str()).create(&db).await?;
        let mut b = Node::build().tag(tag.as_str()).parent_id(a.id).create(&db).await?;
        let mut a = a;
        a.parent_id = Some(b.id);
        a.save(&db).await?;
        b.parent_id = Some(a.id);
        a.destroy(&db).await?;
        assert_eq!(destroyed(&tag), [selfish.id, a.id, b.id]);
        assert_eq!(Node::find().count(&db).await?, 0);
        Ok(())
    }
}

on_all! {
    // Before: each level of a hooked cascade was one more frame of recursion.
    async fn hooked_cascades_walk_a_ten_thousand_deep_chain(db: Db) -> TestResult {
        Schema::new().model::<Node>().sync(&db).await?;
        let tag = tag(&db, "chain");
        Node::create_all(
            &db,
            (1..=10_000).map(|i| Node::build().id(i).tag(tag.as_str()).parent_id((i > 1).then_some(i - 1))),
        )
        .await?;
        let root = Node::find_by_pk(&db, 1).await?.ok_or("the root")?;
        root.destroy(&db).await?;
        let order = destroyed(&tag);
        assert_eq!(order.len(), 10_000);
        assert!(order.windows(2).all(|w| w[1] == w[0] + 1), "parents before children");
        assert_eq!(Node::find().count(&db).await?, 0);
        Ok(())
    }
}

#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Label)]
#[belongs_to_many(Label, as = "linked_labels", through = "linked_labels")]
pub struct Shelf {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(hooks)]
pub struct Label {
    pub id: i64,
    pub text: String,
    pub note: Option<String>,
    pub shelf_id: Option<i64>,
}

#[orm::hooks]
impl Label {
    async fn before_create(&mut self, _tx: &mut orm::Tx) -> orm::Result<()> {
        if self.text == "forbidden" {
            return Err(Error::Invalid("labels may not say forbidden".into()));
        }
        assert_eq!(self.id, 0, "the key is not generated yet");
        self.text = self.text.trim().to_lowercase();
        self.note = Some(format!("checked {}", self.text));
        Ok(())
    }
}

async fn labels(db: &Db) -> Result<Vec<(String, Option<String>)>, Error> {
    let rows = Label::find().order_by(Label::id().asc()).all(db).await?;
    Ok(rows.into_iter().map(|l| (l.text, l.note)).collect())
}

fn checked(texts: &[&str]) -> Vec<(String, Option<String>)> {
    texts.iter().map(|t| ((*t).to_owned(), Some(format!("checked {t}")))).collect()
}

on_all! {
    // Before: only `Model::create` ran `before_create`; builders, `create_many`, `create_all`,
    // nested rows and `create_*` accessors inserted rows the hook never saw.
    async fn before_create_runs_for_every_inserted_row(db: Db) -> TestResult {
        Schema::new().model::<Shelf>().sync(&db).await?;
        Label::build().text(" One ").create(&db).await?;
        Label::create_many(&db, [Label { id: 0, text: "TWO".into(), note: None, shelf_id: None }]).await?;
        Label::create_all(&db, [Label::build().text("Three"), Label::build().text("four ")]).await?;
        let shelf = Shelf::build().name("s").labels([Label::build().text("Five")]).create(&db).await?;
        shelf.create_label(&db, Label::build().text("SIX")).await?;
        shelf.create_linked_label(&db, Label::build().text("Seven")).await?;
        Label::create(&db, Label { id: 0, text: "Eight".into(), note: None, shelf_id: None }).await?;
        let all = ["one", "two", "three", "four", "five", "six", "seven", "eight"];
        assert_eq!(labels(&db).await?, checked(&all));

        // An error from the hook stops the insert and rolls the unit back.
        let refused = Label::create_all(&db, [Label::build().text("nine"), Label::build().text("forbidden")]).await;
        assert!(matches!(refused, Err(Error::Invalid(_))), "{refused:?}");
        let refused = Shelf::build().name("t").labels([Label::build().text("forbidden")]).create(&db).await;
        assert!(matches!(refused, Err(Error::Invalid(_))), "{refused:?}");
        assert!(shelf.create_label(&db, Label::build().text("forbidden")).await.is_err());
        assert_eq!(labels(&db).await?, checked(&all), "nothing of the refused units remains");
        assert_eq!(Shelf::find().count(&db).await?, 1);
        Ok(())
    }
}

// Seed 003's tags, with `through: { model: ItemTag, unique: false }` on both sides.
#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to_many(Tag, through(model = ItemTag, unique = false), foreign_key = "taggable_id", other_key = "tag_id", constraints = false, through_scope(taggable = "post"))]
pub struct Post {
    pub id: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to_many(Tag, through(model = ItemTag, unique = false), foreign_key = "taggable_id", other_key = "tag_id", constraints = false, through_scope(taggable = "picture"))]
pub struct Picture {
    pub id: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to_many(Post, through(model = ItemTag, unique = false), foreign_key = "tag_id", other_key = "taggable_id", constraints = false)]
pub struct Tag {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct ItemTag {
    pub id: i64,
    pub tag_id: i64,
    pub taggable: String,
    pub taggable_id: i64,
}

on_all! {
    // Before: the unscoped reverse side put a UNIQUE over (tag_id, taggable_id), and the
    // picture's link, which conflicts with the post's, was dropped without a word by
    // `ON CONFLICT DO NOTHING`.
    async fn join_models_without_a_unique_pair_keep_every_link(db: Db) -> TestResult {
        let schema = Schema::new().model::<Post>().model::<Picture>().model::<Tag>();
        let ddl = schema.ddl(&db)?.join("\n");
        assert!(!ddl.contains("UNIQUE"), "no unique pair: {ddl}");
        schema.sync(&db).await?;
        let post = Post::build().create(&db).await?;
        let picture = Picture::build().create(&db).await?;
        assert_eq!(post.id, picture.id);
        let tag = Tag::build().name("t").create(&db).await?;
        post.add_tag(&db, &tag).await?;
        picture.add_tag(&db, &tag).await?;
        post.add_tag(&db, &tag).await?;
        let rows = raw("SELECT taggable, taggable_id FROM item_tags ORDER BY taggable").fetch::<(String, i64)>(&db).await?;
        assert_eq!(rows, vec![("picture".into(), picture.id), ("post".into(), post.id)], "both links, each once");
        assert_eq!(tag.count_posts(&db).await?, 2, "the unscoped reverse side sees both rows");
        Ok(())
    }
}
