//! Associations: the static metadata, the typed handles (`User::workers()`), the accessors
//! (`get_workers`, `add_worker`, …) forwarding to `orm-core`, and the compile-time checks of
//! the foreign-key fields.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use crate::assoc::Kind;
use crate::attr::ThroughAttr;
use crate::expand::model::action;
use crate::model::{Association, Model};

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
        Some(ThroughAttr::Table(table)) => {
            let table = table.as_str();
            (quote!(::orm::__private::Option::Some(#table)), quote!(::orm::__private::Option::None))
        }
        Some(ThroughAttr::Model(path)) => {
            let meta = quote_spanned!(syn::spanned::Spanned::span(path)=> <#path as ::orm::__private::Model>::meta);
            (quote!(::orm::__private::Option::None), quote!(::orm::__private::Option::Some(#meta)))
        }
        None => (quote!(::orm::__private::Option::None), quote!(::orm::__private::Option::None)),
    };
    let (singular, plural) = (&association.singular, &association.plural);
    let is_aliased = association.is_aliased;
    let foreign_key = &association.foreign_key;
    let option = |value: &Option<String>| match value {
        Some(v) => quote!(::orm::__private::Option::Some(#v)),
        None => quote!(::orm::__private::Option::None),
    };
    let source_key = option(&association.source_key);
    let scope = scope_entries(&association.scope);
    let through_scope = scope_entries(&association.through_scope);
    let hooks = association.hooks;
    let destroy_targets = if association.hooks {
        quote!(::orm::__private::Option::Some(::orm::__private::destroy_targets::<#target>))
    } else {
        quote!(::orm::__private::Option::None)
    };
    let other_key = option(&association.other_key);
    let unique_key = option(&association.unique_key);
    let target_key = option(&association.target_key);
    let on_delete = action(association.on_delete);
    let on_update = action(association.on_update);
    let constraints = association.constraints;
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
            source_key: #source_key,
            target_key: #target_key,
            on_delete: #on_delete,
            on_update: #on_update,
            constraints: #constraints,
            through_table: #through_table,
            through_model: #through_model,
            other_key: #other_key,
            unique_key: #unique_key,
            scope: &[#(#scope),*],
            through_scope: &[#(#through_scope),*],
            hooks: #hooks,
            destroy_targets: #destroy_targets,
            accessors: &[#(#accessors),*],
            statements: ::orm::__private::AssociationStatements::new(),
        }
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
        let hash = crate::expand::field_hash(&field.to_string());
        let owner = respan(quote!(#model), field.span());
        let field_ty = quote_spanned!(field.span()=> <#owner as ::orm::__private::HasField<#hash>>::Type);
        let span = syn::spanned::Spanned::span(literal);
        quote_spanned!(span=> ::orm::__private::assert_scope_value::<#field_ty, _>(#literal);)
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
            Some(ThroughAttr::Model(join)) => {
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
    let checks = model.associations.iter().map(|a| {
        let keys = checks(model, a);
        let scope = scope_checks(&a.target, &a.scope);
        let through_scope = match &a.through {
            Some(ThroughAttr::Model(join)) => scope_checks(join, &a.through_scope),
            _ => quote!(),
        };
        quote!(#keys #scope #through_scope)
    });
    quote! {
        #(#items)*

        const _: () = {
            #[allow(dead_code, clippy::no_effect_underscore_binding)]
            fn check_association_keys() {
                #(#checks)*
            }
        };
    }
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
        #[must_use]
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
                #vis fn #set<'a, 'e>(
                    #set_receiver,
                    db: impl ::orm::__private::IntoExecutor<'e>,
                    target: impl ::orm::__private::IntoOptionalTarget<#target>,
                ) -> impl ::core::future::Future<Output = ::orm::__private::Result<()>> + ::core::marker::Send {
                    ::orm::__private::#set_fn::<#ident, #target>(db, #meta, self, target)
                }

                #create_doc
                #vis fn #create<'a, 'e>(
                    #set_receiver,
                    db: impl ::orm::__private::IntoExecutor<'e>,
                    row: impl ::orm::__private::NewRow<#target>,
                ) -> impl ::core::future::Future<Output = ::orm::__private::Result<#target>> + ::core::marker::Send {
                    ::orm::__private::#create_fn::<#ident, #target>(db, #meta, self, row)
                }
            });
        }
        Kind::BelongsToMany => items.push(many_to_many_accessors(model, association, &meta, &name)),
        Kind::HasMany => {
            let (get, count, has, has_all) = (name("get"), name("count"), name("has"), name("has_all"));
            let (set, add, add_many) = (name("set"), name("add"), name("add_many"));
            let (remove, remove_many, create) = (name("remove"), name("remove_many"), name("create"));
            let docs = [
                format!("The linked `{target_name}` rows; narrow with `filter`, `order_by`, `limit`, `offset` before `.await`."),
                format!("Counts the linked `{target_name}` rows."),
                format!("Whether this `{target_name}` (an instance or a bare key) is linked."),
                format!("Whether every one of these `{target_name}` rows is linked (false for none)."),
                format!("Links exactly these `{target_name}` rows and unlinks the others, in one transaction."),
                format!("Links this `{target_name}` (an instance or a bare key)."),
                format!("Links these `{target_name}` rows, leaving the others, in one transaction."),
                format!("Unlinks this `{target_name}` (its foreign key becomes NULL)."),
                format!("Unlinks these `{target_name}` rows, in one transaction."),
                format!("Creates a `{target_name}` linked to this row."),
            ]
            .map(doc);
            let [
                get_doc,
                count_doc,
                has_doc,
                has_all_doc,
                set_doc,
                add_doc,
                add_many_doc,
                remove_doc,
                remove_many_doc,
                create_doc,
            ] = docs;
            let result = |ty: TokenStream| quote!(impl ::core::future::Future<Output = ::orm::__private::Result<#ty>> + ::core::marker::Send);
            let (unit, boolean, count_ty) = (result(quote!(())), result(quote!(bool)), result(quote!(i64)));
            let created = result(quote!(#target));
            items.push(quote! {
                #get_doc
                #vis fn #get<'e>(&self, db: impl ::orm::__private::IntoExecutor<'e>) -> ::orm::__private::Related<'e, #target> {
                    ::orm::__private::get_many::<#ident, #target>(db, #meta, self)
                }

                #count_doc
                #vis fn #count<'e>(&self, db: impl ::orm::__private::IntoExecutor<'e>) -> #count_ty {
                    ::orm::__private::count::<#ident, #target>(db, #meta, self)
                }

                #has_doc
                #vis fn #has<'e>(
                    &self,
                    db: impl ::orm::__private::IntoExecutor<'e>,
                    target: impl ::orm::__private::IntoTarget<#target>,
                ) -> #boolean {
                    ::orm::__private::has_all::<#ident, #target, _>(db, #meta, self, [target])
                }

                #has_all_doc
                #vis fn #has_all<'e, I: ::orm::__private::IntoTarget<#target>>(
                    &self,
                    db: impl ::orm::__private::IntoExecutor<'e>,
                    targets: impl ::core::iter::IntoIterator<Item = I>,
                ) -> #boolean {
                    ::orm::__private::has_all::<#ident, #target, I>(db, #meta, self, targets)
                }

                #set_doc
                #vis fn #set<'e, I: ::orm::__private::IntoTarget<#target>>(
                    &self,
                    db: impl ::orm::__private::IntoExecutor<'e>,
                    targets: impl ::core::iter::IntoIterator<Item = I>,
                ) -> #unit {
                    ::orm::__private::set_many::<#ident, #target, I>(db, #meta, self, targets)
                }

                #add_doc
                #vis fn #add<'e>(
                    &self,
                    db: impl ::orm::__private::IntoExecutor<'e>,
                    target: impl ::orm::__private::IntoTarget<#target>,
                ) -> #unit {
                    ::orm::__private::add_many::<#ident, #target, _>(db, #meta, self, [target])
                }

                #add_many_doc
                #vis fn #add_many<'e, I: ::orm::__private::IntoTarget<#target>>(
                    &self,
                    db: impl ::orm::__private::IntoExecutor<'e>,
                    targets: impl ::core::iter::IntoIterator<Item = I>,
                ) -> #unit {
                    ::orm::__private::add_many::<#ident, #target, I>(db, #meta, self, targets)
                }

                #remove_doc
                #vis fn #remove<'e>(
                    &self,
                    db: impl ::orm::__private::IntoExecutor<'e>,
                    target: impl ::orm::__private::IntoTarget<#target>,
                ) -> #unit {
                    ::orm::__private::remove_many::<#ident, #target, _>(db, #meta, self, [target])
                }

                #remove_many_doc
                #vis fn #remove_many<'e, I: ::orm::__private::IntoTarget<#target>>(
                    &self,
                    db: impl ::orm::__private::IntoExecutor<'e>,
                    targets: impl ::core::iter::IntoIterator<Item = I>,
                ) -> #unit {
                    ::orm::__private::remove_many::<#ident, #target, I>(db, #meta, self, targets)
                }

                #create_doc
                #vis fn #create<'e>(
                    &self,
                    db: impl ::orm::__private::IntoExecutor<'e>,
                    row: impl ::orm::__private::NewRow<#target>,
                ) -> #created {
                    ::orm::__private::create_for::<#ident, #target>(db, #meta, self, row)
                }
            });
        }
    }
    quote!(#(#items)*)
}

/// Proves at compile time that the foreign-key field exists with a type that can hold the
/// referenced key. Each failure points at the option the user wrote (or the target).
fn checks(model: &Model, association: &Association) -> TokenStream {
    let target = &association.target;
    let span = association.foreign_key_span;
    // The target is re-spanned onto the option's value, so that a missing field is reported
    // on the name the user wrote.
    let field_type = |name: &str, span| {
        let hash = crate::expand::field_hash(name);
        let target = respan(quote!(#target), span);
        quote_spanned!(span=> <#target as ::orm::__private::HasField<#hash>>::Type)
    };
    match association.kind {
        Kind::BelongsTo => {
            let Some(field) = model.field(&association.foreign_key) else { return quote!() };
            let ty = &field.ty;
            let ty = quote_spanned!(span=> #ty);
            match &association.target_key {
                None => quote_spanned! {span=>
                    ::orm::__private::assert_foreign_key::<#target, #ty>();
                },
                Some(key) => {
                    let key_ty = field_type(key, association.target_key_span);
                    let unique = unique_check(target, key, association.target_key_span);
                    quote_spanned! {span=>
                        ::orm::__private::assert_key_type::<#ty, #key_ty>();
                        #unique
                    }
                }
            }
        }
        Kind::HasOne | Kind::HasMany => {
            let Some(key) = association.source_key.as_deref().and_then(|k| model.field(k)) else { return quote!() };
            let key_ty = &key.ty;
            let fk_ty = field_type(&association.foreign_key, span);
            quote_spanned! {span=>
                ::orm::__private::assert_key_type::<#fk_ty, #key_ty>();
            }
        }
        Kind::BelongsToMany => {
            // Only a join model has fields to check; a join table is built from the keys.
            let Some(ThroughAttr::Model(through)) = &association.through else { return quote!() };
            let Some(key) = association.source_key.as_deref().and_then(|k| model.field(k)) else { return quote!() };
            let key_ty = &key.ty;
            let join_field = |name: &str, span| {
                let hash = crate::expand::field_hash(name);
                let through = respan(quote!(#through), span);
                quote_spanned!(span=> <#through as ::orm::__private::HasField<#hash>>::Type)
            };
            let source_ty = join_field(&association.foreign_key, span);
            let other_span = association.other_key_span;
            let other_ty = join_field(association.other_key.as_deref().unwrap_or_default(), other_span);
            let (target_key_ty, unique) = match &association.target_key {
                None => (quote_spanned!(other_span=> <#target as ::orm::__private::Model>::Key), quote!()),
                Some(key) => (
                    field_type(key, association.target_key_span),
                    unique_check(target, key, association.target_key_span),
                ),
            };
            quote_spanned! {span=>
                ::orm::__private::assert_key_type::<#source_ty, #key_ty>();
                ::orm::__private::assert_key_type::<#other_ty, #target_key_ty>();
                #unique
            }
        }
    }
}

/// Proves that `target`'s field `key` is its primary key or unique, at the user's token.
fn unique_check(target: &syn::Path, key: &str, span: proc_macro2::Span) -> TokenStream {
    let hash = crate::expand::field_hash(key);
    let target = respan(quote!(#target), span);
    quote_spanned!(span=> ::orm::__private::assert_unique::<#target, #hash>();)
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

/// The accessors of a belongs_to_many: as has_many's, with join rows on results and
/// join-row values on writes (`.through(…)`, `.through_for(…)`).
fn many_to_many_accessors(
    model: &Model,
    association: &Association,
    meta: &TokenStream,
    name: &dyn Fn(&str) -> Option<proc_macro2::Ident>,
) -> TokenStream {
    let vis = &model.vis;
    let ident = &model.ident;
    let target = &association.target;
    let target_name = association.target_name();
    let join = match &association.through {
        Some(ThroughAttr::Model(path)) => quote!(#path),
        _ => quote!(()),
    };
    let doc = |text: String| quote!(#[doc = #text]);
    let (get, count, has, has_all) = (name("get"), name("count"), name("has"), name("has_all"));
    let (set, add, add_many) = (name("set"), name("add"), name("add_many"));
    let (remove, remove_many, create) = (name("remove"), name("remove_many"), name("create"));
    let get_doc = doc(format!(
        "The linked `{target_name}` rows (with their join rows when there is a join model); narrow with `filter`, `through_filter`, `order_by`, `limit`, `offset` before `.await`."
    ));
    let count_doc = doc(format!("Counts the linked `{target_name}` rows."));
    let has_doc = doc(format!("Whether this `{target_name}` (an instance or a bare key) is linked."));
    let has_all_doc = doc(format!("Whether every one of these `{target_name}` rows is linked (false for none)."));
    let set_doc = doc(format!(
        "Links exactly these `{target_name}` rows and unlinks the others, in one transaction; join-row values with `.through(…)` and `.through_for(…)`."
    ));
    let add_doc = doc(format!("Links this `{target_name}`; join-row values with `.through(…)`."));
    let add_many_doc = doc(format!(
        "Links these `{target_name}` rows, leaving the others; join-row values with `.through(…)` and `.through_for(…)`."
    ));
    let remove_doc = doc(format!("Unlinks this `{target_name}` (deletes the join row)."));
    let remove_many_doc = doc(format!("Unlinks these `{target_name}` rows, in one transaction."));
    let create_doc = doc(format!("Creates a `{target_name}` and links it, in one transaction."));
    let future = |ty: TokenStream| quote!(impl ::core::future::Future<Output = ::orm::__private::Result<#ty>> + ::core::marker::Send);
    let (unit, boolean, count_ty, created) =
        (future(quote!(())), future(quote!(bool)), future(quote!(i64)), future(quote!(#target)));
    quote! {
        #get_doc
        #vis fn #get<'e>(&self, db: impl ::orm::__private::IntoExecutor<'e>) -> ::orm::__private::Linked<'e, #target, #join> {
            ::orm::__private::get_linked::<#ident, #target, #join>(db, #meta, self)
        }

        #count_doc
        #vis fn #count<'e>(&self, db: impl ::orm::__private::IntoExecutor<'e>) -> #count_ty {
            ::orm::__private::count_linked::<#ident>(db, #meta, self)
        }

        #has_doc
        #vis fn #has<'e>(
            &self,
            db: impl ::orm::__private::IntoExecutor<'e>,
            target: impl ::orm::__private::IntoTarget<#target>,
        ) -> #boolean {
            ::orm::__private::has_linked::<#ident, #target, _>(db, #meta, self, [target])
        }

        #has_all_doc
        #vis fn #has_all<'e, I: ::orm::__private::IntoTarget<#target>>(
            &self,
            db: impl ::orm::__private::IntoExecutor<'e>,
            targets: impl ::core::iter::IntoIterator<Item = I>,
        ) -> #boolean {
            ::orm::__private::has_linked::<#ident, #target, I>(db, #meta, self, targets)
        }

        #set_doc
        #vis fn #set<'e, I: ::orm::__private::IntoTarget<#target>>(
            &self,
            db: impl ::orm::__private::IntoExecutor<'e>,
            targets: impl ::core::iter::IntoIterator<Item = I>,
        ) -> ::orm::__private::LinkWrite<'e, #target, #join> {
            ::orm::__private::set_linked::<#ident, #target, #join, I>(db, #meta, self, targets)
        }

        #add_doc
        #vis fn #add<'e>(
            &self,
            db: impl ::orm::__private::IntoExecutor<'e>,
            target: impl ::orm::__private::IntoTarget<#target>,
        ) -> ::orm::__private::LinkWrite<'e, #target, #join> {
            ::orm::__private::add_linked::<#ident, #target, #join, _>(db, #meta, self, [target])
        }

        #add_many_doc
        #vis fn #add_many<'e, I: ::orm::__private::IntoTarget<#target>>(
            &self,
            db: impl ::orm::__private::IntoExecutor<'e>,
            targets: impl ::core::iter::IntoIterator<Item = I>,
        ) -> ::orm::__private::LinkWrite<'e, #target, #join> {
            ::orm::__private::add_linked::<#ident, #target, #join, I>(db, #meta, self, targets)
        }

        #remove_doc
        #vis fn #remove<'e>(
            &self,
            db: impl ::orm::__private::IntoExecutor<'e>,
            target: impl ::orm::__private::IntoTarget<#target>,
        ) -> #unit {
            ::orm::__private::remove_linked::<#ident, #target, _>(db, #meta, self, [target])
        }

        #remove_many_doc
        #vis fn #remove_many<'e, I: ::orm::__private::IntoTarget<#target>>(
            &self,
            db: impl ::orm::__private::IntoExecutor<'e>,
            targets: impl ::core::iter::IntoIterator<Item = I>,
        ) -> #unit {
            ::orm::__private::remove_linked::<#ident, #target, I>(db, #meta, self, targets)
        }

        #create_doc
        #vis fn #create<'e>(
            &self,
            db: impl ::orm::__private::IntoExecutor<'e>,
            row: impl ::orm::__private::NewRow<#target>,
        ) -> #created {
            ::orm::__private::create_linked::<#ident, #target>(db, #meta, self, row)
        }
    }
}
