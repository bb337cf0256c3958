//! `impl Model`: metadata, decoding, values, timestamps, statement cache.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::model::{Action, Field, Model};

pub fn expand(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let name = ident.to_string();
    let table = &model.table;
    let singular = &model.singular;
    let plural = &model.plural;
    let primary_key = &model.primary_key;
    let key_ty = key_type(model);
    let key_ident = &model.primary_key().ident;
    let key_field_ty = &model.primary_key().ty;
    let key_values = model.primary_key_fields().map(|f| {
        let (field, ty) = (&f.ident, &f.ty);
        quote!(<#ty as ::orm::__private::SqlValue>::to_value(&self.#field))
    });
    let columns = model.fields.iter().map(|f| column_meta(f, model.has_composite_key()));
    let key_names = model.fields.iter().filter(|f| f.primary_key).map(Field::name);
    let references = model.fields.iter().filter_map(reference_meta);
    let checks = model.fields.iter().filter_map(reference_check).chain(model.fields.iter().filter_map(version_check));
    let set_null_checks = model.fields.iter().flat_map(|f| {
        let spans = f.references.as_ref().map(crate::model::Reference::set_null_spans).unwrap_or_default();
        spans.into_iter().map(move |span| crate::expand::assoc::nullable_check(&quote!(#ident), &f.ty, span))
    });
    let hooks_enabled = if model.hooks { quote!() } else { hooks_without_attribute_check(model) };
    let key_targets = key_targets(model);
    let with_ident = quote::format_ident!("{}With", ident);
    let (before_create, after_create) = if model.hooks {
        (
            quote!(::orm::__private::Option::Some(::orm::__private::before_create_hook::<#ident>)),
            quote!(::orm::__private::Option::Some(::orm::__private::after_create_hook::<#ident>)),
        )
    } else {
        (quote!(::orm::__private::Option::None), quote!(::orm::__private::Option::None))
    };
    let hooks = model.hooks.then(|| {
        quote! {
            const HOOKS: bool = true;

            fn hook_mut<'a>(
                &'a mut self,
                hook: ::orm::__private::Hook,
                tx: &'a mut ::orm::Tx,
            ) -> ::orm::__private::BoxFuture<'a, ::orm::__private::Result<()>> {
                <Self as ::orm::__private::Hooks>::__run_mut(self, hook, tx)
            }

            fn hook_ref<'a>(
                &'a self,
                hook: ::orm::__private::Hook,
                tx: &'a mut ::orm::Tx,
            ) -> ::orm::__private::BoxFuture<'a, ::orm::__private::Result<()>> {
                <Self as ::orm::__private::Hooks>::__run_ref(self, hook, tx)
            }
        }
    });
    let field_markers = field_markers(model);
    let decode = model.fields.iter().enumerate().map(|(i, f)| {
        let field = &f.ident;
        let ty = &f.ty;
        quote_spanned!(ty.span()=> #field: <#ty as ::orm::__private::SqlValue>::decode(row, offset + #i)?)
    });
    // Every use of a field's type is spanned on the type, so that an unsupported type is one
    // error at the user's token, not one per generated use.
    let into_values = model.fields.iter().map(|f| {
        let field = &f.ident;
        let ty = &f.ty;
        quote_spanned!(ty.span()=> <#ty as ::orm::__private::SqlValue>::into_value(self.#field))
    });
    let to_values = model.fields.iter().map(|f| {
        let field = &f.ident;
        let ty = &f.ty;
        quote_spanned!(ty.span()=> <#ty as ::orm::__private::SqlValue>::to_value(&self.#field))
    });
    let field_values = model.fields.iter().map(|f| {
        let field = &f.ident;
        let ty = &f.ty;
        let name = f.name();
        quote_spanned!(ty.span()=> #name => ::orm::__private::Option::Some(<#ty as ::orm::__private::SqlValue>::to_value(&self.#field)))
    });
    let set_fields = model.fields.iter().map(|f| {
        let field = &f.ident;
        let ty = &f.ty;
        let name = f.name();
        quote_spanned!(ty.span()=> #name => { self.#field = <#ty as ::orm::__private::SqlValue>::from_value(value)?; })
    });
    let associations = crate::expand::assoc::metas(model);
    let association_count = associations.len();
    let touch = model.fields.iter().filter(|f| f.created_at || f.updated_at).map(|f| {
        let field = &f.ident;
        let ty = &f.ty;
        let now = quote_spanned!(ty.span()=> <#ty as ::orm::__private::Timestamp>::now());
        if f.created_at { quote!(if creating { self.#field = #now; }) } else { quote!(self.#field = #now;) }
    });
    quote! {
        // `do_not_recommend`: "`Team` is not a model" says the fix; a list of the models that
        // are (the user's, and the guide's examples) would only bury it.
        #[automatically_derived]
        #[diagnostic::do_not_recommend]
        impl ::orm::__private::Model for #ident {
            type Key = #key_ty;

            const NAMES: ::orm::__private::ModelNames = ::orm::__private::ModelNames {
                singular: #singular,
                plural: #plural,
                primary_key: &[#(#key_names),*],
            };

            fn meta() -> &'static ::orm::__private::ModelMeta {
                static META: ::orm::__private::ModelMeta = ::orm::__private::ModelMeta {
                    name: #name,
                    table: #table,
                    singular: #singular,
                    plural: #plural,
                    columns: &[#(#columns),*],
                    primary_key: &[#(#primary_key),*],
                    references: &[#(#references),*],
                    associations: <#ident as ::orm::__private::Model>::associations,
                    before_create: #before_create,
                    after_create: #after_create,
                };
                &META
            }

            fn decode(
                row: &dyn ::orm::__private::Row,
                offset: usize,
            ) -> ::orm::__private::Result<Self> {
                ::orm::__private::StdResult::Ok(Self { #(#decode),* })
            }

            fn into_values(self) -> ::orm::__private::Vec<::orm::__private::Value> {
                ::std::vec![#(#into_values),*]
            }

            fn to_values(&self) -> ::orm::__private::Vec<::orm::__private::Value> {
                ::std::vec![#(#to_values),*]
            }

            fn key_value(&self) -> ::orm::__private::Value {
                <#key_field_ty as ::orm::__private::SqlValue>::to_value(&self.#key_ident)
            }

            fn key_values(&self) -> ::orm::__private::Vec<::orm::__private::Value> {
                ::std::vec![#(#key_values),*]
            }

            fn field_value(&self, field: &str) -> ::orm::__private::Option<::orm::__private::Value> {
                match field {
                    #(#field_values,)*
                    _ => ::orm::__private::Option::None,
                }
            }

            fn set_field(&mut self, field: &str, value: ::orm::__private::Value) -> ::orm::__private::Result<()> {
                match field {
                    #(#set_fields)*
                    _ => return ::orm::__private::StdResult::Err(::orm::__private::Error::Invalid(
                        ::std::format!("`{}` has no field `{}`", #name, field),
                    )),
                }
                ::orm::__private::StdResult::Ok(())
            }

            fn associations() -> &'static [::orm::__private::AssociationMeta] {
                static ASSOCIATIONS: [::orm::__private::AssociationMeta; #association_count] = [#(#associations),*];
                &ASSOCIATIONS
            }

            #[allow(unused_variables)]
            fn touch(&mut self, creating: bool) {
                #(#touch)*
            }

            #hooks

            type With<L: ::core::marker::Send + ::core::marker::Sync> = #with_ident<L>;

            fn with<L: ::core::marker::Send + ::core::marker::Sync>(row: Self, loaded: L) -> #with_ident<L> {
                #with_ident { row, loaded }
            }

            fn statements() -> &'static ::orm::__private::ModelStatements {
                static STATEMENTS: ::orm::__private::ModelStatements = ::orm::__private::ModelStatements::new();
                &STATEMENTS
            }
        }

        #(#checks)*
        #(#set_null_checks)*
        #hooks_enabled

        #key_targets
        #field_markers
    }
}

/// The `Key` type: the key field's type, or a tuple of them for a composite key.
fn key_type(model: &Model) -> TokenStream {
    if model.has_composite_key() {
        let types = model.primary_key_fields().map(|f| &f.ty);
        quote!((#(#types,)*))
    } else {
        let ty = &model.primary_key().ty;
        quote!(#ty)
    }
}

/// A bare primary key identifies a row in accessors: `user.add_task(&db, 42)`. Associations
/// point at one-column keys only, so a composite key has none.
fn key_targets(model: &Model) -> TokenStream {
    if model.has_composite_key() {
        return quote!();
    }
    let ident = &model.ident;
    let key_ty = &model.primary_key().ty;
    let mut types = vec![quote!(#key_ty)];
    if matches!(key_ty, syn::Type::Path(p) if p.path.is_ident("String")) {
        types.push(quote!(&str));
    }
    let impls = types.iter().map(|ty| {
        let key =
            quote!(::orm::__private::TargetRef::Key(<#ty as ::orm::__private::Operand<#key_ty>>::into_operand(self)));
        quote! {
            #[automatically_derived]
            #[diagnostic::do_not_recommend]
            impl ::orm::__private::IntoTarget<#ident> for #ty {
                fn into_target(self, _fields: &[&str]) -> ::orm::__private::Result<::orm::__private::TargetRef> {
                    ::orm::__private::StdResult::Ok(#key)
                }
            }

            #[automatically_derived]
            #[diagnostic::do_not_recommend]
            impl ::orm::__private::IntoOptionalTarget<#ident> for #ty {
                fn into_optional_target(
                    self,
                    _fields: &[&str],
                ) -> ::orm::__private::Result<::orm::__private::Option<::orm::__private::TargetRef>> {
                    ::orm::__private::StdResult::Ok(::orm::__private::Option::Some(#key))
                }
            }
        }
    });
    quote!(#(#impls)*)
}

/// One `HasField` impl per field, keyed by the field's name as characters, so that another
/// model's derive can prove at compile time that a key field exists here and has the right
/// type.
fn field_markers(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let impls = model.fields.iter().map(|f| {
        let ty = &f.ty;
        let chars = crate::expand::field_chars(&f.name());
        // One column of a composite key is not unique by itself.
        let unique = ((f.primary_key && !model.has_composite_key()) || f.unique).then(|| {
            quote! {
                #[automatically_derived]
                impl ::orm::__private::UniqueField<#chars> for #ident {}
            }
        });
        quote! {
            #[automatically_derived]
            impl ::orm::__private::HasField<#chars> for #ident {
                type Type = #ty;
            }
            #unique
        }
    });
    quote!(#(#impls)*)
}

fn column_meta(field: &Field, composite_key: bool) -> TokenStream {
    let ty = &field.ty;
    let name = field.name();
    let column = &field.column;
    let primary_key = field.primary_key_resolved();
    // Only a one-column integer key is generated by the database.
    let may_generate = primary_key && !composite_key;
    let unique = field.unique;
    let created_at = field.created_at;
    let updated_at = field.updated_at;
    let version = field.version.is_some();
    let sql_type = quote_spanned!(ty.span()=> <#ty as ::orm::__private::SqlValue>::SQL_TYPE);
    let nullable = quote_spanned!(ty.span()=> <#ty as ::orm::__private::SqlValue>::NULLABLE);
    // A version left unset starts at 0, as Sequelize's does; that default is also the check,
    // on the field's type, that a version is an i32 or i64 (with a given default, a check of
    // its own: see `version_check`).
    let default_value = match (&field.default, field.version) {
        (Some(literal), _) => {
            Some(quote_spanned!(literal.span()=> <_ as ::orm::__private::Operand<#ty>>::into_operand(#literal)))
        }
        (None, Some(_)) => Some(version_zero(ty)),
        (None, None) => None,
    };
    let default = match default_value {
        Some(value) => quote!(::orm::__private::Option::Some({
            fn default_value() -> ::orm::__private::Value {
                #value
            }
            default_value
        })),
        None => quote!(::orm::__private::Option::None),
    };
    quote! {
        ::orm::__private::ColumnMeta {
            field: #name,
            name: #column,
            sql_type: #sql_type,
            nullable: #nullable,
            primary_key: #primary_key,
            generated: #may_generate && #sql_type.is_integer(),
            unique: #unique,
            created_at: #created_at,
            updated_at: #updated_at,
            version: #version,
            default: #default,
        }
    }
}

pub fn action(action: Option<Action>) -> TokenStream {
    let variant = match action {
        None => return quote!(::orm::__private::Option::None),
        Some(Action::Cascade) => quote!(Cascade),
        Some(Action::SetNull) => quote!(SetNull),
        Some(Action::Restrict) => quote!(Restrict),
        Some(Action::NoAction) => quote!(NoAction),
        Some(Action::SetDefault) => quote!(SetDefault),
    };
    quote!(::orm::__private::Option::Some(::orm::__private::ReferentialAction::#variant))
}

fn reference_meta(field: &Field) -> Option<TokenStream> {
    let reference = field.references.as_ref()?;
    let target = &reference.model;
    let column = &field.column;
    let target_column = match &reference.key {
        Some(key) => quote!(::orm::__private::Option::Some(#key)),
        None => quote!(::orm::__private::Option::None),
    };
    let on_delete = action(reference.on_delete);
    let on_update = action(reference.on_update);
    let constraint = reference.constraint;
    let meta_fn = quote_spanned!(target.span()=> <#target as ::orm::__private::Model>::meta);
    Some(quote! {
        ::orm::__private::ReferenceMeta {
            column: #column,
            target: #meta_fn,
            target_column: #target_column,
            on_delete: #on_delete,
            on_update: #on_update,
            constraint: #constraint,
        }
    })
}

/// The zero of the version field of type `ty`, through a function declared here, so that a
/// type that cannot be a version is reported at the field with a note on the user's code.
fn version_zero(ty: &syn::Type) -> TokenStream {
    let call = quote_spanned!(ty.span()=> version_zero::<#ty>());
    quote!({
        fn version_zero<T: ::orm::__private::VersionField>() -> ::orm::__private::Value {
            ::orm::__private::version_zero::<T>()
        }
        #call
    })
}

/// A `#[model(version)]` field with its own default must still be an i32 or i64 (without one,
/// its generated default checks that).
fn version_check(field: &Field) -> Option<TokenStream> {
    field.version?;
    field.default.as_ref()?;
    let ty = &field.ty;
    let call = version_zero(ty);
    Some(quote! {
        const _: () = {
            #[allow(dead_code)]
            fn check() {
                let _ = #call;
            }
        };
    })
}

/// A referencing field must hold the referenced primary key's type, and the target must be a
/// model: both checked by the compiler, each error on the token the user wrote.
fn reference_check(field: &Field) -> Option<TokenStream> {
    let reference = field.references.as_ref()?;
    if reference.key.is_some() {
        return None;
    }
    let target = &reference.model;
    let ty = &field.ty;
    let ty = quote_spanned!(ty.span()=> #ty);
    let call = quote_spanned!(target.span()=> check_foreign_key::<#target, #ty>());
    Some(quote! {
        const _: () = {
            fn check_foreign_key<T: ::orm::__private::Model, F: ::orm::__private::ForeignKeyOf<T::Key>>() {}
            #[allow(dead_code)]
            fn check() {
                #call;
            }
        };
    })
}

/// For a model without `#[model(hooks)]`: `#[orm::hooks]` on it would never run, so it
/// does not compile. Autoref specialization (the candidate needing `Hooks` wins when it
/// applies) picks the probe's type, and only the "no hooks" one is accepted. Generated here
/// rather than as a supertrait of `Hooks`, whose unmet bound rustc reports with a note
/// pointing into the ORM's source.
fn hooks_without_attribute_check(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let message = format!("`{ident}` has hooks but its derive is not marked `#[model(hooks)]`");
    let note = format!("add `#[model(hooks)]` next to `#[derive(Model)]` on `{ident}`, or the hooks never run");
    // The two names the error shows read as words; a model of one of those names (however
    // unlikely) gets prefixed ones instead, as the helpers always have.
    let name = |word: &str| {
        if ident == word { format_ident!("__Orm{}", word) } else { format_ident!("{}", word) }
    };
    let (implemented, marked) = (name("HooksImplemented"), name("MarkedWithModelHooks"));
    let marked_here = syn::Ident::new(&marked.to_string(), ident.span());
    let check = quote_spanned!(ident.span()=> #marked_here::check(probe));
    quote! {
        #[automatically_derived]
        const _: () = {
            struct __OrmProbe<T>(::core::marker::PhantomData<T>);
            struct #implemented;
            struct __OrmNoHooks;
            trait __OrmWithHooks {
                fn probe(&self) -> #implemented {
                    #implemented
                }
            }
            impl<T: ::orm::__private::Hooks> __OrmWithHooks for __OrmProbe<T> {}
            trait __OrmWithoutHooks {
                fn probe(&self) -> __OrmNoHooks {
                    __OrmNoHooks
                }
            }
            impl<T> __OrmWithoutHooks for &__OrmProbe<T> {}
            #[diagnostic::on_unimplemented(message = #message, label = "these hooks would never run", note = #note)]
            trait #marked: ::core::marker::Sized {
                fn check(self) {}
            }
            #[diagnostic::do_not_recommend]
            impl #marked for __OrmNoHooks {}
            // A closure, never called: a named function here would change how rustc names
            // the derive's other checks in their notes.
            let _ = || {
                let probe = (&__OrmProbe::<#ident>(::core::marker::PhantomData)).probe();
                #check;
            };
        };
    }
}
