//! `#[derive(orm::Enum)]`: a fieldless enum stored as text (each variant's name, or its
//! `rename`) or, with `#[orm(integer)]`, as its discriminant in an integer column.

use darling::util::{Flag, SpannedValue};
use darling::{FromDeriveInput, FromVariant};
use heck::{ToKebabCase, ToLowerCamelCase, ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};
use proc_macro2::TokenStream;
use quote::quote;

/// `#[orm(...)]` on the enum.
#[derive(Debug, FromDeriveInput)]
#[darling(attributes(orm), supports(enum_any))]
struct EnumAttr {
    ident: syn::Ident,
    generics: syn::Generics,
    data: darling::ast::Data<VariantAttr, ()>,
    /// `integer`: store the discriminant in an INTEGER column instead of the name as text.
    integer: Flag,
    /// `rename_all = "snake_case"`: how variant names become stored text.
    #[darling(default)]
    rename_all: Option<SpannedValue<String>>,
}

/// `#[orm(...)]` on a variant.
#[derive(Debug, FromVariant)]
#[darling(attributes(orm))]
struct VariantAttr {
    ident: syn::Ident,
    fields: darling::ast::Fields<()>,
    /// `rename = "x"`: the stored text of this variant.
    #[darling(default)]
    rename: Option<SpannedValue<String>>,
}

const RULES: &[&str] =
    &["lowercase", "UPPERCASE", "snake_case", "SCREAMING_SNAKE_CASE", "camelCase", "PascalCase", "kebab-case"];

fn apply_rule(rule: &str, name: &str) -> String {
    match rule {
        "lowercase" => name.to_lowercase(),
        "UPPERCASE" => name.to_uppercase(),
        "snake_case" => name.to_snake_case(),
        "SCREAMING_SNAKE_CASE" => name.to_shouty_snake_case(),
        "camelCase" => name.to_lower_camel_case(),
        "PascalCase" => name.to_upper_camel_case(),
        _ => name.to_kebab_case(),
    }
}

pub fn derive(input: &syn::DeriveInput) -> TokenStream {
    match expand(input) {
        Ok(tokens) => tokens,
        Err(error) => error.write_errors(),
    }
}

fn expand(input: &syn::DeriveInput) -> darling::Result<TokenStream> {
    let attr = match EnumAttr::from_derive_input(input) {
        Ok(attr) => attr,
        Err(_) if !matches!(input.data, syn::Data::Enum(_)) => {
            return Err(darling::Error::custom(
                "`#[derive(orm::Enum)]` is for a fieldless enum; for a struct, implement `orm::ColumnType`, or store it as JSON with `orm::Json<T>`",
            )
            .with_span(&input.ident));
        }
        Err(error) => return Err(error),
    };
    let mut errors = darling::Error::accumulator();
    if !attr.generics.params.is_empty() {
        errors.push(
            darling::Error::custom("`#[derive(orm::Enum)]` does not support generic enums").with_span(&attr.generics),
        );
    }
    if let Some(rule) = &attr.rename_all
        && !RULES.contains(&rule.as_str())
    {
        errors.push(
            darling::Error::custom(format!(
                "unknown `rename_all` rule `{}`; expected one of: {}",
                **rule,
                RULES.join(", ")
            ))
            .with_span(&rule.span()),
        );
    }
    let variants = attr.data.as_ref().take_enum().unwrap_or_default();
    if variants.is_empty() {
        errors.push(
            darling::Error::custom("`#[derive(orm::Enum)]` needs at least one variant to store").with_span(&attr.ident),
        );
    }
    let mut stored = Vec::new();
    for variant in &variants {
        if !variant.fields.is_empty() {
            errors.push(
                darling::Error::custom(format!(
                    "variant `{}` has fields; `#[derive(orm::Enum)]` stores fieldless variants only (store data with `orm::Json<T>`, or implement `orm::ColumnType`)",
                    variant.ident
                ))
                .with_span(&variant.ident),
            );
        }
        if attr.integer.is_present()
            && let Some(rename) = &variant.rename
        {
            errors.push(
                darling::Error::custom(
                    "`rename` has no effect on an enum stored as an integer (`#[orm(integer)]`); remove one of them",
                )
                .with_span(&rename.span()),
            );
        }
        let text = match (&variant.rename, &attr.rename_all) {
            (Some(rename), _) => (**rename).clone(),
            (None, Some(rule)) => apply_rule(rule, &variant.ident.to_string()),
            (None, None) => variant.ident.to_string(),
        };
        if !attr.integer.is_present()
            && let Some((_, first)) = stored.iter().find(|(t, _): &&(String, &syn::Ident)| *t == text)
        {
            errors.push(
                darling::Error::custom(format!(
                    "variants `{first}` and `{}` are both stored as \"{text}\"; give one a different `#[orm(rename = \"…\")]`",
                    variant.ident
                ))
                .with_span(&variant.ident),
            );
        }
        stored.push((text, &variant.ident));
    }
    errors.finish()?;

    let ident = &attr.ident;
    let name = ident.to_string();
    let tokens = if attr.integer.is_present() {
        let to = stored.iter().map(|(_, v)| quote!(Self::#v => Self::#v as i32));
        let from = stored.iter().map(|(_, v)| quote!(x if x == Self::#v as i32 => Self::#v));
        quote! {
            type Stored = i32;
            fn to_stored(&self) -> ::orm::__private::StdResult<i32, ::orm::__private::ConversionError> {
                ::orm::__private::StdResult::Ok(match self { #(#to,)* })
            }
            fn from_stored(stored: i32) -> ::orm::__private::StdResult<Self, ::orm::__private::ConversionError> {
                ::orm::__private::StdResult::Ok(match stored {
                    #(#from,)*
                    other => return ::orm::__private::StdResult::Err(
                        ::std::format!("{} is not a `{}` value", other, #name).into(),
                    ),
                })
            }
        }
    } else {
        let expected = stored.iter().map(|(t, _)| format!("{t:?}")).collect::<Vec<_>>().join(", ");
        let to = stored.iter().map(|(t, v)| quote!(Self::#v => #t));
        let from = stored.iter().map(|(t, v)| quote!(#t => Self::#v));
        quote! {
            type Stored = ::std::string::String;
            fn to_stored(&self) -> ::orm::__private::StdResult<::std::string::String, ::orm::__private::ConversionError> {
                ::orm::__private::StdResult::Ok(::std::string::String::from(match self { #(#to,)* }))
            }
            fn from_stored(
                stored: ::std::string::String,
            ) -> ::orm::__private::StdResult<Self, ::orm::__private::ConversionError> {
                ::orm::__private::StdResult::Ok(match stored.as_str() {
                    #(#from,)*
                    other => return ::orm::__private::StdResult::Err(::std::format!(
                        "{:?} is not a `{}` value (expected one of {})", other, #name, #expected,
                    ).into()),
                })
            }
        }
    };
    Ok(quote! {
        #[automatically_derived]
        impl ::orm::__private::ColumnType for #ident {
            #tokens
        }

        // Variants compare and sort by what is stored: the text, or the discriminant.
        #[automatically_derived]
        impl ::orm::__private::Comparable for #ident {}
    })
}
