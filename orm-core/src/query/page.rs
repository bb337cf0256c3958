//! A page of rows with the number of rows on every page: Sequelize's `findAndCountAll`.

use crate::db::{Executor, IntoExecutor};
use crate::error::Result;
use crate::include::IncludeList;
use crate::model::{Model, write_columns};
use crate::query::{Select, lock_clause};
use crate::sql::SqlBuilder;

impl<M: Model, L: IncludeList<M>> Select<M, L> {
    /// Runs the query for one page and counts the rows on all pages: Sequelize's
    /// `findAndCountAll`. The count is of the rows of `M` that match the filters and the
    /// `required()` includes, ignoring order, `limit` and `offset`; unlike Sequelize, which
    /// counts joined rows (6 for 3 users with 2 tasks each), it never counts a row twice.
    ///
    /// Both come from one statement (`COUNT(*) OVER ()` beside the page's columns), so they
    /// agree with each other on every backend and isolation level, without a transaction.
    /// Two cases take a second `COUNT(*)` statement, which sees the database as it is by
    /// then: a page that comes back empty past the first (`offset` past the end, or
    /// `limit(0)`), and a locked query ([`for_update`](Self::for_update)), since PostgreSQL
    /// locks no rows of a window query; the count is then not locked.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let (page, total) = Task::find().order_by(Task::id().asc()).limit(2).find_and_count(&db).await?;
    /// assert_eq!((page.len(), total), (2, 3));
    /// # Ok(()) }
    /// ```
    pub async fn find_and_count<'e>(self, db: impl IntoExecutor<'e>) -> Result<(Vec<L::Row>, i64)> {
        let mut executor = db.into_executor();
        let lock = lock_clause::<M>(self.lock, &executor)?;
        let meta = M::meta();
        let mut b = SqlBuilder::new(executor.dialect());
        b.push("SELECT ");
        write_columns(&mut b, meta, meta.table);
        if lock.is_none() {
            b.push(", COUNT(*) OVER ()");
        }
        b.push(" FROM ").identifier(meta.table);
        self.write_page(&mut b);
        // A plain page may go to a read replica; its count and includes follow it there.
        let statement = match lock {
            Some(lock) => {
                b.push(lock);
                b.finish()
            }
            None => b.finish_read(),
        };
        let width = meta.columns.len();
        let mut parents = Vec::new();
        let mut total = None;
        let server = executor
            .fetch_on(statement, &mut |row| {
                parents.push(M::decode(row, 0)?);
                if lock.is_none() {
                    total = row.get_i64(width)?;
                }
                Ok(())
            })
            .await?;
        let follow = executor.following(server);
        let mut executor = follow.as_ref().map_or(executor, Executor::Db);
        let total = match total {
            Some(total) => total,
            // An empty first page: no row matches.
            None if lock.is_none() && self.offset.unwrap_or(0) == 0 && self.limit != Some(0) => 0,
            None => self.count_matching(&mut executor).await?,
        };
        let rows = self.load_includes(&mut executor, parents).await?;
        Ok((rows, total))
    }
}
