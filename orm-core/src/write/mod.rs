//! Row-level writes beyond `save` and `destroy`: [`reload`](crate::Model::reload), atomic
//! [`increment`](Increment::increment)/[`decrement`](Increment::decrement) (and their bulk
//! form on [`Update`](crate::Update), [`IncrementColumn`](crate::query::IncrementColumn)), optimistic locking (`#[model(version)]`, see
//! [`version`]), [`upsert`](crate::Model::upsert) and
//! [`find_or_create`](crate::Model::find_or_create).
//!
//! Every operation that needs more than one statement runs them in one unit
//! ([`crate::Atomic`]), so a failure part way leaves nothing behind.

mod find_or_create;
mod upsert;
pub mod version;

use crate::db::{Atomic, Executor, IntoExecutor};
use crate::driver::{Access, BoxFuture, Statement};
use crate::error::{Error, Result};
use crate::expr::Column;
use crate::key::KeyCols;
use crate::meta::ModelMeta;
use crate::model::{Model, fetch_models, write_select};
use crate::query::aggregate::ColumnOf;
use crate::sql::SqlBuilder;
use crate::value::{SqlValue, Value, now_value};

pub(crate) use find_or_create::find_or_create;
pub use upsert::Upsert;

/// A column type `increment` and `decrement` apply to: `i16`, `i32`, `i64`, `f32`, `f64` and an
/// `Option` of each. A NULL stays NULL, as in SQL (`NULL + 1` is NULL).
///
/// ```compile_fail
/// # use orm_core::write::Numeric;
/// fn numeric<T: Numeric>() {}
/// numeric::<String>(); // text cannot be incremented
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a numeric column, so it cannot be incremented or decremented",
    label = "not a numeric column",
    note = "`increment` and `decrement` apply to columns of type i16, i32, i64, f32, f64 or an `Option` of one"
)]
pub trait Numeric: SqlValue {
    /// The type of the amount: the column's type without its `Option`.
    type Amount: SqlValue;
}

macro_rules! numeric {
    ($($ty:ty),*) => {$(
        impl Numeric for $ty {
            type Amount = $ty;
        }

        impl Numeric for Option<$ty> {
            type Amount = $ty;
        }
    )*};
}

numeric!(i16, i32, i64, f32, f64);

/// An amount `increment` and `decrement` add to a column whose type is `T` or `Option<T>`
/// (`T` is [`Numeric::Amount`]): a `T` (`1` for an `Option<i32>` column).
#[diagnostic::on_unimplemented(
    message = "the amount to add or subtract is a `{T}`, not `{Self}`",
    label = "the amount given for this column is not a `{T}`",
    note = "the amount of `increment`/`decrement` is a plain number of the column's type, also for an `Option` column: `user.increment(&db, User::age(), 1)`"
)]
pub trait AmountOf<T>: SqlValue {}

macro_rules! amounts {
    ($($ty:ty),*) => {$(
        impl AmountOf<$ty> for $ty {}
    )*};
}

amounts!(i16, i32, i64, f32, f64);

/// A numeric column type (`Self`) and an amount `B` for it: what `increment` and `decrement`
/// check, the column's type first ([`Numeric`]'s message when it is not numeric), then the
/// amount ([`AmountOf`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a numeric column, so it cannot be incremented or decremented",
    label = "not a numeric column",
    note = "`increment` and `decrement` apply to columns of type i16, i32, i64, f32, f64 or an `Option` of one"
)]
pub trait NumericAmount<B>: Numeric {
    /// The amount as a bound value.
    #[doc(hidden)]
    fn amount(by: B) -> Value;
}

macro_rules! numeric_amounts {
    ($($ty:ty),*) => {$(
        impl<B: AmountOf<$ty>> NumericAmount<B> for $ty {
            fn amount(by: B) -> Value {
                by.into_value()
            }
        }

        impl<B: AmountOf<$ty>> NumericAmount<B> for Option<$ty> {
            fn amount(by: B) -> Value {
                by.into_value()
            }
        }
    )*};
}

numeric_amounts!(i16, i32, i64, f32, f64);

/// `increment` and `decrement` of a row (in `orm::prelude`): `user.increment(&db, User::age(), 2)`.
/// A trait rather than a method of [`Model`], so that a column that is not numeric (or not
/// the row's model's), or an amount of the wrong type, is reported at the argument. The future
/// is boxed: an `impl Future` of the impl would repeat the argument's error at the call and at
/// its `.await`, quoting this impl's bounds.
pub trait Increment<C, B>: Sized {
    /// Adds `by` to a numeric column of this row in the database, atomically
    /// (`UPDATE … SET "age" = "age" + ? WHERE <pk>`, so concurrent increments all count), then
    /// overwrites `self` with the row as stored: other unsaved changes to `self` are replaced.
    /// `updated_at` is refreshed and a version column incremented, as by every update; no hook
    /// runs (as for bulk updates). A NULL stays NULL, as in SQL. A result outside the column's
    /// type is a database error on every backend and writes nothing. Fails with
    /// [`Error::NotFound`] when the row was deleted. `user.increment(&db, User::age(), 2)`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let mut task = Task::find_by_pk(&db, 1).await?.expect("seeded");
    /// task.increment(&db, Task::hours(), 2).await?;
    /// assert_eq!(task.hours, 5);
    /// # Ok(()) }
    /// ```
    fn increment<'a>(&'a mut self, db: impl IntoExecutor<'a>, column: C, by: B) -> BoxFuture<'a, Result<()>>;

    /// Subtracts `by` from a numeric column of this row, as [`increment`](Self::increment) adds.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let mut task = Task::find_by_pk(&db, 1).await?.expect("seeded");
    /// task.decrement(&db, Task::hours(), 1).await?;
    /// assert_eq!(task.hours, 2);
    /// # Ok(()) }
    /// ```
    fn decrement<'a>(&'a mut self, db: impl IntoExecutor<'a>, column: C, by: B) -> BoxFuture<'a, Result<()>>;
}

impl<M: Model, C, B> Increment<C, B> for M
where
    M: ColumnOf<C>,
    <M as ColumnOf<C>>::Type: NumericAmount<B>,
{
    fn increment<'a>(&'a mut self, db: impl IntoExecutor<'a>, column: C, by: B) -> BoxFuture<'a, Result<()>> {
        Box::pin(increment(
            self,
            db.into_executor(),
            Delta::of(M::column(column), <<M as ColumnOf<C>>::Type as NumericAmount<B>>::amount(by), false),
        ))
    }

    fn decrement<'a>(&'a mut self, db: impl IntoExecutor<'a>, column: C, by: B) -> BoxFuture<'a, Result<()>> {
        Box::pin(increment(
            self,
            db.into_executor(),
            Delta::of(M::column(column), <<M as ColumnOf<C>>::Type as NumericAmount<B>>::amount(by), true),
        ))
    }
}

/// Columns of model `M` named by an upsert: one column (`User::email()`), a tuple of them
/// (`(User::name(), User::age())`), or `()` for none.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a column of `{M}` nor a tuple of its columns",
    label = "expected `{M}::column()` or a tuple of `{M}`'s columns",
    note = "name columns of the model being written or queried: `User::email()`, or `(User::name(), User::age())`"
)]
pub trait Columns<M> {
    /// The columns' SQL names, in order.
    fn names(self) -> Vec<&'static str>;
}

impl<M, T> Columns<M> for Column<M, T> {
    fn names(self) -> Vec<&'static str> {
        vec![self.name()]
    }
}

impl<M> Columns<M> for () {
    fn names(self) -> Vec<&'static str> {
        Vec::new()
    }
}

macro_rules! column_tuples {
    ($(($($t:ident $v:ident),+);)*) => {$(
        impl<M, $($t),+> Columns<M> for ($(Column<M, $t>,)+) {
            fn names(self) -> Vec<&'static str> {
                let ($($v,)+) = self;
                vec![$($v.name()),+]
            }
        }
    )*};
}

column_tuples! {
    (A a);
    (A a, B b);
    (A a, B b, C c);
    (A a, B b, C c, D d);
    (A a, B b, C c, D d, E e);
    (A a, B b, C c, D d, E e, F f);
    (A a, B b, C c, D d, E e, F f, G g);
    (A a, B b, C c, D d, E e, F f, G g, H h);
    (A a, B b, C c, D d, E e, F f, G g, H h, I i);
    (A a, B b, C c, D d, E e, F f, G g, H h, I i, J j);
    (A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k);
    (A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l);
}

/// The columns a model's upsert names (`on_conflict`, `update`) and a projection groups by
/// (`group_by`): `M: ColumnsOf<C>` when `C` is
/// a column of `M`, a tuple of them or `()` ([`Columns<M>`]).
///
/// The model is `Self` and `#[derive(Model)]` implements it (forwarding to [`Columns`]), as
/// [`Conditions`](crate::narrow::Conditions): rustc then quotes the model's own impls, at its
/// derive, under a column of another model.
#[diagnostic::on_unimplemented(
    message = "`{C}` is not a column of `{Self}` nor a tuple of its columns",
    label = "expected `{Self}::column()` or a tuple of `{Self}`'s columns",
    note = "name columns of the model being written or queried: `User::email()`, or `(User::name(), User::age())`"
)]
pub trait ColumnsOf<C> {
    /// The columns' SQL names, in order.
    #[doc(hidden)]
    fn names(columns: C) -> Vec<&'static str>;
}

/// `on_conflict` and `update` of an upsert (in `orm::prelude`): a trait, so that a column of
/// another model is reported at the argument (see [`ColumnsOf`]).
pub trait UpsertColumns<C>: Sized {
    /// The unique key whose conflict turns the insert into an update.
    fn on_conflict(self, target: C) -> Self;
    /// The columns a conflict updates.
    fn update(self, columns: C) -> Self;
}

/// A column moved by an amount in an `UPDATE`: `"c" = "c" + ?` (or `- ?`).
#[derive(Debug, Clone)]
pub(crate) struct Delta {
    pub(crate) column: &'static str,
    pub(crate) amount: Value,
    pub(crate) subtract: bool,
}

impl Delta {
    pub(crate) fn of<M, T>(column: Column<M, T>, amount: Value, subtract: bool) -> Self {
        Delta { column: column.name(), amount, subtract }
    }
}

/// Writes the assignments of an `UPDATE … SET`: the values, the deltas, then what every update
/// through the ORM does unless the caller assigns it: `updated_at` takes the current time and a
/// version column is incremented (a bulk change makes every loaded copy stale). Returns whether
/// anything was written (nothing: no statement should run).
pub(crate) fn write_assignments(
    b: &mut SqlBuilder,
    meta: &ModelMeta,
    mut values: Vec<(&'static str, Value)>,
    deltas: Vec<Delta>,
) -> Result<bool> {
    let assigned = |values: &[(&str, Value)], deltas: &[Delta], name: &str| {
        values.iter().any(|(column, _)| *column == name) || deltas.iter().any(|d| d.column == name)
    };
    if let Some(updated_at) = meta.columns.iter().find(|c| c.updated_at)
        && !assigned(&values, &deltas, updated_at.name)
    {
        values.push((updated_at.name, now_value(updated_at.sql_type)?));
    }
    if values.is_empty() && deltas.is_empty() {
        return Ok(false);
    }
    let version = meta.version_column().filter(|v| !assigned(&values, &deltas, v.name));
    let mut first = true;
    let mut separate = |b: &mut SqlBuilder| {
        if !std::mem::take(&mut first) {
            b.push(", ");
        }
    };
    for (column, value) in values {
        separate(b);
        b.identifier(column).push(" = ").bind(value);
    }
    for delta in deltas {
        separate(b);
        b.add_assignment(delta.column, delta.amount, delta.subtract);
    }
    if let Some(version) = version {
        separate(b);
        version::write_bump(b, version.name);
    }
    Ok(true)
}

/// Loads the row with these key values (in key order), with the model's cached text; `access`
/// says whether a read replica may answer.
pub(crate) async fn fetch_by_key<M: Model>(
    executor: &mut Executor<'_>,
    key: Vec<Value>,
    access: Access,
) -> Result<Option<M>> {
    let meta = M::meta();
    let sql = M::statements().find_by_pk.get(executor.dialect(), |b| {
        write_select::<M>(b);
        b.push(" WHERE ");
        b.key_eq_placeholders(meta.table, &KeyCols::of(meta, &[]));
    });
    let mut rows = fetch_models::<M>(executor, Statement { sql, args: key, access }).await?;
    Ok(rows.pop())
}

/// Whether the row with `row`'s primary key exists.
pub(crate) async fn row_exists<M: Model>(executor: &mut Executor<'_>, row: &M) -> Result<bool> {
    let meta = M::meta();
    let mut b = SqlBuilder::new(executor.dialect());
    b.count_from(meta.table).push(" WHERE ");
    b.key_eq(meta.table, &KeyCols::of(meta, &[]), crate::key::model_key(row));
    Ok(executor.fetch_count(b.finish()).await? > 0)
}

/// `Model::reload`: reads the row by its primary key and overwrites `row` with it. On the
/// primary: a reload is asked for the row as it is now, typically after a write.
pub(crate) async fn reload<M: Model>(row: &mut M, mut executor: Executor<'_>) -> Result<()> {
    match fetch_by_key::<M>(&mut executor, row.key_values(), Access::Write).await? {
        Some(fresh) => {
            *row = fresh;
            Ok(())
        }
        None => Err(Error::NotFound { model: M::meta().name }),
    }
}

/// `Model::increment`/`decrement`: one `UPDATE … SET "c" = "c" + ?` by primary key, then `row`
/// is overwritten with the row as stored: through `RETURNING` where the backend returns updated
/// rows, otherwise by reading it back in the same unit.
pub(crate) async fn increment<M: Model>(row: &mut M, executor: Executor<'_>, delta: Delta) -> Result<()> {
    let meta = M::meta();
    let dialect = executor.dialect();
    let mut b = SqlBuilder::new(dialect);
    b.update_set(meta.table);
    write_assignments(&mut b, meta, Vec::new(), vec![delta])?;
    b.push(" WHERE ");
    b.key_eq(meta.table, &KeyCols::of(meta, &[]), crate::key::model_key(row));
    let not_found = || Error::NotFound { model: meta.name };
    if dialect.supports_update_returning() {
        b.returning(meta.columns);
        let mut executor = executor;
        let mut rows = fetch_models::<M>(&mut executor, b.finish()).await?;
        *row = rows.pop().ok_or_else(not_found)?;
        return Ok(());
    }
    let statement = b.finish();
    let key = row.key_values();
    *row = Atomic::run(executor, move |atomic| {
        Box::pin(async move {
            if atomic.executor().execute(statement).await? == 0 {
                return Err(not_found());
            }
            fetch_by_key::<M>(&mut atomic.executor(), key, Access::Write).await?.ok_or_else(not_found)
        })
    })
    .await?;
    Ok(())
}
