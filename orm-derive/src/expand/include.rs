//! Eager loading, typed: per association a hidden marker type (`User_pictures`) with its
//! `AssociationSpec`, a "was it loaded" trait carrying the diagnostic, and per model the row
//! type `UserWith<L>` whose accessors read the loaded associations.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use crate::assoc::Kind;
use crate::attr::Join;
use crate::model::{Association, Model};

/// The marker type of an association: `User_pictures`.
pub fn marker(model: &Model, association: &Association) -> proc_macro2::Ident {
    format_ident!("{}_{}", model.ident, association.name())
}

fn loaded_trait(model: &Model, association: &Association) -> proc_macro2::Ident {
    format_ident!("{}_{}_loaded", model.ident, association.name())
}

/// The trait a loaded row's accessor of association `name` is bounded on (`loaded`), whose
/// message says to include the association when the query did not (shared by every kind of
/// association, polymorphic ones included).
pub fn not_loaded_check(
    model: &Model,
    name: &str,
    marker: &proc_macro2::Ident,
    loaded: &proc_macro2::Ident,
) -> proc_macro2::TokenStream {
    let (ident, vis) = (&model.ident, &model.vis);
    let message = format!("`{ident}.{name}` was not loaded by this query");
    let label = format!("`{name}` was not included");
    let note = format!("add `.include({ident}::{name}())` to the query that produced this row");
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
        #vis trait #loaded<I>: ::orm::__private::Contains<#marker, I> {}

        // `do_not_recommend`: the error is the trait's "not loaded" message, without a list of
        // these impls.
        #[automatically_derived]
        #[diagnostic::do_not_recommend]
        impl<R: ::core::marker::Send + ::core::marker::Sync, Rest> #loaded<::orm::__private::Here>
            for ::orm::__private::Loaded<#marker, R, Rest>
        {
        }

        #[automatically_derived]
        #[diagnostic::do_not_recommend]
        impl<B, R, Rest, I> #loaded<::orm::__private::There<I>> for ::orm::__private::Loaded<B, R, Rest>
        where
            B: ::orm::__private::AssociationSpec,
            R: ::core::marker::Send + ::core::marker::Sync,
            Rest: #loaded<I>,
        {
        }
    }
}

fn row_type(model: &Model) -> proc_macro2::Ident {
    format_ident!("{}With", model.ident)
}

/// How the association's targets are held once loaded.
fn kind(association: &Association) -> TokenStream {
    match (&association.kind, &association.through) {
        (Kind::BelongsTo | Kind::HasOne, _) => quote!(::orm::__private::One),
        (Kind::BelongsToMany, Some(Join::Model(join))) => {
            let join_model =
                quote_spanned!(syn::spanned::Spanned::span(join)=> <#join as ::orm::__private::AsModel>::Model);
            quote!(::orm::__private::ManyToMany<#join_model>)
        }
        (Kind::HasMany | Kind::BelongsToMany, _) => quote!(::orm::__private::Many),
    }
}

pub fn expand(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let vis = &model.vis;
    let with = row_type(model);
    let with_doc = format!(
        "A `{ident}` row with included associations, as returned by a query with `include`. Derefs (mutably) to `{ident}`, so `save`, `destroy` and the lazy accessors work on it, and it is accepted wherever an accessor takes a `{ident}` (`&loaded`, `loaded`); each included association has an accessor of its name; `into_row()` drops the includes."
    );
    let specs = model.associations.iter().enumerate().map(|(index, association)| spec(model, index, association));
    let accessors = model.associations.iter().map(|association| accessor(model, association));
    // A loaded row is accepted wherever its model is given to an accessor: `&loaded`,
    // `&mut loaded` and `loaded` as a target, `&loaded` and `loaded` as an optional one.
    let receivers = [
        (quote!(&#with<L>), quote!(::core::marker::Sync), true),
        (quote!(&mut #with<L>), quote!(::core::marker::Send), false),
        (quote!(#with<L>), quote!(::core::marker::Send), true),
    ];
    let stand_ins = receivers.iter().map(|(receiver, bound, optional)| {
        let optional = optional.then(|| {
            quote! {
                #[automatically_derived]
                #[diagnostic::do_not_recommend]
                impl<L: #bound> ::orm::__private::IntoOptionalTarget<#ident> for #receiver {
                    fn into_optional_target(
                        self,
                        fields: &[&str],
                    ) -> ::orm::__private::Result<::orm::__private::Option<::orm::__private::TargetRef>> {
                        ::orm::__private::IntoOptionalTarget::<#ident>::into_optional_target(&self.row, fields)
                    }
                }
            }
        });
        quote! {
            #[automatically_derived]
            #[diagnostic::do_not_recommend]
            impl<L: #bound> ::orm::__private::IntoTarget<#ident> for #receiver {
                fn into_target(self, fields: &[&str]) -> ::orm::__private::Result<::orm::__private::TargetRef> {
                    ::orm::__private::IntoTarget::<#ident>::into_target(&self.row, fields)
                }
            }

            #optional
        }
    });
    quote! {
        #[doc = #with_doc]
        #[derive(Debug, Clone, PartialEq)]
        #vis struct #with<L, M = #ident> {
            row: M,
            loaded: L,
        }

        #[automatically_derived]
        impl<L, M> ::core::ops::Deref for #with<L, M> {
            type Target = M;
            fn deref(&self) -> &M {
                &self.row
            }
        }

        // Editing a loaded row edits its row: `loaded.title = …; loaded.save(&db)` (the
        // loaded associations are left as they were read).
        #[automatically_derived]
        impl<L, M> ::core::ops::DerefMut for #with<L, M> {
            fn deref_mut(&mut self) -> &mut M {
                &mut self.row
            }
        }

        // No `PartialEq<M>` between a loaded row and a plain one: a second impl would leave
        // `rows == vec![]` without a type to infer. Compare `*loaded == row`.

        #(#stand_ins)*

        #[automatically_derived]
        #[allow(dead_code)]
        impl<L, M> #with<L, M> {
            /// The row without its includes.
            #[must_use]
            #vis fn row(&self) -> &M {
                &self.row
            }

            /// The row, dropping its includes. Rarely needed: a loaded row derefs (mutably) to
            /// its row and is accepted by every accessor, `save` and `destroy`.
            #[must_use]
            #vis fn into_row(self) -> M {
                self.row
            }

            /// What was loaded with the row (read it through the accessors).
            #[must_use]
            #vis fn loaded(&self) -> &L {
                &self.loaded
            }
        }

        #[automatically_derived]
        #[allow(dead_code)]
        impl<L> #with<L> {
            #(#accessors)*
        }

        ::orm::__serialize_with!(#with);

        #(#specs)*
    }
}

fn spec(model: &Model, index: usize, association: &Association) -> TokenStream {
    let ident = &model.ident;
    let vis = &model.vis;
    let target = &association.target;
    let marker = marker(model, association);
    let name = association.name();
    let loaded = loaded_trait(model, association);
    let not_loaded = not_loaded_check(model, name, &marker, &loaded);
    let kind = kind(association);
    let target_model = quote_spanned!(association.target_span()=> <#target as ::orm::__private::AsModel>::Model);
    let marker_doc = format!("The `{name}` association of `{ident}`, as a type (for includes).");
    let narrowing = narrowing(association, &marker);
    quote! {
        #[doc = #marker_doc]
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, Copy)]
        #vis struct #marker;

        #[automatically_derived]
        impl ::orm::__private::AssociationSpec for #marker {
            type Source = #ident;
            type Target = #target_model;
            type Kind = #kind;
            fn meta() -> &'static ::orm::__private::AssociationMeta {
                &<#ident as ::orm::__private::Model>::associations()[#index]
            }
        }

        #[automatically_derived]
        impl ::orm::__private::SpecOf<#ident> for #marker {}

        #narrowing

        #not_loaded

        // A row returned by a nested create holds what was created through any association.
        // Generic, so that it is checked where it is used: a target that is not a model is
        // reported once, by the association.
        #[automatically_derived]
        #[diagnostic::do_not_recommend]
        impl<N> #loaded<N> for ::orm::__private::Created
        where
            N: ::orm::__private::NestedIndex,
            ::orm::__private::Created: ::orm::__private::Contains<#marker, N>,
        {
        }
    }
}

/// What an include of the association filters and orders its targets with, and narrows its
/// join rows with: the impls are bounded on the models' own traits (`Conditions`, `Orders`)
/// and generated here, in the user's crate, so that a mistake quotes the user's code rather
/// than orm-core's builder. Spanned at the association's target, which rustc points at when
/// it says which association required the bound.
fn narrowing(association: &Association, marker: &proc_macro2::Ident) -> TokenStream {
    let span = association.target_span();
    let through = match (&association.kind, &association.through) {
        (Kind::BelongsToMany, Some(Join::Model(_))) => quote_spanned! {span=>
            #[automatically_derived]
            impl<__Condition, __Join> ::orm::__private::IncludeThroughCondition<__Condition, __Join> for #marker
            where
                __Join: ::orm::__private::Conditions<__Condition>,
            {
                fn condition(condition: __Condition) -> ::orm::__private::Expr<__Join> {
                    <__Join as ::orm::__private::Conditions<__Condition>>::condition(condition)
                }
            }
        },
        _ => unreachable_impls(Narrowing::Through, marker, &quote!(())),
    };
    quote_spanned! {span=>
        #[automatically_derived]
        impl<__Condition, __Target> ::orm::__private::IncludeCondition<__Condition, __Target> for #marker
        where
            __Target: ::orm::__private::Conditions<__Condition>,
        {
            fn condition(condition: __Condition) -> ::orm::__private::Expr<__Target> {
                <__Target as ::orm::__private::Conditions<__Condition>>::condition(condition)
            }
        }

        #[automatically_derived]
        impl<__Order, __Target> ::orm::__private::IncludeOrder<__Order, __Target> for #marker
        where
            __Target: ::orm::__private::Orders<__Order>,
        {
            fn order(order: __Order) -> ::orm::__private::Order<__Target> {
                <__Target as ::orm::__private::Orders<__Order>>::order(order)
            }
        }

        #through
    }
}

/// A trait an include narrows with.
#[derive(Clone, Copy)]
pub enum Narrowing {
    /// `IncludeThroughCondition`: `through_filter`.
    Through,
    /// `IncludeCondition`: `filter`.
    Filter,
    /// `IncludeOrder`: `order_by`.
    Order,
}

/// The impls of a narrowing trait for an association that has none (`through_filter` without
/// a join model; `filter` and `order_by` of a polymorphic include): for `Unreachable`, which
/// nothing can call it with. It is the impl rustc quotes under the trait's message; without
/// one of the user's, rustc would quote orm-core's builder.
/// `model` is what the include ranges over: `()` for `through_filter` (the join model of an
/// association without one), the polymorphic association's own model for `filter` and
/// `order_by`.
pub fn unreachable_impls(narrowing: Narrowing, marker: &proc_macro2::Ident, model: &TokenStream) -> TokenStream {
    let impl_for = |argument: TokenStream| match narrowing {
        Narrowing::Through => quote! {
            impl ::orm::__private::IncludeThroughCondition<#argument, #model> for #marker {
                fn condition(condition: #argument) -> ::orm::__private::Expr<#model> {
                    match condition {}
                }
            }
        },
        Narrowing::Filter => quote! {
            impl ::orm::__private::IncludeCondition<#argument, #model> for #marker {
                fn condition(condition: #argument) -> ::orm::__private::Expr<#model> {
                    match condition {}
                }
            }
        },
        Narrowing::Order => quote! {
            impl ::orm::__private::IncludeOrder<#argument, #model> for #marker {
                fn order(order: #argument) -> ::orm::__private::Order<#model> {
                    match order {}
                }
            }
        },
    };
    let first = impl_for(quote!(::orm::__private::Unreachable));
    let second = impl_for(quote!(::core::convert::Infallible));
    // Two impls, so that rustc does not take the argument's type from a lone impl (and report
    // "mismatched types" with orm-core's source); the second is `do_not_recommend`, so that
    // rustc quotes the first alone.
    quote! {
        #[automatically_derived]
        #first

        #[automatically_derived]
        #[diagnostic::do_not_recommend]
        #second
    }
}

fn accessor(model: &Model, association: &Association) -> TokenStream {
    let vis = &model.vis;
    let name = format_ident!("{}", association.name());
    let marker = marker(model, association);
    let loaded = loaded_trait(model, association);
    let kind = kind(association);
    let target = association.target_name();
    let shape = match (&association.kind, &association.through) {
        (Kind::BelongsTo | Kind::HasOne, _) => format!("`Option<&{target}>`"),
        (Kind::BelongsToMany, Some(Join::Model(join))) => {
            let join = join.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
            format!("`&[({target}, {join})]`: each target with its join row")
        }
        (Kind::BelongsToMany, _) => format!("`&[{target}]` (through a join table: no join row)"),
        (Kind::HasMany, _) => format!("`&[{target}]`"),
    };
    let doc = format!(
        "The loaded `{}` (included with `.include({}::{}())`): {shape}, each target a `{target}With<…>` when the include nests others.",
        association.name(),
        model.ident,
        association.name()
    );
    quote! {
        #[doc = #doc]
        #[must_use]
        // `X` is `L` (see `SameAs`): bounding `X` instead of `L` lets rustc report the
        // "not loaded" diagnostic of the trait instead of a failed method lookup.
        #vis fn #name<'a, I, X: 'a>(
            &'a self,
        ) -> <#kind as ::orm::__private::LoadKind>::View<'a, <X as ::orm::__private::Contains<#marker, I>>::Row>
        where
            L: ::orm::__private::SameAs<X>,
            X: #loaded<I>,
        {
            <X as ::orm::__private::Contains<#marker, I>>::view(::orm::__private::SameAs::<X>::same(&self.loaded))
        }
    }
}
