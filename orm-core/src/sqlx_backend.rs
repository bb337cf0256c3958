//! The driver both shipped backends build on sqlx: one macro, instantiated by `orm-sqlite`
//! and `orm-postgres` with their sqlx types, so that binding, streaming, transactions and row
//! reading are written once. Dialects and error names stay in the backend crates.

/// Generates a backend's [`Driver`](crate::driver::Driver) over a sqlx pool, its transaction
/// connection, its row reader and its error classification. Used by the backend crates only.
#[doc(hidden)]
#[macro_export]
macro_rules! __sqlx_backend {
    (
        database: $db:ty,
        pool: $pool:ty,
        arguments: $args:ty,
        row: $row:ty,
        dialect: $dialect:expr,
        backend: $backend:literal,
        arrays: [$($array:ident),*],
        bind_list: $bind_list:path,
        names: $names:path,
        transient: $transient:path,
        begin: $begin:expr $(,)?
    ) => {
        use ::futures_util::TryStreamExt as _;
        use ::sqlx::{Column as _, Row as _};
        use $crate::driver::{BoxFuture, Connection, Driver, RowSink, Statement, TransactionConnection};
        use $crate::{Dialect, Error, Result, Value};

        type Query = ::sqlx::query::Query<'static, $db, $args>;

        pub(crate) struct SqlxDriver {
            pool: $pool,
            holders: ::std::option::Option<::std::sync::Arc<$crate::driver::TransactionHolders>>,
        }

        impl SqlxDriver {
            pub(crate) fn new(pool: $pool) -> Self {
                SqlxDriver { pool, holders: None }
            }

            /// A pool of one connection: a task that holds it in a transaction and asks the
            /// pool for another would wait forever, so it gives up after a short wait instead.
            pub(crate) fn single_connection(pool: $pool) -> Self {
                SqlxDriver { pool, holders: Some(::std::default::Default::default()) }
            }

            /// Boxes `work`, which needs a pooled connection; on a single-connection pool, with
            /// the wait of `TransactionHolders::wait_for_pool` around it. (Chosen when boxing,
            /// so that the common future carries no timer.)
            fn on_pool<'a, T: 'a>(
                &'a self,
                work: impl ::std::future::Future<Output = Result<T>> + Send + 'a,
            ) -> BoxFuture<'a, Result<T>> {
                match &self.holders {
                    Some(holders) => Box::pin(holders.wait_for_pool(work)),
                    None => Box::pin(work),
                }
            }
        }

        /// Builds the sqlx query: the one audited place where ORM-built SQL is handed to sqlx.
        /// Its identifiers were quoted and its values are bound here, never spliced.
        fn prepare(statement: Statement) -> Result<Query> {
            let mut query = ::sqlx::query(::sqlx::AssertSqlSafe(statement.sql));
            for value in statement.args {
                query = match value {
                    Value::Bool(v) => query.bind(v),
                    Value::SmallInt(v) => query.bind(v),
                    Value::Integer(v) => query.bind(v),
                    Value::BigInt(v) => query.bind(v),
                    Value::Real(v) => {
                        check_nan(v.map(f64::from))?;
                        query.bind(v)
                    }
                    Value::Double(v) => {
                        check_nan(v)?;
                        query.bind(v)
                    }
                    Value::Text(v) => query.bind(v),
                    Value::Bytes(v) => query.bind(v),
                    #[cfg(feature = "chrono")]
                    Value::TimestampTz(v) => query.bind(v),
                    #[cfg(feature = "chrono")]
                    Value::Timestamp(v) => query.bind(v),
                    #[cfg(feature = "chrono")]
                    Value::Date(v) => query.bind(v),
                    #[cfg(feature = "chrono")]
                    Value::Time(v) => query.bind(v),
                    $(Value::$array(v) => query.bind(v),)*
                    Value::List(list) => $bind_list(query, *list)?,
                    other => {
                        return Err(Error::Unsupported { what: format!("binding {other:?}"), backend: $backend });
                    }
                };
            }
            Ok(query)
        }

        /// NaN where the backend would silently store NULL is an error, before anything runs.
        fn check_nan(value: Option<f64>) -> Result<()> {
            if value.is_some_and(f64::is_nan) && !$dialect.accepts_nan() {
                return Err(Error::UnrepresentableValue {
                    what: "NaN",
                    reason: "SQLite stores a NaN float as NULL; store NULL (an `Option` field) or a sentinel value instead",
                    backend: $backend,
                });
            }
            Ok(())
        }

        async fn execute_on<'c, E>(executor: E, statement: Statement) -> Result<u64>
        where
            E: ::sqlx::Executor<'c, Database = $db>,
        {
            let query = prepare(statement)?;
            let done = query.execute(executor).await.map_err(database_error)?;
            Ok(done.rows_affected())
        }

        async fn fetch_on<'c, E>(executor: E, statement: Statement, sink: &mut RowSink<'_>) -> Result<()>
        where
            E: ::sqlx::Executor<'c, Database = $db>,
        {
            let query = prepare(statement)?;
            let mut rows = query.fetch(executor);
            while let Some(row) = rows.try_next().await.map_err(database_error)? {
                sink(&RowRef(&row))?;
            }
            Ok(())
        }

        impl Driver for SqlxDriver {
            fn dialect(&self) -> &'static dyn Dialect {
                &$dialect
            }

            fn execute(&self, statement: Statement) -> BoxFuture<'_, Result<u64>> {
                self.on_pool(execute_on(&self.pool, statement))
            }

            fn fetch<'a>(&'a self, statement: Statement, sink: &'a mut RowSink<'_>) -> BoxFuture<'a, Result<()>> {
                self.on_pool(fetch_on(&self.pool, statement, sink))
            }

            fn begin(&self) -> BoxFuture<'_, Result<Box<dyn TransactionConnection>>> {
                Box::pin(async move {
                    let begin: ::std::option::Option<&'static str> = $begin;
                    let tx = self
                        .on_pool(async move {
                            match begin {
                                Some(sql) => self.pool.begin_with(sql).await,
                                None => self.pool.begin().await,
                            }
                            .map_err(database_error)
                        })
                        .await?;
                    let held = self.holders.as_ref().map(|holders| holders.hold());
                    Ok(Box::new(SqlxTx(tx, held)) as Box<dyn TransactionConnection>)
                })
            }

            fn close(&self) -> BoxFuture<'_, ()> {
                Box::pin(self.pool.close())
            }
        }

        struct SqlxTx(::sqlx::Transaction<'static, $db>, #[allow(dead_code)] ::std::option::Option<$crate::driver::HeldBy>);

        impl Connection for SqlxTx {
            fn execute(&mut self, statement: Statement) -> BoxFuture<'_, Result<u64>> {
                Box::pin(execute_on(&mut *self.0, statement))
            }

            fn fetch<'a>(&'a mut self, statement: Statement, sink: &'a mut RowSink<'_>) -> BoxFuture<'a, Result<()>> {
                Box::pin(fetch_on(&mut *self.0, statement, sink))
            }
        }

        impl TransactionConnection for SqlxTx {
            fn commit(self: Box<Self>) -> BoxFuture<'static, Result<()>> {
                Box::pin(async move { self.0.commit().await.map_err(database_error) })
            }

            fn rollback(self: Box<Self>) -> BoxFuture<'static, Result<()>> {
                Box::pin(async move { self.0.rollback().await.map_err(database_error) })
            }
        }

        pub(crate) fn connection_error(error: ::sqlx::Error) -> Error {
            Error::Connection { source: Box::new(error) }
        }

        /// Classifies constraint violations, with the table, constraint and column the
        /// backend's `names` function reads from the database error.
        fn database_error(error: ::sqlx::Error) -> Error {
            let ::sqlx::Error::Database(db_error) = &error else {
                return match error {
                    // The driver refuses a statement with more parameters than the protocol
                    // carries before sending it: the connection is fine and a retry would fail
                    // the same way.
                    ::sqlx::Error::Protocol(ref message) if message.contains("too many arguments") => {
                        Error::Database { source: Box::new(error) }
                    }
                    ::sqlx::Error::Io(_) | ::sqlx::Error::Protocol(_) | ::sqlx::Error::WorkerCrashed => {
                        Error::ConnectionLost { source: Box::new(error) }
                    }
                    ::sqlx::Error::PoolTimedOut | ::sqlx::Error::PoolClosed | ::sqlx::Error::Tls(_) => {
                        connection_error(error)
                    }
                    other => Error::Database { source: Box::new(other) },
                };
            };
            if let Some(kind) = db_error.code().and_then(|code| $transient(&code)) {
                return Error::transient(kind, Box::new(error));
            }
            let kind = db_error.kind();
            let (table, constraint, column) = $names(db_error.as_ref());
            match kind {
                ::sqlx::error::ErrorKind::UniqueViolation => {
                    Error::UniqueViolation { table, constraint, column, source: Box::new(error) }
                }
                ::sqlx::error::ErrorKind::ForeignKeyViolation => {
                    Error::ForeignKeyViolation { table, constraint, column, source: Box::new(error) }
                }
                ::sqlx::error::ErrorKind::NotNullViolation => {
                    Error::NotNullViolation { table, column, source: Box::new(error) }
                }
                _ => Error::Database { source: Box::new(error) },
            }
        }

        /// A borrowed row, read by the generated decoders.
        struct RowRef<'r>(&'r $row);

        impl RowRef<'_> {
            fn get<T>(&self, index: usize) -> Result<Option<T>>
            where
                T: for<'v> ::sqlx::Decode<'v, $db> + ::sqlx::Type<$db>,
            {
                self.0.try_get::<Option<T>, _>(index).map_err(|error| Error::Decode {
                    column: $crate::row::Row::column_name(self, index).to_owned(),
                    source: Box::new(error),
                })
            }
        }

        impl $crate::row::Row for RowRef<'_> {
            fn column_name(&self, index: usize) -> &str {
                self.0.columns().get(index).map_or("?", |c| c.name())
            }
            fn get_bool(&self, index: usize) -> Result<Option<bool>> {
                self.get(index)
            }
            fn get_i16(&self, index: usize) -> Result<Option<i16>> {
                self.get(index)
            }
            fn get_i32(&self, index: usize) -> Result<Option<i32>> {
                self.get(index)
            }
            fn get_i64(&self, index: usize) -> Result<Option<i64>> {
                self.get(index)
            }
            fn get_f32(&self, index: usize) -> Result<Option<f32>> {
                self.get(index)
            }
            fn get_f64(&self, index: usize) -> Result<Option<f64>> {
                self.get(index)
            }
            fn get_string(&self, index: usize) -> Result<Option<String>> {
                self.get(index)
            }
            fn get_bytes(&self, index: usize) -> Result<Option<Vec<u8>>> {
                self.get(index)
            }
            #[cfg(feature = "chrono")]
            fn get_timestamptz(&self, index: usize) -> Result<Option<::chrono::DateTime<::chrono::Utc>>> {
                self.get(index)
            }
            #[cfg(feature = "chrono")]
            fn get_timestamp(&self, index: usize) -> Result<Option<::chrono::NaiveDateTime>> {
                self.get(index)
            }
            #[cfg(feature = "chrono")]
            fn get_date(&self, index: usize) -> Result<Option<::chrono::NaiveDate>> {
                self.get(index)
            }
            #[cfg(feature = "chrono")]
            fn get_time(&self, index: usize) -> Result<Option<::chrono::NaiveTime>> {
                self.get(index)
            }
        }
    };
}
