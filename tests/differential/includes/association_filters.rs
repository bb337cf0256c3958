//! Filters across associations, differentially: on the rows and schema of the include tests,
//! generated filter trees mix column conditions with `any`/`none`/`every`/`exists` over every
//! association of the schema (has_many, a scoped has_many, has_one, belongs_to with NULL keys,
//! belongs_to_many through a table and through a join model with a `through_filter`), each
//! with a random inner condition that may quantify again (up to three levels), a random
//! include `filter`, per-parent `limit` with its order, and `required()`. Each filter runs as a
//! query (with order and paging), a `count`, a bulk `update` and a bulk `delete` (both rolled
//! back) on every backend, and is evaluated in memory under the documented semantics:
//!
//! - the targets are those the include would load (see `kept` in the parent module): linked,
//!   passing the scope, the include's filter and `through_filter` (TRUE, not UNKNOWN), the
//!   first `limit` in the include's order;
//! - `any(c)`: a target where `c` is TRUE; `none(c)`: no such target; `every(c)`: no target
//!   where `c` is FALSE or UNKNOWN; `exists()`: a target; `required()` adds "a target" to
//!   `none` and `every`. None of them is ever UNKNOWN.

use std::fmt;

use orm::Update;
use orm::prelude::*;
use proptest::prelude::*;
use proptest::strategy::Union;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};

use super::{
    Assoc, Col, Data, Linked, Membership, Pred, Profile, Project, R, Rec, Table, Tag, Task, Team, User, compare_rows,
    data, eval, expr, load, order, pred, related, rows, schema, total_order,
};
use crate::support::{self, Backends};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Quant {
    Any,
    None,
    Every,
    Exists,
}

/// A quantifier over one association's targets, with the include it ranges over.
#[derive(Clone)]
struct Quantified {
    assoc: Assoc,
    filter: Option<Pred>,
    through: Option<Pred>,
    /// The include's order (ending with the target's key) and per-parent limit.
    limit: Option<(Vec<(Col, bool)>, u64)>,
    required: bool,
    quant: Quant,
    /// `None` exactly for `exists()`.
    condition: Option<Box<Filter>>,
}

/// A filter on one model; its `Debug` is the Rust expression it stands for.
#[derive(Clone)]
enum Filter {
    Pred(Pred),
    Related(Quantified),
    Not(Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
}

impl fmt::Debug for Quantified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.assoc)?;
        if let Some(p) = &self.filter {
            write!(f, ".filter({p:?})")?;
        }
        if let Some(p) = &self.through {
            write!(f, ".through_filter({p:?})")?;
        }
        if let Some((order, n)) = &self.limit {
            for (c, descending) in order {
                write!(f, ".order_by({c:?}.{}())", if *descending { "desc" } else { "asc" })?;
            }
            write!(f, ".limit({n})")?;
        }
        if self.required {
            write!(f, ".required()")?;
        }
        match (&self.quant, &self.condition) {
            (Quant::Exists, _) | (_, None) => write!(f, ".exists()"),
            (quant, Some(c)) => write!(f, ".{}({c:?})", format!("{quant:?}").to_lowercase()),
        }
    }
}

impl fmt::Debug for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Pred(p) => write!(f, "{p:?}"),
            Filter::Related(q) => write!(f, "{q:?}"),
            Filter::Not(a) => write!(f, "{a:?}.not()"),
            Filter::And(a, b) => write!(f, "{a:?}.and({b:?})"),
            Filter::Or(a, b) => write!(f, "{a:?}.or({b:?})"),
        }
    }
}

/// The associations leaving `table`.
fn associations_of(table: Table) -> Vec<Assoc> {
    Assoc::ALL.into_iter().filter(|a| a.source() == table).collect()
}

// ---------------------------------------------------------------------------------------------
// Strategies.

fn quantified(assoc: Assoc, depth: u32) -> BoxedStrategy<Quantified> {
    use proptest::option::weighted;
    let target = assoc.target();
    let through = if assoc.has_join() { weighted(0.4, pred(Table::Membership)).boxed() } else { Just(None).boxed() };
    let quant =
        prop_oneof![3 => Just(Quant::Any), 2 => Just(Quant::None), 3 => Just(Quant::Every), 1 => Just(Quant::Exists)];
    (
        weighted(0.3, pred(target)),
        through,
        weighted(0.4, (total_order(target), 0..3u64)),
        proptest::bool::weighted(0.2),
        quant,
        filter(target, depth.saturating_sub(1)),
    )
        .prop_map(move |(filter, through, limit, required, quant, condition)| Quantified {
            assoc,
            filter,
            through,
            limit,
            required,
            quant,
            condition: (quant != Quant::Exists).then(|| Box::new(condition)),
        })
        .boxed()
}

/// A filter on `table`: column conditions, quantifiers over its associations whose conditions
/// quantify again while `depth` lasts, and their `and`/`or`/`not`.
fn filter(table: Table, depth: u32) -> BoxedStrategy<Filter> {
    let leaf = pred(table).prop_map(Filter::Pred).boxed();
    if depth == 0 {
        return leaf;
    }
    let mut atoms = vec![(2, leaf)];
    atoms.extend(
        associations_of(table).into_iter().map(|a| (3, quantified(a, depth).prop_map(Filter::Related).boxed())),
    );
    let atom = Union::new_weighted(atoms).boxed();
    prop_oneof![
        4 => atom.clone(),
        1 => atom.clone().prop_map(|a| Filter::Not(Box::new(a))),
        1 => (atom.clone(), atom.clone()).prop_map(|(a, b)| Filter::And(Box::new(a), Box::new(b))),
        1 => (atom.clone(), atom).prop_map(|(a, b)| Filter::Or(Box::new(a), Box::new(b))),
    ]
    .boxed()
}

const ROOTS: [Table; 5] = [Table::Team, Table::Project, Table::Task, Table::User, Table::Tag];

/// An order ending with the key, a limit and an offset.
type Paging = (Vec<(Col, bool)>, Option<u64>, Option<u64>);

#[derive(Clone)]
struct Query {
    root: Table,
    filter: Filter,
    /// An order ending with the key, and a limit and offset; `None`: compared as a set.
    page: Option<Paging>,
}

impl fmt::Debug for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}::find().filter({:?})", self.root, self.filter)?;
        if let Some((order, limit, offset)) = &self.page {
            for (c, descending) in order {
                write!(f, ".order_by({c:?}.{}())", if *descending { "desc" } else { "asc" })?;
            }
            if let Some(n) = limit {
                write!(f, ".limit({n})")?;
            }
            if let Some(n) = offset {
                write!(f, ".offset({n})")?;
            }
        }
        Ok(())
    }
}

fn query() -> BoxedStrategy<Query> {
    use proptest::option::weighted;
    let one = |root: Table| {
        let page = weighted(0.5, (total_order(root), weighted(0.6, 0..4u64), weighted(0.5, 0..3u64)));
        (filter(root, 3), page).prop_map(move |(filter, page)| Query { root, filter, page }).boxed()
    };
    Union::new(ROOTS.map(one)).boxed()
}

// ---------------------------------------------------------------------------------------------
// The reference.

/// TRUE, FALSE or UNKNOWN (`None`) for `row`.
fn evaluate(d: &Data, f: &Filter, row: R<'_>) -> Option<bool> {
    match f {
        Filter::Pred(p) => eval(p, &|c| row.value(c)),
        Filter::Related(q) => Some(holds(d, q, row)),
        Filter::Not(a) => evaluate(d, a, row).map(|b| !b),
        Filter::And(a, b) => match (evaluate(d, a, row), evaluate(d, b, row)) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        },
        Filter::Or(a, b) => match (evaluate(d, a, row), evaluate(d, b, row)) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
    }
}

fn holds(d: &Data, q: &Quantified, parent: R<'_>) -> bool {
    let mut targets: Vec<Linked<'_>> = related(d, q.assoc, parent)
        .into_iter()
        .filter(|(row, join)| {
            q.filter.as_ref().is_none_or(|p| eval(p, &|c| row.value(c)) == Some(true))
                && q.through.as_ref().is_none_or(|p| join.is_some_and(|j| eval(p, &|c| j.rec_value(c)) == Some(true)))
        })
        .collect();
    if let Some((order, limit)) = &q.limit {
        targets.sort_by(|a, b| compare_rows(order, a.0, b.0));
        targets.truncate(*limit as usize);
    }
    let results: Vec<Option<bool>> =
        targets.iter().map(|(row, _)| q.condition.as_ref().map_or(Some(true), |c| evaluate(d, c, *row))).collect();
    let present = !targets.is_empty();
    let any = results.contains(&Some(true));
    match q.quant {
        Quant::Any | Quant::Exists => any,
        Quant::None => !any && (present || !q.required),
        Quant::Every => results.iter().all(|r| *r == Some(true)) && (present || !q.required),
    }
}

/// The ids the query returns (in order when it is ordered), and how many rows match.
fn expected(d: &Data, q: &Query) -> (Vec<i64>, usize) {
    let mut kept: Vec<R<'_>> =
        rows(d, q.root).into_iter().filter(|r| evaluate(d, &q.filter, *r) == Some(true)).collect();
    let total = kept.len();
    let Some((order, limit, offset)) = &q.page else {
        let mut ids: Vec<i64> = kept.iter().map(R::id).collect();
        ids.sort_unstable();
        return (ids, total);
    };
    kept.sort_by(|a, b| compare_rows(order, *a, *b));
    let ids = kept
        .iter()
        .skip(offset.unwrap_or(0) as usize)
        .take(limit.map_or(usize::MAX, |n| n as usize))
        .map(R::id)
        .collect();
    (ids, total)
}

// ---------------------------------------------------------------------------------------------
// The ORM side.

/// A model the generated filters run on: its quantifiers, typed, and a bulk update.
trait Filtered: Rec {
    fn quantified(q: &Quantified) -> Expr<Self>;
    fn rename() -> Update<Self>;
}

fn typed<M: Filtered>(f: &Filter) -> Expr<M> {
    match f {
        Filter::Pred(p) => expr(p),
        Filter::Related(q) => M::quantified(q),
        Filter::Not(a) => typed::<M>(a).not(),
        Filter::And(a, b) => typed::<M>(a).and(typed(b)),
        Filter::Or(a, b) => typed::<M>(a).or(typed(b)),
    }
}

/// The typed quantifier for `$q` on the include `$handle` (`through` for a join model).
macro_rules! quantify {
    ($handle:expr, $q:expr $(, $through:ident)?) => {{
        let q: &Quantified = $q;
        let mut i = $handle;
        $(
            let _ = stringify!($through);
            if let Some(p) = &q.through {
                i = i.through_filter(expr::<Membership>(p));
            }
        )?
        if let Some(p) = &q.filter {
            i = i.filter(expr(p));
        }
        if let Some((columns, n)) = &q.limit {
            for &(c, descending) in columns {
                i = i.order_by(order(c, descending));
            }
            i = i.limit(*n);
        }
        if q.required {
            i = i.required();
        }
        match (q.quant, &q.condition) {
            (Quant::Any, Some(c)) => i.any(typed(c)),
            (Quant::None, Some(c)) => i.none(typed(c)),
            (Quant::Every, Some(c)) => i.every(typed(c)),
            (Quant::Exists, _) | (_, None) => i.exists(),
        }
    }};
}

impl Filtered for Team {
    fn quantified(q: &Quantified) -> Expr<Self> {
        match q.assoc {
            Assoc::TeamProjects => quantify!(Team::projects(), q),
            other => unreachable!("{other:?} does not leave Team"),
        }
    }
    fn rename() -> Update<Self> {
        Team::update().set(Team::name(), "zz")
    }
}

impl Filtered for Project {
    fn quantified(q: &Quantified) -> Expr<Self> {
        match q.assoc {
            Assoc::ProjectTeam => quantify!(Project::team(), q),
            Assoc::ProjectTasks => quantify!(Project::tasks(), q),
            Assoc::ProjectBugs => quantify!(Project::bugs(), q),
            Assoc::ProjectTags => quantify!(Project::tags(), q),
            Assoc::ProjectMembers => quantify!(Project::members(), q, through),
            other => unreachable!("{other:?} does not leave Project"),
        }
    }
    fn rename() -> Update<Self> {
        Project::update().set(Project::name(), "zz")
    }
}

impl Filtered for Task {
    fn quantified(q: &Quantified) -> Expr<Self> {
        match q.assoc {
            Assoc::TaskUser => quantify!(Task::user(), q),
            Assoc::TaskProject => quantify!(Task::project(), q),
            other => unreachable!("{other:?} does not leave Task"),
        }
    }
    fn rename() -> Update<Self> {
        Task::update().set(Task::title(), "zz")
    }
}

impl Filtered for User {
    fn quantified(q: &Quantified) -> Expr<Self> {
        match q.assoc {
            Assoc::UserTasks => quantify!(User::tasks(), q),
            Assoc::UserProfile => quantify!(User::profile(), q),
            Assoc::UserProjects => quantify!(User::projects(), q, through),
            other => unreachable!("{other:?} does not leave User"),
        }
    }
    fn rename() -> Update<Self> {
        User::update().set(User::name(), "zz")
    }
}

impl Filtered for Profile {
    fn quantified(q: &Quantified) -> Expr<Self> {
        unreachable!("{:?} does not leave Profile", q.assoc)
    }
    fn rename() -> Update<Self> {
        Profile::update().set(Profile::bio(), "zz")
    }
}

impl Filtered for Tag {
    fn quantified(q: &Quantified) -> Expr<Self> {
        match q.assoc {
            Assoc::TagProjects => quantify!(Tag::projects(), q),
            other => unreachable!("{other:?} does not leave Tag"),
        }
    }
    fn rename() -> Update<Self> {
        Tag::update().set(Tag::label(), "zz")
    }
}

/// What the backend answers: the ids (in order when the query is ordered), the count, the
/// rows a bulk update changed and the rows a bulk delete removed (both rolled back).
async fn run<M: Filtered>(db: &Db, q: &Query) -> orm::Result<(Vec<i64>, usize, u64, u64)> {
    let filter = typed::<M>(&q.filter);
    let mut select = M::find().filter(filter.clone());
    if let Some((columns, limit, offset)) = &q.page {
        for &(c, descending) in columns {
            select = select.order_by(order(c, descending));
        }
        if let Some(n) = limit {
            select = select.limit(*n);
        }
        if let Some(n) = offset {
            select = select.offset(*n);
        }
    }
    let mut ids: Vec<i64> = select.all(db).await?.iter().map(Rec::rec_id).collect();
    if q.page.is_none() {
        ids.sort_unstable();
    }
    let count = M::find().filter(filter.clone()).count(db).await?;
    let mut tx = db.begin().await?;
    let updated = M::rename().filter(filter.clone()).exec(&mut tx).await?;
    tx.rollback().await?;
    let mut tx = db.begin().await?;
    let deleted = M::delete().filter(filter).exec(&mut tx).await?;
    tx.rollback().await?;
    Ok((ids, usize::try_from(count).unwrap_or(usize::MAX), updated, deleted))
}

async fn actual(db: &Db, q: &Query) -> orm::Result<(Vec<i64>, usize, u64, u64)> {
    match q.root {
        Table::Team => run::<Team>(db, q).await,
        Table::Project => run::<Project>(db, q).await,
        Table::Task => run::<Task>(db, q).await,
        Table::User => run::<User>(db, q).await,
        Table::Tag => run::<Tag>(db, q).await,
        Table::Profile | Table::Membership => unreachable!("not a root"),
    }
}

#[test]
fn association_filters_match_the_reference() {
    let backends = Backends::open();
    for backend in &backends.all {
        backends.block_on(schema().sync(&backend.db)).unwrap_or_else(|e| panic!("{}: sync: {e:?}", backend.name));
    }
    let config = Config { cases: support::cases(64), failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new(config);
    let strategy = (data(), proptest::collection::vec(query(), 1..6));
    let result = runner.run(&strategy, |(data, queries)| {
        for backend in &backends.all {
            backends
                .block_on(load(&backend.db, &data))
                .map_err(|e| TestCaseError::fail(format!("{}: inserting the rows failed: {e:?}", backend.name)))?;
            for q in &queries {
                let (ids, total) = expected(&data, q);
                let want = (ids, total, total as u64, total as u64);
                let got = backends
                    .block_on(actual(&backend.db, q))
                    .map_err(|e| TestCaseError::fail(format!("{}: {e}\n{e:?}\nquery: {q:?}", backend.name)))?;
                if got != want {
                    return Err(TestCaseError::fail(format!(
                        "{} disagrees with the reference\nquery: {q:?}\n  (ids, count, updated, deleted)\n  expected: {want:?}\n  got:      {got:?}",
                        backend.name
                    )));
                }
            }
        }
        Ok(())
    });
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, (data, queries))) => {
            panic!("minimal failing case:\n{data:?}\nqueries: {queries:#?}\n\n{reason}")
        }
        Err(TestError::Abort(reason)) => panic!("aborted: {reason}"),
    }
}
