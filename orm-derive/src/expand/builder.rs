//! `User::build()`: a builder where every field is optional until `create`, with one setter
//! per association to create associated rows in the same call. Its type does not depend on
//! what is nested (builders nesting different associations fit in one array); `create` returns
//! the row; `create_nested` returns it with what was created through each association
//! (`UserWith<Created>`).

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
    let nested = model.associations.iter().map(|association| {
        let name = format_ident!("{}", association.name());
        let target = &association.target;
        let marker = crate::expand::include::marker(model, association);
        let target_name = association.target_name();
        // Spanned at the model's name: one that is not a model is reported there.
        let builder_of = |model: &syn::Path| {
            quote::quote_spanned!(syn::spanned::Spanned::span(model)=>
                <<#model as ::orm::__private::AsModel>::Model as ::orm::__private::Buildable>::Builder)
        };
        let target_builder = builder_of(target);
        let (parameter, nodes, doc) = if association.kind.is_plural() {
            (
                quote!(rows: impl ::core::iter::IntoIterator<Item = #target_builder>),
                quote!(rows.into_iter().map(::orm::__private::NestedRow::into_node).collect()),
                format!(
                    "Creates these `{target_name}` rows with this one, linked through `{}` (`{target_name}::build()…` each; a `{target_name}` value with `.into()`). `create_nested` returns them under `{}()`.",
                    association.name(),
                    association.name()
                ),
            )
        } else {
            (
                quote::quote_spanned!(syn::spanned::Spanned::span(target)=> row: impl ::orm::__private::NestedRow<#target>),
                quote!(::std::vec![::orm::__private::NestedRow::into_node(row)]),
                match association.kind {
                    Kind::BelongsTo => format!(
                        "Creates this `{target_name}` first and points this row at it (`{target_name}::build()…` or a `{target_name}` value). `create_nested` returns it under `{}()`.",
                        association.name()
                    ),
                    _ => format!(
                        "Creates this `{target_name}` with this one, linked to it (`{target_name}::build()…` or a `{target_name}` value). `create_nested` returns it under `{}()`.",
                        association.name()
                    ),
                },
            )
        };
        // Spanned at the target's name: one that is not a model is reported there.
        let add_nested = quote::quote_spanned! {syn::spanned::Spanned::span(target)=>
            let nodes = #nodes;
            self.inner.add_nested::<#marker>(nodes);
        };
        let with_join = match (&association.kind, &association.through) {
            (Kind::BelongsToMany, Some(crate::attr::Join::Model(join))) => {
                let through_name = format_ident!("{}_through", association.name());
                let join_name = join.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
                let join_builder = builder_of(join);
                let push_join = quote::quote_spanned! {syn::spanned::Spanned::span(join)=>
                    nodes.push(
                        ::orm::__private::NestedRow::into_node(row)
                            .with_join(::orm::__private::NewRow::into_builder(join).into_values()),
                    );
                };
                let add_nested = quote::quote_spanned! {syn::spanned::Spanned::span(target)=>
                    self.inner.add_nested::<#marker>(nodes);
                };
                let through_doc = format!(
                    "Creates these `{target_name}` rows with this one, each linked with the given join-row values (a `{join_name}` row; its unset fields take their defaults), all in one transaction:\n\n`{ident}::build()….{through_name}([({target_name}::build()…, {join_name}::build()…), …]).create(&db).await?`\n\nWith `create_nested`, `{name}()` reads `&[({target_name}, {join_name})]`."
                );
                // Spanned at the join model's name: its signature names the join model's builder.
                quote::quote_spanned! {syn::spanned::Spanned::span(join)=>
                    #[doc = #through_doc]
                    #vis fn #through_name(
                        mut self,
                        rows: impl ::core::iter::IntoIterator<Item = (#target_builder, #join_builder)>,
                    ) -> Self {
                        let mut nodes = ::std::vec::Vec::new();
                        for (row, join) in rows {
                            #push_join
                        }
                        #add_nested
                        self
                    }
                }
            }
            _ => quote!(),
        };
        quote! {
            #[doc = #doc]
            #vis fn #name(mut self, #parameter) -> Self {
                #add_nested
                self
            }

            #with_join
        }
    });
    quote! {
        #[doc = #struct_doc]
        #[must_use]
        #vis struct #builder {
            inner: ::orm::__private::Builder<#ident>,
        }

        #[automatically_derived]
        impl ::core::fmt::Debug for #builder {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Debug::fmt(&self.inner, f)
            }
        }

        #[automatically_derived]
        #[allow(dead_code)]
        impl #builder {
            #(#setters)*

            #(#nested)*

            /// Inserts the row and every associated row given to the builder (one
            /// transaction when there are several) and returns the row as stored. A required
            /// field left unset anywhere in the tree is an error before any statement runs.
            /// `create_nested` returns the rows created through the associations too.
            #vis async fn create<'e>(
                self,
                db: impl ::orm::__private::IntoExecutor<'e>,
            ) -> ::orm::__private::Result<#ident> {
                self.inner.create(db).await
            }

            /// Like `create`, and returns the row with the rows created through each
            /// association, as the inserts returned them (nothing is read again): its
            /// accessors (`created.tasks()`, `created.user()`) read them, `&[]` or `None` for
            /// an association nothing was created through. Sequelize's
            /// `create(values, { include })`.
            #vis async fn create_nested<'e>(
                self,
                db: impl ::orm::__private::IntoExecutor<'e>,
            ) -> ::orm::__private::Result<<#ident as ::orm::__private::Model>::With<::orm::__private::Created>> {
                ::orm::__private::create_tree::<#ident>(db, self.inner).await
            }
        }

        #[automatically_derived]
        impl ::orm::__private::NewRow<#ident> for #builder {
            fn into_builder(self) -> ::orm::__private::Builder<#ident> {
                self.inner
            }
        }

        #[automatically_derived]
        impl ::orm::__private::NestedRow<#ident> for #builder {
            fn into_node(self) -> ::orm::__private::Node {
                self.inner.into_node()
            }
        }

        #[automatically_derived]
        #[diagnostic::do_not_recommend]
        impl ::orm::__private::Buildable for #ident {
            type Builder = #builder;
        }

        // A row value where a builder is taken: `.tags([existing.into(), Tag::build()…])`.
        #[automatically_derived]
        impl ::core::convert::From<#ident> for #builder {
            fn from(row: #ident) -> Self {
                #builder { inner: ::orm::__private::Builder::from_row(row) }
            }
        }

        #[automatically_derived]
        #[allow(dead_code)]
        impl #ident {
            /// Starts building a new row.
            #vis fn build() -> #builder {
                #builder { inner: ::orm::__private::Builder::new() }
            }
        }
    }
}
