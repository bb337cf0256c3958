//! `#[orm::hooks]` on `impl Model { async fn before_create(…) … }`: checks each hook's name and
//! that it is `async`, then implements the runtime's hook trait by calling the methods. A check
//! here, rather than the trait's signature, reports a mistake at the user's token with the fix,
//! and no note pointing into the ORM's source.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

/// The hooks, and whether each takes `&mut self` (create and update) or `&self` (destroy).
const HOOKS: [(&str, bool); 6] = [
    ("before_create", true),
    ("after_create", true),
    ("before_update", true),
    ("after_update", true),
    ("before_destroy", false),
    ("after_destroy", false),
];

/// Expands `#[orm::hooks]` on `item`.
pub fn expand(attr: TokenStream, item: syn::ItemImpl) -> TokenStream {
    let mut errors = Vec::new();
    if !attr.is_empty() {
        errors.push(syn::Error::new(attr.span(), "`#[orm::hooks]` takes no arguments"));
    }
    if let Some((_, path, _)) = &item.trait_ {
        let self_ty = &item.self_ty;
        errors.push(syn::Error::new(
            path.span(),
            format!(
                "`#[orm::hooks]` goes on the model's own `impl` block: write `#[orm::hooks] impl {} {{ … }}`",
                quote!(#self_ty)
            ),
        ));
    }
    let mut calls = Vec::new();
    // A trait impl is reported once, above; its items are not hooks to check.
    let members = if item.trait_.is_some() { &[][..] } else { &item.items[..] };
    for member in members {
        let syn::ImplItem::Fn(function) = member else {
            errors.push(syn::Error::new(
                member.span(),
                "a `#[orm::hooks]` block holds only the hooks: put other items in another `impl` block",
            ));
            continue;
        };
        let name = &function.sig.ident;
        let Some(&(_, mutable)) = HOOKS.iter().find(|(hook, _)| name == hook) else {
            let names = HOOKS.iter().map(|(hook, _)| format!("`{hook}`")).collect::<Vec<_>>().join(", ");
            errors.push(syn::Error::new(
                name.span(),
                format!(
                    "`{name}` is not a hook: a `#[orm::hooks]` block holds {names}; put other methods in another `impl` block"
                ),
            ));
            continue;
        };
        if function.sig.asyncness.is_none() {
            errors.push(syn::Error::new(
                function.sig.fn_token.span,
                format!("hooks are async: write `async fn {name}`, and `.await` the database inside it"),
            ));
            continue;
        }
        let receiver = if mutable { quote!(&mut self) } else { quote!(&self) };
        let future = syn::Ident::new(&format!("{}Future", heck::AsUpperCamelCase(name.to_string())), name.span());
        // Spanned at the user's method: a wrong receiver or argument is reported there.
        let call = quote_spanned!(name.span()=> Self::#name(self, tx));
        calls.push(quote! {
            fn #name(#receiver, tx: &mut ::orm::Tx) -> impl ::orm::__private::#future + ::core::marker::Send {
                #call
            }
        });
    }
    // The valid hooks are implemented even beside an error, so that the error stands alone.
    let errors = errors
        .into_iter()
        .reduce(|mut all, next| {
            all.combine(next);
            all
        })
        .map(|error| error.to_compile_error());
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let self_ty = &item.self_ty;
    let hooks_impl = item.trait_.is_none().then(|| {
        quote! {
            #[automatically_derived]
            impl #impl_generics ::orm::__private::Hooks for #self_ty #where_clause {
                #(#calls)*
            }
        }
    });
    quote! {
        #item
        #hooks_impl
        #errors
    }
}
