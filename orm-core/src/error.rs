//! The one error type of the ORM.

use std::fmt;

/// A boxed error from the database driver, kept as the `source` of [`Error`] variants.
pub type DriverError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Result alias used throughout the ORM.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the ORM, with the names involved.
///
/// Constraint violations are classified on every backend, so code can match on them:
///
/// ```
/// use orm_core::Error;
/// fn is_duplicate(error: &Error) -> bool {
///     matches!(error, Error::UniqueViolation { .. })
/// }
/// assert!(!is_duplicate(&Error::NotFound { model: "User" }));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A unique or primary-key constraint rejected the statement.
    #[error("unique constraint violated{}", describe(table, constraint, column))]
    UniqueViolation {
        /// Table named by the database, when it says.
        table: Option<String>,
        /// Constraint named by the database, when it says.
        constraint: Option<String>,
        /// Column named by the database, when it says.
        column: Option<String>,
        /// The database's own error.
        #[source]
        source: DriverError,
    },
    /// A foreign-key constraint rejected the statement.
    #[error("foreign key constraint violated{}", describe(table, constraint, column))]
    ForeignKeyViolation {
        /// Table named by the database, when it says.
        table: Option<String>,
        /// Constraint named by the database, when it says.
        constraint: Option<String>,
        /// Column named by the database, when it says.
        column: Option<String>,
        /// The database's own error.
        #[source]
        source: DriverError,
    },
    /// A NOT NULL constraint rejected the statement.
    #[error("not-null constraint violated{}", describe(table, &None, column))]
    NotNullViolation {
        /// Table named by the database, when it says.
        table: Option<String>,
        /// The column that was NULL.
        column: Option<String>,
        /// The database's own error.
        #[source]
        source: DriverError,
    },
    /// Any other error reported by the database.
    #[error("database error: {source}")]
    Database {
        /// The database's own error.
        #[source]
        source: DriverError,
    },
    /// The connection could not be opened, or none became free in time.
    #[error("connection error: {source}")]
    Connection {
        /// The driver's own error.
        #[source]
        source: DriverError,
    },
    /// The connection was lost while a statement ran (the server closed it, or the network
    /// failed). Whatever the unit did was rolled back; retrying it may succeed.
    #[error("connection lost: {source}")]
    ConnectionLost {
        /// The driver's own error.
        #[source]
        source: DriverError,
    },
    /// The database broke a deadlock by failing this transaction; retrying it may succeed.
    #[error("deadlock detected: {source}")]
    Deadlock {
        /// The database's own error.
        #[source]
        source: DriverError,
    },
    /// A serializable transaction could not be serialized; retrying it may succeed.
    #[error("serialization failure: {source}")]
    SerializationFailure {
        /// The database's own error.
        #[source]
        source: DriverError,
    },
    /// A lock could not be taken in time (SQLite's "database is locked" after its busy
    /// timeout, PostgreSQL's `lock_timeout`); retrying it may succeed.
    #[error("lock not available: {source}")]
    Busy {
        /// The database's own error.
        #[source]
        source: DriverError,
    },
    /// A column value could not be decoded into the field's Rust type.
    #[error("cannot decode column `{column}`: {source}")]
    Decode {
        /// The column being read.
        column: String,
        /// The driver's own error.
        #[source]
        source: DriverError,
    },
    /// A value of a [`ColumnType`](crate::value::ColumnType) could not be converted from its
    /// stored form (an enum's unknown value, a JSON document of another shape).
    #[error("cannot convert {} into `{ty}`: {source}", .column.as_ref().map_or_else(|| "a value".to_owned(), |c| format!("column `{c}`")))]
    Conversion {
        /// The Rust type asked for.
        ty: &'static str,
        /// The column being read, when reading a row.
        column: Option<String>,
        /// Why the stored value is not one.
        #[source]
        source: DriverError,
    },
    /// A field value could not be converted for the database (its
    /// [`ColumnType::to_stored`](crate::value::ColumnType::to_stored) failed, or a `Json<T>`
    /// did not serialize). Nothing was written.
    #[error("cannot store a value of {0}")]
    Unencodable(String),
    /// A NULL was read from a column whose field is not an `Option`.
    #[error("column `{column}` is NULL but its field is not an `Option`")]
    UnexpectedNull {
        /// The column being read.
        column: String,
    },
    /// A row that must exist does not.
    #[error("no `{model}` row matches")]
    NotFound {
        /// The model that was looked up.
        model: &'static str,
    },
    /// Optimistic locking (`#[model(version)]`): the row was changed by someone else since this
    /// copy was loaded, so its version no longer matches. Nothing was written. Reload the row
    /// (`row.reload(&db)`), apply the change again and save.
    #[error(
        "`{model}` row {key} was changed by someone else since it was loaded (its version is no longer {version}); nothing was written: reload it (`row.reload(&db)`), apply the change again and retry"
    )]
    StaleRow {
        /// The model whose row is stale.
        model: &'static str,
        /// The row's primary key, as text.
        key: String,
        /// The version this copy holds (the database holds another).
        version: i64,
    },
    /// An upsert named a conflict target that is neither the primary key nor a unique column,
    /// so no conflict on it can be detected. Nothing was written.
    #[error(
        "`{model}`: the upsert's conflict target ({columns}) is neither the primary key nor a `#[model(unique)]` column; mark the column `#[model(unique)]`, or upsert by the primary key"
    )]
    InvalidConflictTarget {
        /// The model being upserted.
        model: &'static str,
        /// The columns named as the target, comma-separated.
        columns: String,
    },
    /// Keys given to an association accessor match no row; nothing was changed.
    #[error("`{association}`: no `{model}` with key {}", keys.join(", "))]
    MissingKeys {
        /// The association, as `Source.alias`.
        association: String,
        /// The model that was looked up.
        model: &'static str,
        /// The keys that match no row.
        keys: Vec<String>,
    },
    /// A value required to insert a row was not given.
    #[error("`{model}.{field}` is required: it is NOT NULL and has no default; set it before creating")]
    MissingField {
        /// The model being created.
        model: &'static str,
        /// The field with no value.
        field: &'static str,
    },
    /// Tables reference each other in a cycle, so no creation order exists.
    #[error("Cyclic dependency found. '{table}' is dependent of itself. Dependency chain: {chain}")]
    CyclicDependency {
        /// The table found in the cycle.
        table: String,
        /// The chain, as `a -> b => a`.
        chain: String,
    },
    /// A has_one/has_many link was asked of a source whose key is NULL (a nullable unique
    /// `source_key`): no row can point at it. Nothing was written.
    #[error(
        "`{association}`: this `{model}` has no `{field}` (it is NULL), so no row can point at it; nothing was written"
    )]
    NullSourceKey {
        /// The association, as `Source.alias`.
        association: String,
        /// The source model.
        model: &'static str,
        /// The source's key field.
        field: &'static str,
    },
    /// A feature needed by a value was not compiled into this backend.
    #[error("{what} is not supported by the `{backend}` backend as built")]
    Unsupported {
        /// What was asked for.
        what: String,
        /// The backend's name.
        backend: &'static str,
    },
    /// A value the backend cannot store or compare faithfully (NaN on SQLite, which would
    /// silently become NULL). Nothing was written.
    #[error("the `{backend}` backend cannot store {what}: {reason}")]
    UnrepresentableValue {
        /// The value, described.
        what: &'static str,
        /// Why, and what to do instead.
        reason: &'static str,
        /// The backend's name.
        backend: &'static str,
    },
    /// Two declarations describe one join table with different columns; sync would create a
    /// table that neither side can write.
    #[error(
        "join table `{table}` is declared with different columns: {first} uses ({first_columns}), {second} uses ({second_columns}); give both declarations the same `foreign_key`/`other_key` and the same naming (`rename_all`), or use the join model on both sides"
    )]
    JoinTableConflict {
        /// The join table.
        table: String,
        /// The first declaration (`Model.alias`, or the join model).
        first: String,
        /// Its key columns.
        first_columns: String,
        /// The declaration that disagrees.
        second: String,
        /// Its key columns.
        second_columns: String,
    },
    /// In-memory SQLite has one connection, and the task that asked for it on `&db` holds it
    /// in an open transaction: waiting would likely never end, so it gave up after two seconds.
    #[error(
        "the database has a single connection (in-memory SQLite) and this task's open transaction holds it: pass `&mut tx` instead of `&db` (inside a hook, the `tx` it receives), or finish the transaction first"
    )]
    ConnectionHeldByTransaction,
    /// A query asked for row locks (`for_update()`, `for_share()`) on the pool, outside a
    /// transaction: the locks would end with the statement, protecting nothing. Nothing ran.
    #[error(
        "`for_update()`/`for_share()` on a `{model}` query outside a transaction: the locks would be released as the statement ends; run it on `&mut tx` (from `db.begin()` or `db.transaction`)"
    )]
    LockOutsideTransaction {
        /// The queried model.
        model: &'static str,
    },
    /// A query with row locks (`for_update()`, `for_share()`) computes aggregates or groups
    /// (`count`, `sum`, `group_by`, …): their rows are not the table's rows, so there is
    /// nothing to lock (PostgreSQL refuses it; MariaDB would lock every row read). Nothing ran.
    #[error(
        "`for_update()`/`for_share()` on a `{model}` query that aggregates or groups: lock the rows with a query that returns them (`all`, or a projection of columns), then aggregate"
    )]
    LockOnAggregate {
        /// The queried model.
        model: &'static str,
    },
    /// The caller asked for something that is not valid.
    #[error("{0}")]
    Invalid(String),
}

impl Error {
    /// Whether the failure is transient: a deadlock, a serialization failure, a lock that was
    /// not free in time, or a lost connection. A unit that failed so before its commit left
    /// nothing behind, so running it again (in a new transaction) may succeed; see
    /// `Db::transaction_with_retry`. (A connection lost during the commit itself leaves its
    /// outcome unknown; that helper does not retry it.)
    ///
    /// ```
    /// use orm_core::Error;
    /// assert!(!Error::NotFound { model: "User" }.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::ConnectionLost { .. }
                | Error::Deadlock { .. }
                | Error::SerializationFailure { .. }
                | Error::Busy { .. }
        )
    }

    /// Builds the variant of a transient failure a backend recognised.
    pub fn transient(kind: Transient, source: DriverError) -> Error {
        match kind {
            Transient::ConnectionLost => Error::ConnectionLost { source },
            Transient::Deadlock => Error::Deadlock { source },
            Transient::SerializationFailure => Error::SerializationFailure { source },
            Transient::Busy => Error::Busy { source },
        }
    }
}

/// The transient failures a backend recognises in its error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transient {
    /// [`Error::ConnectionLost`]
    ConnectionLost,
    /// [`Error::Deadlock`]
    Deadlock,
    /// [`Error::SerializationFailure`]
    SerializationFailure,
    /// [`Error::Busy`]
    Busy,
}

fn describe(table: &Option<String>, constraint: &Option<String>, column: &Option<String>) -> String {
    struct Parts<'a>(&'a Option<String>, &'a Option<String>, &'a Option<String>);
    impl fmt::Display for Parts<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            if let Some(constraint) = self.1 {
                write!(f, " `{constraint}`")?;
            }
            match (self.0, self.2) {
                (Some(table), Some(column)) => write!(f, " on `{table}.{column}`"),
                (Some(table), None) => write!(f, " on `{table}`"),
                (None, Some(column)) => write!(f, " on column `{column}`"),
                (None, None) => Ok(()),
            }
        }
    }
    Parts(table, constraint, column).to_string()
}
