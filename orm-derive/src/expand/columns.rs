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
    // What `filter` and `order_by` take on this model. Implemented here, per model, rather
    // than by a blanket impl in orm-core: rustc shows the one impl of another model under a
    // mistake ("but `ConditionOn<User>` is implemented for it"), and this one is the user's.
    quote! {
        #[automatically_derived]
        #[allow(dead_code)]
        impl #ident {
            #(#accessors)*
        }

        #[automatically_derived]
        impl ::orm::__private::ConditionOn<#ident> for ::orm::__private::Expr<#ident> {
            fn into_condition(self) -> ::orm::__private::Expr<#ident> {
                self
            }
        }

        #[automatically_derived]
        impl ::orm::__private::OrderOn<#ident> for ::orm::__private::Order<#ident> {
            fn into_order(self) -> ::orm::__private::Order<#ident> {
                self
            }
        }
    }
}
