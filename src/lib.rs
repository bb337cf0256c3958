//! An association-aware ORM for Rust with Sequelize's association model, checked at compile time.
//!
//! ```
//! use orm::prelude::*;
//!
//! #[derive(Model, Debug, Clone)]
//! struct User {
//!     id: i64,
//!     name: String,
//!     email: Option<String>,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> orm::Result<()> {
//! let db = orm::sqlite::connect("sqlite::memory:").await?;
//! Schema::new().model::<User>().sync(&db).await?;
//!
//! let ann = User::create(&db, User { id: 0, name: "Ann".into(), email: None }).await?;
//! let found = User::find().filter(User::name().like("A%")).all(&db).await?;
//! assert_eq!(found.len(), 1);
//! assert_eq!(found[0].id, ann.id);
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

// The guide's example models use the derive inside this crate, whose code names `::orm`.
extern crate self as orm;

#[cfg(feature = "sqlite")]
pub mod guide;

pub use orm_core::expr::{
    Comparand, Compare, CompareIn, CompareOrdered, OperandOf, OrderedOperand, OrderedOperandOf, TypedColumn,
};
pub use orm_core::include::{Include, IncludeList};
pub use orm_core::narrow::{Filter, IncludeWith, OrderBy, ThroughFilter};
pub use orm_core::query::aggregate::{AggregateWith, AggregatesOf, ColumnOf, MinMax, SumAvg};
pub use orm_core::query::projection::{GroupBy, NoIncludes, SelectWith};
#[cfg(feature = "json")]
pub use orm_core::value::Json;
pub use orm_core::value::{ColumnType, ConversionError};
pub use orm_core::{
    Aggregate, AggregateKind, AggregateOrder, AvgOf, CountOf, LockMode, MaxOf, MinOf, Numeric, Ordered, Projected,
    Selection, Selections, SortKey, SortKeys, SumOf, count_all,
};
pub use orm_core::{
    Column, ColumnOrder, Comparable, Created, Db, Delete, Error, Executor, Expr, FromRow, IntoExecutor, Model, Operand,
    Order, Raw, ReferentialAction, Result, Schema, Select, Server, SqlType, SqlValue, Transient, Tx, Update, Value,
    raw,
};
/// Hooks of a model, Sequelize's `hooks: { beforeCreate, … }`: `async fn`s named after the hook,
/// in an `impl` block of the model marked `#[orm::hooks]`, with `#[model(hooks)]` on its derive.
/// Each runs inside the write's transaction, on its `tx`; an error from a `before_*` hook aborts
/// the write and rolls back everything the operation did.
///
/// | hook | runs | receiver |
/// |---|---|---|
/// | `before_create` / `after_create` | around `create` (and each row of nested creation) | `&mut self` |
/// | `before_update` / `after_update` | around `save` | `&mut self` |
/// | `before_destroy` / `after_destroy` | around `destroy`, and cascades with `hooks = true` | `&self` |
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
/// use orm::prelude::*;
///
/// #[derive(Model, Debug, Clone)]
/// #[model(hooks)]
/// struct Profile {
///     id: i64,
///     bio: String,
/// }
///
/// #[orm::hooks]
/// impl Profile {
///     async fn before_create(&mut self, _tx: &mut orm::Tx) -> orm::Result<()> {
///         self.bio = self.bio.trim().to_owned();
///         Ok(())
///     }
///
///     async fn before_destroy(&self, _tx: &mut orm::Tx) -> orm::Result<()> {
///         if self.bio == "keep" { Err(orm::Error::Invalid("kept".into())) } else { Ok(()) }
///     }
/// }
///
/// let db = orm::sqlite::connect("sqlite::memory:").await?;
/// orm::Schema::new().model::<Profile>().sync(&db).await?;
/// let kept = Profile::build().bio("  keep ").create(&db).await?;
/// assert_eq!(kept.bio, "keep");
/// assert!(kept.destroy(&db).await.is_err());
/// assert_eq!(Profile::find().count(&db).await?, 1);
/// # Ok(()) }
/// ```
///
/// A hook written without `async`, a method that is not a hook in the block, or hooks on a model
/// without `#[model(hooks)]` do not compile, each with an error saying the fix.
pub use orm_derive::hooks;

/// The trait `#[orm::hooks]` implements. Implementing it by hand (`impl orm::Hooks for Profile {
/// async fn before_create(…) … }`) works as well, but a hook written there without `async` gets
/// rustc's signature error, which quotes the trait; `#[orm::hooks]` reports it at the `fn`.
pub use orm_core::Hooks;
pub use orm_derive::{Enum, Model};

/// Row-level writes: the traits `increment` and `upsert` take, the [`Upsert`](write::Upsert)
/// builder, and optimistic locking ([`write::version`]).
pub mod write {
    pub use orm_core::query::IncrementColumn;
    pub use orm_core::write::{AmountOf, Columns, ColumnsOf, Increment, Numeric, NumericAmount, Upsert, UpsertColumns};
    /// Optimistic locking with `#[model(version)]`.
    pub mod version {
        pub use orm_core::write::version::VersionField;
    }
}

/// Fault injection for tests: `db.with_faults(injector)` fails the statement you choose.
pub mod fault {
    pub use orm_core::fault::{FaultInjector, InjectedFault};
}

/// Keys: the primary-key types a model may declare (a column type, or a tuple for a composite
/// key), what `find_by_pk` accepts, and the columns of one side of a key.
pub mod key {
    pub use orm_core::key::{IntoKey, KeyCols, PrimaryKey};
}

/// Metadata types describing models and associations, for introspection.
pub mod meta {
    pub use orm_core::assoc::{Association, AssociationKind, AssociationMeta};
    pub use orm_core::meta::*;
}

/// Everything a model file needs: `use orm::prelude::*;`.
pub mod prelude {
    pub use orm_core::expr::{Compare as _, CompareIn as _, CompareOrdered as _};
    pub use orm_core::narrow::{Filter as _, IncludeWith as _, OrderBy as _, ThroughFilter as _};
    pub use orm_core::query::IncrementColumn as _;
    pub use orm_core::query::aggregate::{AggregateWith as _, MinMax as _, SumAvg as _};
    pub use orm_core::query::projection::{GroupBy as _, SelectWith as _};
    pub use orm_core::write::{Increment as _, UpsertColumns as _};
    pub use orm_core::{Db, Expr, Model, Schema, Tx};
    pub use orm_derive::Model;
}

/// The SQLite backend: `orm::sqlite::connect("sqlite::memory:")`.
#[cfg(feature = "sqlite")]
pub mod sqlite {
    pub use orm_sqlite::{ConnectOptions, SqliteDialect, connect};
}

/// The PostgreSQL backend: `orm::postgres::connect("postgres://…")`.
#[cfg(feature = "postgres")]
pub mod postgres {
    pub use orm_postgres::{ConnectOptions, PostgresDialect, connect};
}

/// The MariaDB backend (10.5 or later): `orm::mariadb::connect("mysql://root@127.0.0.1:3306/test")`.
#[cfg(feature = "mariadb")]
pub mod mariadb {
    pub use orm_mariadb::{ConnectOptions, MariaDbDialect, SESSION_SETTINGS, connect};
}

/// Implements `serde::Serialize` for a generated `…With` row type when the `serde` feature is
/// on. Called by `#[derive(Model)]`; not public API.
#[cfg(feature = "serde")]
#[doc(hidden)]
#[macro_export]
macro_rules! __serialize_with {
    ($with:ident) => {
        #[automatically_derived]
        impl<L, M> $crate::__private::serde::Serialize for $with<L, M>
        where
            M: $crate::__private::serde::Serialize,
            L: $crate::__private::LoadedEntries,
        {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                $crate::__private::serialize_with(self.row(), self.loaded(), serializer)
            }
        }
    };
}

/// Without the `serde` feature, generated rows do not implement `Serialize`.
#[cfg(not(feature = "serde"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __serialize_with {
    ($with:ident) => {};
}

/// Paths used by the code `#[derive(Model)]` generates. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use orm_core::assoc::{
        AnyNull, Ch, DefaultKeyName, Field, FieldName, ForeignKeyOnTarget, IsUnique, JoinKey, JoinKeyOfField,
        KeyNullability, ScopeOperand, SetNull, TargetForeignKey, TargetKey, UniqueKey,
    };
    pub use orm_core::assoc::{
        Association, AssociationKind, AssociationMeta, AssociationStatements, Count, HasField, IntoOptionalTarget,
        IntoTarget, IntoTargets, NewRow, Related, TargetRef, add_many, count, create_belongs_to, create_for,
        create_has_one, get_belongs_to, get_has_one, get_many, has_all, remove_many, set_belongs_to, set_has_one,
        set_many,
    };
    pub use orm_core::assoc::{
        CreateLinked, LinkWrite, Linked, add_linked, count_linked, create_linked, get_linked, has_linked,
        remove_linked, set_linked,
    };
    pub use orm_core::assoc::{DestroyTargets, NullableForeignKey, ScopeValue, UniqueField};
    pub use orm_core::assoc::{
        PolymorphicKey, PolymorphicOf, PolymorphicParent, TypeValue, get_polymorphic, has_polymorphic,
        load_polymorphic, load_variant, polymorphic_key,
    };
    pub use orm_core::cascade::destroy_targets;
    pub use orm_core::create::{Buildable, Builder, Created, Nested, NestedIndex, NestedRow, Node, create_tree};
    pub use orm_core::db::Executor;
    pub use orm_core::db::IntoExecutor;
    pub use orm_core::driver::BoxFuture;
    pub use orm_core::driver::Statement;
    pub use orm_core::expr::{Column, ColumnOrder, Expr, Order};
    pub use orm_core::hooks::{
        AfterCreateFuture, AfterDestroyFuture, AfterUpdateFuture, BeforeCreateFuture, BeforeDestroyFuture,
        BeforeUpdateFuture, Hook, Hooks, after_create_hook, before_create_hook,
    };
    pub use orm_core::include::IncludeList;
    #[cfg(feature = "serde")]
    pub use orm_core::include::json::{LoadedEntries, serialize_with};
    pub use orm_core::include::{
        AssociationSpec, Contains, Here, Include, IncludedTarget, JoinOf, LoadKind, Loaded, Many, ManyToMany, One,
        Polymorphic, SameAs, SpecOf, There,
    };
    pub use orm_core::key::KeyPart;
    pub use orm_core::meta::{ColumnMeta, ModelMeta, ReferenceMeta};
    pub use orm_core::model::{AsModel, Model, ModelStatements};
    pub use orm_core::naming::{
        ModelNames, concat, concat_len, contains, key_column, key_column_len, rule as rename_rule, same_fields, str_eq,
        utf8,
    };
    pub use orm_core::narrow::{
        Conditions, IncludeCondition, IncludeOrder, IncludeThroughCondition, Orders, Unreachable,
    };
    pub use orm_core::query::aggregate::ColumnOf;
    pub use orm_core::query::aggregate::{Aggregate, AggregateKind, AggregateOrder, AggregateTerm, AggregatesOf};
    pub use orm_core::query::projection::{NoIncludes, Selection, Selections, SortKey, SortKeys};
    pub use orm_core::row::Row;
    pub use orm_core::value::{
        ColumnType, Comparable, ConversionError, ForeignKeyOf, Operand, SqlType, SqlValue, Timestamp, Value,
        join_timestamps,
    };
    pub use orm_core::write::version::{VersionField, version_zero};
    pub use orm_core::write::{Columns, ColumnsOf};
    pub use orm_core::{Error, ReferentialAction, Result};
    #[cfg(feature = "serde")]
    pub use serde;
    pub use std::option::Option;
    pub use std::result::Result as StdResult;
    pub use std::vec::Vec;
}
