//! Typed column expressions. `User::name()` is a [`Column<User, String>`]; comparing it with a
//! value of another type, or using it in a query over another model, does not compile.

use std::marker::PhantomData;

use crate::sql::SqlBuilder;
use crate::value::{Comparable, Operand, SqlValue, Value};

/// A column of model `M` holding values of type `T`. Generated as `Model::column_name()`.
pub struct Column<M, T> {
    name: &'static str,
    _marker: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Clone for Column<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, T> Copy for Column<M, T> {}

impl<M, T> std::fmt::Debug for Column<M, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Column({})", self.name)
    }
}

impl<M, T> Column<M, T> {
    /// The column named `name` (its SQL name). Generated code calls this.
    pub const fn new(name: &'static str) -> Self {
        Column { name, _marker: PhantomData }
    }

    /// The column's SQL name.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// assert_eq!(Task::uid().name(), "uid");
    /// # Ok(()) }
    /// ```
    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl<M, T> Column<M, T> {
    fn is_in_list<V: Operand<T>>(self, values: impl IntoIterator<Item = V>, negated: bool) -> Expr<M> {
        let values = values.into_iter().map(Operand::into_operand).collect();
        Expr::from_node(Node::In { column: self.name, values, negated })
    }

    fn compare(self, op: CompareOp, value: Value) -> Expr<M> {
        // Sequelize's `{ col: null }`: equality with NULL is a NULL test, never a comparison
        // that SQL would answer with UNKNOWN for every row.
        let node = match op {
            CompareOp::Eq if value.is_null() => Node::Null { column: self.name, negated: false },
            CompareOp::Ne if value.is_null() => Node::Null { column: self.name, negated: true },
            op => Node::Compare { column: self.name, op, value },
        };
        Expr::from_node(node)
    }

    /// `column IS NULL`
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// assert_eq!(User::find().filter(User::email().is_null()).count(&db).await?, 1);
    /// # Ok(()) }
    /// ```
    pub fn is_null(self) -> Expr<M> {
        Expr::from_node(Node::Null { column: self.name, negated: false })
    }

    /// `column IS NOT NULL`
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// assert_eq!(User::find().filter(User::email().is_not_null()).count(&db).await?, 1);
    /// # Ok(()) }
    /// ```
    pub fn is_not_null(self) -> Expr<M> {
        Expr::from_node(Node::Null { column: self.name, negated: true })
    }

    /// Ascending order on this column; NULLs come last, on every backend. The column's type
    /// must be [`Comparable`] (not JSON), which `order_by` checks where the order is used.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let titles = Task::find().order_by(Task::hours().asc()).select(Task::title()).all(&db).await?;
    /// assert_eq!(titles, ["review", "write", "ship"]);
    /// # Ok(()) }
    /// ```
    pub fn asc(self) -> ColumnOrder<M, T> {
        ColumnOrder { column: self.name, descending: false, _marker: PhantomData }
    }

    /// Descending order on this column; NULLs come first, on every backend.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let titles = Task::find().order_by(Task::title().desc()).select(Task::title()).all(&db).await?;
    /// assert_eq!(titles, ["write", "ship", "review"]);
    /// # Ok(()) }
    /// ```
    pub fn desc(self) -> ColumnOrder<M, T> {
        ColumnOrder { column: self.name, descending: true, _marker: PhantomData }
    }
}

/// What [`Compare`] and [`CompareOrdered`] compare with a value: a column ([`Column`]) or an
/// aggregate ([`Aggregate`](crate::Aggregate)) of the model `Model`.
pub trait Comparand: Sized {
    /// The model whose rows the comparison tests.
    type Model;
    /// `self op value`.
    #[doc(hidden)]
    fn compare_with(self, op: CompareOp, value: Value) -> Expr<Self::Model>;
}

impl<M, T> Comparand for Column<M, T> {
    type Model = M;
    fn compare_with(self, op: CompareOp, value: Value) -> Expr<M> {
        self.compare(op, value)
    }
}

/// A value that `C` (a [`Comparand`]) is compared with: for a `Column<M, T>`, an
/// [`Operand<T>`]; for an aggregate, an operand of what it reads as. Implemented for any value
/// under that bound, so that a value of the wrong type is reported at the argument by
/// [`Operand`]'s message (and an aggregate of a column it does not apply to, by
/// [`Numeric`](crate::Numeric)'s or [`Ordered`](crate::Ordered)'s).
pub trait OperandOf<C>: Sized {
    /// The bindable value.
    #[doc(hidden)]
    fn into_value(self) -> Value;
}

impl<M, T, V: Operand<T>> OperandOf<Column<M, T>> for V {
    fn into_value(self) -> Value {
        self.into_operand()
    }
}

/// A value that `C` is compared with by `lt`/`gt`: as [`OperandOf`], and the column's type is
/// [`Comparable`].
pub trait OrderedOperandOf<C>: OperandOf<C> {}

impl<M, T, V: OrderedOperand<T>> OrderedOperandOf<Column<M, T>> for V {}

/// A typed column, `Column<M, T>`: what [`CompareIn`] is implemented for.
pub trait TypedColumn: Comparand {
    /// The column's Rust type.
    type Value;
    /// The column, typed.
    #[doc(hidden)]
    fn column(self) -> Column<Self::Model, Self::Value>;
}

impl<M, T> TypedColumn for Column<M, T> {
    type Value = T;
    fn column(self) -> Column<M, T> {
        self
    }
}

/// Equality of a column with a value: `Task::title().eq("ship")`. In `orm::prelude`.
///
/// A trait rather than inherent methods for its diagnostic: implemented for every column with
/// any argument `V: Operand<T>`, so that a value of the wrong type is reported by
/// [`Operand`]'s message at the argument, and rustc has no impl of orm-core to quote under it
/// (it quotes neither generic impls nor the bound of an inherent method). Aggregates compare
/// the same way, for `having` (`Task::hours().sum().gt(4)`).
pub trait Compare<V>: Comparand {
    /// `column = value`; `eq(None)` on an `Option` column is `column IS NULL`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let titles: Vec<String> = Task::find().filter(Task::uid().eq(2)).order_by(Task::id().asc()).select(Task::title()).all(&db).await?;
    /// assert_eq!(titles, ["review"]);
    /// Task::update().set(Task::uid(), None).filter(Task::id().eq(3)).exec(&db).await?;
    /// assert_eq!(Task::find().filter(Task::uid().eq(None)).count(&db).await?, 1); // `eq(None)` is `IS NULL`
    /// # Ok(()) }
    /// ```
    fn eq(self, value: V) -> Expr<Self::Model>;

    /// `column <> value`; `ne(None)` on an `Option` column is `column IS NOT NULL`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let titles: Vec<String> = Task::find().filter(Task::title().ne("write")).order_by(Task::id().asc()).select(Task::title()).all(&db).await?;
    /// assert_eq!(titles, ["ship", "review"]);
    /// # Ok(()) }
    /// ```
    fn ne(self, value: V) -> Expr<Self::Model>;
}

impl<C: Comparand, V: OperandOf<C>> Compare<V> for C {
    fn eq(self, value: V) -> Expr<C::Model> {
        self.compare_with(CompareOp::Eq, value.into_value())
    }

    fn ne(self, value: V) -> Expr<C::Model> {
        self.compare_with(CompareOp::Ne, value.into_value())
    }
}

/// Membership of a column's value in a list: `Task::id().is_in([1, 3])`. In `orm::prelude`.
/// Implemented as [`Compare`]: the list's items carry the bound, so that an item of the wrong
/// type is reported by [`Operand`]'s message at the argument.
pub trait CompareIn<I>: TypedColumn {
    /// `column IN (values…)`; an empty list matches nothing. As in SQL, a NULL in the list
    /// never matches: a row that matches no other value is UNKNOWN, so `not` of it is too.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let titles: Vec<String> = Task::find().filter(Task::id().is_in([1, 3])).order_by(Task::id().asc()).select(Task::title()).all(&db).await?;
    /// assert_eq!(titles, ["write", "review"]);
    /// assert_eq!(Task::find().filter(Task::id().is_in(Vec::<i64>::new())).count(&db).await?, 0);
    /// # Ok(()) }
    /// ```
    // The name is the API's (Sequelize's `Op.in`), and a column is `Copy`: taken by value.
    #[allow(clippy::wrong_self_convention)]
    fn is_in(self, values: I) -> Expr<Self::Model>;

    /// `column NOT IN (values…)`; an empty list matches everything, NULL rows included. A NULL
    /// row, or a NULL in the list, makes SQL's answer UNKNOWN: the row does not match.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let titles: Vec<String> = Task::find().filter(Task::id().not_in([1, 3])).order_by(Task::id().asc()).select(Task::title()).all(&db).await?;
    /// assert_eq!(titles, ["ship"]);
    /// # Ok(()) }
    /// ```
    fn not_in(self, values: I) -> Expr<Self::Model>;
}

impl<C: TypedColumn, I: IntoIterator<Item: Operand<C::Value>>> CompareIn<I> for C {
    fn is_in(self, values: I) -> Expr<C::Model> {
        self.column().is_in_list(values, false)
    }

    fn not_in(self, values: I) -> Expr<C::Model> {
        self.column().is_in_list(values, true)
    }
}

/// Order comparisons of a column with a value: `Task::hours().gt(2)`. In `orm::prelude`.
/// The column's type must be [`Comparable`] (not JSON): the argument's bound says so, at the
/// argument, as [`Compare`].
pub trait CompareOrdered<V>: Comparand {
    /// `column < value`
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let titles: Vec<String> = Task::find().filter(Task::hours().lt(3)).order_by(Task::id().asc()).select(Task::title()).all(&db).await?;
    /// assert_eq!(titles, ["review"]);
    /// # Ok(()) }
    /// ```
    fn lt(self, value: V) -> Expr<Self::Model>;

    /// `column <= value`
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let titles: Vec<String> = Task::find().filter(Task::hours().le(3)).order_by(Task::id().asc()).select(Task::title()).all(&db).await?;
    /// assert_eq!(titles, ["write", "review"]);
    /// # Ok(()) }
    /// ```
    fn le(self, value: V) -> Expr<Self::Model>;

    /// `column > value`
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let titles: Vec<String> = Task::find().filter(Task::hours().gt(3)).order_by(Task::id().asc()).select(Task::title()).all(&db).await?;
    /// assert_eq!(titles, ["ship"]);
    /// # Ok(()) }
    /// ```
    fn gt(self, value: V) -> Expr<Self::Model>;

    /// `column >= value`
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let titles: Vec<String> = Task::find().filter(Task::hours().ge(3)).order_by(Task::id().asc()).select(Task::title()).all(&db).await?;
    /// assert_eq!(titles, ["write", "ship"]);
    /// # Ok(()) }
    /// ```
    fn ge(self, value: V) -> Expr<Self::Model>;
}

impl<C: Comparand, V: OrderedOperandOf<C>> CompareOrdered<V> for C {
    fn lt(self, value: V) -> Expr<C::Model> {
        self.compare_with(CompareOp::Lt, value.into_value())
    }

    fn le(self, value: V) -> Expr<C::Model> {
        self.compare_with(CompareOp::Le, value.into_value())
    }

    fn gt(self, value: V) -> Expr<C::Model> {
        self.compare_with(CompareOp::Gt, value.into_value())
    }

    fn ge(self, value: V) -> Expr<C::Model> {
        self.compare_with(CompareOp::Ge, value.into_value())
    }
}

/// An operand of an ordered column: `V: Operand<T>` with `T: Comparable`. Bounding the
/// argument (rather than the column) leaves the method found, so that rustc reports a JSON
/// column with [`Comparable`]'s message, at the argument.
pub trait OrderedOperand<T>: Operand<T> {}

impl<V: Operand<T>, T: Comparable> OrderedOperand<T> for V {}

/// Column types `like` applies to: `String` and `Option<String>`.
#[diagnostic::on_unimplemented(message = "`like` needs a text column, and `{Self}` is not text")]
pub trait TextColumn {}
impl TextColumn for String {}
impl TextColumn for Option<String> {}

impl<M, T: SqlValue + TextColumn> Column<M, T> {
    /// `column LIKE pattern`, case-sensitive on every backend: `%` matches any run of
    /// characters, `_` one character, and `\` makes the next character literal (`\%`, `\_`,
    /// `\\`); a trailing lone `\` is a literal backslash. A NULL column does not match.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let titles: Vec<String> = Task::find().filter(Task::title().like("%i%")).order_by(Task::id().asc()).select(Task::title()).all(&db).await?;
    /// assert_eq!(titles, ["write", "ship", "review"]);
    /// assert_eq!(Task::find().filter(Task::title().like("W%")).count(&db).await?, 0); // case-sensitive
    /// # Ok(()) }
    /// ```
    pub fn like(self, pattern: impl Into<String>) -> Expr<M> {
        Expr::from_node(Node::Like {
            column: self.name,
            pattern: like_pattern(pattern.into()),
            case_insensitive: false,
        })
    }

    /// `column ILIKE pattern`: [`like`](Column::like), case-insensitive. SQLite folds ASCII
    /// letters only; PostgreSQL folds every letter.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let titles: Vec<String> = Task::find().filter(Task::title().ilike("W%")).order_by(Task::id().asc()).select(Task::title()).all(&db).await?;
    /// assert_eq!(titles, ["write"]);
    /// # Ok(()) }
    /// ```
    pub fn ilike(self, pattern: impl Into<String>) -> Expr<M> {
        Expr::from_node(Node::Like { column: self.name, pattern: like_pattern(pattern.into()), case_insensitive: true })
    }
}

/// Escapes a trailing lone `\`, which PostgreSQL rejects and SQLite ignores, so that it means a
/// literal backslash on both.
fn like_pattern(mut pattern: String) -> String {
    let trailing = pattern.chars().rev().take_while(|c| *c == '\\').count();
    if trailing % 2 == 1 {
        pattern.push('\\');
    }
    pattern
}

/// A comparison operator.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CompareOp {
    pub(crate) fn sql(self) -> &'static str {
        match self {
            CompareOp::Eq => " = ",
            CompareOp::Ne => " <> ",
            CompareOp::Lt => " < ",
            CompareOp::Le => " <= ",
            CompareOp::Gt => " > ",
            CompareOp::Ge => " >= ",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Compare {
        column: &'static str,
        op: CompareOp,
        value: Value,
    },
    In {
        column: &'static str,
        values: Vec<Value>,
        negated: bool,
    },
    Null {
        column: &'static str,
        negated: bool,
    },
    Like {
        column: &'static str,
        pattern: String,
        case_insensitive: bool,
    },
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Aggregate(crate::query::aggregate::AggregateTest),
    /// A condition over the targets of an association (`User::tasks().any(…)`).
    Related(Box<crate::include::AssociationFilter>),
}

impl Node {
    pub(crate) fn render(self, qualifier: &str, b: &mut SqlBuilder) {
        match self {
            Node::Compare { column, op, value } => {
                b.qualified(qualifier, column).push(op.sql()).bind(value);
            }
            Node::In { column, values, negated } => {
                b.in_list(qualifier, column, values, negated);
            }
            Node::Null { column, negated } => {
                b.qualified(qualifier, column).push(if negated { " IS NOT NULL" } else { " IS NULL" });
            }
            Node::Like { column, pattern, case_insensitive } => {
                b.dialect().push_like(b, (qualifier, column), pattern, case_insensitive);
            }
            Node::And(nodes) => render_joined(nodes, " AND ", "1 = 1", qualifier, b),
            Node::Or(nodes) => render_joined(nodes, " OR ", "1 = 0", qualifier, b),
            Node::Not(node) => {
                b.push("NOT (");
                node.render(qualifier, b);
                b.push(")");
            }
            Node::Aggregate(test) => test.render(qualifier, b),
            Node::Related(filter) => filter.render(qualifier, b),
        }
    }
}

fn render_joined(nodes: Vec<Node>, separator: &str, empty: &str, qualifier: &str, b: &mut SqlBuilder) {
    if nodes.is_empty() {
        b.push(empty);
        return;
    }
    b.push("(");
    for (i, node) in nodes.into_iter().enumerate() {
        if i > 0 {
            b.push(separator);
        }
        node.render(qualifier, b);
    }
    b.push(")");
}

/// A boolean condition over the columns of model `M`.
///
/// Built from columns (`User::age().ge(18)`) and combined with [`Expr::and`], [`Expr::or`],
/// [`Expr::not`] (or the `&`, `|` and `!` operators).
pub struct Expr<M> {
    pub(crate) node: Node,
    _marker: PhantomData<fn() -> M>,
}

impl<M> Clone for Expr<M> {
    fn clone(&self) -> Self {
        Expr::from_node(self.node.clone())
    }
}

impl<M> std::fmt::Debug for Expr<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.node.fmt(f)
    }
}

impl<M> Expr<M> {
    pub(crate) fn from_node(node: Node) -> Self {
        Expr { node, _marker: PhantomData }
    }

    /// Both conditions.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let titles: Vec<String> = Task::find().filter(Task::done().eq(false).and(Task::hours().gt(2))).order_by(Task::id().asc()).select(Task::title()).all(&db).await?;
    /// assert_eq!(titles, ["write"]);
    /// # Ok(()) }
    /// ```
    pub fn and(self, other: Expr<M>) -> Expr<M> {
        Expr::from_node(match self.node {
            Node::And(mut nodes) => {
                nodes.push(other.node);
                Node::And(nodes)
            }
            node => Node::And(vec![node, other.node]),
        })
    }

    /// Either condition.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let titles: Vec<String> = Task::find().filter(Task::done().eq(true).or(Task::uid().eq(2))).order_by(Task::id().asc()).select(Task::title()).all(&db).await?;
    /// assert_eq!(titles, ["ship", "review"]);
    /// # Ok(()) }
    /// ```
    pub fn or(self, other: Expr<M>) -> Expr<M> {
        Expr::from_node(match self.node {
            Node::Or(mut nodes) => {
                nodes.push(other.node);
                Node::Or(nodes)
            }
            node => Node::Or(vec![node, other.node]),
        })
    }

    /// The negated condition.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let titles: Vec<String> = Task::find().filter(Task::done().eq(true).not()).order_by(Task::id().asc()).select(Task::title()).all(&db).await?;
    /// assert_eq!(titles, ["write", "review"]);
    /// # Ok(()) }
    /// ```
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Expr<M> {
        Expr::from_node(Node::Not(Box::new(self.node)))
    }

    /// All of `conditions` (true when empty).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let titles: Vec<String> = Task::find().filter(orm::Expr::all([Task::done().eq(false), Task::uid().eq(1)])).order_by(Task::id().asc()).select(Task::title()).all(&db).await?;
    /// assert_eq!(titles, ["write"]);
    /// assert_eq!(Task::find().filter(orm::Expr::all([])).count(&db).await?, 3); // none: true
    /// # Ok(()) }
    /// ```
    pub fn all(conditions: impl IntoIterator<Item = Expr<M>>) -> Expr<M> {
        Expr::from_node(Node::And(conditions.into_iter().map(|e| e.node).collect()))
    }

    /// Any of `conditions` (false when empty).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let titles: Vec<String> = Task::find().filter(orm::Expr::any([Task::id().eq(1), Task::id().eq(2)])).order_by(Task::id().asc()).select(Task::title()).all(&db).await?;
    /// assert_eq!(titles, ["write", "ship"]);
    /// assert_eq!(Task::find().filter(orm::Expr::any([])).count(&db).await?, 0); // none: false
    /// # Ok(()) }
    /// ```
    pub fn any(conditions: impl IntoIterator<Item = Expr<M>>) -> Expr<M> {
        Expr::from_node(Node::Or(conditions.into_iter().map(|e| e.node).collect()))
    }

    /// Writes the condition, qualifying columns with `qualifier` (a table name or alias).
    pub fn render(self, qualifier: &str, b: &mut SqlBuilder) {
        self.node.render(qualifier, b);
    }
}

impl<M> std::ops::BitAnd for Expr<M> {
    type Output = Expr<M>;
    fn bitand(self, other: Expr<M>) -> Expr<M> {
        self.and(other)
    }
}

impl<M> std::ops::BitOr for Expr<M> {
    type Output = Expr<M>;
    fn bitor(self, other: Expr<M>) -> Expr<M> {
        self.or(other)
    }
}

impl<M> std::ops::Not for Expr<M> {
    type Output = Expr<M>;
    fn not(self) -> Expr<M> {
        Expr::from_node(Node::Not(Box::new(self.node)))
    }
}

/// An `ORDER BY` term over a column of type `T` of model `M`, as [`Column::asc`] and
/// [`Column::desc`] make it. Where it is used (`order_by`), `T` must be [`Comparable`]: a JSON
/// column has no order the backends agree on, and is reported there, at the argument.
pub struct ColumnOrder<M, T> {
    column: &'static str,
    descending: bool,
    _marker: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Clone for ColumnOrder<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, T> Copy for ColumnOrder<M, T> {}

impl<M, T> std::fmt::Debug for ColumnOrder<M, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.column, if self.descending { "DESC" } else { "ASC" })
    }
}

impl<M, T: Comparable> From<ColumnOrder<M, T>> for Order<M> {
    fn from(order: ColumnOrder<M, T>) -> Self {
        Order { column: order.column, descending: order.descending, nullable: T::NULLABLE, _marker: PhantomData }
    }
}

/// An `ORDER BY` term over a column of model `M`, its type checked: what a [`ColumnOrder`] of
/// a [`Comparable`] column converts into.
pub struct Order<M> {
    pub(crate) column: &'static str,
    pub(crate) descending: bool,
    pub(crate) nullable: bool,
    _marker: PhantomData<fn() -> M>,
}

impl<M> Clone for Order<M> {
    fn clone(&self) -> Self {
        Order { column: self.column, descending: self.descending, nullable: self.nullable, _marker: PhantomData }
    }
}

impl<M> std::fmt::Debug for Order<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.column, if self.descending { "DESC" } else { "ASC" })
    }
}

impl<M> Order<M> {
    /// The ordered column.
    pub fn column(&self) -> &'static str {
        self.column
    }

    /// Writes the term, qualifying the column with `qualifier`.
    pub fn render(&self, qualifier: &str, b: &mut SqlBuilder) {
        self.term().render(qualifier, b);
    }

    /// The key column `column`, ascending: the tie-break of every list.
    pub(crate) fn key(column: &'static str) -> Self {
        Order { column, descending: false, nullable: false, _marker: PhantomData }
    }

    pub(crate) fn term(&self) -> OrderTerm {
        OrderTerm { column: self.column, descending: self.descending, nullable: self.nullable }
    }
}

/// An `ORDER BY` term without its model type, as includes keep it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OrderTerm {
    pub(crate) column: &'static str,
    pub(crate) descending: bool,
    pub(crate) nullable: bool,
}

impl OrderTerm {
    /// The primary key, ascending: the order every list falls back on.
    pub(crate) fn key(column: &'static str) -> Self {
        OrderTerm { column, descending: false, nullable: false }
    }

    /// Writes the term, qualifying the column with `qualifier`; NULLs sort as the largest
    /// value on every backend.
    pub(crate) fn render(self, qualifier: &str, b: &mut SqlBuilder) {
        b.dialect().push_order_term(b, (qualifier, self.column), self.descending, self.nullable);
    }
}
