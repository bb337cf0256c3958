//! Filters across associations: `User::tasks().any(Task::done().eq(false))` keeps the users
//! with an open task. Each is an `EXISTS` subquery over the association's targets, correlated
//! with the parent row; the same writer serves `required()` includes, which keep the parents
//! having a target.
//!
//! A quantifier ranges over exactly the targets that an include of the same association would
//! load for the parent: the linked targets that pass the association's `scope` and
//! `through_scope`, the include's `filter` and `through_filter`, and every `required()` include
//! nested in it, and, with a per-parent `limit`, only the first ones in the include's order.

use crate::assoc::{AssociationKind, AssociationMeta, push_conditions};
use crate::dialect::count_value;
use crate::expr::{Node, OrderTerm};
use crate::sql::SqlBuilder;

/// The column of a windowed subquery holding each target's row number within its parent.
const ROW_NUMBER: &str = "__orm_row";
/// The column of a windowed belongs_to_many subquery holding the join row's source key.
const PARENT_KEY: &str = "__orm_parent";

/// Where a target row's link to its parent is read.
#[derive(Clone, Copy)]
enum LinkSide<'a> {
    /// The target table and (belongs_to_many) the join table, by their aliases.
    Tables { target: &'a str, join: &'a str },
    /// A numbered derived table: the target's columns keep their names, and the join row's
    /// source key is [`PARENT_KEY`].
    Numbered(&'a str),
}

/// Which targets must satisfy the condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quantifier {
    /// At least one target satisfies it (it is TRUE).
    Any,
    /// No target satisfies it.
    None,
    /// No target fails it: for every target it is TRUE (not FALSE, not UNKNOWN).
    Every,
}

/// The targets of one association that a quantifier ranges over, for one parent row.
#[derive(Clone)]
pub(crate) struct Targets {
    pub(crate) association: &'static AssociationMeta,
    /// The include's filter, with its nested `required()` includes, on the target.
    pub(crate) filter: Option<Node>,
    /// The include's `through_filter`, on the join row.
    pub(crate) join_filter: Option<Node>,
    /// The include's order, which decides the first targets under a per-parent `limit`.
    pub(crate) order: Vec<OrderTerm>,
    /// The include's per-parent limit.
    pub(crate) limit: Option<u64>,
}

/// A condition on a parent row over its targets: `any`, `none` or `every`.
#[derive(Clone)]
pub(crate) struct AssociationFilter {
    pub(crate) targets: Targets,
    pub(crate) quantifier: Quantifier,
    /// `None` stands for TRUE (`exists()`).
    pub(crate) condition: Option<Node>,
    /// The include was `required()`: the parent must also have a target.
    pub(crate) required: bool,
}

impl std::fmt::Debug for AssociationFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssociationFilter")
            .field("association", &self.targets.association.display_name())
            .field("quantifier", &self.quantifier)
            .field("condition", &self.condition)
            .field("filter", &self.targets.filter)
            .field("join_filter", &self.targets.join_filter)
            .field("limit", &self.targets.limit)
            .field("required", &self.required)
            .finish()
    }
}

impl AssociationFilter {
    /// The filter `quantifier` `condition` (`None`: TRUE) over `targets`.
    pub(crate) fn new(mut targets: Targets, quantifier: Quantifier, condition: Option<Node>, required: bool) -> Self {
        // Whether a target exists does not depend on which of them come first.
        if condition.is_none() && targets.limit.is_some_and(|limit| limit > 0) {
            targets.limit = None;
            targets.order.clear();
        }
        AssociationFilter { targets, quantifier, condition, required }
    }

    /// Writes the condition on the parent rows named `parent`:
    /// `EXISTS (… AND c)`, `NOT EXISTS (… AND c)` or `NOT EXISTS (… AND NOT COALESCE(c, FALSE))`.
    pub(crate) fn render(self, parent: &str, b: &mut SqlBuilder) {
        let AssociationFilter { targets, quantifier, condition, required } = self;
        // `any` already needs a target; `none` and `every` are true without one.
        let presence = required && quantifier != Quantifier::Any;
        if presence {
            b.push("(");
            targets.clone().write_exists(parent, b, |_, _| {});
            b.push(" AND ");
        }
        match quantifier {
            Quantifier::Any => targets.write_exists(parent, b, |alias, b| and_condition(condition, alias, b)),
            Quantifier::None => {
                b.push("NOT ");
                targets.write_exists(parent, b, |alias, b| and_condition(condition, alias, b));
            }
            Quantifier::Every => {
                b.push("NOT ");
                targets.write_exists(parent, b, |alias, b| {
                    // A target for which the condition is FALSE or UNKNOWN fails `every`.
                    b.push(" AND NOT COALESCE(");
                    match condition {
                        Some(condition) => condition.render(alias, b),
                        None => {
                            b.push("1 = 1");
                        }
                    }
                    b.push(", FALSE)");
                });
            }
        }
        if presence {
            b.push(")");
        }
    }
}

fn and_condition(condition: Option<Node>, alias: &str, b: &mut SqlBuilder) {
    if let Some(condition) = condition {
        b.push(" AND ");
        condition.render(alias, b);
    }
}

impl Targets {
    /// `EXISTS (SELECT 1 FROM <targets of the parent row named parent> WHERE … <condition>)`;
    /// `condition` writes ` AND …` over the target row, named by the alias it is given.
    pub(crate) fn write_exists(
        mut self,
        parent: &str,
        b: &mut SqlBuilder,
        condition: impl FnOnce(&str, &mut SqlBuilder),
    ) {
        let n = b.next_alias();
        let target = format!("__orm_t{n}");
        let join = format!("__orm_j{n}");
        b.push("EXISTS (SELECT 1 FROM ");
        match self.limit.take() {
            None => {
                self.write_from(&target, &join, b);
                b.push(" WHERE ");
                self.write_link(LinkSide::Tables { target: &target, join: &join }, parent, b);
                self.write_conditions(&target, &join, b);
                condition(&target, b);
            }
            Some(limit) => {
                // The first `limit` targets of each parent, numbered in a derived table: it
                // cannot see the parent row (no LATERAL on MariaDB), so it numbers the targets
                // of every parent and the link to this one is made outside.
                let numbered = format!("__orm_w{n}");
                b.note_correlated_numbering();
                self.write_numbered(&target, &join, b);
                b.push(" AS ").identifier(&numbered).push(" WHERE ");
                self.write_link(LinkSide::Numbered(&numbered), parent, b);
                b.push(" AND ").qualified(&numbered, ROW_NUMBER).push(" <= ").bind(count_value(limit));
                condition(&numbered, b);
            }
        }
        b.dialect().push_exists_end(b);
    }

    /// `"targets" AS "target"`, joined with the join table for belongs_to_many.
    fn write_from(&self, target: &str, join: &str, b: &mut SqlBuilder) {
        let meta = self.association;
        b.identifier(meta.target_meta().table).push(" AS ").identifier(target);
        if meta.kind == AssociationKind::BelongsToMany {
            b.push(" INNER JOIN ").identifier(meta.join_table()).push(" AS ").identifier(join).push(" ON ");
            b.qualified(join, meta.join_target_column().0).push(" = ");
            b.qualified(target, meta.target_key_column().name);
        }
    }

    /// The link of a target row to the parent row named `parent`.
    fn write_link(&self, row: LinkSide<'_>, parent: &str, b: &mut SqlBuilder) {
        let meta = self.association;
        let target = match row {
            LinkSide::Tables { target, .. } | LinkSide::Numbered(target) => target,
        };
        match meta.kind {
            AssociationKind::BelongsToMany => {
                let (join, source) = match row {
                    LinkSide::Tables { join, .. } => (join, meta.join_source_column().0),
                    LinkSide::Numbered(numbered) => (numbered, PARENT_KEY),
                };
                b.qualified(join, source).push(" = ").qualified(parent, meta.source_key_column().name);
            }
            AssociationKind::BelongsTo => {
                b.key_join(target, &meta.target_key_columns(), parent, &meta.foreign_key_columns());
            }
            AssociationKind::HasOne | AssociationKind::HasMany => {
                b.key_join(target, &meta.foreign_key_columns(), parent, &meta.source_key_columns());
            }
        }
    }

    /// ` AND …` for the scopes and the include's filters.
    fn write_conditions(&mut self, target: &str, join: &str, b: &mut SqlBuilder) {
        let meta = self.association;
        push_conditions(b, target, meta.scope_conditions());
        if meta.kind == AssociationKind::BelongsToMany {
            push_conditions(b, join, meta.through_scope_conditions());
        }
        if let Some(filter) = self.filter.take() {
            b.push(" AND ");
            filter.render(target, b);
        }
        if let Some(filter) = self.join_filter.take() {
            b.push(" AND ");
            filter.render(join, b);
        }
    }

    /// `(SELECT "target".*, …, ROW_NUMBER() OVER (PARTITION BY <parent> ORDER BY …) AS
    /// "__orm_row" FROM … WHERE <scopes and filters>)`: the targets, numbered within their parent.
    fn write_numbered(&mut self, target: &str, join: &str, b: &mut SqlBuilder) {
        let meta = self.association;
        b.push("(SELECT ").identifier(target).push(".*, ");
        if meta.kind == AssociationKind::BelongsToMany {
            b.qualified(join, meta.join_source_column().0).push(" AS ").identifier(PARENT_KEY).push(", ");
        }
        b.push("ROW_NUMBER() OVER (PARTITION BY ");
        match meta.kind {
            AssociationKind::BelongsToMany => b.qualified(join, meta.join_source_column().0),
            AssociationKind::BelongsTo => b.key_columns(target, &meta.target_key_columns()),
            AssociationKind::HasOne | AssociationKind::HasMany => b.key_columns(target, &meta.foreign_key_columns()),
        };
        b.push(" ORDER BY ");
        // The primary key last, so that ties in the include's order number alike every time.
        let key = meta.target_meta().primary_key_columns().map(|c| OrderTerm::key(c.name));
        for (i, term) in self.order.iter().copied().chain(key).enumerate() {
            if i > 0 {
                b.push(", ");
            }
            term.render(target, b);
        }
        b.push(") AS ").identifier(ROW_NUMBER).push(" FROM ");
        self.write_from(target, join, b);
        b.push(" WHERE 1 = 1");
        self.write_conditions(target, join, b);
        b.push(")");
    }
}
