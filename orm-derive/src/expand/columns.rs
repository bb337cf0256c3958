//! Typed column handles: `User::name()` is a `Column<User, String>`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

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
    // What an upsert's `on_conflict` and `update` take (see `orm_core::write::ColumnsOf`): one
    // column, `()`, or a tuple of up to 12 columns, as `orm_core::write::Columns`.
    let tuples = (1..=12usize).map(|arity| {
        let types: Vec<_> = (0..arity).map(|i| format_ident!("__Column{}", i)).collect();
        quote! {
            #[automatically_derived]
            #[diagnostic::do_not_recommend]
            impl<#(#types),*> ::orm::__private::ColumnsOf<(#(::orm::__private::Column<#ident, #types>,)*)> for #ident {
                fn names(columns: (#(::orm::__private::Column<#ident, #types>,)*)) -> ::orm::__private::Vec<&'static str> {
                    ::orm::__private::Columns::<#ident>::names(columns)
                }
            }
        }
    });
    // What `filter` and `order_by` take on this model (see `orm_core::narrow::Conditions`).
    quote! {
        #[automatically_derived]
        impl<__Column> ::orm::__private::ColumnsOf<::orm::__private::Column<#ident, __Column>> for #ident {
            fn names(columns: ::orm::__private::Column<#ident, __Column>) -> ::orm::__private::Vec<&'static str> {
                ::orm::__private::Columns::<#ident>::names(columns)
            }
        }

        #[automatically_derived]
        #[diagnostic::do_not_recommend]
        impl ::orm::__private::ColumnsOf<()> for #ident {
            fn names(columns: ()) -> ::orm::__private::Vec<&'static str> {
                ::orm::__private::Columns::<#ident>::names(columns)
            }
        }

        #(#tuples)*

        #[automatically_derived]
        #[allow(dead_code)]
        impl #ident {
            #(#accessors)*
        }

        #[automatically_derived]
        impl ::orm::__private::Conditions<::orm::__private::Expr<#ident>> for #ident {
            fn condition(condition: ::orm::__private::Expr<#ident>) -> ::orm::__private::Expr<#ident> {
                condition
            }
        }

        #[automatically_derived]
        #[diagnostic::do_not_recommend]
        impl ::orm::__private::Conditions<::orm::__private::Unreachable> for #ident {
            fn condition(condition: ::orm::__private::Unreachable) -> ::orm::__private::Expr<#ident> {
                match condition {}
            }
        }

        #[automatically_derived]
        impl ::orm::__private::Orders<::orm::__private::Order<#ident>> for #ident {
            fn order(order: ::orm::__private::Order<#ident>) -> ::orm::__private::Order<#ident> {
                order
            }
        }

        #[automatically_derived]
        #[diagnostic::do_not_recommend]
        impl ::orm::__private::Orders<::orm::__private::Unreachable> for #ident {
            fn order(order: ::orm::__private::Unreachable) -> ::orm::__private::Order<#ident> {
                match order {}
            }
        }
    }
}
