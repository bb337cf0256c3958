//! Include-based eager loading with the load state in the type.
//!
//! `User::find().include(User::pictures())` is a `Select<User, (Include<Pictures, ()>, ())>`:
//! the include list is a type-level cons list. Its results are `UserWith<Loaded<…>>` rows (`<User as Model>::With<…>`, generated per model)
//! whose `Loaded` cons list holds, per included association, the loaded targets. Generated
//! accessors (`row.pictures()`) find their association in that list by type; reading one that
//! was not included does not compile.
//!
//! Loading runs one query per include level, batched by parent keys (`= ANY($1)` on
//! PostgreSQL, `IN (…)` chunked under SQLite's bind limit), and groups children to parents
//! through a hash map.

mod filter;
#[cfg(feature = "serde")]
pub mod json;
mod load;
mod spec;

pub(crate) use filter::AssociationFilter;

pub use load::IncludeList;
pub use spec::{
    AssociationSpec, Contains, Here, Include, IncludedTarget, JoinOf, LoadKind, Loaded, Many, ManyToMany, One,
    Polymorphic, SameAs, SpecOf, TargetFilters, There,
};
