//! Composite foreign keys as a state machine. Shops are keyed by `(tenant, number)`, with the
//! same numbers under many tenants and tenants that differ only in case, hold quotes, `%`, `_`,
//! `\`, spaces, the empty string, or the same letter composed and decomposed; items and parts
//! point at a shop through a nullable composite foreign key (items `ON DELETE SET NULL`, parts
//! `on_delete = "cascade", hooks = true`, whose hook writes an audit row), and some hold a NULL
//! in one column only (SQL's MATCH SIMPLE: such a key points at nothing, and no constraint
//! checks it).
//!
//! proptest creates shops and children, then runs random sequences of `add_`/`remove_`/`set_`
//! (one target or a list, bare keys or instances, duplicates, empty lists, missing keys),
//! belongs_to `set_` (a shop or `None`), creates (plain, through `create_`, nested both ways,
//! `create_all` of several shops) and destroys, each on the pool or in a caller's transaction that is rolled back, on every
//! backend and on an in-memory model. After every step the call's result (or the error's kind)
//! and every stored row must agree with the model. At `Check` steps and at the end of every
//! sequence, the reads must agree too: `find_by_pk`, every shop's `get_` (sorted and with an
//! include), `count_`, `has_` of single targets and of lists, `Shop::find()` with each
//! association included (with a filter, order, per-parent `limit(k)`, `required()`, paging, and
//! nested back to the shop), the belongs_to include from the children (plain and `required()`,
//! and its count) and `get_shop` of every child.
//!
//! The model's rules (Sequelize's, on a key of two columns):
//! - a child is linked to the shop whose key equals both its columns; a NULL in either column
//!   links it to nothing;
//! - `set_` links exactly the given targets and unlinks (both columns NULL) the others;
//!   `add_` links, stealing targets from other shops; `remove_` unlinks only targets linked to
//!   this shop;
//! - a target key that matches no row fails the write with `Error::MissingKeys` and changes
//!   nothing; linking an existing target to a shop that does not exist is a foreign-key
//!   violation (when both apply, either error is right);
//! - belongs_to `set_` to a shop that does not exist is `MissingKeys`, on a child that does not
//!   exist `NotFound`; a failed `set_` leaves the instance's fields as they were;
//! - creating a shop whose key exists is a unique violation, and creates none of its nested
//!   children; a child created with a full key of no shop is a foreign-key violation;
//! - destroying a shop nulls both columns of its items, and destroys its parts through the ORM
//!   (each part's hook writes one audit row), leaving every other tenant's rows alone.
//!
//! Two fixed cases follow the property: includes in both directions over more composite keys
//! than one statement can bind (the key lists are split into batches), and a key listed in
//! another order than its fields.
//!
//! `PROPTEST_CASES=500` runs longer; `COMPOSITE_TRACE=1` prints every step of every case.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::future::Future;
use std::pin::Pin;

use orm::prelude::*;
use orm::{Executor, raw};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};

use crate::support::{Backend, Backends, Failure, cases, disagreement, failure};

/// Cases per run when `PROPTEST_CASES` is not set.
const DEFAULT_CASES: u32 = 32;
/// The longest generated sequence after the set-up.
const MAX_OPS: usize = 24;
/// Child keys from here on never match a row.
const GHOST: i64 = 90_000;

// ---------------------------------------------------------------------------------------------
// Models.

#[derive(Model, Debug, Clone, PartialEq)]
#[model(primary_key(tenant, number))]
#[has_many(Item, foreign_key(owner_tenant, owner_number))]
#[has_many(Part, foreign_key(shop_tenant, shop_number), on_delete = "cascade", hooks = true)]
pub struct Shop {
    pub tenant: String,
    pub number: i64,
    pub name: String,
}

/// has_many with the default `ON DELETE SET NULL`.
#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to(Shop, foreign_key(owner_tenant, owner_number))]
pub struct Item {
    pub id: i64,
    pub owner_tenant: Option<String>,
    pub owner_number: Option<i64>,
    pub label: i64,
}

/// has_many with `on_delete = "cascade", hooks = true`: destroyed one by one through the ORM.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(hooks)]
#[belongs_to(Shop, foreign_key(shop_tenant, shop_number))]
pub struct Part {
    pub id: i64,
    pub shop_tenant: Option<String>,
    pub shop_number: Option<i64>,
    pub label: i64,
}

/// One row per `before_destroy` of a part.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct PartAudit {
    pub id: i64,
    pub part_id: i64,
}

#[orm::hooks]
impl Part {
    async fn before_destroy(&self, tx: &mut orm::Tx) -> orm::Result<()> {
        raw("INSERT INTO part_audits (part_id) VALUES (?)").bind(self.id).execute(tx).await.map(drop)
    }
}

fn schema() -> Schema {
    Schema::new().model::<Shop>().model::<Item>().model::<Part>().model::<PartAudit>()
}

/// Children first, so that deleting never trips a constraint.
const TABLES: [&str; 4] = ["part_audits", "parts", "items", "shops"];

/// Tenants that differ only in case, hold quotes and LIKE metacharacters, spaces, nothing, or
/// one letter composed and decomposed.
const TENANTS: [&str; 10] = ["acme", "Acme", "ACME", "o'hara", "\"q\"", "", "a b ", "%_\\", "\u{e9}", "e\u{301}"];
/// Numbers shared by every tenant; the first two most often.
const NUMBERS: [i64; 7] = [1, 2, 0, -1, 3, i64::MAX, i64::MIN];

type Key = (String, i64);
/// A child's foreign key, as stored.
type Fk = (Option<String>, Option<i64>);

fn key_of(shop: &Shop) -> Key {
    (shop.tenant.clone(), shop.number)
}

fn full(key: &Key) -> Fk {
    (Some(key.0.clone()), Some(key.1))
}

/// The shop a foreign key points at: both columns set.
fn linked_key(fk: &Fk) -> Option<Key> {
    match fk {
        (Some(tenant), Some(number)) => Some((tenant.clone(), *number)),
        _ => None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Item,
    Part,
}

impl Kind {
    fn model(self) -> &'static str {
        match self {
            Kind::Item => "Item",
            Kind::Part => "Part",
        }
    }

    fn var(self) -> &'static str {
        match self {
            Kind::Item => "item",
            Kind::Part => "part",
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Kind::Item => "items",
            Kind::Part => "parts",
        }
    }

    fn fk_fields(self) -> (&'static str, &'static str) {
        match self {
            Kind::Item => ("owner_tenant", "owner_number"),
            Kind::Part => ("shop_tenant", "shop_number"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The accessors of each child model, behind one trait so that the harness is written once.

type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Targets of a has_many call: bare keys or instances.
enum Args<T> {
    Bare(Vec<i64>),
    Rows(Vec<T>),
}

/// Each shop's key and its children's keys, in the order a query returned them.
type Tree = Vec<(Key, Vec<i64>)>;
/// Children with their stored foreign key.
type Linked = Vec<(i64, Fk)>;
/// Children with the key of the shop loaded with them.
type Owners = Vec<(i64, Option<Key>)>;

/// One `Shop::find().include(Shop::<children>()…)` query.
#[derive(Clone, Copy, Debug)]
struct IncludeSpec {
    desc: bool,
    label_below: Option<i64>,
    limit: Option<u64>,
    required: bool,
    /// The query's own `limit`/`offset`.
    page: Option<(u64, u64)>,
}

impl IncludeSpec {
    const PLAIN: IncludeSpec = IncludeSpec { desc: false, label_below: None, limit: None, required: false, page: None };

    /// The same narrowing on a getter (the page's offset, the include's limit).
    fn getter_code(&self, kind: Kind) -> String {
        let model = kind.model();
        let mut text = format!(".order_by({model}::id().{}())", if self.desc { "desc" } else { "asc" });
        if let Some(below) = self.label_below {
            text.push_str(&format!(".filter({model}::label().lt({below}))"));
        }
        if let Some(k) = self.limit {
            text.push_str(&format!(".limit({k})"));
        }
        if let Some((_, offset)) = self.page {
            text.push_str(&format!(".offset({offset})"));
        }
        text
    }

    fn code(&self, kind: Kind) -> String {
        let model = kind.model();
        let mut text = format!(
            "Shop::find().include(Shop::{}().order_by({model}::id().{}())",
            kind.plural(),
            if self.desc { "desc" } else { "asc" }
        );
        if let Some(below) = self.label_below {
            text.push_str(&format!(".filter({model}::label().lt({below}))"));
        }
        if let Some(k) = self.limit {
            text.push_str(&format!(".limit({k})"));
        }
        if self.required {
            text.push_str(".required()");
        }
        text.push_str(").order_by(Shop::name().asc())");
        if let Some((limit, offset)) = self.page {
            text.push_str(&format!(".limit({limit}).offset({offset})"));
        }
        text
    }
}

trait Child: Model + Clone + fmt::Debug + Send + Sync + 'static {
    fn ghost(id: i64) -> Self;
    fn fk(&self) -> Fk;
    fn key(&self) -> i64;
    fn by_key<'e>(db: &'e Db, id: i64) -> BoxFut<'e, orm::Result<Option<Self>>>;
    fn write<'e>(
        shop: &'e Shop,
        ex: Executor<'e>,
        write: Write,
        one: bool,
        args: &'e Args<Self>,
    ) -> BoxFut<'e, orm::Result<()>>;
    fn has<'e>(shop: &'e Shop, db: &'e Db, one: bool, args: &'e Args<Self>) -> BoxFut<'e, orm::Result<bool>>;
    fn count<'e>(shop: &'e Shop, db: &'e Db) -> BoxFut<'e, orm::Result<i64>>;
    fn get<'e>(shop: &'e Shop, db: &'e Db) -> BoxFut<'e, orm::Result<Vec<Self>>>;
    /// `shop.get_<children>(&db)` narrowed by the include spec's filter, order, limit and offset.
    fn get_narrowed<'e>(shop: &'e Shop, db: &'e Db, spec: IncludeSpec) -> BoxFut<'e, orm::Result<Vec<i64>>>;
    /// `shop.get_<children>(&db).include(<Child>::shop())`.
    fn get_with_shop<'e>(shop: &'e Shop, db: &'e Db) -> BoxFut<'e, orm::Result<Owners>>;
    fn create_for<'e>(shop: &'e Shop, ex: Executor<'e>, id: i64, label: i64) -> BoxFut<'e, orm::Result<Self>>;
    fn create_plain<'e>(ex: Executor<'e>, id: i64, label: i64, fk: Fk) -> BoxFut<'e, orm::Result<Self>>;
    /// `<Child>::build()….shop(Shop::build()…).create(…)`: the child and the key of the shop
    /// returned with it.
    fn create_with_shop<'e>(
        ex: Executor<'e>,
        id: i64,
        label: i64,
        shop: Key,
        name: String,
    ) -> BoxFut<'e, orm::Result<(Self, Option<Key>)>>;
    fn set_shop<'e>(row: &'e mut Self, ex: Executor<'e>, shop: Option<&'e Shop>) -> BoxFut<'e, orm::Result<()>>;
    fn get_shop<'e>(row: &'e Self, db: &'e Db) -> BoxFut<'e, orm::Result<Option<Shop>>>;
    fn include<'e>(db: &'e Db, spec: IncludeSpec) -> BoxFut<'e, orm::Result<Tree>>;
    /// `Shop::find().include(Shop::<children>().include(<Child>::shop()))`.
    fn include_back<'e>(db: &'e Db) -> BoxFut<'e, orm::Result<Vec<(Key, Owners)>>>;
    /// `<Child>::find().include(<Child>::shop()[.required()])`, in key order.
    fn owners<'e>(db: &'e Db, required: bool) -> BoxFut<'e, orm::Result<Owners>>;
    /// `<Child>::find().include(<Child>::shop().required()).count(…)`.
    fn owned<'e>(db: &'e Db) -> BoxFut<'e, orm::Result<u64>>;
    fn all<'e>(db: &'e Db) -> BoxFut<'e, orm::Result<Vec<Self>>>;
}

macro_rules! child {
    (
        $T:ident, $plural:ident, $tenant:ident, $number:ident,
        $add:ident, $adds:ident, $remove:ident, $removes:ident, $set:ident,
        $has:ident, $has_all:ident, $count:ident, $get:ident, $create:ident
    ) => {
        impl Child for $T {
            fn ghost(id: i64) -> Self {
                $T { id, $tenant: None, $number: None, label: 0 }
            }

            fn fk(&self) -> Fk {
                (self.$tenant.clone(), self.$number)
            }

            fn key(&self) -> i64 {
                self.id
            }

            fn by_key<'e>(db: &'e Db, id: i64) -> BoxFut<'e, orm::Result<Option<Self>>> {
                Box::pin($T::find_by_pk(db, id))
            }

            fn write<'e>(
                shop: &'e Shop,
                ex: Executor<'e>,
                write: Write,
                one: bool,
                args: &'e Args<Self>,
            ) -> BoxFut<'e, orm::Result<()>> {
                Box::pin(async move {
                    match (write, one, args) {
                        (Write::Add, true, Args::Bare(ids)) => shop.$add(ex, ids[0]).await,
                        (Write::Add, true, Args::Rows(rows)) => shop.$add(ex, &rows[0]).await,
                        (Write::Add, false, Args::Bare(ids)) => shop.$adds(ex, ids.iter().copied()).await,
                        (Write::Add, false, Args::Rows(rows)) => shop.$adds(ex, rows.iter()).await,
                        (Write::Remove, true, Args::Bare(ids)) => shop.$remove(ex, ids[0]).await,
                        (Write::Remove, true, Args::Rows(rows)) => shop.$remove(ex, &rows[0]).await,
                        (Write::Remove, false, Args::Bare(ids)) => shop.$removes(ex, ids.iter().copied()).await,
                        (Write::Remove, false, Args::Rows(rows)) => shop.$removes(ex, rows.iter()).await,
                        (Write::Set, _, Args::Bare(ids)) => shop.$set(ex, ids.iter().copied()).await,
                        (Write::Set, _, Args::Rows(rows)) => shop.$set(ex, rows.iter()).await,
                    }
                })
            }

            fn has<'e>(shop: &'e Shop, db: &'e Db, one: bool, args: &'e Args<Self>) -> BoxFut<'e, orm::Result<bool>> {
                Box::pin(async move {
                    match (one, args) {
                        (true, Args::Bare(ids)) => shop.$has(db, ids[0]).await,
                        (true, Args::Rows(rows)) => shop.$has(db, &rows[0]).await,
                        (false, Args::Bare(ids)) => shop.$has_all(db, ids.iter().copied()).await,
                        (false, Args::Rows(rows)) => shop.$has_all(db, rows.iter()).await,
                    }
                })
            }

            fn count<'e>(shop: &'e Shop, db: &'e Db) -> BoxFut<'e, orm::Result<i64>> {
                Box::pin(async move { shop.$count(db).await })
            }

            fn get<'e>(shop: &'e Shop, db: &'e Db) -> BoxFut<'e, orm::Result<Vec<Self>>> {
                Box::pin(async move { shop.$get(db).await })
            }

            fn get_narrowed<'e>(shop: &'e Shop, db: &'e Db, spec: IncludeSpec) -> BoxFut<'e, orm::Result<Vec<i64>>> {
                Box::pin(async move {
                    let order = if spec.desc { $T::id().desc() } else { $T::id().asc() };
                    let mut getter = shop.$get(db).order_by(order);
                    if let Some(below) = spec.label_below {
                        getter = getter.filter($T::label().lt(below));
                    }
                    if let Some(k) = spec.limit {
                        getter = getter.limit(k);
                    }
                    if let Some((_, offset)) = spec.page {
                        getter = getter.offset(offset);
                    }
                    Ok(getter.await?.iter().map(|c| c.id).collect())
                })
            }

            fn get_with_shop<'e>(shop: &'e Shop, db: &'e Db) -> BoxFut<'e, orm::Result<Owners>> {
                Box::pin(async move {
                    let rows = shop.$get(db).include($T::shop()).await?;
                    Ok(rows.iter().map(|c| (c.id, c.shop().map(key_of))).collect())
                })
            }

            fn create_for<'e>(shop: &'e Shop, ex: Executor<'e>, id: i64, label: i64) -> BoxFut<'e, orm::Result<Self>> {
                Box::pin(shop.$create(ex, $T::build().id(id).label(label)))
            }

            fn create_plain<'e>(ex: Executor<'e>, id: i64, label: i64, fk: Fk) -> BoxFut<'e, orm::Result<Self>> {
                Box::pin(async move { $T::build().id(id).label(label).$tenant(fk.0).$number(fk.1).create(ex).await })
            }

            fn create_with_shop<'e>(
                ex: Executor<'e>,
                id: i64,
                label: i64,
                shop: Key,
                name: String,
            ) -> BoxFut<'e, orm::Result<(Self, Option<Key>)>> {
                Box::pin(async move {
                    let made = $T::build()
                        .id(id)
                        .label(label)
                        .shop(Shop::build().tenant(shop.0).number(shop.1).name(name))
                        .create_nested(ex)
                        .await?;
                    let owner = made.shop().map(|shop| key_of(shop));
                    let row =
                        $T { id: made.id, $tenant: made.$tenant.clone(), $number: made.$number, label: made.label };
                    Ok((row, owner))
                })
            }

            fn set_shop<'e>(
                row: &'e mut Self,
                ex: Executor<'e>,
                shop: Option<&'e Shop>,
            ) -> BoxFut<'e, orm::Result<()>> {
                Box::pin(row.set_shop(ex, shop))
            }

            fn get_shop<'e>(row: &'e Self, db: &'e Db) -> BoxFut<'e, orm::Result<Option<Shop>>> {
                Box::pin(row.get_shop(db))
            }

            fn include<'e>(db: &'e Db, spec: IncludeSpec) -> BoxFut<'e, orm::Result<Tree>> {
                Box::pin(async move {
                    let order = if spec.desc { $T::id().desc() } else { $T::id().asc() };
                    let mut include = Shop::$plural().order_by(order);
                    if let Some(below) = spec.label_below {
                        include = include.filter($T::label().lt(below));
                    }
                    if let Some(k) = spec.limit {
                        include = include.limit(k);
                    }
                    if spec.required {
                        include = include.required();
                    }
                    let mut query = Shop::find().include(include).order_by(Shop::name().asc());
                    if let Some((limit, offset)) = spec.page {
                        query = query.limit(limit).offset(offset);
                    }
                    let rows = query.all(db).await?;
                    Ok(rows.iter().map(|s| (key_of(s), s.$plural().iter().map(|c| c.id).collect())).collect())
                })
            }

            fn include_back<'e>(db: &'e Db) -> BoxFut<'e, orm::Result<Vec<(Key, Owners)>>> {
                Box::pin(async move {
                    let rows = Shop::find()
                        .include(Shop::$plural().order_by($T::id().asc()).include($T::shop()))
                        .order_by(Shop::name().asc())
                        .all(db)
                        .await?;
                    Ok(rows
                        .iter()
                        .map(|s| (key_of(s), s.$plural().iter().map(|c| (c.id, c.shop().map(key_of))).collect()))
                        .collect())
                })
            }

            fn owners<'e>(db: &'e Db, required: bool) -> BoxFut<'e, orm::Result<Owners>> {
                Box::pin(async move {
                    let include = if required { $T::shop().required() } else { $T::shop() };
                    let rows = $T::find().include(include).order_by($T::id().asc()).all(db).await?;
                    Ok(rows.iter().map(|c| (c.id, c.shop().map(key_of))).collect())
                })
            }

            fn owned<'e>(db: &'e Db) -> BoxFut<'e, orm::Result<u64>> {
                Box::pin(async move {
                    let n = $T::find().include($T::shop().required()).count(db).await?;
                    Ok(u64::try_from(n).unwrap_or(u64::MAX))
                })
            }

            fn all<'e>(db: &'e Db) -> BoxFut<'e, orm::Result<Vec<Self>>> {
                Box::pin(async move { $T::find().order_by($T::id().asc()).all(db).await })
            }
        }
    };
}

child!(
    Item,
    items,
    owner_tenant,
    owner_number,
    add_item,
    add_items,
    remove_item,
    remove_items,
    set_items,
    has_item,
    has_items,
    count_items,
    get_items,
    create_item
);
child!(
    Part,
    parts,
    shop_tenant,
    shop_number,
    add_part,
    add_parts,
    remove_part,
    remove_parts,
    set_parts,
    has_part,
    has_parts,
    count_parts,
    get_parts,
    create_part
);

// ---------------------------------------------------------------------------------------------
// Generated operations. Shops and children are picked by position among those seen so far
// (destroyed and never created ones included), so a sequence stays meaningful while it shrinks.

#[derive(Clone, Debug)]
enum ShopPick {
    /// The n-th shop key seen (modulo their number).
    Nth(usize),
    /// `(TENANTS[t], NUMBERS[n])`, whether or not a shop has it.
    Key(usize, usize),
}

#[derive(Clone, Debug)]
enum Pick {
    /// The n-th child of the kind that exists now (modulo their number; `Nth` when none does).
    Live(usize),
    /// The n-th child of the kind ever created or attempted (modulo their number).
    Nth(usize),
    /// A key no row ever had.
    Ghost(u8),
}

/// The key of a shop to create: a new one (it may exist already), or one seen before (which
/// exists, or was destroyed).
#[derive(Clone, Debug)]
enum NewKey {
    Fresh(usize, usize),
    Seen(usize),
}

#[derive(Clone, Debug)]
enum FkSpec {
    Null,
    TenantOnly(usize),
    NumberOnly(usize),
    Shop(ShopPick),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Write {
    Add,
    Remove,
    Set,
}

#[derive(Clone, Debug)]
struct CheckOp {
    spec: IncludeSpec,
    limit: u64,
    has_lists: Vec<Vec<Pick>>,
    bare: bool,
}

#[derive(Clone, Debug)]
enum Op {
    /// Shops with nested children (labels), by `create` (one shop) or `create_all`.
    CreateShops {
        shops: Vec<(NewKey, Vec<i64>, Vec<i64>)>,
        all: bool,
    },
    CreateChild {
        kind: Kind,
        fk: FkSpec,
        label: i64,
    },
    CreateFor {
        kind: Kind,
        shop: ShopPick,
        label: i64,
    },
    CreateWithShop {
        kind: Kind,
        key: NewKey,
        label: i64,
    },
    Write {
        kind: Kind,
        shop: ShopPick,
        write: Write,
        one: bool,
        targets: Vec<Pick>,
        bare: bool,
    },
    SetShop {
        kind: Kind,
        child: Pick,
        shop: Option<ShopPick>,
    },
    DestroyShop {
        shop: ShopPick,
    },
    DestroyChild {
        kind: Kind,
        nth: usize,
    },
    Check(CheckOp),
}

/// Where a step runs: on the pool, or in a transaction of the caller's that is rolled back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Db,
    Rollback,
}

fn tenant() -> impl Strategy<Value = usize> + Clone {
    0..TENANTS.len()
}

fn number() -> impl Strategy<Value = usize> + Clone {
    prop_oneof![6 => 0usize..2, 2 => 2usize..5, 1 => 5..NUMBERS.len()]
}

fn shop_pick() -> impl Strategy<Value = ShopPick> + Clone {
    prop_oneof![
        8 => (0usize..10).prop_map(ShopPick::Nth),
        1 => (tenant(), number()).prop_map(|(t, n)| ShopPick::Key(t, n)),
    ]
}

fn new_key() -> impl Strategy<Value = NewKey> + Clone {
    prop_oneof![
        6 => (tenant(), number()).prop_map(|(t, n)| NewKey::Fresh(t, n)),
        1 => (0usize..10).prop_map(NewKey::Seen),
    ]
}

fn pick() -> impl Strategy<Value = Pick> + Clone {
    prop_oneof![
        10 => (0usize..16).prop_map(Pick::Live),
        3 => (0usize..16).prop_map(Pick::Nth),
        1 => (0u8..2).prop_map(Pick::Ghost),
    ]
}

fn kind() -> impl Strategy<Value = Kind> + Clone {
    prop_oneof![Just(Kind::Item), Just(Kind::Part)]
}

fn label() -> impl Strategy<Value = i64> + Clone {
    0i64..4
}

fn fk_spec() -> impl Strategy<Value = FkSpec> + Clone {
    prop_oneof![
        6 => shop_pick().prop_map(FkSpec::Shop),
        1 => Just(FkSpec::Null),
        1 => tenant().prop_map(FkSpec::TenantOnly),
        1 => number().prop_map(FkSpec::NumberOnly),
    ]
}

fn new_shop() -> impl Strategy<Value = (NewKey, Vec<i64>, Vec<i64>)> + Clone {
    (new_key(), prop::collection::vec(label(), 0..=2), prop::collection::vec(label(), 0..=2))
}

fn create_shop() -> impl Strategy<Value = Op> + Clone {
    new_shop().prop_map(|shop| Op::CreateShops { shops: vec![shop], all: false })
}

fn create_shops() -> impl Strategy<Value = Op> + Clone {
    prop::collection::vec(new_shop(), 1..=3).prop_map(|shops| Op::CreateShops { shops, all: true })
}

fn create_child() -> impl Strategy<Value = Op> + Clone {
    (kind(), fk_spec(), label()).prop_map(|(kind, fk, label)| Op::CreateChild { kind, fk, label })
}

fn check() -> impl Strategy<Value = Op> + Clone {
    let spec = (
        any::<bool>(),
        prop::option::of(1i64..4),
        prop::option::of(1u64..=3),
        any::<bool>(),
        prop::option::of((1u64..=3, 0u64..=2)),
    )
        .prop_map(|(desc, label_below, limit, required, page)| IncludeSpec {
            desc,
            label_below,
            limit,
            required,
            page,
        });
    (spec, 1u64..=2, prop::collection::vec(prop::collection::vec(pick(), 0..=3), 0..=2), any::<bool>())
        .prop_map(|(spec, limit, has_lists, bare)| Op::Check(CheckOp { spec, limit, has_lists, bare }))
}

fn write_op() -> impl Strategy<Value = Op> + Clone {
    let write = prop_oneof![4 => Just(Write::Add), 3 => Just(Write::Remove), 4 => Just(Write::Set)];
    (kind(), shop_pick(), write, any::<bool>(), prop::collection::vec(pick(), 0..=4), any::<bool>()).prop_map(
        |(kind, shop, write, one, mut targets, bare)| {
            // A singular call takes exactly one target; `set_` is plural only.
            let one = one && write != Write::Set;
            if one {
                targets.truncate(1);
                if targets.is_empty() {
                    targets.push(Pick::Nth(0));
                }
            }
            Op::Write { kind, shop, write, one, targets, bare }
        },
    )
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        12 => write_op(),
        3 => (kind(), pick(), prop::option::weighted(0.8, shop_pick()))
            .prop_map(|(kind, child, shop)| Op::SetShop { kind, child, shop }),
        2 => shop_pick().prop_map(|shop| Op::DestroyShop { shop }),
        1 => (kind(), 0usize..16).prop_map(|(kind, nth)| Op::DestroyChild { kind, nth }),
        1 => create_shop(),
        1 => create_shops(),
        1 => create_child(),
        1 => (kind(), shop_pick(), label()).prop_map(|(kind, shop, label)| Op::CreateFor { kind, shop, label }),
        1 => (kind(), new_key(), label()).prop_map(|(kind, key, label)| Op::CreateWithShop { kind, key, label }),
        1 => check(),
    ]
}

fn mode() -> impl Strategy<Value = Mode> {
    prop_oneof![6 => Just(Mode::Db), 1 => Just(Mode::Rollback)]
}

/// Shops and children first, then the sequence, then a last `Check`.
fn ops() -> impl Strategy<Value = Vec<(Mode, Op)>> {
    (
        prop::collection::vec(prop_oneof![3 => create_shop(), 1 => create_shops()], 2..=4),
        prop::collection::vec(create_child(), 0..=6),
        prop::collection::vec((mode(), op()), 1..=MAX_OPS),
        check(),
    )
        .prop_map(|(shops, children, ops, last)| {
            let setup = shops.into_iter().chain(children).map(|op| (Mode::Db, op));
            setup.chain(ops).chain([(Mode::Db, last)]).collect()
        })
}

// ---------------------------------------------------------------------------------------------
// Steps: operations with their keys resolved against the model; the same on every backend.

#[derive(Clone, Debug)]
struct CheckStep {
    spec: IncludeSpec,
    limit: u64,
    /// The lists given to `has_<children>`, per kind.
    has_lists: BTreeMap<Kind, Vec<Vec<i64>>>,
    bare: bool,
}

/// A shop to create, with its nested children (key, label).
#[derive(Clone, Debug)]
struct NewShop {
    key: Key,
    name: String,
    items: Vec<(i64, i64)>,
    parts: Vec<(i64, i64)>,
}

impl NewShop {
    fn code(&self) -> String {
        let nested = |kind: Kind, rows: &[(i64, i64)]| {
            let rows: Vec<String> =
                rows.iter().map(|(id, label)| format!("{}::build().id({id}).label({label})", kind.model())).collect();
            format!(".{}([{}])", kind.plural(), rows.join(", "))
        };
        format!(
            "Shop::build().tenant({:?}).number({}).name({:?}){}{}",
            self.key.0,
            self.key.1,
            self.name,
            nested(Kind::Item, &self.items),
            nested(Kind::Part, &self.parts)
        )
    }
}

#[derive(Clone, Debug)]
enum Step {
    CreateShops {
        shops: Vec<NewShop>,
        all: bool,
    },
    CreateChild {
        kind: Kind,
        id: i64,
        label: i64,
        fk: Fk,
    },
    CreateFor {
        kind: Kind,
        shop: Key,
        id: i64,
        label: i64,
    },
    CreateWithShop {
        kind: Kind,
        id: i64,
        label: i64,
        shop: Key,
        name: String,
    },
    Write {
        kind: Kind,
        shop: Key,
        write: Write,
        one: bool,
        ids: Vec<i64>,
        bare: bool,
    },
    SetShop {
        kind: Kind,
        id: i64,
        shop: Option<Key>,
    },
    DestroyShop {
        shop: Key,
    },
    DestroyChild {
        kind: Kind,
        id: i64,
    },
    Check(CheckStep),
    /// A destroy with no live child to pick.
    Nothing,
}

impl Step {
    fn kind(&self) -> Kind {
        match self {
            Step::CreateChild { kind, .. }
            | Step::CreateFor { kind, .. }
            | Step::CreateWithShop { kind, .. }
            | Step::Write { kind, .. }
            | Step::SetShop { kind, .. }
            | Step::DestroyChild { kind, .. } => *kind,
            _ => Kind::Item,
        }
    }
}

fn shop_code(key: &Key) -> String {
    format!("shop({:?}, {})", key.0, key.1)
}

fn args_code(kind: Kind, ids: &[i64], bare: bool) -> Vec<String> {
    ids.iter().map(|id| if bare { id.to_string() } else { format!("&{}({id})", kind.var()) }).collect()
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::CreateShops { shops, all: false } => {
                write!(f, "{}.create(&db)", shops.iter().map(NewShop::code).collect::<Vec<_>>().join(""))
            }
            Step::CreateShops { shops, all: true } => {
                write!(f, "Shop::create_all(&db, [{}])", shops.iter().map(NewShop::code).collect::<Vec<_>>().join(", "))
            }
            Step::CreateChild { kind, id, label, fk } => {
                let (t, n) = kind.fk_fields();
                write!(
                    f,
                    "{}::build().id({id}).label({label}).{t}({:?}).{n}({:?}).create(&db)",
                    kind.model(),
                    fk.0,
                    fk.1
                )
            }
            Step::CreateFor { kind, shop, id, label } => write!(
                f,
                "{}.create_{}(&db, {}::build().id({id}).label({label}))",
                shop_code(shop),
                kind.var(),
                kind.model()
            ),
            Step::CreateWithShop { kind, id, label, shop, name } => write!(
                f,
                "{}::build().id({id}).label({label}).shop(Shop::build().tenant({:?}).number({}).name({name:?})).create(&db)",
                kind.model(),
                shop.0,
                shop.1
            ),
            Step::Write { kind, shop, write, one, ids, bare } => {
                let verb = match write {
                    Write::Add => "add",
                    Write::Remove => "remove",
                    Write::Set => "set",
                };
                let args = args_code(*kind, ids, *bare);
                if *one {
                    write!(f, "{}.{verb}_{}(&db, {})", shop_code(shop), kind.var(), args.join(", "))
                } else {
                    write!(f, "{}.{verb}_{}(&db, [{}])", shop_code(shop), kind.plural(), args.join(", "))
                }
            }
            Step::SetShop { kind, id, shop } => match shop {
                Some(key) => write!(f, "{}({id}).set_shop(&db, &{})", kind.var(), shop_code(key)),
                None => write!(f, "{}({id}).set_shop(&db, None)", kind.var()),
            },
            Step::DestroyShop { shop } => write!(f, "{}.destroy(&db)", shop_code(shop)),
            Step::DestroyChild { kind, id } => write!(f, "{}({id}).destroy(&db)", kind.var()),
            Step::Check(check) => write!(
                f,
                "check every read (includes: {} and {}; per-parent limit {}; has_ lists {:?})",
                check.spec.code(Kind::Item),
                check.spec.code(Kind::Part),
                check.limit,
                check.has_lists
            ),
            Step::Nothing => write!(f, "(nothing: no live child to destroy)"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What a call returns, and how it fails.

#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    Done,
    /// Nested shop creates: each shop's key, and each child's key and stored foreign key.
    Shops(Vec<(Key, Linked, Linked)>),
    /// `Shop::create_all`: the keys of the shops it returned, in order.
    ShopKeys(Vec<Key>),
    /// A child create: its key and foreign key, and the shop returned with it (nested create).
    Created {
        id: i64,
        fk: Fk,
        shop: Option<Key>,
    },
    /// belongs_to `set_`: the instance's foreign key afterwards.
    Field(Fk),
}

/// This file's expectation of one write.
type Expect = crate::support::Expect<Outcome>;

// ---------------------------------------------------------------------------------------------
// The model.

/// Every table, as the model predicts it or as read back.
#[derive(Clone, Debug, Default, PartialEq)]
struct Tables {
    shops: BTreeMap<Key, String>,
    items: BTreeMap<i64, (Fk, i64)>,
    parts: BTreeMap<i64, (Fk, i64)>,
    /// The part of each audit row, sorted.
    audits: Vec<i64>,
}

impl Tables {
    fn rows(&self, kind: Kind) -> &BTreeMap<i64, (Fk, i64)> {
        match kind {
            Kind::Item => &self.items,
            Kind::Part => &self.parts,
        }
    }

    fn rows_mut(&mut self, kind: Kind) -> &mut BTreeMap<i64, (Fk, i64)> {
        match kind {
            Kind::Item => &mut self.items,
            Kind::Part => &mut self.parts,
        }
    }

    /// The children of `kind` linked to `shop`, in key order.
    fn linked(&self, kind: Kind, shop: &Key) -> Vec<i64> {
        self.rows(kind).iter().filter(|(_, (fk, _))| linked_key(fk).as_ref() == Some(shop)).map(|(id, _)| *id).collect()
    }

    /// The shop a child's key points at, when that shop exists.
    fn owner(&self, fk: &Fk) -> Option<Key> {
        linked_key(fk).filter(|key| self.shops.contains_key(key))
    }

    fn differences(&self, found: &Tables) -> Vec<String> {
        let mut out = Vec::new();
        out.extend(diff("shops", &self.shops, &found.shops));
        out.extend(diff("items", &self.items, &found.items));
        out.extend(diff("parts", &self.parts, &found.parts));
        if self.audits != found.audits {
            out.push(format!("part_audits: the model has parts {:?}, the database {:?}", self.audits, found.audits));
        }
        out
    }

    /// What `Shop::find().include(…)` returns under `spec`.
    fn tree(&self, kind: Kind, spec: IncludeSpec) -> Tree {
        let mut shops: Vec<(&Key, &String)> = self.shops.iter().collect();
        shops.sort_by(|a, b| a.1.cmp(b.1));
        let mut tree: Tree = Vec::new();
        for (key, _) in shops {
            let rows = self.rows(kind);
            let mut kept: Vec<i64> = self
                .linked(kind, key)
                .into_iter()
                .filter(|id| spec.label_below.is_none_or(|below| rows[id].1 < below))
                .collect();
            if spec.required && kept.is_empty() {
                continue;
            }
            if spec.desc {
                kept.reverse();
            }
            if let Some(k) = spec.limit {
                kept.truncate(usize::try_from(k).unwrap_or(usize::MAX));
            }
            tree.push((key.clone(), kept));
        }
        if let Some((limit, offset)) = spec.page {
            let (limit, offset) = (usize::try_from(limit).unwrap_or(0), usize::try_from(offset).unwrap_or(0));
            tree = tree.into_iter().skip(offset).take(limit).collect();
        }
        tree
    }
}

fn diff<K: Ord + fmt::Debug, V: PartialEq + fmt::Debug>(
    table: &str,
    expected: &BTreeMap<K, V>,
    found: &BTreeMap<K, V>,
) -> Option<String> {
    let missing: Vec<_> = expected.iter().filter(|(k, v)| found.get(k) != Some(v)).collect();
    let extra: Vec<_> = found.iter().filter(|(k, v)| expected.get(k) != Some(v)).collect();
    (!missing.is_empty() || !extra.is_empty()).then(|| {
        format!("table `{table}`: the model has {missing:?} that the database lacks; the database has {extra:?} that the model lacks")
    })
}

fn dedupe(ids: &[i64]) -> Vec<i64> {
    let mut seen = BTreeSet::new();
    ids.iter().copied().filter(|id| seen.insert(*id)).collect()
}

fn ok(outcome: Outcome) -> Expect {
    Expect::Ok(outcome)
}

#[derive(Clone, Debug, Default)]
struct Oracle {
    tables: Tables,
    /// Every shop key seen so far: created, attempted, picked or destroyed.
    keys: Vec<Key>,
    /// The keys of every child created or attempted so far, per kind.
    created: BTreeMap<Kind, Vec<i64>>,
    next_id: i64,
    next_name: usize,
}

impl Oracle {
    fn initial() -> Oracle {
        Oracle { next_id: 1, ..Oracle::default() }
    }

    fn see(&mut self, key: &Key) {
        if !self.keys.contains(key) {
            self.keys.push(key.clone());
        }
    }

    fn shop(&mut self, pick: &ShopPick) -> Key {
        let key = match pick {
            ShopPick::Nth(n) if !self.keys.is_empty() => self.keys[n % self.keys.len()].clone(),
            ShopPick::Nth(n) => (TENANTS[n % TENANTS.len()].to_owned(), NUMBERS[0]),
            ShopPick::Key(t, n) => (TENANTS[*t].to_owned(), NUMBERS[*n]),
        };
        self.see(&key);
        key
    }

    fn new_key(&mut self, key: &NewKey) -> Key {
        match key {
            NewKey::Fresh(t, n) => self.shop(&ShopPick::Key(*t, *n)),
            NewKey::Seen(n) => self.shop(&ShopPick::Nth(*n)),
        }
    }

    fn name(&mut self) -> String {
        self.next_name += 1;
        format!("s{:03}", self.next_name)
    }

    fn allocate(&mut self, kind: Kind) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.created.entry(kind).or_default().push(id);
        id
    }

    fn pick(&self, kind: Kind, pick: &Pick) -> i64 {
        match pick {
            Pick::Live(n) if !self.tables.rows(kind).is_empty() => {
                let live: Vec<i64> = self.tables.rows(kind).keys().copied().collect();
                live[n % live.len()]
            }
            Pick::Live(n) | Pick::Nth(n) => match self.created.get(&kind) {
                Some(ids) if !ids.is_empty() => ids[n % ids.len()],
                _ => GHOST + 10,
            },
            Pick::Ghost(g) => GHOST + i64::from(*g),
        }
    }

    fn resolve(&mut self, op: &Op) -> Step {
        match op {
            Op::CreateShops { shops, all } => {
                let shops = shops
                    .iter()
                    .map(|(key, items, parts)| {
                        let key = self.new_key(key);
                        let name = self.name();
                        let items = items.iter().map(|label| (self.allocate(Kind::Item), *label)).collect();
                        let parts = parts.iter().map(|label| (self.allocate(Kind::Part), *label)).collect();
                        NewShop { key, name, items, parts }
                    })
                    .collect();
                Step::CreateShops { shops, all: *all }
            }
            Op::CreateChild { kind, fk, label } => {
                let fk = match fk {
                    FkSpec::Null => (None, None),
                    FkSpec::TenantOnly(t) => (Some(TENANTS[*t].to_owned()), None),
                    FkSpec::NumberOnly(n) => (None, Some(NUMBERS[*n])),
                    FkSpec::Shop(pick) => full(&self.shop(pick)),
                };
                Step::CreateChild { kind: *kind, id: self.allocate(*kind), label: *label, fk }
            }
            Op::CreateFor { kind, shop, label } => {
                let shop = self.shop(shop);
                Step::CreateFor { kind: *kind, shop, id: self.allocate(*kind), label: *label }
            }
            Op::CreateWithShop { kind, key, label } => {
                let shop = self.new_key(key);
                let name = self.name();
                Step::CreateWithShop { kind: *kind, id: self.allocate(*kind), label: *label, shop, name }
            }
            Op::Write { kind, shop, write, one, targets, bare } => {
                let shop = self.shop(shop);
                let ids = targets.iter().map(|p| self.pick(*kind, p)).collect();
                Step::Write { kind: *kind, shop, write: *write, one: *one, ids, bare: *bare }
            }
            Op::SetShop { kind, child, shop } => {
                let id = self.pick(*kind, child);
                let shop = shop.as_ref().map(|s| self.shop(s));
                Step::SetShop { kind: *kind, id, shop }
            }
            Op::DestroyShop { shop } => Step::DestroyShop { shop: self.shop(shop) },
            Op::DestroyChild { kind, nth } => {
                let live: Vec<i64> = self.tables.rows(*kind).keys().copied().collect();
                if live.is_empty() {
                    Step::Nothing
                } else {
                    Step::DestroyChild { kind: *kind, id: live[nth % live.len()] }
                }
            }
            Op::Check(check) => Step::Check(CheckStep {
                spec: check.spec,
                limit: check.limit,
                has_lists: [Kind::Item, Kind::Part]
                    .into_iter()
                    .map(|kind| {
                        let lists = check
                            .has_lists
                            .iter()
                            .map(|list| list.iter().map(|p| self.pick(kind, p)).collect())
                            .collect();
                        (kind, lists)
                    })
                    .collect(),
                bare: check.bare,
            }),
        }
    }

    /// The result the step must have, and the model after it.
    fn expect(&self, step: &Step) -> (Expect, Oracle) {
        let mut next = self.clone();
        let expect = next.apply(step);
        if matches!(expect, Expect::Fail(_)) {
            next = self.clone();
        }
        (expect, next)
    }

    fn missing(&self, kind: Kind, ids: &[i64]) -> Vec<String> {
        let mut missing: Vec<String> =
            ids.iter().filter(|id| !self.tables.rows(kind).contains_key(id)).map(i64::to_string).collect();
        missing.sort();
        missing
    }

    fn apply(&mut self, step: &Step) -> Expect {
        let t = &mut self.tables;
        match step {
            Step::CreateShops { shops, all } => {
                let mut made = Vec::new();
                for NewShop { key, name, items, parts } in shops {
                    // A key taken before, or twice in one call: nothing is created.
                    if t.shops.insert(key.clone(), name.clone()).is_some() {
                        return Expect::Fail(vec![Failure::Unique]);
                    }
                    for (id, label) in items {
                        t.items.insert(*id, (full(key), *label));
                    }
                    for (id, label) in parts {
                        t.parts.insert(*id, (full(key), *label));
                    }
                    let linked = |rows: &[(i64, i64)]| rows.iter().map(|(id, _)| (*id, full(key))).collect();
                    made.push((key.clone(), linked(items), linked(parts)));
                }
                if *all {
                    return ok(Outcome::ShopKeys(made.into_iter().map(|(key, _, _)| key).collect()));
                }
                ok(Outcome::Shops(made))
            }
            Step::CreateChild { kind, id, label, fk } => {
                if linked_key(fk).is_some_and(|key| !t.shops.contains_key(&key)) {
                    return Expect::Fail(vec![Failure::ForeignKey]);
                }
                t.rows_mut(*kind).insert(*id, (fk.clone(), *label));
                ok(Outcome::Created { id: *id, fk: fk.clone(), shop: None })
            }
            Step::CreateFor { kind, shop, id, label } => {
                if !t.shops.contains_key(shop) {
                    return Expect::Fail(vec![Failure::ForeignKey]);
                }
                t.rows_mut(*kind).insert(*id, (full(shop), *label));
                ok(Outcome::Created { id: *id, fk: full(shop), shop: None })
            }
            Step::CreateWithShop { kind, id, label, shop, name } => {
                if t.shops.contains_key(shop) {
                    return Expect::Fail(vec![Failure::Unique]);
                }
                t.shops.insert(shop.clone(), name.clone());
                t.rows_mut(*kind).insert(*id, (full(shop), *label));
                ok(Outcome::Created { id: *id, fk: full(shop), shop: Some(shop.clone()) })
            }
            Step::Write { kind, shop, write, ids, .. } => self.write(*kind, shop, *write, ids),
            Step::SetShop { kind, id, shop } => {
                if let Some(key) = shop
                    && !t.shops.contains_key(key)
                {
                    return Expect::Fail(vec![Failure::MissingKeys {
                        association: format!("{}.shop", kind.model()),
                        model: "Shop".into(),
                        keys: vec![format!("({:?}, {})", key.0, key.1)],
                    }]);
                }
                let Some((fk, _)) = t.rows_mut(*kind).get_mut(id) else {
                    return Expect::Fail(vec![Failure::NotFound(kind.model().into())]);
                };
                *fk = shop.as_ref().map_or((None, None), full);
                ok(Outcome::Field(fk.clone()))
            }
            Step::DestroyShop { shop } => {
                if t.shops.remove(shop).is_some() {
                    for (fk, _) in t.items.values_mut() {
                        if linked_key(fk).as_ref() == Some(shop) {
                            *fk = (None, None);
                        }
                    }
                    let doomed = t.linked(Kind::Part, shop);
                    for id in doomed {
                        t.parts.remove(&id);
                        t.audits.push(id);
                    }
                    t.audits.sort_unstable();
                }
                ok(Outcome::Done)
            }
            Step::DestroyChild { kind, id } => {
                t.rows_mut(*kind).remove(id);
                if *kind == Kind::Part {
                    t.audits.push(*id);
                    t.audits.sort_unstable();
                }
                ok(Outcome::Done)
            }
            Step::Check(_) | Step::Nothing => ok(Outcome::Done),
        }
    }

    fn write(&mut self, kind: Kind, shop: &Key, write: Write, ids: &[i64]) -> Expect {
        if ids.is_empty() && write != Write::Set {
            return ok(Outcome::Done);
        }
        let keys = dedupe(ids);
        let current = self.tables.linked(kind, shop);
        let mut errors = Vec::new();
        let missing = self.missing(kind, &keys);
        if !missing.is_empty() {
            errors.push(Failure::MissingKeys {
                association: format!("Shop.{}", kind.plural()),
                model: kind.model().into(),
                keys: missing,
            });
        }
        let exists = |id: &i64| self.tables.rows(kind).contains_key(id);
        let link: Vec<i64> = match write {
            Write::Add => keys.iter().copied().filter(exists).collect(),
            Write::Set => keys.iter().copied().filter(|id| exists(id) && !current.contains(id)).collect(),
            Write::Remove => Vec::new(),
        };
        if !self.tables.shops.contains_key(shop) && !link.is_empty() {
            errors.push(Failure::ForeignKey);
        }
        if !errors.is_empty() {
            return Expect::Fail(errors);
        }
        let unlink: Vec<i64> = match write {
            Write::Add => Vec::new(),
            Write::Set => current.iter().copied().filter(|id| !keys.contains(id)).collect(),
            Write::Remove => current.iter().copied().filter(|id| keys.contains(id)).collect(),
        };
        let rows = self.tables.rows_mut(kind);
        for id in unlink {
            if let Some((fk, _)) = rows.get_mut(&id) {
                *fk = (None, None);
            }
        }
        for id in link {
            if let Some((fk, _)) = rows.get_mut(&id) {
                *fk = full(shop);
            }
        }
        ok(Outcome::Done)
    }
}

// ---------------------------------------------------------------------------------------------
// Running steps on a backend.

/// How long one step may take before the test calls it a hang.
const STEP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

struct Harness<'a> {
    backend: &'a Backend,
}

/// The shop instance a call is made on: the stored row, or (for a key no row has) an
/// instance with that key.
async fn shop_instance(db: &Db, key: &Key) -> Result<Shop, Failure> {
    let found = Shop::find_by_pk(db, key.clone()).await.map_err(failure)?;
    Ok(found.unwrap_or_else(|| Shop { tenant: key.0.clone(), number: key.1, name: "ghost".into() }))
}

async fn child_instance<T: Child>(db: &Db, id: i64) -> Result<T, Failure> {
    Ok(T::by_key(db, id).await.map_err(failure)?.unwrap_or_else(|| T::ghost(id)))
}

async fn args<T: Child>(db: &Db, ids: &[i64], bare: bool) -> Result<Args<T>, Failure> {
    if bare {
        return Ok(Args::Bare(ids.to_vec()));
    }
    let mut rows = Vec::with_capacity(ids.len());
    for id in ids {
        rows.push(child_instance::<T>(db, *id).await?);
    }
    Ok(Args::Rows(rows))
}

/// Everything a step needs read before it runs (in a caller's transaction, the pool's one
/// SQLite connection is taken).
struct Prepared<T> {
    shop: Option<Shop>,
    args: Option<Args<T>>,
    child: Option<T>,
}

impl<'a> Harness<'a> {
    /// Empties every table.
    async fn reset(&self) -> orm::Result<()> {
        for table in TABLES {
            raw(format!("DELETE FROM {table}")).execute(&self.backend.db).await?;
        }
        Ok(())
    }

    async fn run(&self, step: &Step, mode: Mode) -> Result<Outcome, Failure> {
        let run = async {
            match step.kind() {
                Kind::Item => self.run_as::<Item>(step, mode).await,
                Kind::Part => self.run_as::<Part>(step, mode).await,
            }
        };
        tokio::time::timeout(STEP_TIMEOUT, run)
            .await
            .unwrap_or_else(|_| Err(Failure::Other(format!("still running after {STEP_TIMEOUT:?}"))))
    }

    async fn run_as<T: Child>(&self, step: &Step, mode: Mode) -> Result<Outcome, Failure> {
        let db = &self.backend.db;
        let mut prepared = Prepared::<T> { shop: None, args: None, child: None };
        match step {
            Step::CreateFor { shop, .. } | Step::DestroyShop { shop } => {
                prepared.shop = Some(shop_instance(db, shop).await?);
            }
            Step::Write { shop, ids, bare, .. } => {
                prepared.shop = Some(shop_instance(db, shop).await?);
                prepared.args = Some(args::<T>(db, ids, *bare).await?);
            }
            Step::SetShop { id, shop, .. } => {
                if let Some(shop) = shop {
                    prepared.shop = Some(shop_instance(db, shop).await?);
                }
                prepared.child = Some(child_instance::<T>(db, *id).await?);
            }
            Step::DestroyChild { id, .. } => prepared.child = Some(child_instance::<T>(db, *id).await?),
            _ => {}
        }
        match mode {
            Mode::Db => exec::<T>(Executor::Db(db), step, &mut prepared).await,
            Mode::Rollback => {
                let mut tx = db.begin().await.map_err(failure)?;
                let result = exec::<T>(Executor::Tx(&mut tx), step, &mut prepared).await;
                tx.rollback().await.map_err(|e| Failure::Other(format!("the rollback failed: {e}")))?;
                result
            }
        }
    }

    /// Every table, read back.
    async fn tables(&self) -> orm::Result<Tables> {
        let db = &self.backend.db;
        let shops: Vec<(String, i64, String)> = raw("SELECT tenant, number, name FROM shops").fetch(db).await?;
        let items: Vec<(i64, Option<String>, Option<i64>, i64)> =
            raw("SELECT id, owner_tenant, owner_number, label FROM items").fetch(db).await?;
        let parts: Vec<(i64, Option<String>, Option<i64>, i64)> =
            raw("SELECT id, shop_tenant, shop_number, label FROM parts").fetch(db).await?;
        let audits: Vec<(i64,)> = raw("SELECT part_id FROM part_audits").fetch(db).await?;
        let mut audits: Vec<i64> = audits.into_iter().map(|(id,)| id).collect();
        audits.sort_unstable();
        let children = |rows: Vec<(i64, Option<String>, Option<i64>, i64)>| {
            rows.into_iter().map(|(id, t, n, label)| (id, ((t, n), label))).collect()
        };
        Ok(Tables {
            shops: shops.into_iter().map(|(t, n, name)| ((t, n), name)).collect(),
            items: children(items),
            parts: children(parts),
            audits,
        })
    }

    /// Every read of the check, against the model; `Err` lists what disagreed.
    async fn check(&self, model: &Oracle, check: &CheckStep) -> Result<(), String> {
        let mut problems = Vec::new();
        self.check_shops(model, &mut problems).await.map_err(|e| format!("a read failed: {e:?}"))?;
        self.check_kind::<Item>(Kind::Item, model, check, &mut problems)
            .await
            .map_err(|e| format!("a read of items failed: {e:?}"))?;
        self.check_kind::<Part>(Kind::Part, model, check, &mut problems)
            .await
            .map_err(|e| format!("a read of parts failed: {e:?}"))?;
        if problems.is_empty() { Ok(()) } else { Err(problems.join("\n  ")) }
    }

    async fn check_shops(&self, model: &Oracle, problems: &mut Vec<String>) -> orm::Result<()> {
        let db = &self.backend.db;
        for key in &model.keys {
            let found = Shop::find_by_pk(db, key.clone()).await?.map(|s| (key_of(&s), s.name));
            let want = model.tables.shops.get(key).map(|name| (key.clone(), name.clone()));
            if found != want {
                problems.push(format!("Shop::find_by_pk(&db, {key:?}): expected {want:?}, got {found:?}"));
            }
        }
        Ok(())
    }

    async fn check_kind<T: Child>(
        &self,
        kind: Kind,
        model: &Oracle,
        check: &CheckStep,
        problems: &mut Vec<String>,
    ) -> orm::Result<()> {
        let db = &self.backend.db;
        let t = &model.tables;
        let (one, many) = (kind.var(), kind.plural());
        let mut compare = |what: String, want: String, got: String| {
            if want != got {
                problems.push(format!("{what}: expected {want}, got {got}"));
            }
        };
        for key in &model.keys {
            let shop = Shop { tenant: key.0.clone(), number: key.1, name: "any".into() };
            let code = shop_code(key);
            let linked = t.linked(kind, key);
            let mut got: Vec<i64> = T::get(&shop, db).await?.iter().map(T::key).collect();
            got.sort_unstable();
            compare(format!("{code}.get_{many}(&db), sorted"), format!("{linked:?}"), format!("{got:?}"));
            let count = T::count(&shop, db).await?;
            compare(format!("{code}.count_{many}(&db)"), linked.len().to_string(), count.to_string());
            let spec = check.spec;
            let mut want: Vec<i64> = linked
                .iter()
                .copied()
                .filter(|id| spec.label_below.is_none_or(|below| t.rows(kind)[id].1 < below))
                .collect();
            if spec.desc {
                want.reverse();
            }
            let offset = spec.page.map_or(0, |(_, offset)| usize::try_from(offset).unwrap_or(usize::MAX));
            let limit = spec.limit.map_or(usize::MAX, |k| usize::try_from(k).unwrap_or(usize::MAX));
            let want: Vec<i64> = want.into_iter().skip(offset).take(limit).collect();
            let got = T::get_narrowed(&shop, db, spec).await?;
            compare(
                format!("{code}.get_{many}(&db){}", spec.getter_code(kind)),
                format!("{want:?}"),
                format!("{got:?}"),
            );
            let mut got = T::get_with_shop(&shop, db).await?;
            got.sort();
            let want: Owners = linked.iter().map(|id| (*id, Some(key.clone()))).collect();
            compare(
                format!("{code}.get_{many}(&db).include({}::shop()), sorted", kind.model()),
                format!("{want:?}"),
                format!("{got:?}"),
            );
            // has_ of every linked child, of the check's lists, and of one child each.
            let mut lists: Vec<Vec<i64>> = check.has_lists.get(&kind).cloned().unwrap_or_default();
            lists.push(linked.clone());
            lists.push(Vec::new());
            for list in lists {
                let given =
                    args::<T>(db, &list, check.bare).await.map_err(|f| orm::Error::Invalid(format!("{f:?}")))?;
                let got = T::has(&shop, db, false, &given).await?;
                let want = list.iter().all(|id| linked.contains(id));
                let shown = args_code(kind, &list, check.bare).join(", ");
                compare(format!("{code}.has_{many}(&db, [{shown}])"), want.to_string(), got.to_string());
                if let Some(first) = list.first() {
                    let single = args::<T>(db, &[*first], !check.bare)
                        .await
                        .map_err(|f| orm::Error::Invalid(format!("{f:?}")))?;
                    let got = T::has(&shop, db, true, &single).await?;
                    let shown = args_code(kind, &[*first], !check.bare).join("");
                    compare(
                        format!("{code}.has_{one}(&db, {shown})"),
                        linked.contains(first).to_string(),
                        got.to_string(),
                    );
                }
            }
        }
        let limited =
            IncludeSpec { desc: true, label_below: None, limit: Some(check.limit), required: true, page: None };
        for spec in [IncludeSpec::PLAIN, check.spec, limited] {
            let got = T::include(db, spec).await?;
            let want = t.tree(kind, spec);
            compare(spec.code(kind), format!("{want:?}"), format!("{got:?}"));
        }
        let got = T::include_back(db).await?;
        let want: Vec<(Key, Owners)> = t
            .tree(kind, IncludeSpec::PLAIN)
            .into_iter()
            .map(|(key, ids)| {
                let owners = ids.iter().map(|id| (*id, Some(key.clone()))).collect();
                (key, owners)
            })
            .collect();
        compare(
            format!(
                "Shop::find().include(Shop::{many}().order_by({0}::id().asc()).include({0}::shop())).order_by(Shop::name().asc())",
                kind.model()
            ),
            format!("{want:?}"),
            format!("{got:?}"),
        );
        let owners: Owners = t.rows(kind).iter().map(|(id, (fk, _))| (*id, t.owner(fk))).collect();
        let got = T::owners(db, false).await?;
        compare(
            format!("{0}::find().include({0}::shop()).order_by({0}::id().asc())", kind.model()),
            format!("{owners:?}"),
            format!("{got:?}"),
        );
        let owned: Owners = owners.iter().filter(|(_, owner)| owner.is_some()).cloned().collect();
        let got = T::owners(db, true).await?;
        compare(
            format!("{0}::find().include({0}::shop().required()).order_by({0}::id().asc())", kind.model()),
            format!("{owned:?}"),
            format!("{got:?}"),
        );
        let got = T::owned(db).await?;
        compare(
            format!("{0}::find().include({0}::shop().required()).count(&db)", kind.model()),
            owned.len().to_string(),
            got.to_string(),
        );
        for row in T::all(db).await? {
            let got = T::get_shop(&row, db).await?.map(|s| key_of(&s));
            let want = t.owner(&row.fk());
            compare(format!("{one}({}).get_shop(&db)", row.key()), format!("{want:?}"), format!("{got:?}"));
        }
        Ok(())
    }
}

async fn exec<T: Child>(ex: Executor<'_>, step: &Step, prepared: &mut Prepared<T>) -> Result<Outcome, Failure> {
    let no = |what: &str| Failure::Other(format!("the harness prepared no {what}"));
    match step {
        Step::CreateShops { shops, all } => {
            let builder = |shop: &NewShop| {
                let items: Vec<ItemBuilder> =
                    shop.items.iter().map(|(id, label)| Item::build().id(*id).label(*label)).collect();
                let parts: Vec<PartBuilder> =
                    shop.parts.iter().map(|(id, label)| Part::build().id(*id).label(*label)).collect();
                Shop::build()
                    .tenant(shop.key.0.clone())
                    .number(shop.key.1)
                    .name(shop.name.clone())
                    .items(items)
                    .parts(parts)
            };
            if *all {
                // `create_all` returns the shops without their children.
                let made = Shop::create_all(ex, shops.iter().map(builder)).await.map_err(failure)?;
                return Ok(Outcome::ShopKeys(made.iter().map(key_of).collect()));
            }
            let made = [builder(&shops[0]).create_nested(ex).await.map_err(failure)?];
            let made = made
                .iter()
                .map(|shop| {
                    let mut items: Linked = shop.items().iter().map(|c| (c.id, c.fk())).collect();
                    let mut parts: Linked = shop.parts().iter().map(|c| (c.id, c.fk())).collect();
                    items.sort();
                    parts.sort();
                    (key_of(shop), items, parts)
                })
                .collect();
            Ok(Outcome::Shops(made))
        }
        Step::CreateChild { id, label, fk, .. } => {
            let made = T::create_plain(ex, *id, *label, fk.clone()).await.map_err(failure)?;
            Ok(Outcome::Created { id: made.key(), fk: made.fk(), shop: None })
        }
        Step::CreateFor { id, label, .. } => {
            let shop = prepared.shop.as_ref().ok_or_else(|| no("shop"))?;
            let made = T::create_for(shop, ex, *id, *label).await.map_err(failure)?;
            Ok(Outcome::Created { id: made.key(), fk: made.fk(), shop: None })
        }
        Step::CreateWithShop { id, label, shop, name, .. } => {
            let (made, owner) =
                T::create_with_shop(ex, *id, *label, shop.clone(), name.clone()).await.map_err(failure)?;
            Ok(Outcome::Created { id: made.key(), fk: made.fk(), shop: owner })
        }
        Step::Write { write, one, .. } => {
            let shop = prepared.shop.as_ref().ok_or_else(|| no("shop"))?;
            let args = prepared.args.as_ref().ok_or_else(|| no("targets"))?;
            T::write(shop, ex, *write, *one, args).await.map_err(failure)?;
            Ok(Outcome::Done)
        }
        Step::SetShop { .. } => {
            let child = prepared.child.as_mut().ok_or_else(|| no("child"))?;
            let before = child.fk();
            let result = T::set_shop(child, ex, prepared.shop.as_ref()).await;
            if let Err(error) = result {
                if child.fk() != before {
                    return Err(Failure::Other(format!(
                        "set_shop failed ({error}) but changed the instance's key from {before:?} to {:?}",
                        child.fk()
                    )));
                }
                return Err(failure(error));
            }
            Ok(Outcome::Field(child.fk()))
        }
        Step::DestroyShop { .. } => {
            let shop = prepared.shop.as_ref().ok_or_else(|| no("shop"))?;
            shop.destroy(ex).await.map_err(failure)?;
            Ok(Outcome::Done)
        }
        Step::DestroyChild { .. } => {
            let child = prepared.child.as_ref().ok_or_else(|| no("child"))?;
            child.destroy(ex).await.map_err(failure)?;
            Ok(Outcome::Done)
        }
        Step::Check(_) | Step::Nothing => Ok(Outcome::Done),
    }
}

// ---------------------------------------------------------------------------------------------
// The property.

/// Runs one sequence on every backend and the model; `Err` describes the first disagreement.
fn run_case(backends: &Backends, ops: &[(Mode, Op)]) -> Result<(), String> {
    backends.block_on(async {
        let harnesses: Vec<Harness<'_>> = backends.all.iter().map(|backend| Harness { backend }).collect();
        for harness in &harnesses {
            harness.reset().await.map_err(|e| format!("resetting {}: {e}", harness.backend.name))?;
        }
        let mut model = Oracle::initial();
        let mut trace: Vec<String> = Vec::new();
        let report = |trace: &[String], problem: String| {
            let steps: Vec<String> = trace.iter().enumerate().map(|(i, s)| format!("  {:>2}. {s}", i + 1)).collect();
            format!(
                "{problem}\nsteps (`shop(t, n)` is the Shop with that key, `item(i)`/`part(i)` the row with that id; \
                 ids from {GHOST} never exist):\n{}",
                steps.join("\n")
            )
        };
        for (at, (mode, op)) in ops.iter().enumerate() {
            let step = model.resolve(op);
            trace.push(match mode {
                Mode::Db => step.to_string(),
                Mode::Rollback => format!("in a transaction, rolled back: {step}"),
            });
            let (expect, mut next) = model.expect(&step);
            if *mode == Mode::Rollback {
                next = model.clone();
            }
            let mut results: Vec<(&str, Result<Outcome, Failure>)> = Vec::new();
            for harness in &harnesses {
                let name = harness.backend.name;
                let got = harness.run(&step, *mode).await;
                if !expect.accepts(&got) {
                    return Err(report(
                        &trace,
                        format!("step {} on {name}: the model expects {expect:?}, the call returned {got:?}", at + 1),
                    ));
                }
                results.push((name, got));
                let found = harness.tables().await.map_err(|e| format!("reading the tables of {name}: {e}"))?;
                let differences = next.tables.differences(&found);
                if !differences.is_empty() {
                    return Err(report(
                        &trace,
                        format!(
                            "after step {} on {name} (which returned {:?}):\n  {}",
                            at + 1,
                            results.last().map(|(_, r)| r),
                            differences.join("\n  ")
                        ),
                    ));
                }
                if let Step::Check(check) = &step {
                    harness.check(&next, check).await.map_err(|problems| {
                        report(
                            &trace,
                            format!("step {} on {name}, the reads disagree with the model:\n  {problems}", at + 1),
                        )
                    })?;
                }
            }
            if let Some(disagreement) = disagreement(&results) {
                return Err(report(&trace, format!("step {}: {disagreement}", at + 1)));
            }
            if std::env::var_os("COMPOSITE_TRACE").is_some() {
                eprintln!("{:>2}. {} -> {:?}", at + 1, trace[at], results[0].1);
            }
            model = next;
        }
        if std::env::var_os("COMPOSITE_TRACE").is_some() {
            eprintln!("----");
        }
        Ok(())
    })
}

fn open() -> Backends {
    let backends = Backends::open();
    for backend in &backends.all {
        backends.block_on(schema().sync(&backend.db)).unwrap_or_else(|e| panic!("schema on {}: {e}", backend.name));
    }
    backends
}

#[test]
fn composite_keys_agree_with_the_model_on_every_backend() {
    let backends = open();
    let config =
        Config { cases: cases(DEFAULT_CASES), max_shrink_iters: 2048, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new(config);
    let outcome = runner.run(&ops(), |ops| run_case(&backends, &ops).map_err(TestCaseError::fail));
    match outcome {
        Ok(()) => {}
        Err(TestError::Fail(reason, ops)) => {
            let ops: Vec<String> = ops.iter().map(|op| format!("  {op:?}")).collect();
            panic!("composite keys disagree: {reason}\nshrunk operations ({}):\n{}", ops.len(), ops.join("\n"));
        }
        Err(TestError::Abort(reason)) => panic!("composite keys: proptest aborted: {reason}"),
    }
}

/// More composite parents than one statement can bind on any backend (16,383 pairs on
/// SQLite, 32,767 on PostgreSQL and MariaDB), half of them sharing their number with another
/// tenant's parent: includes in both directions, with a filter of eleven bound values, a
/// per-parent limit and `required()`, load every parent's children and nothing of the other
/// tenant's.
#[test]
fn includes_over_more_composite_keys_than_one_statement_binds() {
    let backends = open();
    let failures: Vec<String> = backends
        .all
        .iter()
        .filter_map(|backend| {
            backends.block_on(many_parents(&backend.db)).err().map(|e| format!("on {}:\n  {e}", backend.name))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

const MANY_SHOPS: i64 = 34_000;

/// Shop i is ("acme", i / 2) when i is even, ("Acme", i / 2) when odd; item i + 1 belongs to
/// shop i, with label i % 4.
fn shop_number(shop: &Shop) -> i64 {
    shop.number * 2 + i64::from(shop.tenant != "acme")
}

fn owner_of_item(id: i64) -> Key {
    let i = id - 1;
    (if i % 2 == 0 { "acme" } else { "Acme" }.to_owned(), i / 2)
}

async fn many_parents(db: &Db) -> Result<(), String> {
    let fail = |what: &str| {
        let what = what.to_owned();
        move |e: orm::Error| format!("{what}: {e}")
    };
    for table in TABLES {
        raw(format!("DELETE FROM {table}")).execute(db).await.map_err(fail("emptying the tables"))?;
    }
    // 0 to MANY_SHOPS - 1 as pairs of digits in base 200: MariaDB stops a recursive query
    // after 1,000 iterations (`max_recursive_iterations`).
    let numbers = format!(
        "WITH RECURSIVE d(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM d WHERE i < 199) \
         SELECT high.i * 200 + low.i AS i FROM d AS high, d AS low WHERE high.i * 200 + low.i < {MANY_SHOPS}"
    );
    let tenant = "CASE WHEN i % 2 = 0 THEN 'acme' ELSE 'Acme' END";
    // MariaDB's `/` is exact division and its `||` is OR.
    let (half, name) =
        if db.dialect().name() == "mariadb" { ("i DIV 2", "CONCAT('s', i)") } else { ("i / 2", "'s' || i") };
    raw(format!(
        "INSERT INTO shops (tenant, number, name) SELECT {tenant}, {half}, {name} FROM ({numbers}) AS numbers"
    ))
    .execute(db)
    .await
    .map_err(fail("seeding shops"))?;
    raw(format!(
        "INSERT INTO items (id, owner_tenant, owner_number, label) \
         SELECT i + 1, {tenant}, {half}, i % 4 FROM ({numbers}) AS numbers"
    ))
    .execute(db)
    .await
    .map_err(fail("seeding items"))?;
    let shops = usize::try_from(MANY_SHOPS).unwrap_or(0);
    let mut problems = Vec::new();

    let code = "Shop::find().include(Shop::items())";
    let all = Shop::find().include(Shop::items()).all(db).await.map_err(fail(code))?;
    if all.len() != shops {
        problems.push(format!("{code}: {} shops, not {shops}", all.len()));
    }
    let wrong = all.iter().filter(|s| s.items().iter().map(|i| i.id).ne([shop_number(s) + 1])).count();
    if wrong > 0 {
        problems.push(format!("{code}: {wrong} shops without exactly their one item"));
    }

    // Labels 0 and 1, in a filter of eleven bound values.
    let mut wanted = Item::label().eq(0);
    for label in [1, 10, 11, 12, 13, 14, 15, 16, 17, 18] {
        wanted = wanted.or(Item::label().eq(label));
    }
    let code = "Shop::find().include(Shop::items().filter(<label = 0 OR label = 1 OR 9 more>).order_by(Item::id().desc()).limit(1).required())";
    let include = Shop::items().filter(wanted.clone()).order_by(Item::id().desc()).limit(1).required();
    match Shop::find().include(include).all(db).await {
        Err(e) => problems.push(format!("{code}: {e}")),
        Ok(kept) => {
            if kept.len() != shops / 2 {
                problems.push(format!("{code}: {} shops, not {}", kept.len(), shops / 2));
            }
            let wrong = kept
                .iter()
                .filter(|s| shop_number(s) % 4 >= 2 || s.items().iter().map(|i| i.id).ne([shop_number(s) + 1]))
                .count();
            if wrong > 0 {
                problems.push(format!("{code}: {wrong} shops with another item than their one labelled 0 or 1"));
            }
        }
    }
    let code = "Shop::find().include(Shop::items().filter(<label = 0 OR label = 1 OR 9 more>))";
    match Shop::find().include(Shop::items().filter(wanted)).all(db).await {
        Err(e) => problems.push(format!("{code}: {e}")),
        Ok(filtered) => {
            let with_items = filtered.iter().filter(|s| !s.items().is_empty()).count();
            if filtered.len() != shops || with_items != shops / 2 {
                problems.push(format!(
                    "{code}: {} shops, {with_items} with items, not {shops} and {}",
                    filtered.len(),
                    shops / 2
                ));
            }
        }
    }

    let code = "Item::find().include(Item::shop())";
    match Item::find().include(Item::shop()).all(db).await {
        Err(e) => problems.push(format!("{code}: {e}")),
        Ok(items) => {
            let wrong = items.iter().filter(|i| i.shop().map(key_of) != Some(owner_of_item(i.id))).count();
            if items.len() != shops || wrong > 0 {
                problems.push(format!("{code}: {} items, {wrong} without their shop", items.len()));
            }
        }
    }
    // The other direction, with a filter of eleven bound values that every shop passes.
    let mut any = Shop::number().ge(0);
    for name in ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"] {
        any = any.or(Shop::name().eq(name));
    }
    let code = "Item::find().include(Item::shop().filter(<number >= 0 OR 10 more>))";
    match Item::find().include(Item::shop().filter(any)).all(db).await {
        Err(e) => problems.push(format!("{code}: {e}")),
        Ok(items) => {
            let wrong = items.iter().filter(|i| i.shop().map(key_of) != Some(owner_of_item(i.id))).count();
            if items.len() != shops || wrong > 0 {
                problems.push(format!("{code}: {} items, {wrong} without their shop", items.len()));
            }
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n  ")) }
}

// A key listed in another order than its fields, with the key columns apart from each other
// and the foreign key's columns in yet another order on the child.

#[derive(Model, Debug, Clone, PartialEq)]
#[model(primary_key(tenant, number), hooks)]
#[has_many(Crate, foreign_key(depot_tenant, depot_number), on_delete = "cascade", hooks = true)]
pub struct Depot {
    pub number: i64,
    pub name: String,
    pub tenant: String,
}

#[orm::hooks]
impl Depot {}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(hooks)]
#[belongs_to(Depot, foreign_key(depot_tenant, depot_number))]
pub struct Crate {
    pub depot_number: Option<i64>,
    pub id: i64,
    pub label: i64,
    pub depot_tenant: Option<String>,
}

#[orm::hooks]
impl Crate {}

fn depot_key(depot: &Depot) -> Key {
    (depot.tenant.clone(), depot.number)
}

async fn crate_links(db: &Db) -> orm::Result<Vec<(i64, Option<String>, Option<i64>)>> {
    raw("SELECT id, depot_tenant, depot_number FROM crates ORDER BY id").fetch(db).await
}

async fn reordered_key(db: &Db) -> Result<(), String> {
    let fail = |what: &'static str| move |e: orm::Error| format!("{what}: {e}");
    Schema::new().model::<Depot>().model::<Crate>().sync(db).await.map_err(fail("sync"))?;
    let depot = |tenant: &str, number: i64| {
        Depot::build().tenant(tenant.to_owned()).number(number).name(format!("{tenant}{number}"))
    };
    let made = Depot::create_all(
        db,
        [
            depot("acme", 1).crates([Crate::build().id(1).label(1), Crate::build().id(2).label(2)]),
            depot("Acme", 1).crates([Crate::build().id(3).label(3)]),
            depot("acme", 2).crates(Vec::<CrateBuilder>::new()),
        ],
    )
    .await
    .map_err(fail("create_all"))?;
    let keys: Vec<Key> = made.iter().map(depot_key).collect();
    let want = |rows: &[(i64, Option<&str>, Option<i64>)]| -> Vec<(i64, Option<String>, Option<i64>)> {
        rows.iter().map(|(id, t, n)| (*id, t.map(str::to_owned), *n)).collect()
    };
    let mut problems = Vec::new();
    let mut check = |what: &str, ok: bool, detail: String| {
        if !ok {
            problems.push(format!("{what}: {detail}"));
        }
    };
    check(
        "create_all returns the depots in order",
        keys == [("acme".to_owned(), 1), ("Acme".to_owned(), 1), ("acme".to_owned(), 2)],
        format!("{keys:?}"),
    );
    let links = crate_links(db).await.map_err(fail("links"))?;
    let expected = want(&[(1, Some("acme"), Some(1)), (2, Some("acme"), Some(1)), (3, Some("Acme"), Some(1))]);
    check("nested create links each crate to its depot", links == expected, format!("{links:?}"));

    let found = Depot::find_by_pk(db, ("Acme".to_owned(), 1)).await.map_err(fail("find_by_pk"))?;
    check("find_by_pk((\"Acme\", 1))", found.as_ref().map(|d| d.name.as_str()) == Some("Acme1"), format!("{found:?}"));
    let [acme1, big_acme1, acme2] = [0, 1, 2].map(|i| made[i].clone());
    acme2.set_crates(db, [1, 3]).await.map_err(fail("set_crates"))?;
    acme1.add_crate(db, 3).await.map_err(fail("add_crate"))?;
    let links = crate_links(db).await.map_err(fail("links"))?;
    let expected = want(&[(1, Some("acme"), Some(2)), (2, Some("acme"), Some(1)), (3, Some("acme"), Some(1))]);
    check("set_crates, then add_crate", links == expected, format!("{links:?}"));
    let counts = (
        acme1.count_crates(db).await.map_err(fail("count"))?,
        big_acme1.count_crates(db).await.map_err(fail("count"))?,
        acme2.count_crates(db).await.map_err(fail("count"))?,
    );
    check("count_crates of acme 1, Acme 1, acme 2", counts == (2, 0, 1), format!("{counts:?}"));
    let has =
        acme2.has_crates(db, [1]).await.map_err(fail("has"))? && !acme1.has_crate(db, 1).await.map_err(fail("has"))?;
    check("has_crate", has, String::new());

    let loaded = Depot::find()
        .include(Depot::crates().order_by(Crate::id().asc()).include(Crate::depot()))
        .order_by(Depot::name().asc())
        .all(db)
        .await
        .map_err(fail("include"))?;
    let seen: Vec<(Key, Owners)> = loaded
        .iter()
        .map(|d| (depot_key(d), d.crates().iter().map(|c| (c.id, c.depot().map(depot_key))).collect()))
        .collect();
    let expected: Vec<(Key, Owners)> = vec![
        (("Acme".to_owned(), 1), vec![]),
        (("acme".to_owned(), 1), vec![(2, Some(("acme".to_owned(), 1))), (3, Some(("acme".to_owned(), 1)))]),
        (("acme".to_owned(), 2), vec![(1, Some(("acme".to_owned(), 2)))]),
    ];
    check("Depot::find().include(Depot::crates().include(Crate::depot()))", seen == expected, format!("{seen:?}"));

    let mut two = Crate::find_by_pk(db, 2).await.map_err(fail("find crate"))?.ok_or("no crate 2")?;
    two.set_depot(db, &big_acme1).await.map_err(fail("set_depot"))?;
    let got = two.get_depot(db).await.map_err(fail("get_depot"))?.map(|d| depot_key(&d));
    check("set_depot, then get_depot", got == Some(("Acme".to_owned(), 1)), format!("{got:?} in memory {two:?}"));

    // The hooked cascade destroys exactly Acme 1's crates.
    big_acme1.destroy(db).await.map_err(fail("destroy"))?;
    let links = crate_links(db).await.map_err(fail("links"))?;
    let expected = want(&[(1, Some("acme"), Some(2)), (3, Some("acme"), Some(1))]);
    check("destroying Acme 1, which holds crate 2 now", links == expected, format!("{links:?}"));
    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
}

#[test]
fn a_key_listed_in_another_order_than_its_fields() {
    let backends = Backends::open();
    let failures: Vec<String> = backends
        .all
        .iter()
        .filter_map(|backend| {
            backends.block_on(reordered_key(&backend.db)).err().map(|e| format!("on {}:\n{e}", backend.name))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
