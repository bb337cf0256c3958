//! Nested creation against a reference: proptest generates trees (boards with a cover, an owner
//! created with them or given by key or none, lanes of different shapes in one array: cards,
//! labels through a join model with a default, nothing) and creates each with `create_nested`
//! on every backend. The returned tree must be the input with the stored keys, each row linked
//! to its parent; what the database holds, read back with includes, must be that tree; and
//! `create` must return the row alone, as stored.

use orm::prelude::*;
use orm::{Created, Error};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};

use crate::support::{Backends, cases};

#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Lane)]
#[has_one(Cover)]
#[belongs_to(Owner)]
pub struct Board {
    pub id: i64,
    pub name: String,
    pub owner_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Card)]
#[belongs_to_many(Label, through = Pin)]
pub struct Lane {
    pub id: i64,
    pub name: String,
    pub board_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Card {
    pub id: i64,
    pub title: String,
    pub lane_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Label {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Pin {
    pub id: i64,
    pub lane_id: i64,
    pub label_id: i64,
    #[model(default = 1)]
    pub weight: i32,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Cover {
    pub id: i64,
    pub url: String,
    pub board_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Owner {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone)]
enum OwnerIn {
    None,
    /// Created with the board.
    New(String),
    /// The owner created before the case (key 1).
    Existing,
}

#[derive(Debug, Clone)]
struct LaneIn {
    name: String,
    cards: Vec<String>,
    /// Each label with the join row's weight, when given.
    labels: Vec<(String, Option<i32>)>,
    /// Cards given as `Card` values (`.into()`) rather than builders.
    cards_as_values: bool,
}

#[derive(Debug, Clone)]
struct BoardIn {
    name: String,
    owner: OwnerIn,
    cover: Option<String>,
    lanes: Vec<LaneIn>,
}

fn name() -> impl Strategy<Value = String> {
    "[a-z]{1,6}"
}

fn lane() -> impl Strategy<Value = LaneIn> {
    (
        name(),
        prop::collection::vec(name(), 0..4),
        prop::collection::vec((name(), prop::option::of(0..9i32)), 0..4),
        any::<bool>(),
    )
        .prop_map(|(name, cards, labels, cards_as_values)| LaneIn { name, cards, labels, cards_as_values })
}

fn board() -> impl Strategy<Value = BoardIn> {
    let owner = prop_oneof![Just(OwnerIn::None), name().prop_map(OwnerIn::New), Just(OwnerIn::Existing)];
    (name(), owner, prop::option::of(name()), prop::collection::vec(lane(), 0..4))
        .prop_map(|(name, owner, cover, lanes)| BoardIn { name, owner, cover, lanes })
}

fn builder(input: &BoardIn) -> BoardBuilder {
    let lanes: Vec<LaneBuilder> = input
        .lanes
        .iter()
        .map(|lane| {
            let cards: Vec<CardBuilder> = lane
                .cards
                .iter()
                .map(|title| match lane.cards_as_values {
                    true => Card { id: 0, title: title.clone(), lane_id: None }.into(),
                    false => Card::build().title(title.as_str()),
                })
                .collect();
            let mut built = Lane::build().name(lane.name.as_str());
            // Lanes of one array differ in what they nest: cards only where there are some.
            if !cards.is_empty() {
                built = built.cards(cards);
            }
            if !lane.labels.is_empty() {
                built = built.labels_through(lane.labels.iter().map(|(name, weight)| {
                    let pin = match weight {
                        Some(weight) => Pin::build().weight(*weight),
                        None => Pin::build(),
                    };
                    (Label::build().name(name.as_str()), pin)
                }));
            }
            built
        })
        .collect();
    let mut board = Board::build().name(input.name.as_str()).lanes(lanes);
    board = match &input.owner {
        OwnerIn::None => board,
        OwnerIn::New(name) => board.owner(Owner::build().name(name.as_str())),
        OwnerIn::Existing => board.owner_id(1),
    };
    match &input.cover {
        Some(url) => board.cover(Cover::build().url(url.as_str())),
        None => board,
    }
}

/// A tree's content without generated keys: names, weights and the shape.
type Shape = (String, Option<String>, Option<String>, Vec<(String, Vec<String>, Vec<(String, i32)>)>);

fn expected(input: &BoardIn) -> Shape {
    let owner = match &input.owner {
        OwnerIn::New(name) => Some(name.clone()),
        _ => None,
    };
    let lanes = input
        .lanes
        .iter()
        .map(|l| {
            let labels = l.labels.iter().map(|(n, w)| (n.clone(), w.unwrap_or(1))).collect();
            (l.name.clone(), l.cards.clone(), labels)
        })
        .collect();
    (input.name.clone(), owner, input.cover.clone(), lanes)
}

/// The shape of the tree `create_nested` returned, checking that each row is linked to its
/// parent by the keys the database gave.
fn returned(board: &BoardWith<Created>) -> Result<Shape, String> {
    let mut lanes = Vec::new();
    for lane in board.lanes() {
        if lane.board_id != Some(board.id) {
            return Err(format!("lane {lane:?} is not linked to board {}", board.id));
        }
        if let Some(card) = lane.cards().iter().find(|c| c.lane_id != Some(lane.id)) {
            return Err(format!("card {card:?} is not linked to lane {}", lane.id));
        }
        if let Some((_, pin)) =
            lane.labels().iter().find(|(label, pin)| pin.lane_id != lane.id || pin.label_id != label.id)
        {
            return Err(format!("join row {pin:?} does not link lane {}", lane.id));
        }
        let cards = lane.cards().iter().map(|c| c.title.clone()).collect();
        let labels = lane.labels().iter().map(|(l, pin)| (l.name.clone(), pin.weight)).collect();
        lanes.push((lane.name.clone(), cards, labels));
    }
    if let Some(owner) = board.owner().filter(|o| board.owner_id != Some(o.id)) {
        return Err(format!("board {} does not point at its new owner {}", board.id, owner.id));
    }
    if let Some(cover) = board.cover().filter(|c| c.board_id != Some(board.id)) {
        return Err(format!("cover {cover:?} is not linked to board {}", board.id));
    }
    Ok((board.name.clone(), board.owner().map(|o| o.name.clone()), board.cover().map(|c| c.url.clone()), lanes))
}

/// The board as stored, read back with every association included (rows in key order, which is
/// insertion order for generated keys).
async fn stored(db: &Db, id: i64) -> Result<Shape, Error> {
    let boards = Board::find()
        .filter(Board::id().eq(id))
        .include(Board::owner())
        .include(Board::cover())
        .include(
            Board::lanes()
                .order_by(Lane::id().asc())
                .include(Lane::cards().order_by(Card::id().asc()))
                .include(Lane::labels().order_by(Label::id().asc())),
        )
        .all(db)
        .await?;
    let board = boards.first().ok_or(Error::NotFound { model: "Board" })?;
    let lanes = board
        .lanes()
        .iter()
        .map(|lane| {
            let cards = lane.cards().iter().map(|c| c.title.clone()).collect();
            let labels = lane.labels().iter().map(|(l, pin)| (l.name.clone(), pin.weight)).collect();
            (lane.name.clone(), cards, labels)
        })
        .collect();
    // An existing owner is stored but was not created with the board.
    let owner = board.owner().filter(|o| o.id != 1).map(|o| o.name.clone());
    Ok((board.name.clone(), owner, board.cover().map(|c| c.url.clone()), lanes))
}

#[test]
fn nested_create_returns_and_stores_the_tree_it_was_given() {
    let backends = Backends::open();
    for backend in &backends.all {
        let db = &backend.db;
        backends
            .block_on(async {
                Schema::new().model::<Board>().sync(db).await?;
                Owner::build().id(1).name("existing").create(db).await.map(drop)
            })
            .unwrap_or_else(|e| panic!("{}: setup: {e:?}", backend.name));
    }
    let config = Config { cases: cases(32), failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&prop::collection::vec(board(), 1..3), |boards| {
        for backend in &backends.all {
            let fail = |what: String| TestCaseError::fail(format!("{}: {what}", backend.name));
            for input in &boards {
                let created = backends
                    .block_on(builder(input).create_nested(&backend.db))
                    .map_err(|e| fail(format!("create_nested: {e:?}")))?;
                let shape = returned(&created).map_err(fail)?;
                prop_assert_eq!(&shape, &expected(input), "{}: the returned tree", backend.name);
                if matches!(input.owner, OwnerIn::Existing) {
                    prop_assert_eq!(created.owner_id, Some(1), "{}: the given owner key", backend.name);
                }
                let stored = backends
                    .block_on(stored(&backend.db, created.id))
                    .map_err(|e| fail(format!("reading back: {e:?}")))?;
                prop_assert_eq!(&stored, &shape, "{}: the stored tree", backend.name);
                // `create` returns the row alone, as stored.
                let plain: Board = backends
                    .block_on(builder(input).create(&backend.db))
                    .map_err(|e| fail(format!("create: {e:?}")))?;
                let read = backends
                    .block_on(Board::find_by_pk(&backend.db, plain.id))
                    .map_err(|e| fail(format!("find_by_pk: {e:?}")))?;
                prop_assert_eq!(Some(&plain), read.as_ref(), "{}: `create`'s row", backend.name);
            }
        }
        Ok(())
    });
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, boards)) => panic!("minimal failing case:\n{boards:#?}\n\n{reason}"),
        Err(TestError::Abort(reason)) => panic!("aborted: {reason}"),
    }
}
