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

/// A field's name at the type level, the key of its `HasField` impl: `user_id` is
/// `(Ch<'u'>, Ch<'s'>, …, Ch<'d'>)`.
pub fn field_chars(name: &str) -> TokenStream {
    let chars = name.chars().map(|c| quote!(::orm::__private::Ch<#c>));
    quote!((#(#chars,)*))
}

/// The marker type of the field name `name`, named like the field so that a failed check names
/// it ("`Task` has no field `user_id`"), and its declaration (an item, for a block).
pub fn field_marker(name: &str, span: proc_macro2::Span) -> (syn::Ident, TokenStream) {
    let ident = marker_ident(name, span);
    let chars = field_chars(name);
    let declaration = quote! {
        #[allow(non_camel_case_types, dead_code)]
        pub struct #ident {}
        #[automatically_derived]
        impl ::orm::__private::FieldName for #ident {
            type Chars = #chars;
        }
    };
    (ident, declaration)
}

/// The identifier of a field-name marker: the name itself, raw for a keyword, and with any
/// character an identifier cannot hold replaced by `_`.
fn marker_ident(name: &str, span: proc_macro2::Span) -> syn::Ident {
    if let Ok(mut ident) = syn::parse_str::<syn::Ident>(name) {
        ident.set_span(span);
        return ident;
    }
    let cleaned: String = name.chars().map(|c| if c.is_alphanumeric() || c == '_' { c } else { '_' }).collect();
    let cleaned = if cleaned.is_empty() || cleaned.starts_with(|c: char| c.is_ascii_digit()) {
        format!("field_{cleaned}")
    } else {
        cleaned
    };
    if syn::parse_str::<syn::Ident>(&cleaned).is_ok() {
        return syn::Ident::new(&cleaned, span);
    }
    if matches!(cleaned.as_str(), "self" | "Self" | "super" | "crate" | "_") {
        return syn::Ident::new(&format!("{cleaned}_"), span);
    }
    syn::Ident::new_raw(&cleaned, span)
}

/// The default key column a join model holds for a model with a one-column key:
/// `{singular}_{key}` in snake_case, as `orm_core::naming::key_column` writes it.
pub fn default_join_key(singular: &str, key: &str) -> String {
    let words: Vec<String> =
        format!("{singular}_{key}").split(['_', '-']).filter(|w| !w.is_empty()).map(str::to_ascii_lowercase).collect();
    words.join("_")
}
