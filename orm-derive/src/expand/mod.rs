//! Code generation. Every module reads the validated [`Model`](crate::model::Model) and emits
//! thin code: static metadata, typed handles, and forwarding methods into `orm-core`.

mod assoc;
mod builder;
mod columns;
pub mod include;
pub mod model;
mod polymorphic;

use darling::FromDeriveInput;
use proc_macro2::TokenStream;
use quote::quote;

use crate::attr::ModelAttr;
use crate::model::Model;

pub fn derive(input: &syn::DeriveInput) -> TokenStream {
    let mut errors = darling::Error::accumulator();
    let model = match ModelAttr::from_derive_input(input) {
        Ok(attr) => Model::from_attr(attr, &mut errors),
        Err(error) => {
            errors.push(error);
            // Still check the associations, so that one compile reports every mistake.
            for parsed in crate::assoc::parse(&input.attrs, &mut errors) {
                crate::model::Association::precheck(&parsed, &mut errors);
            }
            None
        }
    };
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
    let includes = include::expand(&model);
    let polymorphic = polymorphic::expand(&model);
    quote! {
        #includes
        #model_impl
        #columns
        #builder
        #associations
        #polymorphic
    }
}

/// The hash under which a field is known to other models' checks; the same function as
/// `orm_core::assoc::field_name_hash`.
pub fn field_hash(name: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}
