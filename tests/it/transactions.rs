use orm::prelude::*;
use orm::raw;

use crate::on_all;
use crate::support::quoted;

#[derive(Model, Debug, Clone)]
pub struct Note {
    pub id: i64,
    pub body: String,
}

async fn count(db: &Db) -> Result<i64, orm::Error> {
    Ok(raw("SELECT COUNT(*) FROM notes").fetch::<(i64,)>(db).await?[0].0)
}

on_all! {
    async fn committed_work_is_kept(db: Db) -> TestResult {
        Schema::new().model::<Note>().sync(&db).await?;
        let mut tx = db.begin().await?;
        let mut note = Note::build().body("draft").create(&mut tx).await?;
        note.body = "final".into();
        note.save(&mut tx).await?;
        assert_eq!(Note::find().count(&mut tx).await?, 1);
        tx.commit().await?;
        assert_eq!(raw("SELECT body FROM notes").fetch::<(String,)>(&db).await?, vec![("final".into(),)]);
        Ok(())
    }
}

on_all! {
    async fn rolled_back_or_dropped_work_is_gone(db: Db) -> TestResult {
        Schema::new().model::<Note>().sync(&db).await?;
        let kept = Note::build().body("kept").create(&db).await?;
        let mut tx = db.begin().await?;
        Note::build().body("lost").create(&mut tx).await?;
        kept.destroy(&mut tx).await?;
        Note::update().set(Note::body(), "changed").exec(&mut tx).await?;
        tx.rollback().await?;
        assert_eq!(raw("SELECT body FROM notes").fetch::<(String,)>(&db).await?, vec![("kept".into(),)]);
        {
            let mut tx = db.begin().await?;
            Note::delete().exec(&mut tx).await?;
            // Dropped without commit.
        }
        assert_eq!(count(&db).await?, 1);
        Ok(())
    }
}

on_all! {
    async fn statements_are_counted_and_recorded(db: Db) -> TestResult {
        Schema::new().model::<Note>().sync(&db).await?;
        let before = db.statement_count();
        db.record_statements(true);
        let mut tx = db.begin().await?;
        Note::build().body("a").create(&mut tx).await?;
        tx.commit().await?;
        Note::find().all(&db).await?;
        assert_eq!(db.statement_count() - before, 2);
        let recorded = db.take_statements();
        assert_eq!(recorded.len(), 2);
        assert!(recorded[0].starts_with(&quoted(&db, "INSERT INTO \"notes\" (\"body\") VALUES (")), "{}", recorded[0]);
        assert!(recorded[1].starts_with(&quoted(&db, "SELECT \"notes\".\"id\", \"notes\".\"body\" FROM \"notes\"")), "{}", recorded[1]);
        Ok(())
    }
}
