//! `#[derive(Model)]` for the `orm` crate. The pipeline: parse the attributes (`attr`), resolve
//! them into a validated model (`model`, `validate`), generate code from that model (`expand`).
//! See the `orm` crate for the user-facing documentation.
#![warn(missing_docs)]

mod assoc;
mod attr;
mod enum_type;
mod expand;
mod hooks;
mod model;
mod polymorphic;
mod validate;

use proc_macro::TokenStream;

/// Derives `orm::Model` for a struct with named fields. See the `orm` crate's documentation.
#[proc_macro_derive(Model, attributes(model, has_one, has_many, belongs_to, belongs_to_many, belongs_to_one_of))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&input).into()
}

/// Derives `orm::ColumnType` for a fieldless enum, so that it can be a field, a filter value
/// and a key: stored as text (the variant's name; `#[orm(rename_all = "snake_case")]` on the
/// enum or `#[orm(rename = "…")]` on a variant changes it) or, with `#[orm(integer)]`, as its
/// discriminant in an integer column. Reading a value that is no variant is an error naming
/// the value and the enum. See the `orm` crate's documentation.
#[proc_macro_derive(Enum, attributes(orm))]
pub fn derive_enum(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    enum_type::derive(&input).into()
}

/// Hooks of a model: `#[orm::hooks] impl Profile { async fn before_create(&mut self, tx: &mut
/// orm::Tx) -> orm::Result<()> { … } }`. See the `orm` crate's documentation.
#[proc_macro_attribute]
pub fn hooks(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item = syn::parse_macro_input!(item as syn::ItemImpl);
    hooks::expand(attr.into(), item).into()
}
