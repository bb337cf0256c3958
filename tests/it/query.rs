use orm::prelude::*;

use crate::on_all;
use crate::support::TestResult;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Item {
    pub id: i64,
    pub name: String,
    pub price: i64,
    pub note: Option<String>,
}

async fn seed(db: &Db) -> TestResult {
    Schema::new().model::<Item>().sync(db).await?;
    for (name, price, note) in [
        ("apple", 3, None),
        ("banana", 1, Some("ripe")),
        ("cherry", 7, None),
        ("date", 5, Some("dry")),
        ("elder", 9, None),
    ] {
        Item::build().name(name).price(price).note(note.map(str::to_owned)).create(db).await?;
    }
    Ok(())
}

async fn names(db: &Db, query: orm::Select<Item>) -> Result<Vec<String>, orm::Error> {
    Ok(query.order_by(Item::name().asc()).all(db).await?.into_iter().map(|i| i.name).collect())
}

on_all! {
    async fn comparison_operators_filter_rows(db: Db) -> TestResult {
        seed(&db).await?;
        assert_eq!(names(&db, Item::find().filter(Item::price().eq(3))).await?, ["apple"]);
        assert_eq!(names(&db, Item::find().filter(Item::price().ne(3))).await?, ["banana", "cherry", "date", "elder"]);
        assert_eq!(names(&db, Item::find().filter(Item::price().lt(5))).await?, ["apple", "banana"]);
        assert_eq!(names(&db, Item::find().filter(Item::price().le(5))).await?, ["apple", "banana", "date"]);
        assert_eq!(names(&db, Item::find().filter(Item::price().gt(5))).await?, ["cherry", "elder"]);
        assert_eq!(names(&db, Item::find().filter(Item::price().ge(7))).await?, ["cherry", "elder"]);
        Ok(())
    }
}

on_all! {
    async fn list_null_and_like_operators_filter_rows(db: Db) -> TestResult {
        seed(&db).await?;
        assert_eq!(names(&db, Item::find().filter(Item::price().is_in([1, 9, 42]))).await?, ["banana", "elder"]);
        assert_eq!(names(&db, Item::find().filter(Item::price().not_in([1, 9]))).await?, ["apple", "cherry", "date"]);
        assert!(names(&db, Item::find().filter(Item::price().is_in(Vec::<i64>::new()))).await?.is_empty());
        assert_eq!(names(&db, Item::find().filter(Item::price().not_in(Vec::<i64>::new()))).await?.len(), 5);
        assert_eq!(names(&db, Item::find().filter(Item::name().is_in(["date", "apple"]))).await?, ["apple", "date"]);
        assert_eq!(names(&db, Item::find().filter(Item::note().is_null())).await?, ["apple", "cherry", "elder"]);
        assert_eq!(names(&db, Item::find().filter(Item::note().is_not_null())).await?, ["banana", "date"]);
        assert_eq!(names(&db, Item::find().filter(Item::note().eq("dry"))).await?, ["date"]);
        assert_eq!(names(&db, Item::find().filter(Item::name().like("%an%"))).await?, ["banana"]);
        assert_eq!(names(&db, Item::find().filter(Item::note().like("r%"))).await?, ["banana"]);
        Ok(())
    }
}

on_all! {
    async fn and_or_not_combine_conditions(db: Db) -> TestResult {
        seed(&db).await?;
        let cheap_or_dry = Item::price().lt(3).or(Item::name().eq("date"));
        assert_eq!(names(&db, Item::find().filter(cheap_or_dry.clone())).await?, ["banana", "date"]);
        assert_eq!(
            names(&db, Item::find().filter(cheap_or_dry.clone().not())).await?,
            ["apple", "cherry", "elder"]
        );
        let both = Item::price().gt(2).and(Item::price().lt(8)).and(Item::note().is_null());
        assert_eq!(names(&db, Item::find().filter(both)).await?, ["apple", "cherry"]);
        let operators = (Item::price().eq(1) | Item::price().eq(9)) & !Item::name().eq("elder");
        assert_eq!(names(&db, Item::find().filter(operators)).await?, ["banana"]);
        // Two `filter` calls must both hold.
        let twice = Item::find().filter(Item::price().gt(2)).filter(Item::price().lt(6));
        assert_eq!(names(&db, twice).await?, ["apple", "date"]);
        assert_eq!(names(&db, Item::find().filter(Expr::any([]))).await?.len(), 0);
        assert_eq!(names(&db, Item::find().filter(Expr::all([]))).await?.len(), 5);
        Ok(())
    }
}

on_all! {
    async fn order_limit_offset_one_and_count(db: Db) -> TestResult {
        seed(&db).await?;
        let by_price: Vec<i64> = Item::find().order_by(Item::price().desc()).all(&db).await?.iter().map(|i| i.price).collect();
        assert_eq!(by_price, [9, 7, 5, 3, 1]);
        let page: Vec<i64> =
            Item::find().order_by(Item::price().asc()).limit(2).offset(1).all(&db).await?.iter().map(|i| i.price).collect();
        assert_eq!(page, [3, 5]);
        let rest: Vec<i64> = Item::find().order_by(Item::price().asc()).offset(3).all(&db).await?.iter().map(|i| i.price).collect();
        assert_eq!(rest, [7, 9]);
        let first = Item::find().order_by(Item::price().asc()).one(&db).await?.map(|i| i.name);
        assert_eq!(first.as_deref(), Some("banana"));
        assert_eq!(Item::find().filter(Item::price().gt(100)).one(&db).await?, None);
        assert_eq!(Item::find().count(&db).await?, 5);
        assert_eq!(Item::find().filter(Item::note().is_null()).count(&db).await?, 3);
        Ok(())
    }
}

on_all! {
    async fn values_are_bound_never_spliced(db: Db) -> TestResult {
        seed(&db).await?;
        let hostile = "x' OR '1'='1";
        assert!(names(&db, Item::find().filter(Item::name().eq(hostile))).await?.is_empty());
        Item::build().name(hostile).price(0).create(&db).await?;
        assert_eq!(names(&db, Item::find().filter(Item::name().eq(hostile))).await?, [hostile]);
        Ok(())
    }
}
