//! Projections (issue 17): `select` reads chosen columns as typed tuples, keeping the query's
//! filters, order and paging, NULLs included.

use orm::prelude::*;

use crate::on_all;
use crate::support::{TestResult, quoted};

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Gadget {
    pub id: i64,
    pub name: String,
    pub size: i16,
    pub weight: i32,
    pub price: Option<f64>,
    pub ratio: f32,
    pub in_stock: Option<bool>,
    pub note: Option<String>,
    pub blob: Vec<u8>,
}

/// Every column but the key, as `select` reads it.
type EightColumns = (String, i16, i32, Option<f64>, f32, Option<bool>, Option<String>, Vec<u8>);
/// A selection of two pairs.
type Nested = ((i64, i16), (Option<String>, String));

async fn seed(db: &Db) -> TestResult {
    Schema::new().model::<Gadget>().sync(db).await?;
    for (name, size, weight, price, note) in [
        ("anvil", 3_i16, 500_i32, Some(9.5), None),
        ("bolt", -1, 2, None, Some("tiny")),
        ("crank", i16::MAX, i32::MIN, Some(-0.25), Some("")),
        ("drill", 0, 40, None, None),
    ] {
        Gadget::build()
            .name(name)
            .size(size)
            .weight(weight)
            .price(price)
            .ratio(0.5)
            .in_stock(price.map(|p| p > 0.0))
            .note(note.map(str::to_owned))
            .blob(name.as_bytes().to_vec())
            .create(db)
            .await?;
    }
    Ok(())
}

on_all! {
    async fn selecting_one_column_returns_its_values_with_filter_order_and_paging(db: Db) -> TestResult {
        seed(&db).await?;
        let names: Vec<String> = Gadget::find().order_by(Gadget::name().desc()).select(Gadget::name()).all(&db).await?;
        assert_eq!(names, ["drill", "crank", "bolt", "anvil"]);
        let paged: Vec<String> = Gadget::find()
            .filter(Gadget::size().ge(0))
            .order_by(Gadget::size().asc())
            .limit(2)
            .offset(1)
            .select(Gadget::name())
            .all(&db)
            .await?;
        assert_eq!(paged, ["anvil", "crank"]);
        // Calls after `select` narrow it the same way.
        let after: Vec<String> =
            Gadget::find().select(Gadget::name()).filter(Gadget::weight().lt(100)).order_by(Gadget::name().asc()).limit(2).all(&db).await?;
        assert_eq!(after, ["bolt", "crank"]);
        let notes: Vec<Option<String>> = Gadget::find().order_by(Gadget::id().asc()).select(Gadget::note()).all(&db).await?;
        assert_eq!(notes, [None, Some("tiny".to_owned()), Some(String::new()), None]);
        Ok(())
    }
}

on_all! {
    async fn selecting_two_columns_returns_tuples_in_the_order_written(db: Db) -> TestResult {
        seed(&db).await?;
        db.record_statements(true);
        let pairs: Vec<(Option<f64>, String)> =
            Gadget::find().order_by(Gadget::id().asc()).select((Gadget::price(), Gadget::name())).all(&db).await?;
        assert_eq!(
            pairs,
            [(Some(9.5), "anvil".to_owned()), (None, "bolt".to_owned()), (Some(-0.25), "crank".to_owned()), (None, "drill".to_owned())]
        );
        // Only the selected columns are read.
        let statements = db.take_statements();
        assert!(
            statements[0].starts_with(&quoted(&db, r#"SELECT "gadgets"."price", "gadgets"."name" FROM "gadgets" ORDER BY"#)),
            "{statements:?}"
        );
        let first: Option<(i64, String)> =
            Gadget::find().filter(Gadget::note().is_not_null()).order_by(Gadget::name().asc()).select((Gadget::id(), Gadget::name())).one(&db).await?;
        assert_eq!(first.map(|(_, name)| name).as_deref(), Some("bolt"));
        Ok(())
    }
}

on_all! {
    async fn selecting_eight_columns_decodes_every_position_and_type(db: Db) -> TestResult {
        seed(&db).await?;
        let rows = Gadget::find()
            .order_by(Gadget::id().asc())
            .select((
                Gadget::name(),
                Gadget::size(),
                Gadget::weight(),
                Gadget::price(),
                Gadget::ratio(),
                Gadget::in_stock(),
                Gadget::note(),
                Gadget::blob(),
            ))
            .all(&db)
            .await?;
        let expected: Vec<EightColumns> = vec![
            ("anvil".into(), 3, 500, Some(9.5), 0.5, Some(true), None, b"anvil".to_vec()),
            ("bolt".into(), -1, 2, None, 0.5, None, Some("tiny".into()), b"bolt".to_vec()),
            ("crank".into(), i16::MAX, i32::MIN, Some(-0.25), 0.5, Some(false), Some(String::new()), b"crank".to_vec()),
            ("drill".into(), 0, 40, None, 0.5, None, None, b"drill".to_vec()),
        ];
        assert_eq!(rows, expected);
        // A nested tuple reads its columns at their place too.
        let nested: Option<Nested> = Gadget::find()
            .filter(Gadget::name().eq("bolt"))
            .select(((Gadget::id(), Gadget::size()), (Gadget::note(), Gadget::name())))
            .one(&db)
            .await?;
        let ((_, size), (note, name)) = nested.expect("bolt is there");
        assert_eq!((size, note.as_deref(), name.as_str()), (-1, Some("tiny"), "bolt"));
        Ok(())
    }
}

on_all! {
    async fn projections_of_an_empty_table_or_no_match_are_empty(db: Db) -> TestResult {
        Schema::new().model::<Gadget>().sync(&db).await?;
        assert!(Gadget::find().select((Gadget::id(), Gadget::note())).all(&db).await?.is_empty());
        assert_eq!(Gadget::find().select(Gadget::name()).one(&db).await?, None);
        seed(&db).await?;
        assert!(Gadget::find().filter(Gadget::size().gt(i16::MAX)).select(Gadget::id()).all(&db).await?.is_empty());
        assert_eq!(Gadget::find().select(Gadget::id()).limit(0).all(&db).await?, Vec::<i64>::new());
        Ok(())
    }
}
