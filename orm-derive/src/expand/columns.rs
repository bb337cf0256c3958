//! Typed column handles: `User::name()` is a `Column<User, String>`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Model;

pub fn expand(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let vis = &model.vis;
    let accessors = model.fields.iter().map(|f| {
        let field = &f.ident;
        let ty = &f.ty;
        let column = &f.column;
        let doc = format!("The `{column}` column of `{}`, for filters, ordering and updates.", model.table);
        quote! {
            #[doc = #doc]
            #[must_use]
            #vis fn #field() -> ::orm::__private::Column<Self, #ty> {
                ::orm::__private::Column::new(#column)
            }
        }
    });
    quote! {
        #[automatically_derived]
        #[allow(dead_code)]
        impl #ident {
            #(#accessors)*
        }
    }
}
