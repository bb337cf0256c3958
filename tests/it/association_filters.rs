//! Filters across associations: `any`, `none`, `every` and `exists` as `EXISTS` subqueries, on
//! every association kind, nested, combined, paged, counted, in bulk writes, in include and
//! getter filters, with NULLs and with parents without targets.

use orm::prelude::*;
use orm::raw;

use crate::on_all;
use crate::support::{is_mariadb, quoted};

#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Task)]
#[has_one(Profile)]
#[belongs_to(User, as = "mentor", constraints = false)]
#[has_many(User, as = "mentees", foreign_key = "mentor_id", constraints = false)]
#[belongs_to_many(Project, through = Membership)]
#[belongs_to_many(User, as = "friends", through = "friendships")]
#[has_many(Comment, foreign_key = "commentable_id", constraints = false, scope(commentable = "user"))]
pub struct User {
    pub id: i64,
    pub name: String,
    pub mentor_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to(User)]
#[belongs_to_many(Tag, through = "task_tags")]
#[has_many(Comment, foreign_key = "commentable_id", constraints = false, scope(commentable = "task"))]
pub struct Task {
    pub id: i64,
    pub title: String,
    pub done: bool,
    pub priority: Option<i64>,
    pub user_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Profile {
    pub id: i64,
    pub bio: Option<String>,
    pub user_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to_many(User, as = "members", through = Membership)]
pub struct Project {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Membership {
    pub id: i64,
    pub user_id: i64,
    pub project_id: i64,
    #[model(default = false)]
    pub started: bool,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Tag {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Comment {
    pub id: i64,
    pub body: String,
    pub commentable: Option<String>,
    pub commentable_id: Option<i64>,
}

fn schema() -> Schema {
    Schema::new()
        .model::<User>()
        .model::<Task>()
        .model::<Profile>()
        .model::<Project>()
        .model::<Membership>()
        .model::<Tag>()
        .model::<Comment>()
}

async fn user(db: &Db, name: &str) -> orm::Result<User> {
    User::build().name(name).create(db).await
}

async fn task(db: &Db, owner: &User, title: &str, done: bool, priority: Option<i64>) -> orm::Result<Task> {
    let mut builder = Task::build().title(title).done(done);
    if let Some(priority) = priority {
        builder = builder.priority(priority);
    }
    owner.create_task(db, builder).await
}

/// The names of the users matching `filter`, by id.
async fn names(db: &Db, filter: Expr<User>) -> orm::Result<Vec<String>> {
    let users = User::find().filter(filter).order_by(User::id().asc()).all(db).await?;
    Ok(users.into_iter().map(|u| u.name).collect())
}

/// ann: t1 done, t2 open; bob: b1 done; cid: no task; dan: d1 with a NULL priority, open.
async fn seed_tasks(db: &Db) -> orm::Result<()> {
    schema().sync(db).await?;
    let ann = user(db, "ann").await?;
    let bob = user(db, "bob").await?;
    user(db, "cid").await?;
    let dan = user(db, "dan").await?;
    task(db, &ann, "t1", true, Some(1)).await?;
    task(db, &ann, "t2", false, Some(2)).await?;
    task(db, &bob, "b1", true, Some(3)).await?;
    task(db, &dan, "d1", false, None).await?;
    Ok(())
}

on_all! {
    async fn any_none_every_and_exists_on_has_many(db: Db) -> TestResult {
        seed_tasks(&db).await?;
        assert_eq!(names(&db, User::tasks().any(Task::done().eq(false))).await?, ["ann", "dan"]);
        assert_eq!(names(&db, User::tasks().none(Task::done().eq(false))).await?, ["bob", "cid"]);
        // cid has no task: every one of none is done.
        assert_eq!(names(&db, User::tasks().every(Task::done().eq(true))).await?, ["bob", "cid"]);
        assert_eq!(names(&db, User::tasks().exists()).await?, ["ann", "bob", "dan"]);
        assert_eq!(names(&db, User::tasks().exists().not()).await?, ["cid"]);
        // `required()` demands a target: cid drops out of `every` and `none`.
        assert_eq!(names(&db, User::tasks().required().every(Task::done().eq(true))).await?, ["bob"]);
        assert_eq!(names(&db, User::tasks().required().none(Task::done().eq(false))).await?, ["bob"]);
        Ok(())
    }
}

on_all! {
    async fn a_null_condition_fails_every_and_does_not_count_for_any_or_none(db: Db) -> TestResult {
        seed_tasks(&db).await?;
        // dan's only task has a NULL priority: `priority >= 1` is UNKNOWN for it.
        let high = || Task::priority().ge(1);
        assert_eq!(names(&db, User::tasks().every(high())).await?, ["ann", "bob", "cid"]);
        assert_eq!(names(&db, User::tasks().any(high())).await?, ["ann", "bob"]);
        assert_eq!(names(&db, User::tasks().none(high())).await?, ["cid", "dan"]);
        // `every(p)` is not `none(!p)` under NULLs: `!p` is UNKNOWN too, so dan has no task
        // where it is TRUE.
        assert_eq!(names(&db, User::tasks().none(high().not())).await?, ["ann", "bob", "cid", "dan"]);
        assert_eq!(names(&db, User::tasks().every(Task::priority().eq(None))).await?, ["cid", "dan"]);
        Ok(())
    }
}

on_all! {
    async fn has_one_and_belongs_to_with_a_null_foreign_key(db: Db) -> TestResult {
        schema().sync(&db).await?;
        let ann = user(&db, "ann").await?;
        let mut bob = user(&db, "bob").await?;
        let mut cid = user(&db, "cid").await?;
        bob.set_mentor(&db, &ann).await?;
        cid.set_mentor(&db, &bob).await?;
        assert_eq!(cid.mentor_id, Some(bob.id));
        ann.create_profile(&db, Profile::build().bio("hi")).await?;
        bob.create_profile(&db, Profile::build()).await?;

        assert_eq!(names(&db, User::profile().any(Profile::bio().eq("hi"))).await?, ["ann"]);
        // bob's bio is NULL: `every` fails, `none` holds; cid has no profile: both hold.
        assert_eq!(names(&db, User::profile().every(Profile::bio().eq("hi"))).await?, ["ann", "cid"]);
        assert_eq!(names(&db, User::profile().none(Profile::bio().eq("hi"))).await?, ["bob", "cid"]);

        // ann's mentor_id is NULL: no mentor, so `any` fails and `every`/`none` hold.
        assert_eq!(names(&db, User::mentor().any(User::name().eq("ann"))).await?, ["bob"]);
        assert_eq!(names(&db, User::mentor().every(User::name().eq("ann"))).await?, ["ann", "bob"]);
        assert_eq!(names(&db, User::mentor().none(User::name().eq("ann"))).await?, ["ann", "cid"]);
        assert_eq!(names(&db, User::mentor().exists()).await?, ["bob", "cid"]);
        // Self-referential, two levels: whose mentor's mentor is ann; whose mentees have mentees.
        assert_eq!(names(&db, User::mentor().any(User::mentor().any(User::name().eq("ann")))).await?, ["cid"]);
        assert_eq!(names(&db, User::mentees().any(User::mentees().exists())).await?, ["ann"]);
        // ann's one mentee has a mentee; bob's has none; cid has no mentee at all.
        assert_eq!(names(&db, User::mentees().every(User::mentees().exists())).await?, ["ann", "cid"]);
        Ok(())
    }
}

on_all! {
    async fn belongs_to_many_through_a_table_and_nested_across_kinds(db: Db) -> TestResult {
        schema().sync(&db).await?;
        let ann = user(&db, "ann").await?;
        let bob = user(&db, "bob").await?;
        user(&db, "cid").await?;
        let urgent = Tag::build().name("urgent").create(&db).await?;
        let later = Tag::build().name("later").create(&db).await?;
        let t1 = task(&db, &ann, "t1", false, None).await?;
        let t2 = task(&db, &ann, "t2", true, None).await?;
        let b1 = task(&db, &bob, "b1", false, None).await?;
        task(&db, &bob, "b2", false, None).await?;
        t1.add_tags(&db, [&urgent, &later]).await?;
        t2.add_tag(&db, &later).await?;
        b1.add_tag(&db, &later).await?;

        let tagged = |name: &str| Task::tags().any(Tag::name().eq(name.to_owned()));
        let titles = |tasks: Vec<Task>| tasks.into_iter().map(|t| t.title).collect::<Vec<_>>();
        let tasks = Task::find().filter(tagged("urgent")).all(&db).await?;
        assert_eq!(titles(tasks), ["t1"]);
        let tasks = Task::find().filter(Task::tags().every(Tag::name().eq("later"))).order_by(Task::id().asc()).all(&db).await?;
        assert_eq!(titles(tasks), ["t2", "b1", "b2"]);
        let tasks = Task::find().filter(Task::tags().none(Tag::name().eq("later"))).all(&db).await?;
        assert_eq!(titles(tasks), ["b2"]);

        // Two levels: has_many, then belongs_to_many through a table.
        assert_eq!(names(&db, User::tasks().any(tagged("urgent"))).await?, ["ann"]);
        assert_eq!(names(&db, User::tasks().any(tagged("later").and(Task::done().eq(false)))).await?, ["ann", "bob"]);
        assert_eq!(names(&db, User::tasks().every(Task::tags().exists())).await?, ["ann", "cid"]);
        assert_eq!(names(&db, User::tasks().none(tagged("urgent"))).await?, ["bob", "cid"]);
        // Three levels, back up to the user: tasks tagged like one of bob's tasks.
        let like_bobs = Task::tags().any(Tag::name().eq("later"))
            .and(Task::user().any(User::tasks().any(Task::title().eq("b2"))));
        assert_eq!(names(&db, User::tasks().any(like_bobs)).await?, ["bob"]);
        // A nested `required()` include narrows the targets as it narrows what `include` loads;
        // a nested include that is not required loads data only.
        let urgent = User::tasks().include(Task::tags().filter(Tag::name().eq("urgent")).required());
        assert_eq!(names(&db, urgent.any(Task::done().eq(false))).await?, ["ann"]);
        let all = User::tasks().include(Task::tags().filter(Tag::name().eq("urgent")));
        assert_eq!(names(&db, all.any(Task::done().eq(false))).await?, ["ann", "bob"]);
        Ok(())
    }
}

/// ann: alpha (started), beta; bob: alpha; cid: apex (not started); dan: none.
async fn seed_projects(db: &Db) -> orm::Result<()> {
    schema().sync(db).await?;
    let ann = user(db, "ann").await?;
    let bob = user(db, "bob").await?;
    let cid = user(db, "cid").await?;
    user(db, "dan").await?;
    let alpha = Project::build().name("alpha").create(db).await?;
    let beta = Project::build().name("beta").create(db).await?;
    let apex = Project::build().name("apex").create(db).await?;
    ann.add_project(db, &alpha).through(Membership::build().started(true)).await?;
    ann.add_project(db, &beta).await?;
    bob.add_project(db, &alpha).await?;
    cid.add_project(db, &apex).await?;
    Ok(())
}

on_all! {
    async fn belongs_to_many_through_a_join_model_with_a_through_filter(db: Db) -> TestResult {
        seed_projects(&db).await?;
        let a = || Project::name().like("a%");
        assert_eq!(names(&db, User::projects().any(a())).await?, ["ann", "bob", "cid"]);
        let started = || User::projects().through_filter(Membership::started().eq(true));
        assert_eq!(names(&db, started().any(a())).await?, ["ann"]);
        assert_eq!(names(&db, started().exists()).await?, ["ann"]);
        // Only ann's started membership counts: her beta does not break `every`.
        assert_eq!(names(&db, started().every(a())).await?, ["ann", "bob", "cid", "dan"]);
        assert_eq!(names(&db, User::projects().every(a())).await?, ["bob", "cid", "dan"]);
        assert_eq!(names(&db, User::projects().none(a())).await?, ["dan"]);
        // The include's filter narrows the targets too.
        let betas = User::projects().filter(Project::name().eq("beta"));
        assert_eq!(names(&db, betas.every(Project::name().like("b%"))).await?, ["ann", "bob", "cid", "dan"]);
        // From the other side, and back: projects with a member who also works on beta.
        let projects = Project::find()
            .filter(Project::members().any(User::projects().any(Project::name().eq("beta"))))
            .order_by(Project::id().asc())
            .all(&db)
            .await?;
        let projects: Vec<String> = projects.into_iter().map(|p| p.name).collect();
        assert_eq!(projects, ["alpha", "beta"]);
        Ok(())
    }
}

on_all! {
    async fn self_referential_friends_of_friends_at_depth_two_and_three(db: Db) -> TestResult {
        schema().sync(&db).await?;
        // A chain ann → bob → cid → dan, and eve alone.
        let ann = user(&db, "ann").await?;
        let bob = user(&db, "bob").await?;
        let cid = user(&db, "cid").await?;
        let dan = user(&db, "dan").await?;
        user(&db, "eve").await?;
        ann.add_friend(&db, &bob).await?;
        bob.add_friend(&db, &cid).await?;
        cid.add_friend(&db, &dan).await?;

        let named = |name: &str| User::name().eq(name.to_owned());
        assert_eq!(names(&db, User::friends().any(named("cid"))).await?, ["bob"]);
        assert_eq!(names(&db, User::friends().any(User::friends().any(named("cid")))).await?, ["ann"]);
        let depth_three = User::friends().any(User::friends().any(User::friends().any(named("dan"))));
        assert_eq!(names(&db, depth_three).await?, ["ann"]);
        // Users whose friends' friends all have a friend: bob's friend cid has dan, who has
        // none; cid's friend dan has no friend to fail it, and dan and eve have no friend at all.
        let every = User::friends().every(User::friends().every(User::friends().exists()));
        assert_eq!(names(&db, every).await?, ["ann", "cid", "dan", "eve"]);

        // Every subquery level names its tables apart, join table included.
        db.record_statements(true);
        names(&db, User::friends().any(User::friends().any(named("cid")))).await?;
        let statements = db.take_statements();
        db.record_statements(false);
        let sql = statements.iter().find(|s| s.contains("EXISTS")).expect("an EXISTS statement");
        for alias in ["__orm_t0", "__orm_j0", "__orm_t1", "__orm_j1"] {
            assert!(sql.contains(alias), "{alias} missing in {sql}");
        }
        Ok(())
    }
}

on_all! {
    async fn scoped_polymorphic_associations_see_only_their_scope(db: Db) -> TestResult {
        schema().sync(&db).await?;
        let ann = user(&db, "ann").await?;
        let bob = user(&db, "bob").await?;
        ann.create_comment(&db, Comment::build().body("hello")).await?;
        // A task comment whose `commentable_id` is bob's id: not one of bob's comments.
        Comment::build().body("hello").commentable("task").commentable_id(bob.id).create(&db).await?;
        assert_eq!(names(&db, User::comments().any(Comment::body().eq("hello"))).await?, ["ann"]);
        assert_eq!(names(&db, User::comments().exists()).await?, ["ann"]);
        assert_eq!(names(&db, User::comments().none(Comment::body().eq("hello"))).await?, ["bob"]);
        Ok(())
    }
}

on_all! {
    async fn paging_and_count_are_exact_over_parents_with_many_matches(db: Db) -> TestResult {
        schema().sync(&db).await?;
        // Each user has several open tasks: a join would return each user once per task.
        for name in ["a", "b", "c", "d", "e"] {
            let owner = user(&db, name).await?;
            for i in 0..3 {
                task(&db, &owner, &format!("{name}{i}"), i == 2, None).await?;
            }
        }
        user(&db, "f").await?;
        let open = || User::tasks().any(Task::done().eq(false));
        let page = User::find().filter(open()).order_by(User::name().desc()).limit(2).offset(1).all(&db).await?;
        let page: Vec<&str> = page.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(page, ["d", "c"]);
        assert_eq!(User::find().filter(open()).count(&db).await?, 5);
        assert_eq!(User::find().filter(open().not()).count(&db).await?, 1);
        assert_eq!(User::find().filter(open()).limit(10).all(&db).await?.len(), 5);
        Ok(())
    }
}

on_all! {
    async fn bulk_update_and_delete_filter_on_associations(db: Db) -> TestResult {
        seed_tasks(&db).await?;
        let renamed = User::update().set(User::name(), "busy").filter(User::tasks().any(Task::done().eq(false))).exec(&db).await?;
        assert_eq!(renamed, 2);
        assert_eq!(names(&db, User::name().eq("busy")).await?, ["busy", "busy"]);
        // Tasks whose owner has a done task too.
        let deleted = Task::delete().filter(Task::user().any(User::tasks().any(Task::done().eq(true)))).exec(&db).await?;
        assert_eq!(deleted, 3);
        let left: Vec<String> = Task::find().all(&db).await?.into_iter().map(|t| t.title).collect();
        assert_eq!(left, ["d1"]);
        Ok(())
    }
}

on_all! {
    async fn bulk_writes_filter_on_a_self_association_of_their_own_table(db: Db) -> TestResult {
        // MariaDB refused a subquery on the table being updated or deleted from (error 1093)
        // before 10.3.2; every backend now reads the table as it was before the statement.
        schema().sync(&db).await?;
        let ann = user(&db, "ann").await?;
        let bob = user(&db, "bob").await?;
        let cid = user(&db, "cid").await?;
        user(&db, "dan").await?;
        ann.add_friend(&db, &bob).await?;
        bob.add_friend(&db, &cid).await?;
        let (mut bob, mut cid) = (bob, cid);
        bob.set_mentor(&db, &ann).await?;
        cid.set_mentor(&db, &bob).await?;

        let updated = User::update()
            .set(User::name(), "linked")
            .filter(User::friends().any(User::friends().exists()))
            .exec(&db)
            .await?;
        assert_eq!(updated, 1);
        assert_eq!(names(&db, User::name().eq("linked")).await?, ["linked"]);
        // bob and cid have a mentor; deleting bob first must not spare cid.
        let deleted = User::delete().filter(User::mentor().exists()).exec(&db).await?;
        assert_eq!(deleted, 2);
        assert_eq!(names(&db, User::id().is_in([ann.id, bob.id, cid.id])).await?, ["linked"]);
        Ok(())
    }
}

on_all! {
    async fn include_and_getter_filters_take_association_filters(db: Db) -> TestResult {
        schema().sync(&db).await?;
        let ann = user(&db, "ann").await?;
        let urgent = Tag::build().name("urgent").create(&db).await?;
        let t1 = task(&db, &ann, "t1", false, None).await?;
        task(&db, &ann, "t2", false, None).await?;
        t1.add_tag(&db, &urgent).await?;
        let users = User::find()
            .include(User::tasks().filter(Task::tags().any(Tag::name().eq("urgent"))))
            .all(&db)
            .await?;
        let titles: Vec<&str> = users[0].tasks().iter().map(|t| t.title.as_str()).collect();
        assert_eq!(titles, ["t1"]);
        let untagged = ann.get_tasks(&db).filter(Task::tags().none(Tag::name().eq("urgent"))).await?;
        let titles: Vec<String> = untagged.into_iter().map(|t| t.title).collect();
        assert_eq!(titles, ["t2"]);
        // An include filter on a belongs_to_many, through an association of its target.
        seed_more_projects(&db, &ann).await?;
        let users = User::find()
            .filter(User::id().eq(ann.id))
            .include(User::projects().filter(Project::members().any(User::name().eq("bob"))))
            .all(&db)
            .await?;
        let projects: Vec<&str> = users[0].projects().iter().map(|(p, _)| p.name.as_str()).collect();
        assert_eq!(projects, ["shared"]);
        let shared = ann.get_projects(&db).filter(Project::members().every(User::name().ne("bob"))).targets_only().await?;
        let shared: Vec<String> = shared.into_iter().map(|p| p.name).collect();
        assert_eq!(shared, ["solo"]);
        Ok(())
    }
}

async fn seed_more_projects(db: &Db, ann: &User) -> orm::Result<()> {
    let bob = user(db, "bob").await?;
    let shared = Project::build().name("shared").create(db).await?;
    let solo = Project::build().name("solo").create(db).await?;
    ann.add_projects(db, [&shared, &solo]).await?;
    bob.add_project(db, &shared).await?;
    Ok(())
}

on_all! {
    async fn an_include_limit_ranges_over_the_first_targets_in_its_order(db: Db) -> TestResult {
        seed_tasks(&db).await?;
        // ann's newest task (t2) is open, bob's (b1) done, cid has none, dan's (d1) open.
        let newest = || User::tasks().order_by(Task::id().desc()).limit(1);
        assert_eq!(names(&db, newest().every(Task::done().eq(true))).await?, ["bob", "cid"]);
        assert_eq!(names(&db, newest().any(Task::done().eq(true))).await?, ["bob"]);
        assert_eq!(names(&db, newest().none(Task::done().eq(false))).await?, ["bob", "cid"]);
        let oldest = || User::tasks().order_by(Task::id().asc()).limit(1);
        assert_eq!(names(&db, oldest().any(Task::done().eq(true))).await?, ["ann", "bob"]);
        // The limit counts the targets passing the include's filter.
        let newest_done = User::tasks().filter(Task::done().eq(true)).order_by(Task::id().desc()).limit(1);
        assert_eq!(names(&db, newest_done.any(Task::title().eq("t1"))).await?, ["ann"]);
        // No targets at all under a zero limit.
        assert_eq!(names(&db, User::tasks().limit(0).exists()).await?, Vec::<String>::new());
        assert_eq!(names(&db, newest().exists()).await?, ["ann", "bob", "dan"]);
        Ok(())
    }
}

on_all! {
    async fn a_limited_belongs_to_many_numbers_each_parents_targets(db: Db) -> TestResult {
        seed_projects(&db).await?;
        // ann's first project by name is alpha, bob's alpha, cid's apex.
        let first = || User::projects().order_by(Project::name().asc()).limit(1);
        assert_eq!(names(&db, first().any(Project::name().eq("alpha"))).await?, ["ann", "bob"]);
        let last = || User::projects().order_by(Project::name().desc()).limit(1);
        assert_eq!(names(&db, last().any(Project::name().eq("alpha"))).await?, ["bob"]);
        let started = User::projects().through_filter(Membership::started().eq(false)).order_by(Project::name().asc()).limit(1);
        assert_eq!(names(&db, started.any(Project::name().eq("beta"))).await?, ["ann"]);
        Ok(())
    }
}

on_all! {
    async fn association_filters_combine_with_and_or_not_and_required_includes(db: Db) -> TestResult {
        seed_tasks(&db).await?;
        let open = || User::tasks().any(Task::done().eq(false));
        let done = || User::tasks().any(Task::done().eq(true));
        assert_eq!(names(&db, open().and(done())).await?, ["ann"]);
        assert_eq!(names(&db, open().or(done())).await?, ["ann", "bob", "dan"]);
        assert_eq!(names(&db, !(open() | done())).await?, ["cid"]);
        assert_eq!(names(&db, open() & User::name().ne("ann")).await?, ["dan"]);
        // A required include still keeps the parents with a matching target, beside a filter.
        let users = User::find()
            .filter(done().not())
            .include(User::tasks().filter(Task::done().eq(false)).required())
            .all(&db)
            .await?;
        let users: Vec<&str> = users.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(users, ["dan"]);
        Ok(())
    }
}

// Composite keys: customers are numbered per tenant.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(primary_key(tenant, number))]
#[has_many(Invoice, foreign_key(customer_tenant, customer_number))]
pub struct Customer {
    pub tenant: String,
    pub number: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to(Customer, foreign_key(customer_tenant, customer_number))]
pub struct Invoice {
    pub id: i64,
    pub customer_tenant: Option<String>,
    pub customer_number: Option<i64>,
    pub total: i64,
}

async fn customers(db: &Db, filter: Expr<Customer>) -> orm::Result<Vec<String>> {
    let rows = Customer::find().filter(filter).order_by(Customer::name().asc()).all(db).await?;
    Ok(rows.into_iter().map(|c| c.name).collect())
}

on_all! {
    async fn composite_keys_link_on_every_column(db: Db) -> TestResult {
        Schema::new().model::<Customer>().model::<Invoice>().sync(&db).await?;
        for (tenant, number, name) in [("acme", 1, "a1"), ("acme", 2, "a2"), ("beta", 1, "b1")] {
            Customer::create(&db, Customer { tenant: tenant.into(), number, name: name.into() }).await?;
        }
        for (tenant, number, total) in [(Some("acme"), Some(1), 10), (Some("beta"), Some(1), 500), (None, None, 7)] {
            Invoice::build()
                .customer_tenant(tenant.map(str::to_owned))
                .customer_number(number)
                .total(total)
                .create(&db)
                .await?;
        }
        // (acme, 1) and (beta, 1) share a number: only the tenant tells their invoices apart.
        assert_eq!(customers(&db, Customer::invoices().any(Invoice::total().gt(100))).await?, ["b1"]);
        assert_eq!(customers(&db, Customer::invoices().every(Invoice::total().lt(100))).await?, ["a1", "a2"]);
        assert_eq!(customers(&db, Customer::invoices().exists()).await?, ["a1", "b1"]);
        let invoices = Invoice::find().filter(Invoice::customer().any(Customer::name().eq("a1"))).all(&db).await?;
        assert_eq!(invoices.iter().map(|i| i.total).collect::<Vec<_>>(), [10]);
        // The invoice without a customer has none: `every` holds, `any` fails.
        let invoices = Invoice::find()
            .filter(Invoice::customer().every(Customer::name().eq("nobody")))
            .all(&db)
            .await?;
        assert_eq!(invoices.iter().map(|i| i.total).collect::<Vec<_>>(), [7]);
        Ok(())
    }
}

on_all! {
    async fn a_through_filter_row_count_matches_raw_sql(db: Db) -> TestResult {
        seed_projects(&db).await?;
        // The same question asked by hand: users with a started membership in an a-project.
        let by_hand: Vec<(i64,)> = raw(
            "SELECT DISTINCT m.user_id FROM memberships m JOIN projects p ON p.id = m.project_id \
             WHERE m.started = TRUE AND p.name LIKE 'a%' ORDER BY m.user_id",
        )
        .fetch(&db)
        .await?;
        let users = User::find()
            .filter(User::projects().through_filter(Membership::started().eq(true)).any(Project::name().like("a%")))
            .order_by(User::id().asc())
            .all(&db)
            .await?;
        assert_eq!(users.iter().map(|u| (u.id,)).collect::<Vec<_>>(), by_hand);
        Ok(())
    }
}

on_all! {
    async fn each_quantifier_is_one_correlated_exists_without_a_join(db: Db) -> TestResult {
        seed_tasks(&db).await?;
        db.record_statements(true);
        names(&db, User::tasks().any(Task::done().eq(false))).await?;
        names(&db, User::tasks().every(Task::done().eq(false))).await?;
        let statements = db.take_statements();
        db.record_statements(false);
        let exists = quoted(&db, "EXISTS (SELECT 1 FROM \"tasks\" AS \"__orm_t0\" WHERE \"__orm_t0\".\"user_id\" = \"users\".\"id\" AND ");
        let select = quoted(&db, "SELECT \"users\".\"id\", \"users\".\"name\", \"users\".\"mentor_id\" FROM \"users\" WHERE ");
        assert!(statements[0].starts_with(&format!("{select}{exists}")), "{}", statements[0]);
        let every = format!("{select}NOT {exists}NOT COALESCE(");
        assert!(statements[1].starts_with(&every), "{}", statements[1]);
        assert!(statements.iter().all(|s| !s.contains("JOIN")), "{statements:#?}");
        Ok(())
    }
}

on_all! {
    async fn limited_quantifiers_nested_in_limited_quantifiers_keep_their_answer(db: Db) -> TestResult {
        // MariaDB 10.11 "splits" a numbered derived table (materializes it per outer key) in
        // the semi-join it makes of the inner EXISTS, and then kept tasks of users with a
        // project; the MariaDB dialect turns that optimization off for such statements.
        schema().sync(&db).await?;
        let ann = user(&db, "ann").await?;
        let bob = user(&db, "bob").await?;
        let cid = user(&db, "cid").await?;
        let alpha = Project::build().name("alpha").create(&db).await?;
        bob.add_project(&db, &alpha).await?;
        ann.add_project(&db, &alpha).await?;
        cid.add_project(&db, &alpha).await?;
        let owners = [Some(&bob), None, Some(&bob), None, Some(&ann), Some(&cid), Some(&bob), Some(&ann)];
        for (i, owner) in owners.into_iter().enumerate() {
            let builder = Task::build().title(format!("t{i}")).done(false);
            match owner {
                Some(owner) => owner.create_task(&db, builder).await?,
                None => builder.create(&db).await?,
            };
        }
        let first_project_is_alpha =
            User::projects().order_by(Project::id().asc()).limit(1).any(Project::name().eq("alpha"));
        let filter = Task::user().order_by(User::id().asc()).limit(2).none(first_project_is_alpha);
        let tasks = Task::find().filter(filter.clone()).order_by(Task::id().asc()).all(&db).await?;
        let titles: Vec<String> = tasks.into_iter().map(|t| t.title).collect();
        assert_eq!(titles, ["t1", "t3"]);
        assert_eq!(Task::find().filter(filter.clone()).count(&db).await?, 2);
        // Run again: the prepared statement is executed a second time.
        db.record_statements(true);
        assert_eq!(Task::find().filter(filter).count(&db).await?, 2);
        let statements = db.take_statements();
        db.record_statements(false);
        let guarded = statements[0].starts_with("SET STATEMENT optimizer_switch = 'split_materialized=off' FOR SELECT");
        assert_eq!(guarded, is_mariadb(&db), "{}", statements[0]);
        // Without a per-parent limit there is no numbered table, and no prefix.
        db.record_statements(true);
        Task::find().filter(Task::user().none(User::projects().exists())).count(&db).await?;
        let statements = db.take_statements();
        db.record_statements(false);
        assert!(statements[0].starts_with("SELECT COUNT(*)"), "{}", statements[0]);
        Ok(())
    }
}
