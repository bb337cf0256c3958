//! `#[belongs_to_one_of(commentable, Image, Video)]` on a child: the closed enum of the parents
//! (`Commentable`), `get_commentable`, the include handle `Comment::commentable()` with the
//! loaded row's accessor, the `PolymorphicOf<Parent>` impls the parents' `polymorphic = "…"`
//! read, and the checks of the two fields.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use crate::model::Model;
use crate::polymorphic::PolymorphicAssoc;

pub fn expand(model: &Model) -> TokenStream {
    let items = model.polymorphics.iter().map(|p| association(model, p));
    let keys = parent_keys(model);
    quote!(#(#items)* #keys)
}

/// One `PolymorphicOf<Parent>` impl per parent model, listing every association of this model
/// that has it as a variant.
fn parent_keys(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let mut parents: Vec<(String, &syn::Path, Vec<TokenStream>)> = Vec::new();
    for poly in &model.polymorphics {
        let (alias, type_field, foreign_key) =
            (poly.alias.as_str(), poly.type_field.as_str(), poly.foreign_key.as_str());
        for variant in &poly.variants {
            let path = &variant.path;
            let text = quote!(#path).to_string();
            let value = &variant.value;
            let entry = quote! {
                ::orm::__private::PolymorphicKey {
                    alias: #alias,
                    type_field: #type_field,
                    foreign_key: #foreign_key,
                    value: #value,
                }
            };
            match parents.iter_mut().find(|(t, _, _)| *t == text) {
                Some((_, _, entries)) => entries.push(entry),
                None => parents.push((text, path, vec![entry])),
            }
        }
    }
    let impls = parents.into_iter().map(|(_, path, entries)| {
        quote! {
            #[automatically_derived]
            impl ::orm::__private::PolymorphicOf<#path> for #ident {
                const POLYMORPHIC: &'static [::orm::__private::PolymorphicKey] = &[#(#entries),*];
            }
        }
    });
    quote!(#(#impls)*)
}

fn association(model: &Model, poly: &PolymorphicAssoc) -> TokenStream {
    let ident = &model.ident;
    let vis = &model.vis;
    let alias = poly.alias.as_str();
    let plural = cruet::to_plural(alias);
    let enum_ident = poly.enum_ident();
    let marker = format_ident!("{}_{}", ident, alias);
    let loaded = format_ident!("{}_{}_loaded", ident, alias);
    let with = format_ident!("{}With", ident);
    let handle = format_ident!("{}", alias);
    let getter = format_ident!("get_{}", alias);
    let foreign_key = poly.foreign_key.as_str();
    let Some(type_field) = model.field(&poly.type_field) else { return quote!() };
    let type_ident = &type_field.ident;
    let type_ty = &type_field.ty;
    let type_ty = quote_spanned!(syn::spanned::Spanned::span(type_ty)=> #type_ty);
    let Some(key_field) = model.field(&poly.foreign_key) else { return quote!() };
    let key_ty = &key_field.ty;
    let count = poly.variants.len();

    let names: Vec<proc_macro2::Ident> = poly.variants.iter().map(|v| syn::Ident::new(&v.name(), v.span())).collect();
    let paths: Vec<&syn::Path> = poly.variants.iter().map(|v| &v.path).collect();
    let values: Vec<&String> = poly.variants.iter().map(|v| &v.value).collect();

    let variant_docs = poly.variants.iter().map(|v| format!("A `{}` (type value `\"{}\"`).", v.name(), v.value));
    let enum_doc = format!(
        "What a `{ident}` belongs to through `{alias}`: the parent model its `{}` field names, read with `get_{alias}` or loaded with `.include({ident}::{alias}())`.",
        poly.type_field.as_str()
    );
    let metas = poly.variants.iter().map(|v| {
        let path = &v.path;
        let target_meta = quote_spanned!(v.span()=> <#path as ::orm::__private::Model>::meta);
        quote! {
            ::orm::__private::AssociationMeta {
                kind: ::orm::__private::AssociationKind::BelongsTo,
                singular: #alias,
                plural: #plural,
                is_aliased: true,
                source: <#ident as ::orm::__private::Model>::meta,
                target: #target_meta,
                foreign_key: &[#foreign_key],
                source_key: &[],
                target_key: &[],
                on_delete: ::orm::__private::Option::None,
                on_update: ::orm::__private::Option::None,
                constraints: false,
                through_table: ::orm::__private::Option::None,
                through_model: ::orm::__private::Option::None,
                other_key: ::orm::__private::Option::None,
                unique_key: ::orm::__private::Option::None,
                through_unique: true,
                through_timestamps: ::orm::__private::Option::None,
                scope: &[],
                through_scope: &[],
                hooks: false,
                destroy_targets: ::orm::__private::Option::None,
                accessors: &[],
                statements: ::orm::__private::AssociationStatements::new(),
            }
        }
    });
    let load_arms = poly.variants.iter().enumerate().map(|(i, v)| {
        let path = &v.path;
        let name = &names[i];
        let pattern = if i + 1 == count { quote!(_) } else { quote!(#i) };
        let load = quote_spanned!(v.span()=> ::orm::__private::load_variant::<#ident, <#path as ::orm::__private::AsModel>::Model, Self>);
        quote!(#pattern => #load(executor, &variants[#i], children, Self::#name),)
    });
    let key_checks = poly.variants.iter().map(|v| {
        let path = &v.path;
        quote_spanned!(v.span()=> assert_foreign_key::<#path, #key_ty>();)
    });
    let not_loaded = crate::expand::include::not_loaded_check(model, alias, &marker, &loaded);
    // A polymorphic include neither filters, orders nor narrows by join rows: each narrowing
    // trait has only its `Unreachable` impl, which rustc quotes under the trait's message.
    let narrowing = {
        use crate::expand::include::{Narrowing, unreachable_impls};
        let source = quote!(#ident);
        [
            unreachable_impls(Narrowing::Through, &marker, &quote!(())),
            unreachable_impls(Narrowing::Filter, &marker, &source),
            unreachable_impls(Narrowing::Order, &marker, &source),
        ]
    };
    let handle_doc = format!(
        "The polymorphic `{alias}` association of `{ident}` (`belongs_to_one_of`), for includes: loads each row's parent with one query per parent model present."
    );
    let getter_doc = format!(
        "Loads the parent this row's `{}` and `{foreign_key}` name: `None` when either is NULL, when the type value names no parent model, or when the parent row is gone.",
        poly.type_field.as_str()
    );
    let accessor_doc = format!("The loaded `{alias}` (included with `.include({ident}::{alias}())`).");
    quote! {
        #[doc = #enum_doc]
        // The variants are named after the models, whatever their prefixes and sizes.
        #[allow(clippy::enum_variant_names, clippy::large_enum_variant)]
        #vis enum #enum_ident {
            #(
                #[doc = #variant_docs]
                #names(#paths),
            )*
        }

        #[automatically_derived]
        impl ::core::fmt::Debug for #enum_ident where #(for<'__orm> #paths: ::core::fmt::Debug,)* {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match self {
                    #(Self::#names(parent) => f.debug_tuple(::core::stringify!(#names)).field(parent).finish(),)*
                }
            }
        }

        #[automatically_derived]
        impl ::core::clone::Clone for #enum_ident where #(for<'__orm> #paths: ::core::clone::Clone,)* {
            fn clone(&self) -> Self {
                match self {
                    #(Self::#names(parent) => Self::#names(::core::clone::Clone::clone(parent)),)*
                }
            }
        }

        #[automatically_derived]
        impl ::core::cmp::PartialEq for #enum_ident where #(for<'__orm> #paths: ::core::cmp::PartialEq,)* {
            fn eq(&self, other: &Self) -> bool {
                #[allow(unreachable_patterns)]
                match (self, other) {
                    #((Self::#names(a), Self::#names(b)) => a == b,)*
                    _ => false,
                }
            }
        }

        #[automatically_derived]
        impl ::orm::__private::PolymorphicParent for #enum_ident {
            type Child = #ident;
            const VALUES: &'static [&'static str] = &[#(#values),*];

            fn type_value(child: &#ident) -> ::orm::__private::Option<&str> {
                <#type_ty as ::orm::__private::TypeValue>::type_value(&child.#type_ident)
            }

            fn load_variant<'a>(
                executor: &'a mut ::orm::__private::Executor<'_>,
                variant: usize,
                children: ::orm::__private::Vec<&'a #ident>,
            ) -> ::orm::__private::BoxFuture<'a, ::orm::__private::Result<::orm::__private::Vec<::orm::__private::Option<Self>>>> {
                let variants = #marker::variants();
                match variant {
                    #(#load_arms)*
                }
            }
        }

        #[doc = #handle_doc]
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, Copy)]
        #vis struct #marker;

        #[automatically_derived]
        impl #marker {
            /// One belongs_to per parent model, in variant order.
            fn variants() -> &'static [::orm::__private::AssociationMeta; #count] {
                static VARIANTS: [::orm::__private::AssociationMeta; #count] = [#(#metas),*];
                &VARIANTS
            }
        }

        #[automatically_derived]
        impl ::orm::__private::AssociationSpec for #marker {
            type Source = #ident;
            type Target = #ident;
            type Kind = ::orm::__private::Polymorphic<#enum_ident>;
            fn meta() -> &'static ::orm::__private::AssociationMeta {
                &Self::variants()[0]
            }

            fn load_include<'a, N, R>(
                _include: &'a ::orm::__private::Include<Self, N>,
                executor: &'a mut ::orm::__private::Executor<'_>,
                parents: &'a [#ident],
            ) -> ::orm::__private::BoxFuture<'a, ::orm::__private::Result<::orm::__private::Vec<::orm::__private::Option<#enum_ident>>>>
            where
                Self: Sized,
                N: ::orm::__private::IncludeList<Self::Target, Row = R>,
                R: ::core::clone::Clone + ::core::marker::Send + ::core::marker::Sync,
                <Self::Kind as ::orm::__private::LoadKind>::Join: ::core::clone::Clone,
            {
                ::orm::__private::load_polymorphic::<#enum_ident>(executor, parents)
            }
        }

        #[automatically_derived]
        impl ::orm::__private::SpecOf<#ident> for #marker {}

        #(#narrowing)*

        #not_loaded

        #[automatically_derived]
        #[allow(dead_code)]
        impl #ident {
            #[doc = #handle_doc]
            #vis fn #handle() -> ::orm::__private::Include<#marker> {
                ::orm::__private::Include::new()
            }

            #[doc = #getter_doc]
            #vis fn #getter<'a, 'e: 'a>(
                &'a self,
                db: impl ::orm::__private::IntoExecutor<'e>,
            ) -> impl ::core::future::Future<Output = ::orm::__private::Result<::orm::__private::Option<#enum_ident>>> + ::core::marker::Send + 'a {
                ::orm::__private::get_polymorphic::<#enum_ident>(db, self)
            }
        }

        #[automatically_derived]
        #[allow(dead_code)]
        impl<L> #with<L> {
            #[doc = #accessor_doc]
            #[must_use]
            #vis fn #handle<'a, I, X: 'a>(
                &'a self,
            ) -> <::orm::__private::Polymorphic<#enum_ident> as ::orm::__private::LoadKind>::View<'a, <X as ::orm::__private::Contains<#marker, I>>::Row>
            where
                L: ::orm::__private::SameAs<X>,
                X: #loaded<I>,
                <X as ::orm::__private::Contains<#marker, I>>::Row: 'a,
            {
                <X as ::orm::__private::Contains<#marker, I>>::view(::orm::__private::SameAs::<X>::same(&self.loaded))
            }
        }

        const _: () = {
            #[allow(dead_code)]
            fn assert_foreign_key<T: ::orm::__private::Model, F: ::orm::__private::ForeignKeyOf<T::Key>>() {}
            #[allow(dead_code)]
            fn check_polymorphic_keys() {
                #(#key_checks)*
            }
        };
    }
}
