//! Accessors narrowed as Sequelize's take options: `count_<plural>` with a filter on the targets
//! (`countTasks({ where })`) and, for belongs_to_many, on the join rows; `create_<singular>` of
//! a belongs_to_many with join-row values (`createProject(values, { through })`), in one unit.

use orm::prelude::*;
use orm::{Error, raw};

use crate::on_all;

#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Chore)]
#[has_many(Chore, as = "urgent_chores", scope(priority = "urgent"))]
#[belongs_to_many(Venture, through = Seat)]
#[belongs_to_many(Venture, as = "open_ventures", through = Seat, scope(status = "open"))]
#[belongs_to_many(Venture, as = "labels", through = "crew_labels")]
pub struct Crew {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Chore {
    pub id: i64,
    pub title: String,
    pub done: bool,
    pub priority: String,
    pub crew_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Venture {
    pub id: i64,
    pub title: String,
    pub status: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Seat {
    pub id: i64,
    pub crew_id: i64,
    pub venture_id: i64,
    #[model(default = "member")]
    pub role: String,
    #[model(unique)]
    pub badge: Option<String>,
}

fn schema() -> Schema {
    Schema::new().model::<Crew>().model::<Chore>().model::<Venture>().model::<Seat>()
}

async fn chore(db: &Db, crew: &Crew, title: &str, done: bool, priority: &str) -> orm::Result<Chore> {
    crew.create_chore(db, Chore::build().title(title).done(done).priority(priority)).await
}

on_all! {
    async fn count_takes_a_filter_on_the_targets_and_keeps_the_scope(db: Db) -> TestResult {
        schema().sync(&db).await?;
        let ann = Crew::build().name("ann").create(&db).await?;
        let bob = Crew::build().name("bob").create(&db).await?;
        chore(&db, &ann, "a", false, "urgent").await?;
        chore(&db, &ann, "b", true, "urgent").await?;
        chore(&db, &ann, "c", false, "low").await?;
        chore(&db, &bob, "a", false, "urgent").await?;

        assert_eq!(ann.count_chores(&db).await?, 3, "unnarrowed, as before");
        assert_eq!(ann.count_chores(&db).filter(Chore::done().eq(false)).await?, 2);
        // The filter is one condition beside the key: an `or` does not reach bob's rows.
        let a_or_b = Chore::title().eq("a").or(Chore::title().eq("b"));
        assert_eq!(ann.count_chores(&db).filter(a_or_b).await?, 2);
        // Repeated filters must all match.
        let narrowed = ann.count_chores(&db).filter(Chore::done().eq(false)).filter(Chore::priority().eq("low"));
        assert_eq!(narrowed.await?, 1);
        // The association's scope applies under the filter.
        assert_eq!(ann.count_urgent_chores(&db).await?, 2);
        assert_eq!(ann.count_urgent_chores(&db).filter(Chore::done().eq(false)).await?, 1);
        assert_eq!(ann.count_urgent_chores(&db).filter(Chore::priority().eq("low")).await?, 0);
        assert_eq!(bob.count_chores(&db).filter(Chore::title().eq("zzz")).await?, 0, "no match is 0");
        // Inside a transaction, as every accessor.
        let mut tx = db.begin().await?;
        bob.create_chore(&mut tx, Chore::build().title("b").done(true).priority("low")).await?;
        assert_eq!(bob.count_chores(&mut tx).filter(Chore::done().eq(true)).await?, 1);
        tx.commit().await?;

        // One statement, the filter bound (never inlined).
        db.record_statements(true);
        ann.count_chores(&db).filter(Chore::title().eq("it's")).await?;
        let statements = db.take_statements();
        assert_eq!(statements.len(), 1, "{statements:#?}");
        assert!(statements[0].starts_with("SELECT COUNT(*)") && !statements[0].contains("it's"), "{}", statements[0]);
        Ok(())
    }
}

async fn seat(db: &Db, crew: &Crew, venture: &Venture, role: &str) -> orm::Result<()> {
    crew.add_venture(db, venture).through(Seat::build().role(role)).await
}

on_all! {
    async fn belongs_to_many_count_filters_targets_and_join_rows(db: Db) -> TestResult {
        schema().sync(&db).await?;
        let ann = Crew::build().name("ann").create(&db).await?;
        let bob = Crew::build().name("bob").create(&db).await?;
        let venture = |title: &str, status: &str| Venture::build().title(title).status(status).create(&db);
        let (alpha, beta, gamma) = (venture("alpha", "open").await?, venture("beta", "open").await?, venture("gamma", "closed").await?);
        seat(&db, &ann, &alpha, "lead").await?;
        seat(&db, &ann, &beta, "member").await?;
        seat(&db, &ann, &gamma, "lead").await?;
        seat(&db, &bob, &alpha, "member").await?;

        assert_eq!(ann.count_ventures(&db).await?, 3);
        assert_eq!(ann.count_ventures(&db).filter(Venture::status().eq("open")).await?, 2);
        assert_eq!(ann.count_ventures(&db).through_filter(Seat::role().eq("lead")).await?, 2);
        let both = ann.count_ventures(&db).filter(Venture::status().eq("open")).through_filter(Seat::role().eq("lead"));
        assert_eq!(both.await?, 1);
        let repeated = ann.count_ventures(&db).through_filter(Seat::role().eq("lead")).through_filter(Seat::role().ne("lead"));
        assert_eq!(repeated.await?, 0, "repeated through filters must all match");
        assert_eq!(bob.count_ventures(&db).through_filter(Seat::role().eq("lead")).await?, 0);
        // The target scope applies with the filters.
        assert_eq!(ann.count_open_ventures(&db).await?, 2);
        assert_eq!(ann.count_open_ventures(&db).through_filter(Seat::role().eq("lead")).await?, 1);
        assert_eq!(ann.count_open_ventures(&db).filter(Venture::title().eq("gamma")).await?, 0);
        // A join table (no join model) takes target filters only.
        ann.add_labels(&db, [&alpha, &gamma]).await?;
        assert_eq!(ann.count_labels(&db).filter(Venture::status().eq("closed")).await?, 1);
        // One statement.
        db.record_statements(true);
        ann.count_ventures(&db).filter(Venture::status().eq("open")).through_filter(Seat::role().eq("lead")).await?;
        assert_eq!(db.take_statements().len(), 1);
        Ok(())
    }
}

async fn seats(db: &Db) -> orm::Result<Vec<(i64, i64, String, Option<String>)>> {
    raw("SELECT crew_id, venture_id, role, badge FROM seats ORDER BY id").fetch(db).await
}

async fn venture_titles(db: &Db) -> orm::Result<Vec<(String, String)>> {
    raw("SELECT title, status FROM ventures ORDER BY id").fetch(db).await
}

on_all! {
    async fn create_through_sets_the_join_row_values(db: Db) -> TestResult {
        schema().sync(&db).await?;
        let ann = Crew::build().name("ann").create(&db).await?;
        let led = ann
            .create_venture(&db, Venture::build().title("led").status("open"))
            .through(Seat::build().role("lead").badge("A-1"))
            .await?;
        let plain = ann.create_venture(&db, Venture::build().title("plain").status("open")).await?;
        // The scope is written into the target; the join values come from `through`.
        let scoped =
            ann.create_open_venture(&db, Venture::build().title("scoped").status("closed")).through(Seat::build().role("guest")).await?;
        assert_eq!(scoped.status, "open", "the target scope is written over the builder's value");
        assert_eq!(
            seats(&db).await?,
            [
                (ann.id, led.id, "lead".to_owned(), Some("A-1".to_owned())),
                (ann.id, plain.id, "member".to_owned(), None),
                (ann.id, scoped.id, "guest".to_owned(), None),
            ],
            "join values given, or the join model's defaults"
        );
        let linked = ann.get_ventures(&db).through_filter(Seat::role().eq("lead")).await?;
        assert_eq!(linked, [(led.clone(), Seat { id: linked[0].1.id, crew_id: ann.id, venture_id: led.id, role: "lead".into(), badge: Some("A-1".into()) })]);
        Ok(())
    }
}

on_all! {
    async fn a_failing_join_insert_leaves_no_created_target(db: Db) -> TestResult {
        schema().sync(&db).await?;
        let ann = Crew::build().name("ann").create(&db).await?;
        ann.create_venture(&db, Venture::build().title("first").status("open")).through(Seat::build().badge("B-7")).await?;
        let before = (venture_titles(&db).await?, seats(&db).await?);
        // The join row's badge is taken: the join insert fails after the target's insert.
        let error = ann
            .create_venture(&db, Venture::build().title("second").status("open"))
            .through(Seat::build().badge("B-7"))
            .await
            .unwrap_err();
        assert!(matches!(&error, Error::UniqueViolation { .. }), "{error:?}");
        assert_eq!((venture_titles(&db).await?, seats(&db).await?), before, "the target is not kept");
        // Inside a caller's transaction: its savepoint rolls back, the transaction goes on.
        let mut tx = db.begin().await?;
        let failed = ann
            .create_venture(&mut tx, Venture::build().title("third").status("open"))
            .through(Seat::build().badge("B-7"))
            .await;
        assert!(matches!(failed, Err(Error::UniqueViolation { .. })), "{failed:?}");
        let kept = ann.create_venture(&mut tx, Venture::build().title("fourth").status("open")).through(Seat::build().badge("C-1")).await?;
        tx.commit().await?;
        let titles: Vec<String> = venture_titles(&db).await?.into_iter().map(|(t, _)| t).collect();
        assert_eq!(titles, ["first", "fourth"]);
        assert_eq!(seats(&db).await?.last(), Some(&(ann.id, kept.id, "member".to_owned(), Some("C-1".to_owned()))));
        Ok(())
    }
}
