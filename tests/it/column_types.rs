//! The column types beyond the scalars: UUID (a key through every association path), JSON
//! (`serde_json::Value` and a typed `orm::Json<T>`), exact decimals, enums derived with
//! `orm::Enum` (as text and as integers), and a newtype of the user's own through
//! `orm::ColumnType`. Each with NULLs and the extreme values of its type.

use std::str::FromStr;

use orm::prelude::*;
use orm::{ColumnType, ConversionError, Error, Json, raw};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::on_all;
use crate::support::is_postgres;

#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Gadget, foreign_key = "maker_id")]
pub struct Maker {
    pub id: Uuid,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to(Maker, foreign_key = "maker_id")]
#[belongs_to_many(Label, through = "gadget_labels")]
pub struct Gadget {
    pub id: Uuid,
    pub name: String,
    pub maker_id: Option<Uuid>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to_many(Gadget, through = "gadget_labels")]
pub struct Label {
    pub id: Uuid,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub theme: String,
    pub sizes: Vec<u32>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Document {
    pub id: i64,
    pub body: serde_json::Value,
    pub settings: Json<Settings>,
    pub extra: Option<serde_json::Value>,
    pub maybe_settings: Option<Json<Settings>>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Price {
    pub id: i64,
    pub amount: Decimal,
    pub discount: Option<Decimal>,
}

#[derive(orm::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[orm(rename_all = "snake_case")]
pub enum Status {
    Active,
    OnHold,
    #[orm(rename = "finished")]
    Done,
}

#[derive(orm::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[orm(integer)]
pub enum Priority {
    Low = 1,
    High = 10,
    Urgent,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Email(String);

impl ColumnType for Email {
    type Stored = String;

    fn to_stored(&self) -> Result<String, ConversionError> {
        if self.0.contains('@') {
            Ok(self.0.clone())
        } else {
            Err(format!("{:?} is not an email address", self.0).into())
        }
    }

    fn from_stored(stored: String) -> Result<Self, ConversionError> {
        Ok(Email(stored))
    }
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Ticket {
    pub id: i64,
    pub status: Status,
    pub previous: Option<Status>,
    pub priority: Priority,
    pub contact: Email,
    pub cc: Option<Email>,
}

fn uuid(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

on_all! {
    async fn uuid_keys_work_through_every_association_path(db: Db) -> TestResult {
        Schema::new().model::<Maker>().model::<Gadget>().model::<Label>().sync(&db).await?;
        let acme = Maker::create(&db, Maker { id: Uuid::max(), name: "Acme".into() }).await?;
        let nil = Maker::create(&db, Maker { id: Uuid::nil(), name: "Nil".into() }).await?;
        assert_eq!(acme.id, Uuid::max());
        let gadgets = Gadget::create_many(
            &db,
            (1..=3).map(|i| Gadget { id: uuid(i << 64 | 0xff), name: format!("g{i}"), maker_id: None }),
        )
        .await?;
        acme.set_gadgets(&db, [gadgets[0].id, gadgets[2].id]).await?;
        nil.add_gadget(&db, &gadgets[1]).await?;
        let mut got: Vec<String> = acme.get_gadgets(&db).await?.into_iter().map(|g| g.name).collect();
        got.sort();
        assert_eq!(got, ["g1", "g3"]);
        assert!(acme.has_gadget(&db, gadgets[2].id).await?);
        assert!(!acme.has_gadget(&db, gadgets[1].id).await?);
        assert_eq!(nil.count_gadgets(&db).await?, 1);
        let second = Gadget::find_by_pk(&db, gadgets[1].id).await?.expect("stored");
        let maker = second.get_maker(&db).await?.expect("linked");
        assert_eq!(maker.id, Uuid::nil());

        let labels = Label::create_many(&db, [
            Label { id: uuid(7), text: "red".into() },
            Label { id: uuid(u128::MAX - 1), text: "blue".into() },
        ])
        .await?;
        gadgets[0].set_labels(&db, &labels).await?;
        gadgets[1].add_label(&db, labels[1].id).await?;

        let makers = Maker::find().include(Maker::gadgets().include(Gadget::labels())).order_by(Maker::name().asc()).all(&db).await?;
        assert_eq!(makers.len(), 2);
        assert_eq!(makers[0].name, "Acme");
        let mut labelled: Vec<(String, usize)> =
            makers[0].gadgets().iter().map(|g| (g.name.clone(), g.labels().len())).collect();
        labelled.sort();
        assert_eq!(labelled, [("g1".to_owned(), 2), ("g3".to_owned(), 0)]);
        let blue = Label::find().filter(Label::id().eq(uuid(u128::MAX - 1))).include(Label::gadgets()).one(&db).await?.expect("found");
        assert_eq!(blue.gadgets().len(), 2);

        assert_eq!(Gadget::find_by_pk(&db, gadgets[2].id).await?.map(|g| g.maker_id), Some(Some(Uuid::max())));
        let unlinked = Gadget::find().filter(Gadget::maker_id().eq(None::<Uuid>)).count(&db).await?;
        assert_eq!(unlinked, 0);
        let picked = Gadget::find().filter(Gadget::id().is_in([gadgets[0].id, uuid(404)])).all(&db).await?;
        assert_eq!(picked.len(), 1);
        acme.remove_gadget(&db, gadgets[0].id).await?;
        assert_eq!(Gadget::find().filter(Gadget::maker_id().is_null()).count(&db).await?, 1);
        Ok(())
    }
}

on_all! {
    async fn uuid_keys_nest_in_one_create(db: Db) -> TestResult {
        Schema::new().model::<Maker>().model::<Gadget>().model::<Label>().sync(&db).await?;
        let made = Gadget::build()
            .id(uuid(1))
            .name("lamp")
            .maker(Maker::build().id(uuid(2)).name("Lumen"))
            .labels([Label::build().id(uuid(3)).text("bright")])
            .create(&db)
            .await?;
        assert_eq!(made.maker_id, Some(uuid(2)));
        assert_eq!(made.get_labels(&db).await?.len(), 1);
        Ok(())
    }
}

on_all! {
    async fn json_documents_round_trip_and_compare_as_documents(db: Db) -> TestResult {
        Schema::new().model::<Document>().sync(&db).await?;
        let body = json!({
            "name": "ünï \"quoted\" 😀",
            "nested": {"list": [1, 2.5, null, true, "x"], "empty": {}},
            "big": 9_007_199_254_740_993_i64,
            "negative": -1,
        });
        let settings = Json(Settings { theme: "dark".into(), sizes: vec![0, u32::MAX] });
        let stored = Document::create(&db, Document {
            id: 0,
            body: body.clone(),
            settings: settings.clone(),
            extra: None,
            maybe_settings: Some(Json(Settings { theme: String::new(), sizes: vec![] })),
        })
        .await?;
        let read = Document::find_by_pk(&db, stored.id).await?.expect("stored");
        assert_eq!(read.body, body);
        assert_eq!(read.settings, settings);
        assert_eq!(read.settings.theme, "dark");
        assert_eq!(read.extra, None);
        assert_eq!(read, stored);

        // A JSON `null` is a document, not a SQL NULL.
        Document::create(&db, Document {
            id: 0,
            body: json!([]),
            settings: settings.clone(),
            extra: Some(serde_json::Value::Null),
            maybe_settings: None,
        })
        .await?;
        assert_eq!(Document::find().filter(Document::extra().is_null()).count(&db).await?, 1);
        assert_eq!(Document::find().filter(Document::maybe_settings().eq(None::<Json<Settings>>)).count(&db).await?, 1);
        // Equality of documents whose keys were written in another order.
        let same = json!({"negative": -1, "big": 9_007_199_254_740_993_i64, "nested": {"empty": {}, "list": [1, 2.5, null, true, "x"]}, "name": "ünï \"quoted\" 😀"});
        assert_eq!(Document::find().filter(Document::body().eq(same)).count(&db).await?, 1);
        Ok(())
    }
}

on_all! {
    async fn a_json_document_of_another_shape_is_a_conversion_error(db: Db) -> TestResult {
        Schema::new().model::<Document>().sync(&db).await?;
        let other = Document {
            id: 0,
            body: json!(1),
            settings: Json(Settings { theme: "x".into(), sizes: vec![] }),
            extra: None,
            maybe_settings: None,
        };
        Document::create(&db, other).await?;
        raw("UPDATE \"documents\" SET \"settings\" = ?").bind(Json(json!({"theme": 5}))).execute(&db).await?;
        match Document::find().all(&db).await {
            Err(Error::Conversion { ty, column, .. }) => {
                assert!(ty.contains("Json<"), "{ty}");
                assert_eq!(column.as_deref(), Some("settings"));
            }
            other => panic!("expected a conversion error, got {other:?}"),
        }
        Ok(())
    }
}

on_all! {
    async fn decimals_are_exact_at_the_extremes(db: Db) -> TestResult {
        Schema::new().model::<Price>().sync(&db).await?;
        let values = [
            Decimal::ZERO,
            Decimal::from_str("-1.50")?,
            Decimal::from_str("12345678901234.5678")?,
            Decimal::from_str("0.0000000000000000000000000001")?,
            Decimal::MAX,
            Decimal::MIN,
        ];
        let rows = Price::create_many(&db, values.iter().map(|v| Price { id: 0, amount: *v, discount: None })).await?;
        for (row, value) in rows.iter().zip(&values) {
            let read = Price::find_by_pk(&db, row.id).await?.expect("stored");
            assert_eq!(read.amount, *value, "{value}");
            assert_eq!(read.discount, None);
        }
        // Equal values of another scale are equal.
        let found = Price::find().filter(Price::amount().eq(Decimal::from_str("-1.5000")?)).all(&db).await?;
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].amount, Decimal::from_str("-1.5")?);
        let listed = Price::find().filter(Price::amount().is_in([Decimal::MAX, Decimal::from_str("3")?])).count(&db).await?;
        assert_eq!(listed, 1);
        Price::update().set(Price::discount(), Decimal::from_str("0.10")?).filter(Price::amount().eq(Decimal::ZERO)).exec(&db).await?;
        assert_eq!(Price::find().filter(Price::discount().is_not_null()).count(&db).await?, 1);
        Ok(())
    }
}

on_all! {
    async fn decimals_order_and_compare_as_numbers(db: Db) -> TestResult {
        Schema::new().model::<Price>().sync(&db).await?;
        // As text, "10" < "9" and "-2" < "-10": each backend must compare numbers.
        let texts = ["9", "10", "-2", "-10", "0.5", "-0.25", "100.001", "1e-28"];
        let values: Vec<Decimal> =
            texts.iter().map(|t| Decimal::from_str(t).or_else(|_| Decimal::from_scientific(t))).collect::<Result<_, _>>()?;
        let discounts = [Some("3"), None, Some("20"), Some("-1.5"), None, Some("0"), Some("3.0"), Some("-100")];
        let rows = values.iter().zip(discounts).map(|(amount, discount)| Price {
            id: 0,
            amount: *amount,
            discount: discount.map(|d| Decimal::from_str(d).expect("a decimal")),
        });
        Price::create_many(&db, rows).await?;
        let mut sorted = values.clone();
        sorted.sort();
        let ascending: Vec<Decimal> = Price::find().order_by(Price::amount().asc()).select(Price::amount()).all(&db).await?;
        assert_eq!(ascending, sorted);
        let above_nine: Vec<Decimal> = Price::find()
            .filter(Price::amount().gt(Decimal::from(9)))
            .order_by(Price::amount().desc())
            .select(Price::amount())
            .all(&db)
            .await?;
        assert_eq!(above_nine, [Decimal::from_str("100.001")?, Decimal::from(10)]);
        let below_minus_one = Price::find().filter(Price::amount().le(Decimal::from(-2))).count(&db).await?;
        assert_eq!(below_minus_one, 2);
        assert_eq!(Price::find().max(Price::amount(), &db).await?, Some(Decimal::from_str("100.001")?));
        assert_eq!(Price::find().min(Price::amount(), &db).await?, Some(Decimal::from(-10)));
        // Equal values of another scale are one value: `3` and `3.0` tie, NULLs come last.
        let discounts: Vec<Option<Decimal>> =
            Price::find().order_by(Price::discount().asc()).select(Price::discount()).all(&db).await?;
        let expected: Vec<Option<Decimal>> = ["-100", "-1.5", "0", "3", "3", "20"]
            .iter()
            .map(|d| Some(Decimal::from_str(d).expect("a decimal")))
            .chain([None, None])
            .collect();
        assert_eq!(discounts, expected);
        assert_eq!(Price::find().filter(Price::discount().eq(Decimal::from(3))).count(&db).await?, 2);
        assert_eq!(Price::find().max(Price::discount(), &db).await?, Some(Decimal::from(20)));
        // Aggregates compared and ordered by: groups by sign of the discount, maxima 10 and 9.
        Price::update().set(Price::discount(), Decimal::from(1)).filter(Price::amount().ge(Decimal::from(10))).exec(&db).await?;
        Price::update().set(Price::discount(), Decimal::from(2)).filter(Price::amount().lt(Decimal::from(10))).exec(&db).await?;
        let maxima: Vec<(Option<Decimal>, Option<Decimal>)> = Price::find()
            .select((Price::discount(), Price::amount().max()))
            .group_by(Price::discount())
            .order_by(Price::amount().max().asc())
            .all(&db)
            .await?;
        assert_eq!(
            maxima,
            [(Some(Decimal::from(2)), Some(Decimal::from(9))), (Some(Decimal::from(1)), Some(Decimal::from_str("100.001")?))]
        );
        let above_nine: Vec<Option<Decimal>> = Price::find()
            .select(Price::discount())
            .group_by(Price::discount())
            .having(Price::amount().max().gt(Decimal::from(9)))
            .all(&db)
            .await?;
        assert_eq!(above_nine, [Some(Decimal::from(1))]);
        let below_minus_nine: Vec<Option<Decimal>> = Price::find()
            .select(Price::discount())
            .group_by(Price::discount())
            .having(Price::amount().min().lt(Decimal::from(-9)))
            .all(&db)
            .await?;
        assert_eq!(below_minus_nine, [Some(Decimal::from(2))]);
        // No rows: MIN and MAX are None.
        let none = Price::find().filter(Price::amount().gt(Decimal::MAX)).max(Price::amount(), &db).await?;
        assert_eq!(none, None);
        Ok(())
    }
}

on_all! {
    async fn enums_are_stored_as_text_or_integers_and_filter_by_variant(db: Db) -> TestResult {
        Schema::new().model::<Ticket>().sync(&db).await?;
        let rows = [
            (Status::Active, None, Priority::Low),
            (Status::OnHold, Some(Status::Active), Priority::High),
            (Status::Done, Some(Status::OnHold), Priority::Urgent),
        ];
        for (status, previous, priority) in rows {
            Ticket::create(&db, Ticket { id: 0, status, previous, priority, contact: Email("a@b".into()), cc: None }).await?;
        }
        let stored: Vec<(String, Option<String>, i32)> =
            raw("SELECT \"status\", \"previous\", \"priority\" FROM \"tickets\" ORDER BY \"id\"").fetch(&db).await?;
        assert_eq!(
            stored,
            [
                ("active".to_owned(), None, 1),
                ("on_hold".to_owned(), Some("active".to_owned()), 10),
                ("finished".to_owned(), Some("on_hold".to_owned()), 11),
            ]
        );
        let held = Ticket::find().filter(Ticket::status().eq(Status::OnHold)).all(&db).await?;
        assert_eq!(held.len(), 1);
        assert_eq!(held[0].priority, Priority::High);
        assert_eq!(Ticket::find().filter(Ticket::previous().eq(None::<Status>)).count(&db).await?, 1);
        assert_eq!(Ticket::find().filter(Ticket::priority().is_in([Priority::Urgent, Priority::Low])).count(&db).await?, 2);
        assert_eq!(Ticket::find().filter(Ticket::previous().ne(Status::Active)).count(&db).await?, 1);
        Ok(())
    }
}

on_all! {
    async fn an_unknown_stored_enum_value_is_a_clear_error(db: Db) -> TestResult {
        Schema::new().model::<Ticket>().sync(&db).await?;
        Ticket::create(&db, Ticket {
            id: 0,
            status: Status::Active,
            previous: None,
            priority: Priority::Low,
            contact: Email("a@b".into()),
            cc: None,
        })
        .await?;
        raw("UPDATE \"tickets\" SET \"status\" = 'archived'").execute(&db).await?;
        let error = Ticket::find().all(&db).await.expect_err("archived is no Status");
        assert!(matches!(&error, Error::Conversion { column: Some(c), .. } if c == "status"), "{error:?}");
        assert_eq!(
            error.to_string(),
            format!(
                "cannot convert column `status` into `{}`: \"archived\" is not a `Status` value (expected one of \"active\", \"on_hold\", \"finished\")",
                std::any::type_name::<Status>()
            )
        );
        raw("UPDATE \"tickets\" SET \"status\" = 'active', \"priority\" = 3").execute(&db).await?;
        let error = Ticket::find().all(&db).await.expect_err("3 is no Priority");
        assert!(error.to_string().ends_with("3 is not a `Priority` value"), "{error}");
        Ok(())
    }
}

on_all! {
    async fn a_custom_type_refuses_to_store_an_invalid_value(db: Db) -> TestResult {
        Schema::new().model::<Ticket>().sync(&db).await?;
        let ticket = |contact: &str, cc: Option<&str>| Ticket {
            id: 0,
            status: Status::Active,
            previous: None,
            priority: Priority::Low,
            contact: Email(contact.into()),
            cc: cc.map(|c| Email(c.into())),
        };
        let stored = Ticket::create(&db, ticket("ann@example.com", Some("bob@example.com"))).await?;
        assert_eq!(Ticket::find_by_pk(&db, stored.id).await?.expect("stored").cc, Some(Email("bob@example.com".into())));
        let error = Ticket::create(&db, ticket("not an address", None)).await.expect_err("invalid email");
        assert!(matches!(&error, Error::Unencodable(reason) if reason.contains("is not an email address")), "{error:?}");
        assert_eq!(Ticket::find().count(&db).await?, 1);
        let found = Ticket::find().filter(Ticket::contact().eq(Email("ann@example.com".into()))).count(&db).await?;
        assert_eq!(found, 1);
        Ok(())
    }
}

on_all! {
    /// Many rows of every column type in one insert (one array per column on PostgreSQL), NULLs
    /// among them, come back as given, in input order, and as stored.
    async fn many_rows_of_every_column_type_insert_in_one_statement(db: Db) -> TestResult {
        Schema::new().model::<Maker>().model::<Document>().model::<Price>().model::<Ticket>().sync(&db).await?;
        db.record_statements(true);
        let makers: Vec<Maker> = (0..5).map(|i| Maker { id: uuid(1000 - i), name: format!("m{i}") }).collect();
        assert_eq!(Maker::create_many(&db, makers.clone()).await?, makers);
        let documents: Vec<Document> = (0..4)
            .map(|i| Document {
                id: 0,
                body: json!({ "n": i, "list": [i, null] }),
                settings: Json(Settings { theme: format!("t{i}"), sizes: vec![i] }),
                extra: (i % 2 == 0).then_some(json!(null)),
                maybe_settings: (i % 2 == 1).then(|| Json(Settings { theme: String::new(), sizes: vec![] })),
            })
            .collect();
        let stored = Document::create_many(&db, documents.clone()).await?;
        let prices = Price::create_many(&db, [
            Price { id: 0, amount: Decimal::MAX, discount: None },
            Price { id: 0, amount: Decimal::from_str("-1.50")?, discount: Some(Decimal::from_str("0.0000000000000000000000000001")?) },
            Price { id: 0, amount: Decimal::MIN, discount: None },
        ])
        .await?;
        let tickets = Ticket::create_many(&db, [
            Ticket { id: 0, status: Status::Done, previous: None, priority: Priority::Urgent, contact: Email("a@b".into()), cc: None },
            Ticket {
                id: 0,
                status: Status::OnHold,
                previous: Some(Status::Active),
                priority: Priority::Low,
                contact: Email("c@d".into()),
                cc: Some(Email("e@f".into())),
            },
        ])
        .await?;
        let inserts: Vec<String> = db.take_statements().into_iter().filter(|s| s.starts_with("INSERT")).collect();
        assert_eq!(inserts.len(), 4, "{inserts:#?}");
        if is_postgres(&db) {
            assert!(inserts.iter().all(|s| s.contains("SELECT * FROM UNNEST(")), "{inserts:#?}");
        }
        for (given, stored) in documents.iter().zip(&stored) {
            assert_eq!((&given.body, &given.settings, &given.extra), (&stored.body, &stored.settings, &stored.extra));
            assert_eq!(given.maybe_settings, stored.maybe_settings);
        }
        assert_eq!(Document::find().order_by(Document::id().asc()).all(&db).await?, stored);
        assert_eq!(Price::find().order_by(Price::id().asc()).all(&db).await?, prices);
        assert_eq!(prices[0].amount, Decimal::MAX);
        assert_eq!(prices[1].discount, Some(Decimal::from_str("0.0000000000000000000000000001")?));
        assert_eq!(Ticket::find().order_by(Ticket::id().asc()).all(&db).await?, tickets);
        assert_eq!(tickets[1].cc, Some(Email("e@f".into())));
        let mut read = Maker::find().all(&db).await?;
        read.sort_by_key(|m| std::cmp::Reverse(m.id));
        assert_eq!(read, makers);
        Ok(())
    }
}
