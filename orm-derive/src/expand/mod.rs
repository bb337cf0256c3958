//! Code generation. Every module reads the validated [`Model`](crate::model::Model) and emits
//! thin code: static metadata, typed handles, and forwarding methods into `orm-core`.

mod assoc;
mod builder;
mod columns;
pub mod model;

use darling::FromDeriveInput;
use proc_macro2::TokenStream;
use quote::quote;

use crate::attr::ModelAttr;
use crate::model::Model;

pub fn derive(input: &syn::DeriveInput) -> TokenStream {
    let mut errors = darling::Error::accumulator();
    let model = errors.handle(ModelAttr::from_derive_input(input)).and_then(|attr| Model::from_attr(attr, &mut errors));
    if let Err(error) = errors.finish() {
        return error.write_errors();
    }
    let Some(model) = model else {
        return quote!();
    };
    let model_impl = model::expand(&model);
    let columns = columns::expand(&model);
    let builder = builder::expand(&model);
    let associations = assoc::expand(&model);
    quote! {
        #model_impl
        #columns
        #builder
        #associations
    }
}
