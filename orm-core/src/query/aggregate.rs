//! Typed aggregates: `User::age().sum()` is an [`Aggregate<User, SumOf<i32>>`], which reads as
//! `Option<i64>`; selected in a projection (`User::find().select(…)`), tested in `having`,
//! ordered by, or run alone (`User::find().sum(User::age(), &db)`).
//!
//! An aggregate's column type is checked where the aggregate is used (`select`, a comparison,
//! `order_by`, `aggregate`): `User::name().sum()` alone makes a value, and selecting it reports
//! "`sum` and `avg` need a numeric column" at the argument. (A bound on `sum` itself would be
//! reported with orm-core's source.)
//!
//! Each aggregate reads back as one Rust type on every backend: the dialect casts what a
//! database returns as `numeric`/`DECIMAL` (see
//! [`Dialect::push_aggregate`](crate::dialect::Dialect::push_aggregate)).

use std::marker::PhantomData;

use crate::db::{Executor, IntoExecutor};
use crate::dialect::AggregateFunction;
use crate::driver::BoxFuture;
use crate::error::{Error, Result};
use crate::expr::{Column, Comparand, CompareOp, Expr, Node, OperandOf, OrderedOperandOf};
use crate::include::IncludeList;
use crate::model::Model;
use crate::query::Select;
use crate::sql::SqlBuilder;
use crate::value::{Operand, Scalar, SqlType, SqlValue, Value};

/// Column types `sum` and `avg` apply to: the integer and float types, and `Option` of each.
#[diagnostic::on_unimplemented(
    message = "`sum` and `avg` need a numeric column, and `{Self}` is not numeric",
    label = "not a numeric column type",
    note = "`sum`/`avg` apply to columns of i16, i32, i64, f32, f64 and Option of each; `count`, `min` and `max` apply to other columns"
)]
pub trait Numeric: SqlValue {
    /// What `SUM` reads as: `i64` over integers, `f64` over floats (inside an `Option`: the
    /// sum of no row is NULL).
    type Sum: Scalar;
}

/// Column types `min` and `max` apply to: numbers (decimals too), text and the chrono date and
/// time types, and `Option` of each. (PostgreSQL has no `MIN` of a boolean or of bytes.)
#[diagnostic::on_unimplemented(
    message = "`min` and `max` need a column of ordered values, and `{Self}` is not one",
    label = "no `MIN`/`MAX` of this column type",
    note = "`min`/`max` apply to i16, i32, i64, f32, f64, rust_decimal::Decimal, String, chrono's date and time types, and Option of each"
)]
pub trait Ordered: SqlValue {
    /// The column's type without its `Option`: `MIN` over no row (or only NULLs) is `None`,
    /// so the aggregate is an `Option<Value>`, never an `Option<Option<…>>`.
    type Value: Scalar;
}

macro_rules! numeric {
    ($($ty:ty => $sum:ty),*) => {$(
        impl Numeric for $ty {
            type Sum = $sum;
        }
        impl Numeric for Option<$ty> {
            type Sum = $sum;
        }
    )*};
}

numeric!(i16 => i64, i32 => i64, i64 => i64, f32 => f64, f64 => f64);

macro_rules! ordered {
    ($($ty:ty),*) => {$(
        impl Ordered for $ty {
            type Value = $ty;
        }
        impl Ordered for Option<$ty> {
            type Value = $ty;
        }
    )*};
}

ordered!(i16, i32, i64, f32, f64, String);

#[cfg(feature = "chrono")]
ordered!(chrono::DateTime<chrono::Utc>, chrono::NaiveDateTime, chrono::NaiveDate, chrono::NaiveTime);

#[cfg(feature = "decimal")]
ordered!(rust_decimal::Decimal);

/// An aggregate without its types: what the SQL says.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AggregateTerm {
    function: AggregateFunction,
    /// `None` for `COUNT(*)`.
    column: Option<&'static str>,
    /// The column's SQL type, which decides the casts.
    input: SqlType,
}

impl AggregateTerm {
    /// Writes the aggregate over the column qualified by `qualifier`.
    pub(crate) fn render(self, qualifier: &str, b: &mut SqlBuilder) {
        let column = self.column.map(|column| (qualifier, column));
        b.dialect().push_aggregate(b, self.function, column, self.input);
    }
}

/// What an aggregate computes, and the Rust type it reads as ([`Output`](Self::Output)):
/// [`CountOf`] (`i64`), [`SumOf<T>`] (`Option<i64>` or `Option<f64>`), [`AvgOf<T>`]
/// (`Option<f64>`), [`MinOf<T>`]/[`MaxOf<T>`] (`Option` of the column's type). Implemented for
/// `SumOf<T>`/`AvgOf<T>` when `T` is [`Numeric`], for `MinOf<T>`/`MaxOf<T>` when `T` is
/// [`Ordered`]: the bound fails with their messages where the aggregate is used.
pub trait AggregateKind: Send + Sync + 'static {
    /// The Rust value the aggregate reads as.
    type Output: SqlValue;
}

/// `COUNT(column)` and `COUNT(*)`: an [`AggregateKind`] read as `i64`.
#[derive(Debug, Clone, Copy)]
pub struct CountOf;

impl AggregateKind for CountOf {
    type Output = i64;
}

macro_rules! kinds {
    ($($(#[$doc:meta])* $name:ident: $bound:ident => $output:ty;)*) => {$(
        $(#[$doc])*
        pub struct $name<T>(PhantomData<fn() -> T>);

        impl<T: $bound> AggregateKind for $name<T> {
            type Output = $output;
        }
    )*};
}

kinds! {
    /// `SUM` over a column of type `T`: an [`AggregateKind`] read as `Option<T::Sum>` (see [`Numeric`]).
    SumOf: Numeric => Option<T::Sum>;
    /// `AVG` over a column of type `T`: an [`AggregateKind`] read as `Option<f64>`.
    AvgOf: Numeric => Option<f64>;
    /// `MIN` over a column of type `T`: an [`AggregateKind`] read as `Option<T::Value>` (see [`Ordered`]).
    MinOf: Ordered => Option<T::Value>;
    /// `MAX` over a column of type `T`: an [`AggregateKind`] read as `Option<T::Value>` (see [`Ordered`]).
    MaxOf: Ordered => Option<T::Value>;
}

/// An aggregate of kind `K` ([`AggregateKind`]) over the rows of model `M`: `COUNT`, `SUM`,
/// `AVG`, `MIN` or `MAX`, read as `K::Output`. Made by the column methods
/// [`count`](Column::count), [`sum`](Column::sum), [`avg`](Column::avg), [`min`](Column::min),
/// [`max`](Column::max) and by [`count_all`].
///
/// Select it in a projection, compare it in `having`, or order by it:
///
/// ```
/// # use orm_core::{Column, Expr};
/// # fn demo<User>(id: Column<User, i64>, age: Column<User, i32>) {
/// # use orm::prelude::*;
/// let busy: Expr<User> = id.count().gt(2);
/// let adult_average: Expr<User> = age.avg().ge(18.0);
/// # }
/// ```
pub struct Aggregate<M, K> {
    pub(crate) term: AggregateTerm,
    _marker: PhantomData<fn() -> (M, K)>,
}

impl<M, K> Clone for Aggregate<M, K> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, K> Copy for Aggregate<M, K> {}

impl<M, K> std::fmt::Debug for Aggregate<M, K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}({})", self.term.function.sql(), self.term.column.unwrap_or("*"))
    }
}

impl<M, K> Aggregate<M, K> {
    /// The aggregate without its types. Generated code calls this.
    #[doc(hidden)]
    pub fn __term(self) -> AggregateTerm {
        self.term
    }

    fn new(function: AggregateFunction, column: Option<&'static str>, input: SqlType) -> Self {
        Aggregate { term: AggregateTerm { function, column, input }, _marker: PhantomData }
    }
}

/// `COUNT(*)`: the number of rows (of each group, with `group_by`).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
/// # use orm::guide::example::*;
/// # use orm::prelude::*;
/// # let db = connect_seeded().await?;
/// let per_worker = Task::find().select((Task::uid(), orm::count_all::<Task>())).group_by(Task::uid()).order_by(Task::uid().asc()).all(&db).await?;
/// assert_eq!(per_worker, [(Some(1), 2), (Some(2), 1)]);
/// # Ok(()) }
/// ```
pub fn count_all<M: Model>() -> Aggregate<M, CountOf> {
    Aggregate::new(AggregateFunction::Count, None, SqlType::BigInt)
}

impl<M, T: SqlValue> Column<M, T> {
    /// `COUNT(column)`: the number of rows where the column is not NULL (0 over no row). See
    /// [`count_all`] for `COUNT(*)`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// Task::update().set(Task::uid(), None).filter(Task::id().eq(3)).exec(&db).await?;
    /// assert_eq!(Task::find().aggregate(Task::uid().count(), &db).await?, 2); // NULLs are not counted
    /// # Ok(()) }
    /// ```
    pub fn count(self) -> Aggregate<M, CountOf> {
        Aggregate::new(AggregateFunction::Count, Some(self.name()), T::SQL_TYPE)
    }

    /// `SUM(column)` over the non-NULL values: `Option<i64>` over an integer column,
    /// `Option<f64>` over a float column; `None` over no row (or only NULLs).
    ///
    /// A sum of integers past the `i64` range is an error from the database on every backend
    /// (SQLite's "integer overflow", PostgreSQL's "bigint out of range", MariaDB's "BIGINT
    /// value is out of range"), never a wrapped or clamped number.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// assert_eq!(Task::find().aggregate(Task::hours().sum(), &db).await?, Some(10));
    /// # Ok(()) }
    /// ```
    pub fn sum(self) -> Aggregate<M, SumOf<T>> {
        Aggregate::new(AggregateFunction::Sum, Some(self.name()), T::SQL_TYPE)
    }

    /// `AVG(column)` over the non-NULL values, as a float on every backend (the average of 3
    /// and 4 is 3.5, not 3); `None` over no row (or only NULLs).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// assert_eq!(Task::find().filter(Task::uid().eq(1)).aggregate(Task::hours().avg(), &db).await?, Some(4.0));
    /// # Ok(()) }
    /// ```
    pub fn avg(self) -> Aggregate<M, AvgOf<T>> {
        Aggregate::new(AggregateFunction::Avg, Some(self.name()), T::SQL_TYPE)
    }

    /// `MIN(column)`: the smallest non-NULL value (text in the database's collation); `None`
    /// over no row (or only NULLs).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// assert_eq!(Task::find().aggregate(Task::title().min(), &db).await?, Some("review".to_owned()));
    /// # Ok(()) }
    /// ```
    pub fn min(self) -> Aggregate<M, MinOf<T>> {
        Aggregate::new(AggregateFunction::Min, Some(self.name()), T::SQL_TYPE)
    }

    /// `MAX(column)`: the largest non-NULL value (text in the database's collation); `None`
    /// over no row (or only NULLs).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// assert_eq!(Task::find().aggregate(Task::hours().max(), &db).await?, Some(5));
    /// # Ok(()) }
    /// ```
    pub fn max(self) -> Aggregate<M, MaxOf<T>> {
        Aggregate::new(AggregateFunction::Max, Some(self.name()), T::SQL_TYPE)
    }
}

/// A condition on an aggregate, as `HAVING` tests it.
#[derive(Debug, Clone)]
pub(crate) enum AggregateTest {
    Compare { term: AggregateTerm, op: CompareOp, value: Value },
    Null { term: AggregateTerm, negated: bool },
}

impl AggregateTest {
    pub(crate) fn render(self, qualifier: &str, b: &mut SqlBuilder) {
        match self {
            AggregateTest::Compare { term, op, value } => {
                term.render(qualifier, b);
                b.push(op.sql()).bind(value);
            }
            AggregateTest::Null { term, negated } => {
                term.render(qualifier, b);
                b.push(if negated { " IS NOT NULL" } else { " IS NULL" });
            }
        }
    }
}

impl<M, K> Aggregate<M, K> {
    fn compare(self, op: CompareOp, value: Value) -> Expr<M> {
        // As for columns: equality with NULL is a NULL test.
        let test = match op {
            CompareOp::Eq if value.is_null() => AggregateTest::Null { term: self.term, negated: false },
            CompareOp::Ne if value.is_null() => AggregateTest::Null { term: self.term, negated: true },
            op => AggregateTest::Compare { term: self.term, op, value },
        };
        Expr::from_node(Node::Aggregate(test))
    }

    /// `aggregate IS NULL` (a `SUM`, `AVG`, `MIN` or `MAX` over no non-NULL value).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let no_hours = Task::find().select(Task::uid()).group_by(Task::uid()).having(Task::hours().sum().is_null()).all(&db).await?;
    /// assert!(no_hours.is_empty());
    /// # Ok(()) }
    /// ```
    pub fn is_null(self) -> Expr<M> {
        Expr::from_node(Node::Aggregate(AggregateTest::Null { term: self.term, negated: false }))
    }

    /// `aggregate IS NOT NULL`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let with_hours = Task::find().select(Task::uid()).group_by(Task::uid()).having(Task::hours().sum().is_not_null()).all(&db).await?;
    /// assert_eq!(with_hours.len(), 2);
    /// # Ok(()) }
    /// ```
    pub fn is_not_null(self) -> Expr<M> {
        Expr::from_node(Node::Aggregate(AggregateTest::Null { term: self.term, negated: true }))
    }

    /// Ascending order on the aggregate, in a grouped projection; NULLs come last.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let by_load = Task::find().select(Task::uid()).group_by(Task::uid()).order_by(Task::hours().sum().asc()).all(&db).await?;
    /// assert_eq!(by_load, [Some(2), Some(1)]);
    /// # Ok(()) }
    /// ```
    pub fn asc(self) -> AggregateOrder<M, K> {
        AggregateOrder { term: self.term, descending: false, _marker: PhantomData }
    }

    /// Descending order on the aggregate, in a grouped projection; NULLs come first.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let by_load = Task::find().select(Task::uid()).group_by(Task::uid()).order_by(Task::hours().sum().desc()).all(&db).await?;
    /// assert_eq!(by_load, [Some(1), Some(2)]);
    /// # Ok(()) }
    /// ```
    pub fn desc(self) -> AggregateOrder<M, K> {
        AggregateOrder { term: self.term, descending: true, _marker: PhantomData }
    }
}

/// An aggregate compares with a value of what it reads as ([`Compare`](crate::expr::Compare),
/// [`CompareOrdered`](crate::expr::CompareOrdered)), for `having`; `eq(None)` is `IS NULL`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
/// # use orm::guide::example::*;
/// # use orm::prelude::*;
/// # let db = connect_seeded().await?;
/// let per_worker = |having| Task::find().select(Task::uid()).group_by(Task::uid()).having(having).order_by(Task::uid().asc());
/// assert_eq!(per_worker(Task::id().count().eq(2)).all(&db).await?, [Some(1)]);
/// assert_eq!(per_worker(Task::id().count().ne(2)).all(&db).await?, [Some(2)]);
/// assert_eq!(per_worker(Task::hours().sum().lt(5)).all(&db).await?, [Some(2)]);
/// assert_eq!(per_worker(Task::hours().sum().le(8)).all(&db).await?, [Some(1), Some(2)]);
/// assert_eq!(per_worker(Task::hours().sum().gt(4)).all(&db).await?, [Some(1)]);
/// assert_eq!(per_worker(Task::hours().max().ge(5)).all(&db).await?, [Some(1)]);
/// assert!(per_worker(Task::hours().avg().eq(None)).all(&db).await?.is_empty());
/// # Ok(()) }
/// ```
impl<M, K> Comparand for Aggregate<M, K> {
    type Model = M;
    fn compare_with(self, op: CompareOp, value: Value) -> Expr<M> {
        self.compare(op, value)
    }
}

/// An aggregate's operand: a value of what it reads as, `K` checked (at the argument).
impl<M, K: AggregateKind, V: Operand<K::Output>> OperandOf<Aggregate<M, K>> for V {
    fn into_value(self) -> Value {
        self.into_operand()
    }
}

/// Every aggregate reads as an ordered type: its operands compare with `lt`/`gt`.
impl<M, K: AggregateKind, V: Operand<K::Output>> OrderedOperandOf<Aggregate<M, K>> for V {}

/// An `ORDER BY` term over an aggregate of kind `K` of model `M`: `User::id().count().desc()`.
/// NULL sorts as the largest value, as for columns.
pub struct AggregateOrder<M, K> {
    term: AggregateTerm,
    descending: bool,
    _marker: PhantomData<fn() -> (M, K)>,
}

impl<M, K> Clone for AggregateOrder<M, K> {
    fn clone(&self) -> Self {
        AggregateOrder { term: self.term, descending: self.descending, _marker: PhantomData }
    }
}

impl<M, K> std::fmt::Debug for AggregateOrder<M, K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let column = self.term.column.unwrap_or("*");
        let direction = if self.descending { "DESC" } else { "ASC" };
        write!(f, "{}({column}) {direction}", self.term.function.sql())
    }
}

impl<M, K: AggregateKind> AggregateOrder<M, K> {
    /// The term without its types, `K` checked.
    pub(crate) fn checked(self) -> CheckedAggregateOrder {
        CheckedAggregateOrder { term: self.term, descending: self.descending, nullable: K::Output::NULLABLE }
    }
}

/// An [`AggregateOrder`] whose kind was checked, as a projection keeps it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CheckedAggregateOrder {
    term: AggregateTerm,
    descending: bool,
    nullable: bool,
}

impl CheckedAggregateOrder {
    /// Writes the term, qualifying the column with `qualifier`.
    pub(crate) fn render(&self, qualifier: &str, b: &mut SqlBuilder) {
        let term = self.term;
        let expression = |b: &mut SqlBuilder| term.render(qualifier, b);
        b.dialect().push_order_expression(b, &expression, self.descending, self.nullable);
    }
}

/// The aggregates of the model `Self`: `M: AggregatesOf<A, R>` when `A` is an aggregate of `M`
/// read as `R`. `#[derive(Model)]` implements it, as [`ColumnOf`]: for the model's aggregates,
/// and for `Unreachable` so that rustc does not take the argument's type from a lone impl
/// (and report "mismatched types" with orm-core's source).
#[diagnostic::on_unimplemented(
    message = "`{A}` is not an aggregate of `{Self}`",
    label = "expected an aggregate of `{Self}`",
    note = "aggregate a column of the model the query is of: `User::find().aggregate(User::age().max(), &db)`, or `orm::count_all::<User>()`"
)]
pub trait AggregatesOf<A, R>: Sized {
    /// The aggregate without its types.
    #[doc(hidden)]
    fn term(aggregate: A) -> AggregateTerm;
}

/// Runs one aggregate over a query's rows: `User::find().aggregate(User::age().max(), &db)`. A
/// trait (in `orm::prelude`) for its diagnostics, as [`SumAvg`]: an aggregate of another model,
/// or over a column of the wrong type, is reported at the argument. `R` is what the aggregate
/// reads as ([`AggregateKind::Output`]).
pub trait AggregateWith<A, R>: Sized {
    /// Runs `aggregate` over every matching row (ignoring order, paging and non-required
    /// includes, as [`count`](Select::count) does).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let done = Task::find().filter(Task::done().eq(true)).aggregate(orm::count_all::<Task>(), &db).await?;
    /// assert_eq!(done, 1);
    /// # Ok(()) }
    /// ```
    fn aggregate<'e>(self, aggregate: A, db: impl IntoExecutor<'e>) -> BoxFuture<'e, Result<R>>
    where
        Self: 'e;
}

impl<M: Model + AggregatesOf<A, R>, L: IncludeList<M>, A, R: SqlValue> AggregateWith<A, R> for Select<M, L> {
    fn aggregate<'e>(self, aggregate: A, db: impl IntoExecutor<'e>) -> BoxFuture<'e, Result<R>>
    where
        Self: 'e,
    {
        Box::pin(self.run_aggregate(M::term(aggregate), db.into_executor()))
    }
}

impl<M: Model, L: IncludeList<M>> Select<M, L> {
    /// Runs the aggregate `term`, read as `R`.
    async fn run_aggregate<R: SqlValue>(self, term: AggregateTerm, mut executor: Executor<'_>) -> Result<R> {
        if self.lock.is_some() {
            return Err(Error::LockOnAggregate { model: M::meta().name });
        }
        let table = M::meta().table;
        let mut b = SqlBuilder::new(executor.dialect());
        b.push("SELECT ");
        term.render(table, &mut b);
        b.push(" FROM ").identifier(table);
        Self::write_where(self.filter, &self.includes, &mut b);
        let mut result = None;
        executor
            .fetch(b.finish_read(), &mut |row| {
                result = Some(R::decode(row, 0)?);
                Ok(())
            })
            .await?;
        // An aggregate without GROUP BY returns exactly one row.
        result.ok_or_else(|| Error::Invalid(format!("an aggregate over `{table}` returned no row")))
    }
}

/// The columns of the model `Self`, as an aggregate shortcut ([`SumAvg`], [`MinMax`]) and an
/// increment ([`Increment`](crate::write::Increment)) take them: `M: ColumnOf<C>` when `C` is
/// a column of `M`.
///
/// The model is `Self` and `#[derive(Model)]` implements it, as
/// [`Conditions`](crate::narrow::Conditions) (also for [`Unreachable`](crate::narrow::Unreachable)):
/// rustc then quotes the model's own impl, at its derive, under a column of another model.
#[diagnostic::on_unimplemented(
    message = "`{C}` is not a column of `{Self}`",
    label = "expected a column of `{Self}`",
    note = "name a column of the model the query or row is of: `User::find().sum(User::age(), &db)`"
)]
pub trait ColumnOf<C>: Sized {
    /// The column's Rust type.
    #[doc(hidden)]
    type Type: SqlValue;
    /// The column.
    #[doc(hidden)]
    fn column(column: C) -> Column<Self, Self::Type>;
}

/// `sum` and `avg` of a query over one column: `User::find().sum(User::age(), &db)`. A trait (in
/// `orm::prelude`) for its diagnostics, as [`Filter`](crate::narrow::Filter): a column that is
/// not numeric, or not of the queried model, is reported at the argument.
///
/// `S` is what the sum reads as ([`Numeric::Sum`]), a parameter rather than an associated
/// type so that the futures' types do not depend on the impl (whose bounds rustc would then
/// repeat at the call and at its `.await`).
pub trait SumAvg<C, S>: Sized {
    /// The sum of `column` over every matching row (see [`Column::sum`]; order and paging are
    /// ignored, as by [`count`](Select::count)); `None` when no row has a value.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// assert_eq!(Task::find().filter(Task::uid().eq(1)).sum(Task::hours(), &db).await?, Some(8));
    /// assert_eq!(Task::find().filter(Task::id().eq(99)).sum(Task::hours(), &db).await?, None);
    /// # Ok(()) }
    /// ```
    fn sum<'e>(self, column: C, db: impl IntoExecutor<'e>) -> BoxFuture<'e, Result<Option<S>>>
    where
        Self: 'e;

    /// The average of `column` over every matching row, as a float (see [`Column::avg`];
    /// order and paging are ignored); `None` when no row has a value.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// assert_eq!(Task::find().filter(Task::uid().eq(1)).avg(Task::hours(), &db).await?, Some(4.0));
    /// # Ok(()) }
    /// ```
    fn avg<'e>(self, column: C, db: impl IntoExecutor<'e>) -> BoxFuture<'e, Result<Option<f64>>>
    where
        Self: 'e;
}

impl<M: Model, L: IncludeList<M>, C, S> SumAvg<C, S> for Select<M, L>
where
    M: ColumnOf<C>,
    <M as ColumnOf<C>>::Type: Numeric<Sum = S>,
    S: Scalar,
{
    fn sum<'e>(self, column: C, db: impl IntoExecutor<'e>) -> BoxFuture<'e, Result<Option<S>>>
    where
        Self: 'e,
    {
        Box::pin(self.run_aggregate(M::column(column).sum().term, db.into_executor()))
    }

    fn avg<'e>(self, column: C, db: impl IntoExecutor<'e>) -> BoxFuture<'e, Result<Option<f64>>>
    where
        Self: 'e,
    {
        Box::pin(self.run_aggregate(M::column(column).avg().term, db.into_executor()))
    }
}

/// `min` and `max` of a query over one column: `User::find().max(User::age(), &db)`, as
/// [`SumAvg`]; `V` is what the extremes read as, the column's type without its `Option`
/// ([`Ordered::Value`]).
pub trait MinMax<C, V>: Sized {
    /// The smallest value of `column` over every matching row (order and paging are
    /// ignored); `None` when no row has a value.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// assert_eq!(Task::find().min(Task::hours(), &db).await?, Some(2));
    /// # Ok(()) }
    /// ```
    fn min<'e>(self, column: C, db: impl IntoExecutor<'e>) -> BoxFuture<'e, Result<Option<V>>>
    where
        Self: 'e;

    /// The largest value of `column` over every matching row (order and paging are
    /// ignored); `None` when no row has a value.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// assert_eq!(Task::find().max(Task::title(), &db).await?, Some("write".to_owned()));
    /// # Ok(()) }
    /// ```
    fn max<'e>(self, column: C, db: impl IntoExecutor<'e>) -> BoxFuture<'e, Result<Option<V>>>
    where
        Self: 'e;
}

impl<M: Model, L: IncludeList<M>, C, V> MinMax<C, V> for Select<M, L>
where
    M: ColumnOf<C>,
    <M as ColumnOf<C>>::Type: Ordered<Value = V>,
    V: Scalar,
{
    fn min<'e>(self, column: C, db: impl IntoExecutor<'e>) -> BoxFuture<'e, Result<Option<V>>>
    where
        Self: 'e,
    {
        Box::pin(self.run_aggregate(M::column(column).min().term, db.into_executor()))
    }

    fn max<'e>(self, column: C, db: impl IntoExecutor<'e>) -> BoxFuture<'e, Result<Option<V>>>
    where
        Self: 'e,
    {
        Box::pin(self.run_aggregate(M::column(column).max().term, db.into_executor()))
    }
}
