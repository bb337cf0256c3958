//! Schema sync: the table graph built from model metadata, its dependency order, cycle
//! detection, and the DDL of each backend.

use std::collections::HashMap;

use crate::assoc::{AssociationKind, AssociationMeta};
use crate::db::{Atomic, Db, Executor};
use crate::dialect::{Dialect, ReferentialAction};
use crate::error::{Error, Result};
use crate::meta::ModelMeta;
use crate::model::Model;
use crate::value::SqlType;

/// A set of models whose tables are created together, in foreign-key order.
///
/// ```
/// # use orm_core::Schema;
/// let schema = Schema::new(); // then `.model::<User>().model::<Task>()`
/// assert_eq!(schema.tables().map(|t| t.len()).ok(), Some(0));
/// ```
#[derive(Debug, Default, Clone)]
pub struct Schema {
    models: Vec<&'static ModelMeta>,
}

/// A table to create, with everything its DDL needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The table's name.
    pub name: String,
    /// Its columns, in order.
    pub columns: Vec<TableColumn>,
    /// The primary-key columns when there is more than one (a single key is on its column).
    pub composite_key: Vec<String>,
    /// Unique constraints over several columns: name and columns.
    pub unique: Vec<(String, Vec<String>)>,
    /// Foreign keys of this table.
    pub foreign_keys: Vec<ForeignKey>,
}

/// A column of a [`Table`].
#[derive(Debug, Clone, PartialEq)]
pub struct TableColumn {
    /// The column's name.
    pub name: String,
    /// Its SQL type.
    pub sql_type: SqlType,
    /// Whether it accepts `NULL`.
    pub nullable: bool,
    /// Whether it is the single primary key.
    pub primary_key: bool,
    /// Whether the database generates its value.
    pub generated: bool,
    /// Whether it carries its own unique constraint.
    pub unique: bool,
}

/// A foreign key of a [`Table`].
#[derive(Debug, Clone, PartialEq)]
pub struct ForeignKey {
    /// The referencing columns, in key order (several for a composite foreign key).
    pub columns: Vec<String>,
    /// The referenced table.
    pub target_table: String,
    /// The referenced columns, in the same order.
    pub target_columns: Vec<String>,
    /// `ON DELETE` action.
    pub on_delete: ReferentialAction,
    /// `ON UPDATE` action.
    pub on_update: ReferentialAction,
    /// Whether a constraint is created; without one the column is only indexed, and the
    /// reference does not order table creation.
    pub constraint: bool,
}

impl Schema {
    /// An empty schema.
    pub fn new() -> Self {
        Schema::default()
    }

    /// Adds a model's table (once, however often it is added). Models it references are
    /// added too when the schema is built.
    pub fn model<M: Model>(mut self) -> Self {
        self.add_meta(M::meta());
        self
    }

    fn add_meta(&mut self, meta: &'static ModelMeta) {
        if !self.models.iter().any(|m| std::ptr::eq(*m, meta)) {
            self.models.push(meta);
        }
    }

    /// Every model of the schema: those added and, transitively, those they reference.
    fn closure(&self) -> Vec<&'static ModelMeta> {
        let mut all = self.clone();
        let mut i = 0;
        while i < all.models.len() {
            let meta = all.models[i];
            for reference in meta.references {
                all.add_meta((reference.target)());
            }
            for association in (meta.associations)() {
                all.add_meta(association.target_meta());
                if let Some(through) = association.through_model {
                    all.add_meta(through());
                }
            }
            i += 1;
        }
        all.models
    }

    /// The tables in creation order: every table after the tables it references. A cycle of
    /// references is an error naming the chain; a self-reference is not a cycle.
    pub fn tables(&self) -> Result<Vec<Table>> {
        let models = self.closure();
        let mut tables: Vec<Table> = models.iter().map(|m| table_of(m)).collect();
        let mut join_tables = HashMap::new();
        for association in models.iter().flat_map(|m| (m.associations)()) {
            if association.kind == AssociationKind::BelongsToMany {
                check_join_columns(&models, &mut join_tables, association)?;
                add_join_table(&mut tables, association);
            } else {
                add_association_key(&mut tables, association);
            }
        }
        let order = dependency_order(&tables)?;
        let mut slots: Vec<Option<Table>> = tables.into_iter().map(Some).collect();
        Ok(order.into_iter().filter_map(|i| slots[i].take()).collect())
    }

    /// The statements `sync` runs on `dialect`, in order.
    pub fn ddl_for(&self, dialect: &dyn Dialect) -> Result<Vec<String>> {
        let mut statements = Vec::new();
        for table in self.tables()? {
            statements.push(create_table(dialect, &table));
            statements.extend(create_indexes(dialect, &table));
        }
        Ok(statements)
    }

    /// The statements `sync` runs on `db`, in order.
    pub fn ddl(&self, db: &Db) -> Result<Vec<String>> {
        self.ddl_for(db.dialect())
    }

    /// Creates every missing table, foreign key and index, in dependency order, in one
    /// transaction. Nothing runs when the order cannot be found.
    pub async fn sync(&self, db: &Db) -> Result<()> {
        let statements = self.ddl(db)?;
        run_all(db, statements).await
    }

    /// Drops every table of the schema (dependents first) and creates them again.
    pub async fn sync_force(&self, db: &Db) -> Result<()> {
        let tables = self.tables()?;
        let dialect = db.dialect();
        let mut statements: Vec<String> = tables.iter().rev().map(|t| dialect.drop_table(&t.name)).collect();
        statements.extend(self.ddl(db)?);
        run_all(db, statements).await
    }
}

async fn run_all(db: &Db, statements: Vec<String>) -> Result<()> {
    let mut atomic = Atomic::begin(Executor::Db(db)).await?;
    let mut result = Ok(());
    for sql in &statements {
        if let Err(error) = atomic.executor().execute_sql(sql).await {
            result = Err(error);
            break;
        }
    }
    atomic.finish(result).await
}

fn table_of(meta: &'static ModelMeta) -> Table {
    // A composite key is a table constraint, `PRIMARY KEY (a, b)`.
    let composite = meta.has_composite_key();
    let columns = meta
        .columns
        .iter()
        .map(|c| TableColumn {
            name: c.name.to_owned(),
            sql_type: c.sql_type,
            nullable: c.nullable,
            primary_key: c.primary_key && !composite,
            generated: c.generated,
            unique: c.unique,
        })
        .collect();
    let foreign_keys = meta
        .references
        .iter()
        .map(|r| {
            let target = (r.target)();
            let nullable = meta.column(r.column).is_none_or(|c| c.nullable);
            ForeignKey {
                columns: vec![r.column.to_owned()],
                target_table: target.table.to_owned(),
                target_columns: vec![r.target_column.unwrap_or(target.primary_key_column().name).to_owned()],
                on_delete: r.on_delete.unwrap_or(default_on_delete(nullable)),
                on_update: r.on_update.unwrap_or(ReferentialAction::Cascade),
                constraint: r.constraint,
            }
        })
        .collect();
    let composite_key =
        if composite { meta.primary_key_columns().map(|c| c.name.to_owned()).collect() } else { Vec::new() };
    Table { name: meta.table.to_owned(), columns, composite_key, unique: Vec::new(), foreign_keys }
}

/// Adds the foreign key an association implies to the table that holds it, unless that column
/// already has one (both sides of a pair, `hasMany` and `belongsTo`, describe the same key).
fn add_association_key(tables: &mut [Table], association: &AssociationMeta) {
    let holder = association.foreign_key_model();
    let key = association.foreign_key_columns();
    let columns: Vec<String> = key.iter().map(|c| c.name.to_owned()).collect();
    let Some(table) = tables.iter_mut().find(|t| t.name == holder.table) else { return };
    if let Some(existing) = table.foreign_keys.iter_mut().find(|fk| fk.columns == columns) {
        // Both sides describe one key: an explicit action beats a default, whichever side is
        // registered first, and either side can turn the constraint off.
        if let Some(action) = association.on_delete {
            existing.on_delete = action;
        }
        if let Some(action) = association.on_update {
            existing.on_update = action;
        }
        existing.constraint &= association.constraints;
        return;
    }
    table.foreign_keys.push(ForeignKey {
        columns,
        target_table: association.key_model().table.to_owned(),
        target_columns: association.referenced_columns().iter().map(|c| c.name.to_owned()).collect(),
        // SET NULL needs every column nullable.
        on_delete: association.on_delete.unwrap_or(default_on_delete(key.nullable())),
        on_update: association.on_update.unwrap_or(ReferentialAction::Cascade),
        constraint: association.constraints,
    });
}

/// Fails when a belongs_to_many names a join table whose columns another declaration fixed
/// differently: a join model without the two key columns, or another side of the table with
/// other column names (one side `rename_all = "camelCase"`, say). `declared` remembers the first
/// declaration of each join table the ORM manages.
fn check_join_columns(
    models: &[&'static ModelMeta],
    declared: &mut HashMap<&'static str, (String, [&'static str; 2])>,
    association: &AssociationMeta,
) -> Result<()> {
    let name = association.join_table();
    let columns = [association.join_source_column().0, association.join_target_column().0];
    let conflict = |first: String, first_columns: String| Error::JoinTableConflict {
        table: name.to_owned(),
        first,
        first_columns,
        second: association.display_name(),
        second_columns: columns.join(", "),
    };
    if let Some(model) = models.iter().find(|m| m.table == name) {
        if columns.iter().all(|c| model.column(c).is_some()) {
            return Ok(());
        }
        let model_columns: Vec<&str> = model.columns.iter().map(|c| c.name).collect();
        return Err(conflict(format!("the model `{}`", model.name), model_columns.join(", ")));
    }
    match declared.get(name) {
        Some((first, first_columns))
            if !(first_columns.contains(&columns[0]) && first_columns.contains(&columns[1])) =>
        {
            Err(conflict(first.clone(), first_columns.join(", ")))
        }
        Some(_) => Ok(()),
        None => {
            declared.insert(name, (association.display_name(), columns));
            Ok(())
        }
    }
}

/// Adds (or completes) the join table of a belongs_to_many association: both key columns NOT
/// NULL, both foreign keys `ON DELETE CASCADE ON UPDATE CASCADE`, and the pair unique: the
/// primary key of a table the ORM manages, a named unique constraint on a join model (which has
/// a key of its own). Declared from both sides, the table is described once.
fn add_join_table(tables: &mut Vec<Table>, association: &AssociationMeta) {
    let name = association.join_table();
    let (source_column, source_type) = association.join_source_column();
    let (target_column, target_type) = association.join_target_column();
    let position = match tables.iter().position(|t| t.name == name) {
        Some(position) => position,
        None => {
            tables.push(Table {
                name: name.to_owned(),
                columns: Vec::new(),
                composite_key: Vec::new(),
                unique: Vec::new(),
                foreign_keys: Vec::new(),
            });
            tables.len() - 1
        }
    };
    let table = &mut tables[position];
    let timestamps = association.through_timestamps.into_iter().flat_map(|(created, updated)| {
        [(created, crate::value::SqlType::TimestampTz), (updated, crate::value::SqlType::TimestampTz)]
    });
    for (column, sql_type) in [(source_column, source_type), (target_column, target_type)].into_iter().chain(timestamps)
    {
        if !table.columns.iter().any(|c| c.name == column) {
            table.columns.push(TableColumn {
                name: column.to_owned(),
                sql_type,
                nullable: false,
                primary_key: false,
                generated: false,
                unique: false,
            });
        }
    }
    // With a through scope (polymorphic join rows), the scope columns are part of the key:
    // post 1 and image 1 may both carry tag 1.
    let mut pair = vec![source_column.to_owned(), target_column.to_owned()];
    pair.extend(association.through_scope_conditions().into_iter().map(|(c, _)| c.name.to_owned()));
    let same_pair = |columns: &[String]| columns.len() == pair.len() && pair.iter().all(|c| columns.contains(c));
    if !association.through_unique {
        // `through(…, unique = false)`: a pair may be linked more than once.
    } else if association.through_model.is_none() {
        if table.composite_key.is_empty() {
            table.composite_key = pair.clone();
        }
    } else if !same_pair(&table.composite_key) && !table.unique.iter().any(|(_, columns)| same_pair(columns)) {
        let name = association
            .unique_key
            .map_or_else(|| format!("{name}_{source_column}_{target_column}_unique"), str::to_owned);
        table.unique.push((name, pair.clone()));
    }
    let keys = [
        (source_column, association.source_meta().table, association.source_key_column().name),
        (target_column, association.target_meta().table, association.target_key_column().name),
    ];
    for (column, target_table, target_column) in keys {
        if table.foreign_keys.iter().any(|fk| fk.columns.len() == 1 && fk.columns[0] == column) {
            continue;
        }
        table.foreign_keys.push(ForeignKey {
            columns: vec![column.to_owned()],
            target_table: target_table.to_owned(),
            target_columns: vec![target_column.to_owned()],
            on_delete: association.on_delete.unwrap_or(ReferentialAction::Cascade),
            on_update: association.on_update.unwrap_or(ReferentialAction::Cascade),
            constraint: association.constraints,
        });
    }
}

/// Sequelize's default: `SET NULL`, which a NOT NULL column cannot take, so `CASCADE` there.
pub fn default_on_delete(nullable: bool) -> ReferentialAction {
    if nullable { ReferentialAction::SetNull } else { ReferentialAction::Cascade }
}

/// Depth-first order: each table after the tables its constrained foreign keys point to.
fn dependency_order(tables: &[Table]) -> Result<Vec<usize>> {
    let index: HashMap<&str, usize> = tables.iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect();
    let edges: Vec<Vec<usize>> = tables
        .iter()
        .map(|t| {
            t.foreign_keys
                .iter()
                .filter(|fk| fk.constraint && fk.target_table != t.name)
                .filter_map(|fk| index.get(fk.target_table.as_str()).copied())
                .collect()
        })
        .collect();

    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Visiting,
        Done,
    }
    let mut marks = vec![Mark::New; tables.len()];
    let mut order = Vec::with_capacity(tables.len());
    // Iterative DFS so that a deep graph cannot overflow the stack.
    for root in 0..tables.len() {
        if marks[root] != Mark::New {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        marks[root] = Mark::Visiting;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&target) = edges[node].get(*next) {
                *next += 1;
                match marks[target] {
                    Mark::New => {
                        marks[target] = Mark::Visiting;
                        stack.push((target, 0));
                    }
                    Mark::Visiting => {
                        let start = stack.iter().position(|&(n, _)| n == target).unwrap_or(0);
                        let path: Vec<&str> = stack[start..].iter().map(|&(n, _)| tables[n].name.as_str()).collect();
                        let table = tables[target].name.clone();
                        return Err(Error::CyclicDependency {
                            chain: format!("{} => {}", path.join(" -> "), table),
                            table,
                        });
                    }
                    Mark::Done => {}
                }
            } else {
                marks[node] = Mark::Done;
                order.push(node);
                stack.pop();
            }
        }
    }
    Ok(order)
}

fn create_table(dialect: &dyn Dialect, table: &Table) -> String {
    let mut sql = String::from("CREATE TABLE IF NOT EXISTS ");
    dialect.push_identifier(&mut sql, &table.name);
    sql.push_str(" (");
    for (i, column) in table.columns.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        dialect.push_identifier(&mut sql, &column.name);
        sql.push(' ');
        let range = match column.sql_type {
            SqlType::SmallInt if dialect.checks_integer_range(column.sql_type) => {
                Some((i64::from(i16::MIN), i64::from(i16::MAX)))
            }
            SqlType::Integer if dialect.checks_integer_range(column.sql_type) => {
                Some((i64::from(i32::MIN), i64::from(i32::MAX)))
            }
            _ => None,
        };
        let check = |sql: &mut String| {
            if let Some((min, max)) = range {
                sql.push_str(" CHECK (");
                dialect.push_identifier(sql, &column.name);
                sql.push_str(&format!(" BETWEEN {min} AND {max})"));
            }
        };
        if column.generated {
            sql.push_str(dialect.generated_key_column(column.sql_type));
            check(&mut sql);
            continue;
        }
        let keyed = column.primary_key
            || column.unique
            || table.composite_key.contains(&column.name)
            || table.unique.iter().any(|(_, columns)| columns.contains(&column.name))
            || table.foreign_keys.iter().any(|fk| fk.columns.contains(&column.name));
        sql.push_str(if keyed {
            dialect.key_column_type(column.sql_type)
        } else {
            dialect.column_type(column.sql_type)
        });
        if !column.nullable {
            sql.push_str(" NOT NULL");
        }
        if column.primary_key {
            sql.push_str(" PRIMARY KEY");
        }
        check(&mut sql);
    }
    if !table.composite_key.is_empty() {
        sql.push_str(", PRIMARY KEY (");
        push_list(dialect, &mut sql, &table.composite_key);
        sql.push(')');
    }
    // A unique column's constraint is named as PostgreSQL names it by default, on every
    // backend, so that a violation names the same constraint everywhere.
    for column in table.columns.iter().filter(|c| c.unique && !c.primary_key) {
        sql.push_str(", CONSTRAINT ");
        dialect.push_identifier(&mut sql, &format!("{}_{}_key", table.name, column.name));
        sql.push_str(" UNIQUE (");
        dialect.push_identifier(&mut sql, &column.name);
        sql.push(')');
    }
    for (name, columns) in &table.unique {
        sql.push_str(", CONSTRAINT ");
        dialect.push_identifier(&mut sql, name);
        sql.push_str(" UNIQUE (");
        push_list(dialect, &mut sql, columns);
        sql.push(')');
    }
    for fk in table.foreign_keys.iter().filter(|fk| fk.constraint) {
        // Named as PostgreSQL names it by default, on every backend (MariaDB would say
        // `<table>_ibfk_<n>`).
        sql.push_str(", CONSTRAINT ");
        dialect.push_identifier(&mut sql, &format!("{}_{}_fkey", table.name, fk.columns.join("_")));
        sql.push_str(" FOREIGN KEY (");
        push_list(dialect, &mut sql, &fk.columns);
        sql.push_str(") REFERENCES ");
        dialect.push_identifier(&mut sql, &fk.target_table);
        sql.push_str(" (");
        push_list(dialect, &mut sql, &fk.target_columns);
        sql.push_str(") ON DELETE ");
        sql.push_str(fk.on_delete.sql());
        sql.push_str(" ON UPDATE ");
        sql.push_str(fk.on_update.sql());
    }
    sql.push(')');
    sql
}

/// One index per foreign key (Sequelize creates none; a lazy getter on a large table would
/// scan it), over all its columns, unless they already lead a key or unique constraint, or the
/// backend indexes foreign keys itself.
fn create_indexes(dialect: &dyn Dialect, table: &Table) -> Vec<String> {
    let mut seen: Vec<&[String]> = Vec::new();
    let mut statements = Vec::new();
    let leads = |key: &[String], columns: &[String]| key.len() >= columns.len() && key[..columns.len()] == *columns;
    for fk in &table.foreign_keys {
        let columns = fk.columns.as_slice();
        let keyed = (columns.len() == 1
            && table.columns.iter().any(|c| c.name == columns[0] && (c.primary_key || c.unique)))
            || leads(&table.composite_key, columns)
            || table.unique.iter().any(|(_, cols)| leads(cols, columns));
        // InnoDB indexes a foreign key with a constraint by itself (not one without).
        let indexed_by_backend = fk.constraint && dialect.indexes_foreign_keys();
        if keyed || indexed_by_backend || seen.contains(&columns) {
            continue;
        }
        seen.push(columns);
        let mut sql = String::from("CREATE INDEX IF NOT EXISTS ");
        dialect.push_identifier(&mut sql, &format!("{}_{}_idx", table.name, columns.join("_")));
        sql.push_str(" ON ");
        dialect.push_identifier(&mut sql, &table.name);
        sql.push_str(" (");
        push_list(dialect, &mut sql, columns);
        sql.push(')');
        statements.push(sql);
    }
    statements
}

fn push_list(dialect: &dyn Dialect, sql: &mut String, names: &[String]) {
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        dialect.push_identifier(sql, name);
    }
}
