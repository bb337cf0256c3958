use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use orm::prelude::*;

use crate::on_all;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Sample {
    pub id: i32,
    pub flag: bool,
    pub small: i16,
    pub medium: i32,
    pub large: i64,
    pub single: f32,
    pub double: f64,
    pub text: String,
    pub bytes: Vec<u8>,
    pub at: DateTime<Utc>,
    pub local: NaiveDateTime,
    pub day: NaiveDate,
    pub time: NaiveTime,
    pub maybe_flag: Option<bool>,
    pub maybe_small: Option<i16>,
    pub maybe_large: Option<i64>,
    pub maybe_double: Option<f64>,
    pub maybe_text: Option<String>,
    pub maybe_bytes: Option<Vec<u8>>,
    pub maybe_at: Option<DateTime<Utc>>,
    pub maybe_day: Option<NaiveDate>,
}

#[derive(Model, Debug, Clone)]
#[has_many(Stamped, as(singular = "child", plural = "children"), foreign_key = "parent_id")]
#[belongs_to(Stamped, as = "parent", foreign_key = "parent_id")]
pub struct Stamped {
    pub id: i64,
    pub title: String,
    #[model(created_at)]
    pub created_at: DateTime<Utc>,
    #[model(updated_at)]
    pub updated_at: Option<NaiveDateTime>,
    pub parent_id: Option<i64>,
}

fn sample() -> Sample {
    let at = DateTime::from_timestamp(1_700_000_000, 123_000_000).expect("valid timestamp");
    Sample {
        id: 0,
        flag: true,
        small: -12,
        medium: 123_456,
        large: 9_007_199_254_740_993,
        single: 1.5,
        double: -2.25,
        text: "héllo \"world\" '".into(),
        bytes: vec![0, 1, 255],
        at,
        local: at.naive_utc(),
        day: NaiveDate::from_ymd_opt(2024, 2, 29).expect("valid date"),
        time: NaiveTime::from_hms_opt(23, 59, 58).expect("valid time"),
        maybe_flag: Some(false),
        maybe_small: None,
        maybe_large: Some(-1),
        maybe_double: None,
        maybe_text: Some(String::new()),
        maybe_bytes: None,
        maybe_at: Some(at),
        maybe_day: None,
    }
}

on_all! {
    async fn every_supported_type_round_trips(db: Db) -> TestResult {
        Schema::new().model::<Sample>().sync(&db).await?;
        let created = Sample::create(&db, sample()).await?;
        assert_eq!(created, Sample { id: created.id, ..sample() });
        let loaded = Sample::find_by_pk(&db, created.id).await?.expect("row exists");
        assert_eq!(loaded, created);
        let by_time = Sample::find().filter(Sample::at().eq(sample().at)).filter(Sample::day().lt(sample().day.succ_opt().expect("next day"))).all(&db).await?;
        assert_eq!(by_time, vec![created]);
        Ok(())
    }
}

on_all! {
    async fn timestamps_are_filled_on_create_and_refreshed_on_save(db: Db) -> TestResult {
        Schema::new().model::<Stamped>().sync(&db).await?;
        let before = Utc::now() - chrono::Duration::seconds(1);
        let zero = DateTime::<Utc>::from_timestamp(0, 0).expect("epoch");
        let mut row = Stamped::create(&db, Stamped { id: 0, title: "a".into(), created_at: zero, updated_at: None, parent_id: None }).await?;
        assert!(row.created_at > before, "created_at filled by the ORM");
        let first_update = row.updated_at.expect("updated_at filled on create");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let created = row.created_at;
        row.title = "b".into();
        row.save(&db).await?;
        let stored = Stamped::find_by_pk(&db, row.id).await?.expect("row exists");
        assert_eq!(stored.created_at, created, "save keeps created_at");
        assert!(stored.updated_at.expect("set") > first_update, "save refreshes updated_at");
        let built = Stamped::build().title("c").create(&db).await?;
        assert!(built.created_at > before && built.updated_at.is_some());
        Ok(())
    }
}

on_all! {
    async fn association_writes_fill_and_refresh_timestamps(db: Db) -> TestResult {
        Schema::new().model::<Stamped>().sync(&db).await?;
        let before = Utc::now() - chrono::Duration::seconds(1);
        let zero = DateTime::<Utc>::from_timestamp(0, 0).expect("epoch");
        let parent = Stamped::build().title("p").create(&db).await?;
        let child = parent
            .create_child(&db, Stamped { id: 0, title: "c".into(), created_at: zero, updated_at: None, parent_id: None })
            .await?;
        assert!(child.created_at > before && child.updated_at.is_some(), "create_* from a struct fills timestamps");
        let mut orphan = Stamped::build().title("o").create(&db).await?;
        let stamped = orphan.updated_at;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        orphan.set_parent(&db, &parent).await?;
        assert!(orphan.updated_at > stamped, "belongs_to set refreshes updated_at in memory");
        let stored = Stamped::find_by_pk(&db, orphan.id).await?.expect("row");
        assert_eq!((stored.parent_id, stored.updated_at), (Some(parent.id), orphan.updated_at));
        Ok(())
    }
}
