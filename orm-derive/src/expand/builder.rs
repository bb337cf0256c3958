//! `User::build()`: a builder where every field is optional until `create`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::Model;

pub fn expand(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let vis = &model.vis;
    let builder = format_ident!("{}Builder", ident);
    let struct_doc = format!(
        "A new `{ident}` row being built; unset fields take their defaults (generated key, NULL, timestamps). Created by `{ident}::build()`."
    );
    let setters = model.fields.iter().enumerate().map(|(i, f)| {
        let field = &f.ident;
        let ty = &f.ty;
        let doc = format!("Sets `{}`.", f.name());
        quote! {
            #[doc = #doc]
            #[must_use]
            #vis fn #field(mut self, value: impl ::orm::__private::Operand<#ty>) -> Self {
                self.inner.set(#i, ::orm::__private::Operand::into_operand(value));
                self
            }
        }
    });
    quote! {
        #[doc = #struct_doc]
        #[must_use]
        #vis struct #builder {
            inner: ::orm::__private::Builder<#ident>,
        }

        #[automatically_derived]
        #[allow(dead_code)]
        impl #builder {
            #(#setters)*

            /// Inserts the row and returns it as stored. A required field left unset is an
            /// error before any statement runs.
            #vis async fn create<'e>(
                self,
                db: impl ::orm::__private::IntoExecutor<'e>,
            ) -> ::orm::__private::Result<#ident> {
                self.inner.create(db).await
            }
        }

        #[automatically_derived]
        impl ::orm::__private::NewRow<#ident> for #builder {
            fn into_builder(self) -> ::orm::__private::Builder<#ident> {
                self.inner
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
