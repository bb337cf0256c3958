//! Aggregates, `group_by` and `having` (issue 17): one Rust type per aggregate on every
//! backend, NULL over no rows, exact 64-bit sums and an error past them, fractional averages,
//! and NULL group keys forming one group.

use orm::prelude::*;
use orm::{Error, count_all};

use crate::on_all;
use crate::support::{TestResult, is_sqlite};

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Player {
    pub id: i64,
    pub name: String,
    pub age: i32,
    pub level: i16,
    pub team_id: Option<i64>,
    pub score: Option<f64>,
    pub speed: f32,
    pub nickname: Option<String>,
    pub balance: i64,
    pub bonus: Option<i64>,
}

/// Ages 3, 4, 4, 4, 4 (sum 19, average 3.8); teams 1, 1, 1, 2, NULL, NULL.
async fn seed(db: &Db) -> TestResult {
    Schema::new().model::<Player>().sync(db).await?;
    let rows = [
        ("ann", 3, 1, Some(1), Some(1.5), Some("a")),
        ("bob", 4, 2, Some(1), None, None),
        ("cid", 4, 3, Some(1), Some(2.5), Some("c")),
        ("dee", 4, -4, Some(2), None, Some("b")),
        ("eve", 4, 5, None, Some(-1.0), None),
        ("fay", 0, 0, None, None, None),
    ];
    for (name, age, level, team_id, score, nickname) in rows {
        Player::build()
            .name(name)
            .age(age)
            .level(level)
            .team_id(team_id)
            .score(score)
            .speed(0.25)
            .nickname(nickname.map(str::to_owned))
            .balance(10)
            .bonus(None)
            .create(db)
            .await?;
    }
    Ok(())
}

fn not_fay() -> Expr<Player> {
    Player::name().ne("fay")
}

on_all! {
    async fn aggregates_over_no_rows_are_none_and_counts_are_zero(db: Db) -> TestResult {
        Schema::new().model::<Player>().sync(&db).await?;
        let row = Player::find()
            .select((
                count_all::<Player>(),
                Player::score().count(),
                Player::age().sum(),
                Player::score().sum(),
                Player::age().avg(),
                Player::name().min(),
                Player::score().max(),
                Player::level().min(),
            ))
            .one(&db)
            .await?;
        assert_eq!(row, Some((0, 0, None, None, None, None, None, None)));
        assert_eq!(Player::find().count(&db).await?, 0);
        assert_eq!(Player::find().sum(Player::balance(), &db).await?, None);
        assert_eq!(Player::find().avg(Player::level(), &db).await?, None);
        assert_eq!(Player::find().min(Player::nickname(), &db).await?, None);
        assert_eq!(Player::find().max(Player::speed(), &db).await?, None);
        // Rows that all fail the filter are no rows too; a grouped query has no group.
        seed(&db).await?;
        assert_eq!(Player::find().filter(Player::age().gt(100)).sum(Player::age(), &db).await?, None);
        let groups = Player::find()
            .filter(Player::age().gt(100))
            .select((Player::team_id(), count_all::<Player>()))
            .group_by(Player::team_id())
            .all(&db)
            .await?;
        assert!(groups.is_empty(), "{groups:?}");
        Ok(())
    }
}

on_all! {
    async fn sums_read_as_i64_or_f64_and_averages_as_fractional_f64(db: Db) -> TestResult {
        seed(&db).await?;
        let adults = || Player::find().filter(not_fay());
        let age_sum: Option<i64> = adults().sum(Player::age(), &db).await?;
        assert_eq!(age_sum, Some(19));
        let level_sum: Option<i64> = adults().sum(Player::level(), &db).await?;
        assert_eq!(level_sum, Some(7));
        let score_sum: Option<f64> = adults().sum(Player::score(), &db).await?;
        assert_eq!(score_sum, Some(3.0));
        let speed_sum: Option<f64> = adults().sum(Player::speed(), &db).await?;
        assert_eq!(speed_sum, Some(1.25));
        // 19 / 5 is 3.8 (Sequelize casts it to 3 on some dialects).
        let age_avg: Option<f64> = adults().avg(Player::age(), &db).await?;
        assert_eq!(age_avg, Some(3.8));
        assert_eq!(Player::find().filter(Player::age().ge(3)).avg(Player::level(), &db).await?, Some(1.4));
        // 11 / 3 keeps a float's precision (MariaDB's DECIMAL average would read 3.6667).
        let third = Player::find().filter(Player::name().is_in(["ann", "bob", "dee"])).avg(Player::age(), &db).await?;
        assert_eq!(third, Some(11.0 / 3.0));
        // Over NULLs and values, the NULLs are skipped: (1.5 + 2.5 - 1.0) / 3.
        assert_eq!(Player::find().avg(Player::score(), &db).await?, Some(1.0));
        Ok(())
    }
}

on_all! {
    async fn counts_skip_nulls_and_count_all_counts_rows(db: Db) -> TestResult {
        seed(&db).await?;
        let counts = Player::find()
            .select((count_all::<Player>(), Player::score().count(), Player::nickname().count(), Player::team_id().count()))
            .one(&db)
            .await?;
        assert_eq!(counts, Some((6, 3, 3, 4)));
        Ok(())
    }
}

on_all! {
    async fn min_and_max_skip_nulls_and_read_the_inner_type(db: Db) -> TestResult {
        seed(&db).await?;
        let nickname_min: Option<String> = Player::find().min(Player::nickname(), &db).await?;
        assert_eq!(nickname_min.as_deref(), Some("a"));
        assert_eq!(Player::find().max(Player::nickname(), &db).await?.as_deref(), Some("c"));
        let score_min: Option<f64> = Player::find().min(Player::score(), &db).await?;
        assert_eq!(score_min, Some(-1.0));
        assert_eq!(Player::find().max(Player::score(), &db).await?, Some(2.5));
        let level_min: Option<i16> = Player::find().min(Player::level(), &db).await?;
        assert_eq!(level_min, Some(-4));
        assert_eq!(Player::find().max(Player::age(), &db).await?, Some(4));
        assert_eq!(Player::find().max(Player::name(), &db).await?.as_deref(), Some("fay"));
        // Only NULLs: None.
        let bonus: Option<i64> = Player::find().max(Player::bonus(), &db).await?;
        assert_eq!(bonus, None);
        assert_eq!(Player::find().filter(Player::score().is_null()).min(Player::score(), &db).await?, None);
        Ok(())
    }
}

on_all! {
    async fn a_sum_at_the_i64_limits_is_exact(db: Db) -> TestResult {
        Schema::new().model::<Player>().sync(&db).await?;
        for (name, balance) in [("max", i64::MAX - 1), ("max", 1), ("min", i64::MIN + 1), ("min", -1)] {
            Player::build().name(name).age(0).level(0).speed(0.0).balance(balance).create(&db).await?;
        }
        assert_eq!(Player::find().filter(Player::name().eq("max")).sum(Player::balance(), &db).await?, Some(i64::MAX));
        assert_eq!(Player::find().filter(Player::name().eq("min")).sum(Player::balance(), &db).await?, Some(i64::MIN));
        // All four: the sum is back inside the range.
        assert_eq!(Player::find().sum(Player::balance(), &db).await?, Some(-1));
        Ok(())
    }
}

fn is_overflow(error: &Error) -> bool {
    let message = error.to_string().to_lowercase();
    matches!(error, Error::Database { .. }) && (message.contains("overflow") || message.contains("out of range"))
}

on_all! {
    async fn a_sum_past_the_i64_range_is_an_error_not_a_wrong_number(db: Db) -> TestResult {
        Schema::new().model::<Player>().sync(&db).await?;
        for (name, balance) in [("high", i64::MAX), ("high", 1), ("low", i64::MIN), ("low", -1)] {
            Player::build().name(name).age(0).level(0).speed(0.0).balance(balance).create(&db).await?;
        }
        let high = Player::find().filter(Player::name().eq("high")).sum(Player::balance(), &db).await;
        assert!(high.as_ref().is_err_and(is_overflow), "i64::MAX + 1: {high:?}");
        let low = Player::find().filter(Player::name().eq("low")).sum(Player::balance(), &db).await;
        assert!(low.as_ref().is_err_and(is_overflow), "i64::MIN - 1: {low:?}");
        // In a projection and a group too.
        let grouped = Player::find().select((Player::name(), Player::balance().sum())).group_by(Player::name()).all(&db).await;
        assert!(grouped.as_ref().is_err_and(is_overflow), "{grouped:?}");
        Ok(())
    }
}

on_all! {
    async fn a_running_sum_past_the_i64_range_fails_on_sqlite_only(db: Db) -> TestResult {
        Schema::new().model::<Player>().sync(&db).await?;
        for balance in [i64::MAX, 1, -1] {
            Player::build().name("p").age(0).level(0).speed(0.0).balance(balance).create(&db).await?;
        }
        // The total fits, but SQLite's running total (in row order) leaves the range on the
        // way; PostgreSQL and MariaDB sum exactly.
        let sum = Player::find().sum(Player::balance(), &db).await;
        if is_sqlite(&db) {
            assert!(sum.as_ref().is_err_and(is_overflow), "{sum:?}");
        } else {
            assert_eq!(sum?, Some(i64::MAX));
        }
        Ok(())
    }
}

on_all! {
    async fn group_by_puts_null_keys_in_one_group(db: Db) -> TestResult {
        seed(&db).await?;
        let groups: Vec<(Option<i64>, i64, Option<f64>)> = Player::find()
            .select((Player::team_id(), Player::id().count(), Player::age().avg()))
            .group_by(Player::team_id())
            .order_by(Player::team_id().asc())
            .all(&db)
            .await?;
        assert_eq!(groups, [(Some(1), 3, Some(11.0 / 3.0)), (Some(2), 1, Some(4.0)), (None, 2, Some(2.0))]);
        // NULLs first descending, as in every `order_by`.
        let keys: Vec<Option<i64>> = Player::find()
            .select(Player::team_id())
            .group_by(Player::team_id())
            .order_by(Player::team_id().desc())
            .all(&db)
            .await?;
        assert_eq!(keys, [None, Some(2), Some(1)]);
        // The filter applies before grouping.
        let filtered: Vec<(Option<i64>, i64)> = Player::find()
            .filter(Player::age().ge(4))
            .select((Player::team_id(), count_all::<Player>()))
            .group_by(Player::team_id())
            .order_by(Player::team_id().asc())
            .all(&db)
            .await?;
        assert_eq!(filtered, [(Some(1), 2), (Some(2), 1), (None, 1)]);
        Ok(())
    }
}

on_all! {
    async fn group_by_a_tuple_of_columns_groups_by_each(db: Db) -> TestResult {
        seed(&db).await?;
        let groups: Vec<(Option<i64>, i32, i64, Option<i64>)> = Player::find()
            .select((Player::team_id(), Player::age(), count_all::<Player>(), Player::level().sum()))
            .group_by((Player::team_id(), Player::age()))
            .order_by(Player::team_id().asc())
            .order_by(Player::age().asc())
            .all(&db)
            .await?;
        assert_eq!(
            groups,
            [(Some(1), 3, 1, Some(1)), (Some(1), 4, 2, Some(5)), (Some(2), 4, 1, Some(-4)), (None, 0, 1, Some(0)), (None, 4, 1, Some(5))]
        );
        Ok(())
    }
}

on_all! {
    async fn having_keeps_the_groups_its_aggregate_conditions_match(db: Db) -> TestResult {
        seed(&db).await?;
        let busy: Vec<(Option<i64>, i64)> = Player::find()
            .select((Player::team_id(), Player::id().count()))
            .group_by(Player::team_id())
            .having(Player::id().count().gt(2))
            .all(&db)
            .await?;
        assert_eq!(busy, [(Some(1), 3)]);
        let young_or_unscored: Vec<Option<i64>> = Player::find()
            .select(Player::team_id())
            .group_by(Player::team_id())
            .having(Player::age().avg().lt(3.0).or(Player::score().max().eq(None)))
            .order_by(Player::team_id().asc())
            .all(&db)
            .await?;
        assert_eq!(young_or_unscored, [Some(2), None]);
        let scored: Vec<Option<i64>> = Player::find()
            .select(Player::team_id())
            .group_by(Player::team_id())
            .having(Player::score().sum().is_not_null())
            .having(Player::team_id().is_not_null())
            .all(&db)
            .await?;
        assert_eq!(scored, [Some(1)]);
        let none: Vec<(Option<i64>, Option<i64>)> = Player::find()
            .select((Player::team_id(), Player::age().sum()))
            .group_by(Player::team_id())
            .having(Player::age().sum().ge(100))
            .all(&db)
            .await?;
        assert!(none.is_empty());
        Ok(())
    }
}

on_all! {
    async fn ordering_by_an_aggregate_sorts_groups_with_nulls_last(db: Db) -> TestResult {
        seed(&db).await?;
        let by_size: Vec<(Option<i64>, i64)> = Player::find()
            .select((Player::team_id(), count_all::<Player>()))
            .group_by(Player::team_id())
            .order_by(count_all::<Player>().desc())
            .order_by(Player::team_id().asc())
            .all(&db)
            .await?;
        assert_eq!(by_size, [(Some(1), 3), (None, 2), (Some(2), 1)]);
        // Team 2's scores are all NULL: its sum is NULL, the largest value.
        let by_score: Vec<(Option<i64>, Option<f64>)> = Player::find()
            .select((Player::team_id(), Player::score().sum()))
            .group_by(Player::team_id())
            .order_by(Player::score().sum().asc())
            .all(&db)
            .await?;
        assert_eq!(by_score, [(None, Some(-1.0)), (Some(1), Some(4.0)), (Some(2), None)]);
        let descending: Vec<Option<i64>> = Player::find()
            .select(Player::team_id())
            .group_by(Player::team_id())
            .order_by(Player::score().sum().desc())
            .limit(2)
            .all(&db)
            .await?;
        assert_eq!(descending, [Some(2), Some(1)]);
        Ok(())
    }
}

on_all! {
    async fn aggregate_shortcuts_follow_filters_and_ignore_order_and_paging(db: Db) -> TestResult {
        seed(&db).await?;
        let query = || Player::find().filter(Player::team_id().eq(1_i64)).order_by(Player::age().desc()).limit(1).offset(1);
        assert_eq!(query().count(&db).await?, 3);
        assert_eq!(query().sum(Player::age(), &db).await?, Some(11));
        assert_eq!(query().min(Player::name(), &db).await?.as_deref(), Some("ann"));
        assert_eq!(query().aggregate(Player::score().count(), &db).await?, 2);
        Ok(())
    }
}

#[cfg(feature = "chrono")]
mod dates {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

    use super::*;

    #[derive(Model, Debug, Clone, PartialEq)]
    pub struct Meeting {
        pub id: i64,
        pub at: DateTime<Utc>,
        pub local: NaiveDateTime,
        pub day: Option<NaiveDate>,
        pub time: NaiveTime,
    }

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("a timestamp")
    }

    on_all! {
        async fn min_and_max_of_dates_and_times_are_chronological(db: Db) -> TestResult {
            Schema::new().model::<Meeting>().sync(&db).await?;
            // Whole seconds next to fractions: stored as text on SQLite, they must still
            // compare in time order.
            for (when, day) in [
                ("2024-03-01T12:00:00Z", None),
                ("2024-03-01T12:00:00.5Z", Some(NaiveDate::from_ymd_opt(2023, 12, 31).expect("a date"))),
                ("2024-03-01T11:59:59.999999Z", Some(NaiveDate::from_ymd_opt(2024, 1, 2).expect("a date"))),
            ] {
                let when = at(when);
                Meeting::build().at(when).local(when.naive_utc()).day(day).time(when.time()).create(&db).await?;
            }
            let row = Meeting::find()
                .select((Meeting::at().min(), Meeting::at().max(), Meeting::local().max(), Meeting::day().min(), Meeting::time().min()))
                .one(&db)
                .await?;
            let (first, last, last_local, first_day, first_time) = row.expect("one row");
            assert_eq!(first, Some(at("2024-03-01T11:59:59.999999Z")));
            assert_eq!(last, Some(at("2024-03-01T12:00:00.5Z")));
            assert_eq!(last_local, Some(at("2024-03-01T12:00:00.5Z").naive_utc()));
            assert_eq!(first_day, NaiveDate::from_ymd_opt(2023, 12, 31));
            assert_eq!(first_time, NaiveTime::from_hms_micro_opt(11, 59, 59, 999_999));
            let none: Option<NaiveDate> = Meeting::find().filter(Meeting::day().is_null()).max(Meeting::day(), &db).await?;
            assert_eq!(none, None);
            Ok(())
        }
    }
}
