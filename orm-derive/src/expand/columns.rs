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
    // What `select` takes: a tuple of up to 8 selections (nested tuples too), as
    // `orm_core::query::projection::Selection`.
    let selection_tuples = (1..=8usize).map(|arity| {
        let types: Vec<_> = (0..arity).map(|i| format_ident!("__Selection{}", i)).collect();
        let index = (0..arity).map(syn::Index::from);
        quote! {
            #[automatically_derived]
            #[diagnostic::do_not_recommend]
            impl<#(#types),*> ::orm::__private::Selections<(#(#types,)*)> for #ident
            where
                #(#ident: ::orm::__private::Selections<#types>,)*
            {
                type Selection = (#(<#ident as ::orm::__private::Selections<#types>>::Selection,)*);
                fn selection(selection: (#(#types,)*)) -> Self::Selection {
                    (#(<#ident as ::orm::__private::Selections<#types>>::selection(selection.#index),)*)
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

        // What `select` takes (see `orm_core::query::projection::Selections`), and what the
        // aggregate shortcuts and `increment` take (`orm_core::query::aggregate::ColumnOf`):
        // implemented here rather than in orm-core, so that rustc quotes this model's impl
        // under a column of another model.
        #[automatically_derived]
        impl<__T: ::orm::__private::SqlValue> ::orm::__private::Selections<::orm::__private::Column<#ident, __T>> for #ident {
            type Selection = ::orm::__private::Column<#ident, __T>;
            fn selection(selection: ::orm::__private::Column<#ident, __T>) -> Self::Selection {
                selection
            }
        }

        #[automatically_derived]
        impl<__K: ::orm::__private::AggregateKind> ::orm::__private::Selections<::orm::__private::Aggregate<#ident, __K>> for #ident {
            type Selection = ::orm::__private::Aggregate<#ident, __K>;
            fn selection(selection: ::orm::__private::Aggregate<#ident, __K>) -> Self::Selection {
                selection
            }
        }

        #(#selection_tuples)*

        // This model can be included when it is `Clone` (see
        // `orm_core::include::IncludedTarget`); `for<'a>` keeps the bound from being checked
        // here, for a model that is never included.
        #[automatically_derived]
        #[diagnostic::do_not_recommend]
        impl ::orm::__private::IncludedTarget<()> for #ident where for<'__a> #ident: ::core::clone::Clone {}

        #[automatically_derived]
        #[diagnostic::do_not_recommend]
        impl<__I, __L> ::orm::__private::IncludedTarget<(__I, __L)> for #ident where for<'__a> #ident: ::core::clone::Clone {}

        #[automatically_derived]
        impl ::orm::__private::IncludedTarget<::orm::__private::Unreachable> for #ident {}

        // `select` applies to a query without includes (see
        // `orm_core::query::projection::NoIncludes`).
        #[automatically_derived]
        impl<__S> ::orm::__private::NoIncludes<(), __S> for #ident {}

        #[automatically_derived]
        #[diagnostic::do_not_recommend]
        impl<__I, __L> ::orm::__private::NoIncludes<(__I, __L), ::orm::__private::Unreachable> for #ident {}

        #[automatically_derived]
        #[diagnostic::do_not_recommend]
        impl<__I, __L> ::orm::__private::NoIncludes<(__I, __L), (::orm::__private::Unreachable,)> for #ident {}

        #[automatically_derived]
        impl<__T: ::orm::__private::SqlValue> ::orm::__private::ColumnOf<::orm::__private::Column<#ident, __T>> for #ident {
            type Type = __T;
            fn column(column: ::orm::__private::Column<#ident, __T>) -> ::orm::__private::Column<#ident, __T> {
                column
            }
        }

        #[automatically_derived]
        #[diagnostic::do_not_recommend]
        impl ::orm::__private::ColumnOf<::orm::__private::Unreachable> for #ident {
            type Type = i64;
            fn column(column: ::orm::__private::Unreachable) -> ::orm::__private::Column<#ident, i64> {
                match column {}
            }
        }

        // What `aggregate` and a projection's `order_by` take (`AggregatesOf`, `SortKeys`), as
        // `ColumnOf`: the aggregate's column type is checked here, reported by its own message.
        #[automatically_derived]
        impl<__K: ::orm::__private::AggregateKind<Output = __R>, __R> ::orm::__private::AggregatesOf<::orm::__private::Aggregate<#ident, __K>, __R> for #ident {
            fn term(aggregate: ::orm::__private::Aggregate<#ident, __K>) -> ::orm::__private::AggregateTerm {
                aggregate.__term()
            }
        }

        #[automatically_derived]
        #[diagnostic::do_not_recommend]
        impl ::orm::__private::AggregatesOf<::orm::__private::Unreachable, i64> for #ident {
            fn term(aggregate: ::orm::__private::Unreachable) -> ::orm::__private::AggregateTerm {
                match aggregate {}
            }
        }

        #[automatically_derived]
        impl<__T: ::orm::__private::Comparable> ::orm::__private::SortKeys<::orm::__private::ColumnOrder<#ident, __T>> for #ident {
            fn sort_key(order: ::orm::__private::ColumnOrder<#ident, __T>) -> ::orm::__private::SortKey<#ident> {
                ::orm::__private::SortKey::__column(order)
            }
        }

        #[automatically_derived]
        impl ::orm::__private::SortKeys<::orm::__private::Order<#ident>> for #ident {
            fn sort_key(order: ::orm::__private::Order<#ident>) -> ::orm::__private::SortKey<#ident> {
                ::orm::__private::SortKey::__order(order)
            }
        }

        #[automatically_derived]
        impl<__K: ::orm::__private::AggregateKind> ::orm::__private::SortKeys<::orm::__private::AggregateOrder<#ident, __K>> for #ident {
            fn sort_key(order: ::orm::__private::AggregateOrder<#ident, __K>) -> ::orm::__private::SortKey<#ident> {
                ::orm::__private::SortKey::__aggregate(order)
            }
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
