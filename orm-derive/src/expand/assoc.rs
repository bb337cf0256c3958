//! Associations: the static metadata, the typed handles (`User::workers()`), the accessors
//! (`get_workers`, `add_worker`, …) forwarding to `orm-core`, and the compile-time checks of
//! the foreign-key fields.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use crate::assoc::Kind;
use crate::attr::Join;
use crate::expand::model::action;
use crate::model::{Association, Model};
use darling::util::SpannedValue;

/// The entries of the model's `static ASSOCIATIONS` array.
pub fn metas(model: &Model) -> Vec<TokenStream> {
    model.associations.iter().map(|a| meta(model, a)).collect()
}

fn meta(model: &Model, association: &Association) -> TokenStream {
    let ident = &model.ident;
    let target = &association.target;
    let kind = match association.kind {
        Kind::BelongsTo => quote!(BelongsTo),
        Kind::HasOne => quote!(HasOne),
        Kind::HasMany => quote!(HasMany),
        Kind::BelongsToMany => quote!(BelongsToMany),
    };
    let (through_table, through_model) = match &association.through {
        Some(Join::Table(table)) => {
            let table = table.as_str();
            (quote!(::orm::__private::Option::Some(#table)), quote!(::orm::__private::Option::None))
        }
        Some(Join::Model(path)) => {
            let meta = quote_spanned!(syn::spanned::Spanned::span(path)=> <#path as ::orm::__private::Model>::meta);
            (quote!(::orm::__private::Option::None), quote!(::orm::__private::Option::Some(#meta)))
        }
        None => (quote!(::orm::__private::Option::None), quote!(::orm::__private::Option::None)),
    };
    let (singular, plural) = (&association.singular, &association.plural);
    let is_aliased = association.is_aliased;
    let foreign_key = &association.foreign_keys;
    let mut foreign_key = quote!(&[#(#foreign_key),*]);
    let mut scope = scope_entries(&association.scope);
    if let Some(alias) = &association.polymorphic {
        // The child's declaration gives the key field, the type field and this parent's value.
        let key = polymorphic_key(model, association, alias);
        foreign_key = quote!({
            const FOREIGN_KEY: &[&str] = &[#key.foreign_key];
            FOREIGN_KEY
        });
        scope = vec![quote!((#key.type_field, ::orm::__private::ScopeValue::Text(#key.value)))];
    }
    let option = |value: &Option<String>| match value {
        Some(v) => quote!(::orm::__private::Option::Some(#v)),
        None => quote!(::orm::__private::Option::None),
    };
    let source_key = &association.source_keys;
    let through_scope = scope_entries(&association.through_scope);
    let hooks = association.hooks;
    let destroy_targets = if association.hooks {
        quote!(::orm::__private::Option::Some(::orm::__private::destroy_targets::<#target>))
    } else {
        quote!(::orm::__private::Option::None)
    };
    let other_key = if association.other_key_default {
        let name = default_other_key(model, association);
        quote!(::orm::__private::Option::Some(#name))
    } else {
        option(&association.other_key)
    };
    let unique_key = option(&association.unique_key);
    let target_key = &association.target_keys;
    let on_delete = action(association.on_delete);
    let on_update = action(association.on_update);
    let constraints = association.constraints;
    let through_unique = association.through_unique;
    let through_timestamps = match &association.through_timestamps {
        Some((created, updated, span)) => {
            let chrono = quote_spanned!(*span=> ::orm::__private::join_timestamps::<()>());
            quote!({ #chrono; ::orm::__private::Option::Some((#created, #updated)) })
        }
        None => quote!(::orm::__private::Option::None),
    };
    let accessors = association.accessors().into_iter().map(|(role, name)| quote!((#role, #name)));
    let target_meta = quote_spanned!(association.target_span()=> <#target as ::orm::__private::Model>::meta);
    quote! {
        ::orm::__private::AssociationMeta {
            kind: ::orm::__private::AssociationKind::#kind,
            singular: #singular,
            plural: #plural,
            is_aliased: #is_aliased,
            source: <#ident as ::orm::__private::Model>::meta,
            target: #target_meta,
            foreign_key: #foreign_key,
            source_key: &[#(#source_key),*],
            target_key: &[#(#target_key),*],
            on_delete: #on_delete,
            on_update: #on_update,
            constraints: #constraints,
            through_table: #through_table,
            through_model: #through_model,
            other_key: #other_key,
            unique_key: #unique_key,
            through_unique: #through_unique,
            through_timestamps: #through_timestamps,
            scope: &[#(#scope),*],
            through_scope: &[#(#through_scope),*],
            hooks: #hooks,
            destroy_targets: #destroy_targets,
            accessors: &[#(#accessors),*],
            statements: ::orm::__private::AssociationStatements::new(),
        }
    }
}

/// The child's `PolymorphicKey` that a `polymorphic = "alias"` association of `model` reads,
/// as a constant expression.
fn polymorphic_key(model: &Model, association: &Association, alias: &SpannedValue<String>) -> TokenStream {
    let (ident, target) = (&model.ident, &association.target);
    // Spanned like `polymorphic_check`, so that a target without this variant is one error.
    let span = alias.span();
    let target = respan(quote!(#target), span);
    let alias = alias.as_str();
    quote_spanned!(span=> ::orm::__private::polymorphic_key(<#target as ::orm::__private::PolymorphicOf<#ident>>::POLYMORPHIC, #alias))
}

/// Proves that the target declares the polymorphic association this one names, with this
/// model among its variants, at the name the user wrote.
fn polymorphic_check(model: &Model, association: &Association) -> TokenStream {
    let Some(alias) = &association.polymorphic else { return quote!() };
    let span = alias.span();
    let (ident, target) = (&model.ident, &association.target);
    let target_ident = respan(quote!(#target), span);
    let name = alias.as_str();
    let target_name = association.target_name();
    let message = format!(
        "`{target_name}` declares no `#[belongs_to_one_of({name}, …)]` with `{ident}` among its parents: name the association `{target_name}` declares with `{ident}` in `polymorphic = \"…\"`, or add `{ident}` to `#[belongs_to_one_of({name}, …)]` on `{target_name}`"
    );
    quote_spanned! {span=>
        const _: () = {
            if !::orm::__private::has_polymorphic(<#target_ident as ::orm::__private::PolymorphicOf<#ident>>::POLYMORPHIC, #name) {
                ::core::panic!(#message);
            }
        };
    }
}

fn scope_entries(scope: &crate::attr::ScopeAttr) -> Vec<TokenStream> {
    scope
        .entries
        .iter()
        .map(|(field, literal)| {
            let name = field.to_string();
            let value = match literal {
                syn::Lit::Str(text) => quote!(::orm::__private::ScopeValue::Text(#text)),
                syn::Lit::Bool(flag) => quote!(::orm::__private::ScopeValue::Bool(#flag)),
                other => quote!(::orm::__private::ScopeValue::Int(#other)),
            };
            quote!((#name, #value))
        })
        .collect()
}

/// Proves that each scope field exists on `model` (the target, or the join model) and takes
/// its literal, at the user's tokens.
fn scope_checks(model: &syn::Path, scope: &crate::attr::ScopeAttr) -> TokenStream {
    let checks = scope.entries.iter().map(|(field, literal)| {
        let name = field.to_string();
        let model = respan(quote!(#model), field.span());
        let span = syn::spanned::Spanned::span(literal);
        with_markers(&[(&name, field.span())], |m| {
            let marker = &m[0];
            quote_spanned!(span=> assert_scope_value::<#model, #marker, _>(#literal);)
        })
    });
    quote!(#(#checks)*)
}

/// Handles, accessors and checks of every association.
pub fn expand(model: &Model) -> TokenStream {
    let ident = &model.ident;
    // One impl block per association, bounded on the target being a model: a target that is
    // not a model is then one error at its token, not one per accessor.
    let items = model.associations.iter().enumerate().map(|(i, a)| {
        let accessors = accessors(model, i, a);
        let target = &a.target;
        let bound = quote_spanned!(a.target_span()=> #target: ::orm::__private::Model);
        let join_bound = match &a.through {
            Some(Join::Model(join)) => {
                quote_spanned!(syn::spanned::Spanned::span(join)=> #join: ::orm::__private::Model,)
            }
            _ => quote!(),
        };
        quote! {
            #[automatically_derived]
            #[allow(dead_code)]
            impl #ident where #bound, #join_bound {
                #accessors
            }
        }
    });
    MARKERS.with(|m| m.borrow_mut().clear());
    // This model's default join-key name, which a join model of its belongs_to_many targets
    // holds (see `DefaultKeyName`).
    let default_key = (!model.has_composite_key()).then(|| {
        let name = crate::expand::default_join_key(&model.singular, &model.primary_key().name());
        with_markers(&[(&name, proc_macro2::Span::call_site())], |m| {
            let marker = &m[0];
            quote! {
                #[automatically_derived]
                impl ::orm::__private::DefaultKeyName for #ident {
                    type Name = #marker;
                }
            }
        })
    });
    let checks: Vec<TokenStream> = model
        .associations
        .iter()
        .map(|a| {
            let keys = checks(model, a);
            let set_null = set_null_checks(model, a);
            let scope = scope_checks(&a.target, &a.scope);
            let through_scope = match &a.through {
                Some(Join::Model(join)) => scope_checks(join, &a.through_scope),
                _ => quote!(),
            };
            quote!(#keys #set_null #scope #through_scope)
        })
        .collect();
    let markers = MARKERS.with(|m| std::mem::take(&mut *m.borrow_mut()));
    let markers = markers.iter().map(|name| crate::expand::field_marker(name, proc_macro2::Span::call_site()).1);
    let defaults = model.associations.iter().map(|a| default_checks(model, a));
    let taken = taken_names(model);
    let plural_mistakes = model.associations.iter().map(|a| plural_mistakes(model, a, &taken));
    let polymorphic = model.associations.iter().map(|a| polymorphic_check(model, a));
    quote! {
        #(#items)*
        #(#defaults)*
        #(#plural_mistakes)*
        #(#polymorphic)*

        const _: () = {
            #(#markers)*
            #default_key
            // Declared here, so that a failed bound is reported on the user's derive.
            #[allow(dead_code)]
            fn assert_key_type<F: ::orm::__private::ForeignKeyOf<K>, K>() {}
            #[allow(dead_code)]
            fn assert_foreign_key<T: ::orm::__private::Model, F: ::orm::__private::ForeignKeyOf<T::Key>>() {}
            // The checks of another model's fields, each named by a marker type (see
            // `orm::__private::Field`). A later bound on the same field is not reported again
            // when the field is missing.
            #[allow(dead_code)]
            fn assert_target_foreign_key<
                T: ::orm::__private::TargetForeignKey<F, K>,
                F,
                K,
                N: ::orm::__private::KeyNullability<T, F>,
            >() {
            }
            #[allow(dead_code)]
            fn assert_foreign_key_on_target<
                T: ::orm::__private::ForeignKeyOnTarget<F, K, S>,
                F,
                K,
                S,
                N: ::orm::__private::KeyNullability<T, F>,
            >() {
            }
            #[allow(dead_code)]
            fn assert_target_key<T: ::orm::__private::TargetKey<F, K>, F, K, U: ::orm::__private::UniqueKey<T, F>>() {}
            #[allow(dead_code)]
            fn assert_target_key_type<T: ::orm::__private::TargetKey<F, K>, F, K>() {}
            #[allow(dead_code)]
            fn assert_join_key<J: ::orm::__private::JoinKey<F, K>, F, K>() {}
            #[allow(dead_code)]
            fn assert_join_key_of_field<
                T: ::orm::__private::Field<G>,
                G,
                U: ::orm::__private::UniqueKey<T, G>,
                J: ::orm::__private::JoinKeyOfField<F, T, G>,
                F,
            >() {
            }
            #[allow(dead_code)]
            fn assert_scope_value<M, F, V: ::orm::__private::ScopeOperand<M, F>>(_value: V) {}
            #[allow(dead_code, clippy::no_effect_underscore_binding)]
            fn check_association_keys() {
                #(#checks)*
            }
        };
    }
}

/// Every name the model's associated functions and methods use: fields, built-ins,
/// association handles and accessors.
fn taken_names(model: &Model) -> Vec<String> {
    model
        .fields
        .iter()
        .map(crate::model::Field::name)
        .chain(crate::model::RESERVED.iter().map(|r| (*r).to_owned()))
        .chain(
            model
                .associations
                .iter()
                .flat_map(|a| std::iter::once(a.name().to_owned()).chain(a.accessors().into_iter().map(|(_, n)| n))),
        )
        .collect()
}

/// For a belongs_to or has_one, the accessors of a plural kind a user may reach for
/// (`add_profile`, `get_profiles`): hidden methods bounded on a trait nothing implements, whose
/// diagnostic names the accessor to use. Skipped where the name is taken.
fn plural_mistakes(model: &Model, association: &Association, taken: &[String]) -> TokenStream {
    if association.kind.is_plural() {
        return quote!();
    }
    let (vis, ident) = (&model.vis, &model.ident);
    let (singular, plural) = (&association.singular, &association.plural);
    let (kind, target) = (association.kind.attribute(), association.target_name());
    let mistakes = [
        (
            format!("add_{singular}"),
            "Add",
            format!(
                "`{singular}` is a {kind}, linking one `{target}`: use `set_{singular}` (`add_…` is for has_many and belongs_to_many)"
            ),
            quote!(target),
        ),
        (
            format!("get_{plural}"),
            "GetPlural",
            format!("`{singular}` is a {kind}, with at most one `{target}`: read it with `get_{singular}`"),
            quote!(db),
        ),
    ];
    let items = mistakes.into_iter().filter(|(name, ..)| !taken.contains(name)).map(|(name, role, message, arg)| {
        let method = format_ident!("{name}");
        let bound = format_ident!("{}_{}_{}", ident, singular, role);
        let label = format!("`{name}` does not exist: this is a {kind}");
        let params = if role == "Add" {
            quote!(db: impl ::orm::__private::IntoExecutor<'e>, target: T)
        } else {
            quote!(db: T)
        };
        let unused = if role == "Add" { quote!(let _ = db;) } else { quote!() };
        quote! {
            #[doc(hidden)]
            #[allow(non_camel_case_types)]
            #[diagnostic::on_unimplemented(message = #message, label = #label)]
            #vis trait #bound {
                /// Never called: only the uninhabited `Infallible` implements this trait.
                fn never(self) -> ::orm::__private::BoxFuture<'static, ::orm::__private::Result<()>>;
            }

            // An impl, so that rustc does not suggest adding one.
            #[automatically_derived]
            impl #bound for ::core::convert::Infallible {
                fn never(self) -> ::orm::__private::BoxFuture<'static, ::orm::__private::Result<()>> {
                    match self {}
                }
            }

            #[automatically_derived]
            impl #ident {
                #[doc(hidden)]
                #[allow(clippy::unused_self, clippy::needless_pass_by_value)]
                #vis fn #method<'e, T: #bound>(&self, #params) -> ::orm::__private::BoxFuture<'static, ::orm::__private::Result<()>> {
                    #unused
                    <T as #bound>::never(#arg)
                }
            }
        }
    });
    quote!(#(#items)*)
}

fn accessors(model: &Model, index: usize, association: &Association) -> TokenStream {
    let vis = &model.vis;
    let ident = &model.ident;
    let target = &association.target;
    let handle = format_ident!("{}", association.name());
    let meta = quote!(&<#ident as ::orm::__private::Model>::associations()[#index]);
    let name =
        |role: &str| association.accessors().into_iter().find(|(r, _)| *r == role).map(|(_, n)| format_ident!("{n}"));
    let doc = |text: String| quote!(#[doc = #text]);
    let handle_doc = doc(format!(
        "The `{}` association of `{ident}` (`{}({})`), for includes and introspection.",
        association.name(),
        association.kind.attribute(),
        association.target_name()
    ));
    let target_name = association.target_name();
    let marker = crate::expand::include::marker(model, association);
    let mut items = vec![quote! {
        #handle_doc
        #vis fn #handle() -> ::orm::__private::Include<#marker> {
            ::orm::__private::Include::new()
        }
    }];
    match association.kind {
        Kind::BelongsTo | Kind::HasOne => {
            let (get, set, create) = (name("get"), name("set"), name("create"));
            let (get_fn, set_fn, create_fn, set_receiver) = if association.kind == Kind::BelongsTo {
                (quote!(get_belongs_to), quote!(set_belongs_to), quote!(create_belongs_to), quote!(&'a mut self))
            } else {
                (quote!(get_has_one), quote!(set_has_one), quote!(create_has_one), quote!(&'a self))
            };
            let get_doc = doc(format!("Loads the associated `{target_name}`, if any."));
            let set_doc = doc(format!(
                "Links this row to a `{target_name}` (an instance or a bare key), or unlinks it with `None`."
            ));
            let create_doc = doc(format!("Creates a `{target_name}` linked to this row, in one transaction."));
            items.push(quote! {
                #get_doc
                #vis fn #get<'e>(
                    &self,
                    db: impl ::orm::__private::IntoExecutor<'e>,
                ) -> impl ::core::future::Future<Output = ::orm::__private::Result<::orm::__private::Option<#target>>> + ::core::marker::Send {
                    ::orm::__private::#get_fn::<#ident, #target>(db, #meta, self)
                }

                #set_doc
                #[must_use = "an accessor does nothing until it is awaited"]
                #vis fn #set<'a, 'e: 'a>(
                    #set_receiver,
                    db: impl ::orm::__private::IntoExecutor<'e>,
                    target: impl ::orm::__private::IntoOptionalTarget<#target>,
                ) -> ::orm::__private::BoxFuture<'a, ::orm::__private::Result<()>> {
                    ::orm::__private::#set_fn::<#ident, #target>(db, #meta, self, target)
                }

                #create_doc
                #[must_use = "an accessor does nothing until it is awaited"]
                #vis fn #create<'a, 'e: 'a>(
                    #set_receiver,
                    db: impl ::orm::__private::IntoExecutor<'e>,
                    row: impl ::orm::__private::NewRow<#target>,
                ) -> ::orm::__private::BoxFuture<'a, ::orm::__private::Result<#target>> {
                    ::orm::__private::#create_fn::<#ident, #target>(db, #meta, self, row)
                }
            });
        }
        Kind::BelongsToMany => items.push(plural_accessors(
            model,
            association,
            &meta,
            &name,
            &PluralApi::belongs_to_many(model, association),
        )),
        Kind::HasMany => {
            items.push(plural_accessors(model, association, &meta, &name, &PluralApi::has_many(model, association)))
        }
    }
    quote!(#(#items)*)
}

/// Proves at compile time that the foreign-key field exists with a type that can hold the
/// referenced key. Each failure points at the option the user wrote (or the target).
fn checks(model: &Model, association: &Association) -> TokenStream {
    let target = &association.target;
    let span = association.foreign_key_span;
    if association.foreign_keys.len() > 1 {
        return composite_checks(model, association);
    }
    match association.kind {
        Kind::BelongsTo => {
            let Some(field) = model.field(&association.foreign_key) else { return quote!() };
            let ty = &field.ty;
            let ty = quote_spanned!(span=> #ty);
            match &association.target_key {
                None => quote_spanned! {span=>
                    assert_foreign_key::<#target, #ty>();
                },
                Some(key) => {
                    let key_span = association.target_key_span;
                    let target = respan(quote!(#target), key_span);
                    with_markers(&[(key, key_span)], |m| {
                        let marker = &m[0];
                        quote_spanned!(key_span=> assert_target_key::<#target, #marker, #ty, ::orm::__private::IsUnique>();)
                    })
                }
            }
        }
        // The child checks its key field against each parent's key.
        Kind::HasOne | Kind::HasMany if association.polymorphic.is_some() => quote!(),
        Kind::HasOne | Kind::HasMany => {
            let Some(key) = association.source_key.as_deref().and_then(|k| model.field(k)) else { return quote!() };
            target_foreign_key_check(model, association, &association.foreign_key, &key.ty)
        }
        Kind::BelongsToMany => {
            // Only a join model has fields to check; a join table is built from the keys.
            let Some(Join::Model(through)) = &association.through else { return quote!() };
            let Some(key) = association.source_key.as_deref().and_then(|k| model.field(k)) else { return quote!() };
            let key_ty = &key.ty;
            let source = {
                let through = respan(quote!(#through), span);
                with_markers(&[(&association.foreign_key, span)], |m| {
                    let marker = &m[0];
                    quote_spanned!(span=> assert_join_key::<#through, #marker, #key_ty>();)
                })
            };
            let other_span = association.other_key_span;
            let through_at_other = respan(quote!(#through), other_span);
            // The default other key is the target's `{singular}_{key}`, which only the
            // target's derive knows: it names its marker.
            let other = |check: &dyn Fn(&TokenStream) -> TokenStream| -> TokenStream {
                if association.other_key_default {
                    let marker = quote_spanned!(other_span=> <#target as ::orm::__private::DefaultKeyName>::Name);
                    let check = check(&marker);
                    quote!({ #check })
                } else {
                    let name = association.other_key.as_deref().unwrap_or_default();
                    with_markers(&[(name, other_span)], |m| {
                        let marker = &m[0];
                        check(&quote!(#marker))
                    })
                }
            };
            let other = match &association.target_key {
                None => other(
                    &|marker| quote_spanned!(other_span=> assert_join_key::<#through_at_other, #marker, <#target as ::orm::__private::Model>::Key>();),
                ),
                Some(key) => {
                    let key_span = association.target_key_span;
                    let target_at_key = respan(quote!(#target), key_span);
                    let unique = quote_spanned!(key_span=> ::orm::__private::IsUnique);
                    other(&|marker| {
                        with_markers(&[(key, key_span)], |m| {
                            let key_marker = &m[0];
                            quote_spanned!(other_span=> assert_join_key_of_field::<#target_at_key, #key_marker, #unique, #through_at_other, #marker>();)
                        })
                    })
                }
            };
            quote!(#source #other)
        }
    }
}

/// The check of a has_one's or has_many's foreign-key field `fk` on the target, holding the
/// source's key of type `key_ty`, nullable at each `"set null"`. When this model has a field
/// of that name, the error says the key was put on the wrong side.
fn target_foreign_key_check(model: &Model, association: &Association, fk: &str, key_ty: &syn::Type) -> TokenStream {
    let ident = &model.ident;
    let span = association.foreign_key_span;
    let target = respan(quote_target(association), span);
    let wrong_side = !association.is_self() && model.field(fk).is_some();
    let nullability = std::iter::once(quote_spanned!(span=> ::orm::__private::AnyNull))
        .chain(association.set_null_spans().into_iter().map(|span| quote_spanned!(span=> ::orm::__private::SetNull)));
    with_markers(&[(fk, span)], |m| {
        let marker = &m[0];
        let calls = nullability.map(|null| {
            if wrong_side {
                quote_spanned!(span=> assert_foreign_key_on_target::<#target, #marker, #key_ty, #ident, #null>();)
            } else {
                quote_spanned!(span=> assert_target_foreign_key::<#target, #marker, #key_ty, #null>();)
            }
        });
        quote!(#(#calls)*)
    })
}

fn quote_target(association: &Association) -> TokenStream {
    let target = &association.target;
    quote!(#target)
}

thread_local! {
    /// The field names the checks of the derive being expanded name, each declared once as a
    /// marker type (see `crate::expand::field_marker`) by `expand`: one type per name, so that
    /// rustc prints the bare name in an error.
    static MARKERS: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `check` with the markers of the field names `names`, recorded for `expand` to
/// declare.
fn with_markers(names: &[(&str, proc_macro2::Span)], check: impl FnOnce(&[syn::Ident]) -> TokenStream) -> TokenStream {
    let markers: Vec<syn::Ident> = names
        .iter()
        .map(|&(name, _)| {
            MARKERS.with(|m| {
                let mut m = m.borrow_mut();
                if !m.iter().any(|n| n == name) {
                    m.push(name.to_owned());
                }
            });
            crate::expand::field_marker(name, proc_macro2::Span::call_site()).0
        })
        .collect();
    check(&markers)
}

/// The checks of a composite foreign key (belongs_to, has_one, has_many): each foreign-key
/// field holds its key column's type, and the key pointed at is the whole primary key (the one
/// set of columns known to be unique together).
fn composite_checks(model: &Model, association: &Association) -> TokenStream {
    let target = &association.target;
    let span = association.foreign_key_span;
    let target_name = association.target_name();
    match association.kind {
        Kind::BelongsTo => {
            let mut checks = Vec::new();
            for (i, fk) in association.foreign_keys.iter().enumerate() {
                let Some(field) = model.field(fk) else { continue };
                let ty = &field.ty;
                let ty = quote_spanned!(span=> #ty);
                checks.push(match association.target_keys.get(i) {
                    Some(key) => {
                        let key_span = association.target_key_span;
                        let target = respan(quote!(#target), key_span);
                        with_markers(&[(key, key_span)], |m| {
                            let marker = &m[0];
                            quote_spanned!(key_span=> assert_target_key_type::<#target, #marker, #ty>();)
                        })
                    }
                    None => {
                        let key_ty = quote_spanned!(span=> <<#target as ::orm::__private::Model>::Key as ::orm::__private::KeyPart<#i>>::Type);
                        quote_spanned!(span=> assert_key_type::<#ty, #key_ty>();)
                    }
                });
            }
            let count = association.foreign_keys.len();
            let keys = &association.target_keys;
            let key_span = association.target_key_span;
            let message = if keys.is_empty() {
                format!(
                    "this foreign key names {count} fields, but `{target_name}`'s primary key has another number of columns: a composite foreign key names one field per key column, in key order"
                )
            } else {
                format!(
                    "`target_key(…)` must name `{target_name}`'s primary-key fields: a composite foreign key points at the whole primary key, the one set of columns unique together"
                )
            };
            let pk_check = if keys.is_empty() {
                quote_spanned!(key_span=> <#target as ::orm::__private::Model>::NAMES.primary_key.len() != #count)
            } else {
                quote_spanned!(key_span=> !::orm::__private::same_fields(<#target as ::orm::__private::Model>::NAMES.primary_key, &[#(#keys),*]))
            };
            let panic = quote_spanned!(key_span=> ::core::panic!(#message));
            quote! {
                #(#checks)*
                const _: () = {
                    if #pk_check {
                        #panic;
                    }
                };
            }
        }
        Kind::HasOne | Kind::HasMany => {
            let source: Vec<&crate::model::Field> = if association.source_keys.is_empty() {
                model.primary_key_fields().collect()
            } else {
                association.source_keys.iter().filter_map(|k| model.field(k)).collect()
            };
            let checks = association
                .foreign_keys
                .iter()
                .zip(source)
                .map(|(fk, key)| target_foreign_key_check(model, association, fk, &key.ty));
            quote!(#(#checks)*)
        }
        Kind::BelongsToMany => quote!(),
    }
}

/// Proves that the foreign key of a belongs_to with `on_delete`/`on_update = "set null"` is
/// nullable, each failure on the `"set null"` the user wrote (a has_one's or has_many's key,
/// on the target, is checked with its foreign key: see `target_foreign_key_check`).
/// belongs_to_many is rejected by `validate` (its join columns are never NULL).
fn set_null_checks(model: &Model, association: &Association) -> TokenStream {
    let ident = &model.ident;
    if association.kind != Kind::BelongsTo {
        return quote!();
    }
    let checks = association.set_null_spans().into_iter().map(|span| {
        let checks = association
            .foreign_keys
            .iter()
            .filter_map(|fk| model.field(fk))
            .map(|field| nullable_check(&quote!(#ident), &field.ty, span));
        quote!(#(#checks)*)
    });
    quote!(#(#checks)*)
}

/// Proves that the field type `ty` of `owner` (a foreign key) can be set to NULL, at `span`.
pub fn nullable_check(owner: &TokenStream, ty: &syn::Type, span: proc_macro2::Span) -> TokenStream {
    let ty = respan(quote!(#ty), span);
    quote_spanned! {span=>
        const _: () = <#ty as ::orm::__private::NullableForeignKey<#owner>>::NULLABLE;
    }
}

/// Gives every token of `tokens` the span `span`.
fn respan(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let proc_macro2::TokenTree::Group(group) = &token {
                let mut inner = proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                token = proc_macro2::TokenTree::Group(inner);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}

/// What differs between the plural accessors of has_many and belongs_to_many: the runtime
/// functions they forward to, what the getter and the writes return, and the wording.
struct PluralApi {
    get: TokenStream,
    get_returns: TokenStream,
    count: TokenStream,
    count_returns: TokenStream,
    has: TokenStream,
    set: TokenStream,
    add: TokenStream,
    remove: TokenStream,
    create: TokenStream,
    create_returns: TokenStream,
    writes_return: TokenStream,
    get_doc: String,
    write_doc: &'static str,
    remove_doc: &'static str,
    count_doc: &'static str,
    create_doc: &'static str,
}

impl PluralApi {
    fn has_many(model: &Model, association: &Association) -> Self {
        let (ident, target) = (&model.ident, &association.target);
        let unit = quote!(::orm::__private::BoxFuture<'e, ::orm::__private::Result<()>>);
        PluralApi {
            get: quote!(::orm::__private::get_many::<#ident, #target>),
            get_returns: quote!(::orm::__private::Related<'e, #target>),
            count: quote!(::orm::__private::count::<#ident, #target>),
            count_returns: quote!(::orm::__private::Count<'e, #target>),
            has: quote!(::orm::__private::has_all::<#ident, #target, _>),
            set: quote!(::orm::__private::set_many::<#ident, #target, _>),
            add: quote!(::orm::__private::add_many::<#ident, #target, _>),
            remove: quote!(::orm::__private::remove_many::<#ident, #target, _>),
            create: quote!(::orm::__private::create_for::<#ident, #target>),
            create_returns: quote!(::orm::__private::BoxFuture<'e, ::orm::__private::Result<#target>>),
            writes_return: unit,
            get_doc: ", by primary key unless ordered; narrow with `filter`, `order_by` (the key breaks its ties), `limit`, `offset` before `.await`".to_owned(),
            write_doc: "",
            remove_doc: " (its foreign key becomes NULL)",
            count_doc: "; narrow with `filter` before `.await`",
            create_doc: "",
        }
    }

    fn belongs_to_many(model: &Model, association: &Association) -> Self {
        let (ident, target) = (&model.ident, &association.target);
        let target_name = association.target_name();
        let shape = match &association.through {
            Some(Join::Model(path)) => {
                let join = path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
                format!(
                    ": resolves to `Vec<({target_name}, {join})>`, each target with its join row (`.targets_only()` for `Vec<{target_name}>`)"
                )
            }
            _ => format!(": resolves to `Vec<{target_name}>` (through a join table: no join row)"),
        };
        let (join, count_doc, create_doc) = match &association.through {
            Some(Join::Model(path)) => (
                quote!(#path),
                "; narrow with `filter` (on the targets) and `through_filter` (on the join rows) before `.await`",
                "; join-row values with `.through(…)`",
            ),
            _ => (quote!(()), "; narrow with `filter` before `.await`", ""),
        };
        PluralApi {
            get: quote!(::orm::__private::get_linked::<#ident, #target, #join>),
            get_returns: quote!(::orm::__private::Linked<'e, #target, #join>),
            count: quote!(::orm::__private::count_linked::<#ident, #target, #join>),
            count_returns: quote!(::orm::__private::Count<'e, #target, #join>),
            has: quote!(::orm::__private::has_linked::<#ident, #target, _>),
            set: quote!(::orm::__private::set_linked::<#ident, #target, #join, _>),
            add: quote!(::orm::__private::add_linked::<#ident, #target, #join, _>),
            remove: quote!(::orm::__private::remove_linked::<#ident, #target, _>),
            create: quote!(::orm::__private::create_linked::<#ident, #target, #join>),
            create_returns: quote!(::orm::__private::CreateLinked<'e, #target, #join>),
            writes_return: quote!(::orm::__private::LinkWrite<'e, #target, #join>),
            get_doc: format!(
                "{shape}, by primary key unless ordered; narrow with `filter`, `through_filter`, `order_by` (the key breaks its ties), `limit`, `offset` before `.await`"
            ),
            write_doc: "; join-row values with `.through(…)` and `.through_for(…)`",
            remove_doc: " (deletes the join row)",
            count_doc,
            create_doc,
        }
    }
}

/// The accessors of has_many and belongs_to_many.
fn plural_accessors(
    model: &Model,
    association: &Association,
    meta: &TokenStream,
    name: &dyn Fn(&str) -> Option<proc_macro2::Ident>,
    api: &PluralApi,
) -> TokenStream {
    let vis = &model.vis;
    let target = &association.target;
    let target_name = association.target_name();
    let doc = |text: String| quote!(#[doc = #text]);
    let (get, count, has, has_all) = (name("get"), name("count"), name("has"), name("has_all"));
    let (set, add, add_many) = (name("set"), name("add"), name("add_many"));
    let (remove, remove_many, create) = (name("remove"), name("remove_many"), name("create"));
    let PluralApi {
        get: get_fn,
        get_returns,
        count: count_fn,
        count_returns,
        has: has_fn,
        set: set_fn,
        add: add_fn,
        remove: remove_fn,
        create: create_fn,
        create_returns,
        writes_return,
        ..
    } = api;
    let get_doc = doc(format!("The linked `{target_name}` rows{}.", api.get_doc));
    let count_doc = doc(format!("Counts the linked `{target_name}` rows{}.", api.count_doc));
    let has_doc = doc(format!("Whether this `{target_name}` (an instance or a bare key) is linked."));
    let has_all_doc = doc(format!("Whether every one of these `{target_name}` rows is linked (false for none)."));
    let set_doc = doc(format!(
        "Links exactly these `{target_name}` rows and unlinks the others, in one transaction{}.",
        api.write_doc
    ));
    let add_doc = doc(format!("Links this `{target_name}` (an instance or a bare key){}.", api.write_doc));
    let add_many_doc =
        doc(format!("Links these `{target_name}` rows, leaving the others, in one transaction{}.", api.write_doc));
    let remove_doc = doc(format!("Unlinks this `{target_name}`{}.", api.remove_doc));
    let remove_many_doc = doc(format!("Unlinks these `{target_name}` rows, in one transaction."));
    let create_doc =
        doc(format!("Creates a `{target_name}` linked to this row, in one transaction{}.", api.create_doc));
    // Accessors that take a row return a named future, not an `impl Future`: an opaque type
    // carries the accessor's bounds, and a wrong argument was then reported again at the
    // call and at its `.await`.
    let future = |ty: TokenStream| quote!(::orm::__private::BoxFuture<'e, ::orm::__private::Result<#ty>>);
    let (unit, boolean) = (future(quote!(())), future(quote!(bool)));
    let must_use = quote!(#[must_use = "an accessor does nothing until it is awaited"]);
    quote! {
        #get_doc
        #vis fn #get<'e>(&self, db: impl ::orm::__private::IntoExecutor<'e>) -> #get_returns {
            #get_fn(db, #meta, self)
        }

        #count_doc
        #vis fn #count<'e>(&self, db: impl ::orm::__private::IntoExecutor<'e>) -> #count_returns {
            #count_fn(db, #meta, self)
        }

        #has_doc
        #must_use
        #vis fn #has<'e>(
            &self,
            db: impl ::orm::__private::IntoExecutor<'e>,
            target: impl ::orm::__private::IntoTarget<#target>,
        ) -> #boolean {
            #has_fn(db, #meta, self, [target])
        }

        #has_all_doc
        #must_use
        #vis fn #has_all<'e>(
            &self,
            db: impl ::orm::__private::IntoExecutor<'e>,
            targets: impl ::orm::__private::IntoTargets<#target>,
        ) -> #boolean {
            #has_fn(db, #meta, self, ::orm::__private::IntoTargets::into_targets(targets))
        }

        #set_doc
        #must_use
        #vis fn #set<'e>(
            &self,
            db: impl ::orm::__private::IntoExecutor<'e>,
            targets: impl ::orm::__private::IntoTargets<#target>,
        ) -> #writes_return {
            #set_fn(db, #meta, self, ::orm::__private::IntoTargets::into_targets(targets))
        }

        #add_doc
        #must_use
        #vis fn #add<'e>(
            &self,
            db: impl ::orm::__private::IntoExecutor<'e>,
            target: impl ::orm::__private::IntoTarget<#target>,
        ) -> #writes_return {
            #add_fn(db, #meta, self, [target])
        }

        #add_many_doc
        #must_use
        #vis fn #add_many<'e>(
            &self,
            db: impl ::orm::__private::IntoExecutor<'e>,
            targets: impl ::orm::__private::IntoTargets<#target>,
        ) -> #writes_return {
            #add_fn(db, #meta, self, ::orm::__private::IntoTargets::into_targets(targets))
        }

        #remove_doc
        #must_use
        #vis fn #remove<'e>(
            &self,
            db: impl ::orm::__private::IntoExecutor<'e>,
            target: impl ::orm::__private::IntoTarget<#target>,
        ) -> #unit {
            #remove_fn(db, #meta, self, [target])
        }

        #remove_many_doc
        #must_use
        #vis fn #remove_many<'e>(
            &self,
            db: impl ::orm::__private::IntoExecutor<'e>,
            targets: impl ::orm::__private::IntoTargets<#target>,
        ) -> #unit {
            #remove_fn(db, #meta, self, ::orm::__private::IntoTargets::into_targets(targets))
        }

        #create_doc
        #must_use
        #vis fn #create<'e>(
            &self,
            db: impl ::orm::__private::IntoExecutor<'e>,
            row: impl ::orm::__private::NewRow<#target>,
        ) -> #create_returns {
            #create_fn(db, #meta, self, row)
        }
    }
}

/// The default join column for the target's key, `{target's singular}_{target's key}`, built
/// at compile time from the target's `NAMES` (renamed like this model's columns for a join
/// table; a join model's field name as is).
fn default_other_key(model: &Model, association: &Association) -> TokenStream {
    let target = &association.target;
    let rule: u8 = match (&association.through, model.rename_all.as_deref()) {
        (Some(Join::Table(_)), Some("camelCase")) => 1,
        (Some(Join::Table(_)), Some("PascalCase")) => 2,
        (Some(Join::Table(_)), Some("SCREAMING_SNAKE_CASE")) => 3,
        (Some(Join::Table(_)), Some("kebab-case")) => 4,
        _ => 0,
    };
    quote!({
        const NAMES: ::orm::__private::ModelNames = <#target as ::orm::__private::Model>::NAMES;
        const LEN: usize = ::orm::__private::key_column_len(NAMES.singular, NAMES.key(), #rule);
        const BYTES: [u8; LEN] = ::orm::__private::key_column(NAMES.singular, NAMES.key(), #rule);
        ::orm::__private::utf8(&BYTES)
    })
}

/// The compile-time checks of the defaults that Sequelize takes from the target, which this
/// derive cannot see: the association's name (the target's `#[model(name(…))]`) and a
/// belongs_to's foreign key (the target's primary key). Each failure is an error at the user's
/// token that names the exact option or field to write.
fn default_checks(model: &Model, association: &Association) -> TokenStream {
    let target = &association.target;
    let target_name = association.target_name();
    let attribute = association.kind.attribute();
    let mut checks = Vec::new();
    if association.names_target {
        let span = association.target_span();
        let (singular, plural) = (&association.singular, &association.plural);
        let alias = if association.kind.is_plural() { quote!(NAMES.plural) } else { quote!(NAMES.singular) };
        let head = format!("`{target_name}` is named `");
        let tail = format!(
            "` by its `#[model(name(…))]`, and an association takes its target's name; `#[derive(Model)]` on `{}` cannot read another model's attributes, so name this `{attribute}` where you wrote it: `as = \"",
            model.ident
        );
        checks.push(quote_spanned! {span=>
            const _: () = {
                const NAMES: ::orm::__private::ModelNames = <#target as ::orm::__private::Model>::NAMES;
                const PARTS: &[&str] = &[#head, NAMES.singular, "`/`", NAMES.plural, #tail, #alias, "\"`"];
                const MESSAGE: [u8; ::orm::__private::concat_len(PARTS)] = ::orm::__private::concat(PARTS);
                if !(::orm::__private::str_eq(NAMES.singular, #singular) && ::orm::__private::str_eq(NAMES.plural, #plural)) {
                    ::core::panic!("{}", ::orm::__private::utf8(&MESSAGE));
                }
            };
        });
    }
    // A belongs_to (with its foreign key given) or a belongs_to_many pointing at the target's
    // primary key needs a one-column key.
    let points_at_target_key = match association.kind {
        Kind::BelongsTo => association.foreign_key_default.is_none(),
        Kind::BelongsToMany => true,
        Kind::HasOne | Kind::HasMany => false,
    };
    if points_at_target_key
        && association.target_key.is_none()
        && association.foreign_keys.len() == 1
        && !association.is_self()
    {
        let span = association.target_span();
        let message = if association.kind == Kind::BelongsTo {
            format!(
                "`{target_name}` has a composite primary key, and this `{attribute}({target_name})` names one foreign-key field: name one per key column, in key order, with `foreign_key(…)`, or point at a unique field of `{target_name}` with `target_key = \"…\"`"
            )
        } else {
            format!(
                "`{target_name}` has a composite primary key, and a `{attribute}` links one-column keys: name a unique field of `{target_name}` with `target_key = \"…\"`"
            )
        };
        checks.push(quote_spanned! {span=>
            const _: () = {
                if <#target as ::orm::__private::Model>::NAMES.primary_key.len() != 1 {
                    ::core::panic!(#message);
                }
            };
        });
    }
    if let Some(default) = &association.foreign_key_default {
        let span = association.target_span();
        let prefix = &default.prefix;
        let candidates = &default.candidates;
        let suffix = default.suffix().unwrap_or_default();
        let found = default.field.is_some();
        let ident = model.ident.to_string();
        let rename = format!(
            "`, the default foreign key of `{attribute}({target_name})` (named after `{target_name}`'s primary key `"
        );
        let add = "`): add `pub ";
        let add_middle = ": Option<…>` (nullable) or `pub ";
        let add_tail = ": …` (NOT NULL) with the key's type, or name another field with `foreign_key = \"…\"`";
        let composite = format!(
            "`{target_name}` has a composite primary key, so `{attribute}({target_name})` has no one-column default foreign key: name the fields with `foreign_key(…)` and `target_key(…)`"
        );
        checks.push(quote_spanned! {span=>
            const _: () = {
                const NAMES: ::orm::__private::ModelNames = <#target as ::orm::__private::Model>::NAMES;
                const LEN: usize = ::orm::__private::key_column_len(#prefix, NAMES.key(), 0);
                const EXPECTED: [u8; LEN] = ::orm::__private::key_column(#prefix, NAMES.key(), 0);
                const FIELD: &str = ::orm::__private::utf8(&EXPECTED);
                const WRITE: &[&str] = &["the default foreign key of `", #attribute, "(", #target_name, ")` is `", FIELD, "`, named after `", #target_name, "`'s primary key `", NAMES.key(), "`: write `foreign_key = \"", FIELD, "\"`"];
                const ADD: &[&str] = &["`", #ident, "` has no field `", FIELD, #rename, NAMES.key(), #add, FIELD, #add_middle, FIELD, #add_tail];
                const PARTS: &[&str] = if ::orm::__private::contains(&[#(#candidates),*], FIELD) { WRITE } else { ADD };
                const MESSAGE: [u8; ::orm::__private::concat_len(PARTS)] = ::orm::__private::concat(PARTS);
                if NAMES.primary_key.len() != 1 {
                    ::core::panic!(#composite);
                }
                if !(#found && ::orm::__private::str_eq(NAMES.key(), #suffix)) {
                    ::core::panic!("{}", ::orm::__private::utf8(&MESSAGE));
                }
            };
        });
    }
    quote!(#(#checks)*)
}
