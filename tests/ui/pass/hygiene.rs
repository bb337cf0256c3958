//! User types named like the ORM's and std's items break nothing, and generated code is
//! warning-free under `deny(warnings)`.
#![deny(warnings, missing_docs)]

// The builder methods (`filter`, `order_by`, `include`) and the column comparisons (`eq`,
// `gt`, …) are trait methods, in `orm::prelude`; imported by name here, where the prelude's
// names are shadowed.
use orm::{Compare as _, Filter as _};

#[allow(dead_code)]
struct Result;
#[allow(dead_code)]
struct Option;
#[allow(dead_code)]
struct Vec;
#[allow(dead_code)]
struct Error;
#[allow(dead_code)]
struct Model;
#[allow(dead_code)]
struct Value;

/// A model with a field named `db` and `row`.
#[derive(orm::Model, Debug, Clone)]
pub struct Thing {
    /// Key.
    pub id: i64,
    /// Named like the executor argument.
    pub db: String,
    /// Named like the decoder argument.
    pub row: ::std::option::Option<i32>,
    /// Named like the offset argument.
    pub offset: i64,
}

fn main() {
    let _ = <Thing as orm::Model>::find().filter(Thing::db().eq("x"));
}
