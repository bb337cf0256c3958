//! `User::build()`: a builder where every field is optional until `create`, with one setter
//! per association to create associated rows in the same call. Its type parameter records the
//! associations given, so `create` returns the row with them loaded.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::assoc::Kind;
use crate::model::Model;

pub fn expand(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let vis = &model.vis;
    let builder = format_ident!("{}Builder", ident);
    let struct_doc = format!(
        "A new `{ident}` row being built, with the associated rows to create with it; unset fields take their defaults (generated key, NULL, timestamps). Created by `{ident}::build()`."
    );
    let setters = model.fields.iter().enumerate().map(|(i, f)| {
        let field = &f.ident;
        let ty = &f.ty;
        let doc = format!("Sets `{}`.", f.name());
        quote! {
            #[doc = #doc]
            #vis fn #field(mut self, value: impl ::orm::__private::Operand<#ty>) -> Self {
                self.inner.set(#i, ::orm::__private::Operand::into_operand(value));
                self
            }
        }
    });
    let nested = model.associations.iter().enumerate().map(|(index, association)| {
        let name = format_ident!("{}", association.name());
        let target = &association.target;
        let marker = crate::expand::include::marker(model, association);
        let target_name = association.target_name();
        let (parameter, nodes, doc) = if association.kind.is_plural() {
            (
                quote!(rows: impl ::core::iter::IntoIterator<Item = B>),
                quote!(rows.into_iter().map(::orm::__private::NestedRow::into_node).collect()),
                format!("Creates these `{target_name}` rows with this one, linked through `{}`.", association.name()),
            )
        } else {
            (
                quote!(row: B),
                quote!(::std::vec![::orm::__private::NestedRow::into_node(row)]),
                match association.kind {
                    Kind::BelongsTo => format!("Creates this `{target_name}` first and points this row at it."),
                    _ => format!("Creates this `{target_name}` with this one, linked to it."),
                },
            )
        };
        let with_join = match (&association.kind, &association.through) {
            (Kind::BelongsToMany, Some(crate::attr::Join::Model(join))) => {
                let through_name = format_ident!("{}_through", association.name());
                let join_name = join.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
                let through_doc = format!(
                    "Creates these `{target_name}` rows with this one, each linked with the given join-row values (a `{join_name}` row; its unset fields take their defaults), all in one transaction:\n\n`{ident}::build()….{through_name}([({target_name}::build()…, {join_name}::build()…), …]).create(&db).await?`\n\nThe created row's `{name}()` then reads `&[({target_name}, {join_name})]`."
                );
                quote! {
                    #[doc = #through_doc]
                    #vis fn #through_name<B: ::orm::__private::NestedRow<#target>, J: ::orm::__private::NewRow<#join>>(
                        mut self,
                        rows: impl ::core::iter::IntoIterator<Item = (B, J)>,
                    ) -> #builder<(::orm::__private::Include<#marker, B::Includes>, L)> {
                        let nodes = rows
                            .into_iter()
                            .map(|(row, join)| {
                                ::orm::__private::NestedRow::into_node(row)
                                    .with_join(::orm::__private::NewRow::into_builder(join).into_values())
                            })
                            .collect();
                        self.inner.add_children(&<#ident as ::orm::__private::Model>::associations()[#index], nodes);
                        #builder { inner: self.inner, _includes: ::core::marker::PhantomData }
                    }
                }
            }
            _ => quote!(),
        };
        quote! {
            #[doc = #doc]
            #vis fn #name<B: ::orm::__private::NestedRow<#target>>(
                mut self,
                #parameter,
            ) -> #builder<(::orm::__private::Include<#marker, B::Includes>, L)> {
                self.inner.add_children(&<#ident as ::orm::__private::Model>::associations()[#index], #nodes);
                #builder { inner: self.inner, _includes: ::core::marker::PhantomData }
            }

            #with_join
        }
    });
    quote! {
        #[doc = #struct_doc]
        #[must_use]
        #vis struct #builder<L = ()> {
            inner: ::orm::__private::Builder<#ident>,
            _includes: ::core::marker::PhantomData<fn() -> L>,
        }

        #[automatically_derived]
        impl<L> ::core::fmt::Debug for #builder<L> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Debug::fmt(&self.inner, f)
            }
        }

        #[automatically_derived]
        #[allow(dead_code)]
        impl<L> #builder<L> {
            #(#setters)*

            #(#nested)*

            /// Inserts the row and every associated row given to the builder, in one
            /// transaction, and returns it with those associations loaded. A required field
            /// left unset anywhere in the tree is an error before any statement runs.
            #vis async fn create<'e>(
                self,
                db: impl ::orm::__private::IntoExecutor<'e>,
            ) -> ::orm::__private::Result<<L as ::orm::__private::IncludeList<#ident>>::Row>
            where
                L: ::orm::__private::IncludeList<#ident> + ::core::default::Default,
            {
                ::orm::__private::create_tree::<#ident, L>(db, self.inner).await
            }
        }

        #[automatically_derived]
        impl<L> ::orm::__private::NewRow<#ident> for #builder<L> {
            fn into_builder(self) -> ::orm::__private::Builder<#ident> {
                self.inner
            }
        }

        #[automatically_derived]
        impl<L> ::orm::__private::NestedRow<#ident> for #builder<L> {
            type Includes = L;
            fn into_node(self) -> ::orm::__private::Node {
                self.inner.into_node()
            }
        }

        #[automatically_derived]
        #[allow(dead_code)]
        impl #ident {
            /// Starts building a new row.
            #vis fn build() -> #builder {
                #builder { inner: ::orm::__private::Builder::new(), _includes: ::core::marker::PhantomData }
            }
        }
    }
}
