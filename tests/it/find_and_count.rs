//! `find_and_count` (Sequelize's `findAndCountAll`, issue 17): a page and the number of
//! matching parents, never of joined rows, from one statement.

use orm::prelude::*;

use crate::on_all;
use crate::support::TestResult;

#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Chore)]
pub struct Householder {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Chore {
    pub id: i64,
    pub title: String,
    pub done: bool,
    pub householder_id: Option<i64>,
}

/// Five householders; `a`, `c` and `e` have two chores each (one done), `b` and `d` none.
async fn seed(db: &Db) -> TestResult {
    Schema::new().model::<Householder>().model::<Chore>().sync(db).await?;
    for name in ["a", "b", "c", "d", "e"] {
        let householder = Householder::build().name(name).create(db).await?;
        if matches!(name, "a" | "c" | "e") {
            for (title, done) in [("sweep", true), ("cook", false)] {
                Chore::build()
                    .title(format!("{name}-{title}"))
                    .done(done)
                    .householder_id(householder.id)
                    .create(db)
                    .await?;
            }
        }
    }
    Ok(())
}

on_all! {
    async fn find_and_count_counts_parents_not_joined_rows(db: Db) -> TestResult {
        seed(&db).await?;
        let query = || {
            Householder::find()
                .include(Householder::chores().required())
                .order_by(Householder::name().asc())
        };
        let (page, total) = query().limit(2).find_and_count(&db).await?;
        assert_eq!(total, 3, "three householders have chores (Sequelize would count 6 joined rows)");
        let names: Vec<&str> = page.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["a", "c"]);
        assert!(page.iter().all(|h| h.chores().len() == 2), "the includes are loaded");
        let (page, total) = query().limit(2).offset(2).find_and_count(&db).await?;
        assert_eq!((page.iter().map(|h| h.name.clone()).collect::<Vec<_>>(), total), (vec!["e".to_owned()], 3));
        // A filtered required include counts the parents it keeps.
        let (page, total) = Householder::find()
            .filter(Householder::name().ne("a"))
            .include(Householder::chores().filter(Chore::done().eq(false)).required())
            .limit(10)
            .find_and_count(&db)
            .await?;
        assert_eq!((page.len(), total), (2, 2));
        assert!(page.iter().all(|h| h.chores().len() == 1));
        Ok(())
    }
}

on_all! {
    async fn find_and_count_runs_one_statement_for_the_page_and_its_total(db: Db) -> TestResult {
        seed(&db).await?;
        db.record_statements(true);
        let (page, total) =
            Householder::find().filter(Householder::name().ne("b")).order_by(Householder::id().desc()).limit(3).find_and_count(&db).await?;
        let statements = db.take_statements();
        assert_eq!(statements.len(), 1, "{statements:?}");
        assert!(statements[0].contains("COUNT(*) OVER ()"), "{statements:?}");
        assert_eq!((page.iter().map(|h| h.name.as_str()).collect::<Vec<_>>(), total), (vec!["e", "d", "c"], 4));
        Ok(())
    }
}

on_all! {
    async fn find_and_count_of_an_empty_page_still_counts(db: Db) -> TestResult {
        Schema::new().model::<Householder>().model::<Chore>().sync(&db).await?;
        assert_eq!(Householder::find().limit(10).find_and_count(&db).await?, (Vec::new(), 0));
        seed(&db).await?;
        // Past the end: the page is empty, the count is not.
        let (page, total) = Householder::find().offset(50).limit(10).find_and_count(&db).await?;
        assert_eq!((page.len(), total), (0, 5));
        let (page, total) = Householder::find().limit(0).find_and_count(&db).await?;
        assert_eq!((page.len(), total), (0, 5));
        let (page, total) = Householder::find().filter(Householder::name().eq("zed")).find_and_count(&db).await?;
        assert_eq!((page.len(), total), (0, 0));
        // No paging at all: every row, and their number.
        let (page, total) = Householder::find().find_and_count(&db).await?;
        assert_eq!((page.len(), total), (5, 5));
        Ok(())
    }
}

on_all! {
    async fn find_and_count_with_a_lock_counts_in_the_same_transaction(db: Db) -> TestResult {
        seed(&db).await?;
        let mut tx = db.begin().await?;
        let (page, total) = Householder::find()
            .include(Householder::chores().required())
            .order_by(Householder::id().asc())
            .limit(1)
            .for_update()
            .find_and_count(&mut tx)
            .await?;
        assert_eq!((page.len(), total), (1, 3));
        tx.commit().await?;
        let outside = Householder::find().for_update().find_and_count(&db).await;
        assert!(matches!(outside, Err(orm::Error::LockOutsideTransaction { model: "Householder" })), "{outside:?}");
        Ok(())
    }
}
