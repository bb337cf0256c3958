//! MariaDB's part of the shared sqlx driver (`orm_sqlx`): its error numbers and names.

use orm_core::Error;
use orm_sqlx::{Backend, Names};
use sqlx::mysql::MySqlDatabaseError;

use crate::dialect::MariaDbDialect;

static DIALECT: MariaDbDialect = MariaDbDialect;

/// MariaDB on sqlx's MySQL driver.
pub(crate) struct MariaDb;

/// The driver of a MariaDB pool.
pub(crate) type SqlxDriver = orm_sqlx::SqlxDriver<MariaDb>;

impl Backend for MariaDb {
    type Db = sqlx::MySql;
    const NAME: &'static str = "mariadb";
    const FINISH_DROPPED_STATEMENTS: bool = true;

    fn dialect() -> &'static dyn orm_core::Dialect {
        &DIALECT
    }

    /// The rows an UPDATE matched, as on the other backends: sqlx asks for the found-rows
    /// count (`CLIENT_FOUND_ROWS`), not MariaDB's default count of rows whose values changed.
    fn rows_affected(result: &sqlx::mysql::MySqlQueryResult) -> u64 {
        result.rows_affected()
    }

    fn names(error: &(dyn sqlx::error::DatabaseError + 'static)) -> Names {
        let Some(error) = error.try_downcast_ref::<MySqlDatabaseError>() else { return (None, None, None) };
        names(error.number(), error.message())
    }

    /// The failure [`MariaDbDialect::push_skip_conflict`](crate::MariaDbDialect) raises for a
    /// duplicate on another key than the conflict target ("Subquery returns more than 1 row"
    /// from the `ON DUPLICATE KEY UPDATE` branch of a statement that has no other subquery) is
    /// the unique violation it stands for.
    fn classify(error: Error, sql: &str) -> Error {
        let Error::Database { source } = error else { return error };
        let number = source
            .downcast_ref::<sqlx::Error>()
            .and_then(sqlx::Error::as_database_error)
            .and_then(|e| e.try_downcast_ref::<MySqlDatabaseError>())
            .map(MySqlDatabaseError::number);
        if number == Some(1242) && sql.contains(crate::dialect::SKIP_CONFLICT) {
            return Error::UniqueViolation { table: None, constraint: None, column: None, source };
        }
        Error::Database { source }
    }

    /// Decimals, as DECIMAL.
    #[cfg_attr(not(feature = "decimal"), allow(unused_variables))]
    fn bind_array(
        query: orm_sqlx::Query<sqlx::MySql>,
        value: orm_core::Value,
    ) -> orm_core::Result<orm_sqlx::Query<sqlx::MySql>> {
        match value {
            #[cfg(feature = "decimal")]
            orm_core::Value::Decimal(v) => Ok(query.bind(v)),
            other => Err(Error::Unsupported { what: format!("binding {other:?}"), backend: "mariadb" }),
        }
    }

    /// A DECIMAL(65, 28) comes back with 28 decimals: normalized, so that `1.50` reads back
    /// as `1.5`, not `1.5000000000000000000000000000`.
    #[cfg(feature = "decimal")]
    fn get_decimal(row: &sqlx::mysql::MySqlRow, index: usize) -> sqlx::Result<Option<rust_decimal::Decimal>> {
        sqlx::Row::try_get::<Option<rust_decimal::Decimal>, _>(row, index).map(|v| v.map(|d| d.normalize()))
    }

    fn transient(error: &(dyn sqlx::error::DatabaseError + 'static)) -> Option<orm_core::Transient> {
        use orm_core::Transient;
        match error.try_downcast_ref::<MySqlDatabaseError>()?.number() {
            // ER_LOCK_DEADLOCK
            1213 => Some(Transient::Deadlock),
            // ER_LOCK_WAIT_TIMEOUT (`innodb_lock_wait_timeout`)
            1205 => Some(Transient::Busy),
            // ER_SERVER_SHUTDOWN, ER_CONNECTION_KILLED, ER_NEW_ABORTING_CONNECTION
            1053 | 1927 | 1184 => Some(Transient::ConnectionLost),
            _ => None,
        }
    }
}

/// The table, constraint and column a MariaDB error message names:
/// - 1062 `Duplicate entry 'a' for key 'users_email_key'`: the key;
/// - 1451/1452 `… a foreign key constraint fails (`db`.`tasks`, CONSTRAINT `tasks_user_id_fkey`
///   FOREIGN KEY (`user_id`) REFERENCES …)`: the referencing table, constraint and column;
/// - 1048 `Column 'name' cannot be null`, 1364 `Field 'name' doesn't have a default value`:
///   the column.
fn names(number: u16, message: &str) -> Names {
    match number {
        1062 | 1586 => (None, quoted(message.rsplit_once(" for key ").map(|(_, key)| key), '\''), None),
        1451 | 1452 => {
            let Some((_, detail)) = message.split_once("constraint fails (") else { return (None, None, None) };
            let table = detail.split_once(", CONSTRAINT ").map(|(table, _)| table.rsplit('.').next().unwrap_or(table));
            let constraint = detail.split_once("CONSTRAINT ").map(|(_, rest)| rest);
            let column = detail.split_once("FOREIGN KEY (").map(|(_, rest)| rest);
            (quoted(table, '`'), quoted(constraint, '`'), quoted(column, '`'))
        }
        1048 | 1364 => (None, None, quoted(message.split_once(' ').map(|(_, rest)| rest), '\'')),
        _ => (None, None, None),
    }
}

/// The first `quote`d name at the start of `text`.
fn quoted(text: Option<&str>, quote: char) -> Option<String> {
    let rest = text?.strip_prefix(quote)?;
    rest.split_once(quote).map(|(name, _)| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::names;

    fn some(name: &str) -> Option<String> {
        Some(name.to_owned())
    }

    #[test]
    fn names_are_read_from_messages() {
        assert_eq!(
            names(1062, "Duplicate entry 'a@b' for key 'users_email_key'"),
            (None, some("users_email_key"), None)
        );
        assert_eq!(
            names(
                1452,
                "Cannot add or update a child row: a foreign key constraint fails (`test`.`tasks`, CONSTRAINT \
                 `tasks_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE)"
            ),
            (some("tasks"), some("tasks_user_id_fkey"), some("user_id"))
        );
        assert_eq!(names(1048, "Column 'name' cannot be null"), (None, None, some("name")));
        assert_eq!(names(1364, "Field 'name' doesn't have a default value"), (None, None, some("name")));
        assert_eq!(names(1064, "You have an error in your SQL syntax"), (None, None, None));
    }
}
