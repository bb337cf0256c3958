//! The attributes as written: darling structs, one per attribute. Nothing here resolves
//! defaults or checks combinations; `model.rs` and `validate.rs` do.

use darling::util::{Flag, SpannedValue};
use darling::{FromDeriveInput, FromField, FromMeta};

/// `#[model(...)]` on the struct.
#[derive(Debug, FromDeriveInput)]
#[darling(attributes(model), supports(struct_named), forward_attrs(has_one, has_many, belongs_to, belongs_to_many))]
pub struct ModelAttr {
    pub ident: syn::Ident,
    pub vis: syn::Visibility,
    pub generics: syn::Generics,
    pub data: darling::ast::Data<(), FieldAttr>,
    /// The association attributes, parsed by `assoc.rs`.
    #[allow(dead_code)]
    pub attrs: Vec<syn::Attribute>,
    /// `table = "people"`
    #[darling(default)]
    pub table: Option<SpannedValue<String>>,
    /// `rename_all = "camelCase"`
    #[darling(default)]
    pub rename_all: Option<SpannedValue<String>>,
    /// `name(singular = "person", plural = "people")`
    #[darling(default)]
    pub name: Option<NameAttr>,
    /// `hooks`: run `orm::Hooks` around writes
    pub hooks: darling::util::Flag,
}

/// `name(singular = "..", plural = "..")`
#[derive(Debug, FromMeta)]
pub struct NameAttr {
    pub singular: SpannedValue<String>,
    pub plural: SpannedValue<String>,
}

/// `#[model(...)]` on a field.
#[derive(Debug, FromField)]
#[darling(attributes(model))]
pub struct FieldAttr {
    pub ident: Option<syn::Ident>,
    pub ty: syn::Type,
    /// `column = "userId"`
    #[darling(default)]
    pub column: Option<SpannedValue<String>>,
    /// `primary_key`
    pub primary_key: Flag,
    /// `created_at`
    pub created_at: Flag,
    /// `updated_at`
    pub updated_at: Flag,
    /// `unique`
    pub unique: Flag,
    /// `default = false`: the value inserted when the field is left unset
    #[darling(default)]
    pub default: Option<syn::Lit>,
    /// `references(model = Company, key = "id", on_delete = "cascade")`
    #[darling(default)]
    pub references: Option<SpannedValue<ReferencesAttr>>,
}

/// `references(...)` on a field: Sequelize's `references` without an association.
#[derive(Debug, FromMeta)]
pub struct ReferencesAttr {
    pub model: syn::Path,
    #[darling(default)]
    pub key: Option<SpannedValue<String>>,
    #[darling(default)]
    pub on_delete: Option<SpannedValue<String>>,
    #[darling(default)]
    pub on_update: Option<SpannedValue<String>>,
    #[darling(default)]
    pub constraints: Option<bool>,
}

/// The options of `#[has_one(T, …)]`, `#[has_many(T, …)]`, `#[belongs_to(T, …)]` and
/// `#[belongs_to_many(T, …)]` after the target. Which options apply to which kind is checked in
/// `validate.rs`, so that the message can say why.
#[derive(Debug, Default, FromMeta)]
pub struct AssocAttr {
    /// `as = "workers"` or `as(singular = "worker", plural = "workers")`
    #[darling(rename = "as", default)]
    pub alias: Option<AliasAttr>,
    #[darling(default)]
    pub foreign_key: Option<SpannedValue<String>>,
    #[darling(default)]
    pub source_key: Option<SpannedValue<String>>,
    #[darling(default)]
    pub target_key: Option<SpannedValue<String>>,
    #[darling(default)]
    pub on_delete: Option<SpannedValue<String>>,
    #[darling(default)]
    pub on_update: Option<SpannedValue<String>>,
    #[darling(default)]
    pub constraints: Option<SpannedValue<bool>>,
    /// `through = "user_projects"` or `through = UserProject` (belongs_to_many)
    #[darling(default)]
    pub through: Option<ThroughAttr>,
    #[darling(default)]
    pub other_key: Option<SpannedValue<String>>,
    #[darling(default)]
    pub unique_key: Option<SpannedValue<String>>,
    /// `scope(commentable = "image")`
    #[darling(default)]
    pub scope: Option<ScopeAttr>,
    /// `through_scope(taggable = "post")`
    #[darling(default)]
    pub through_scope: Option<ScopeAttr>,
    /// `hooks = true`
    #[darling(default)]
    pub hooks: Option<SpannedValue<bool>>,
}

/// `scope(col = value, …)`: field names with literal values.
#[derive(Debug, Clone)]
pub struct ScopeAttr {
    pub span: proc_macro2::Span,
    pub entries: Vec<(syn::Ident, syn::Lit)>,
}

impl Default for ScopeAttr {
    fn default() -> Self {
        ScopeAttr { span: proc_macro2::Span::call_site(), entries: Vec::new() }
    }
}

impl FromMeta for ScopeAttr {
    fn from_meta(item: &syn::Meta) -> darling::Result<Self> {
        let list = item.require_list().map_err(darling::Error::from)?;
        let items = darling::ast::NestedMeta::parse_meta_list(list.tokens.clone())?;
        let mut entries = Vec::new();
        let mut errors = darling::Error::accumulator();
        for item in items {
            match &item {
                darling::ast::NestedMeta::Meta(syn::Meta::NameValue(syn::MetaNameValue {
                    path,
                    value: syn::Expr::Lit(syn::ExprLit { lit, .. }),
                    ..
                })) if path.get_ident().is_some() => {
                    if let (Some(ident), syn::Lit::Str(_) | syn::Lit::Int(_) | syn::Lit::Bool(_)) =
                        (path.get_ident(), lit)
                    {
                        entries.push((ident.clone(), lit.clone()));
                    } else {
                        errors.push(
                            darling::Error::custom("a scope value is a string, integer or boolean literal")
                                .with_span(lit),
                        );
                    }
                }
                other => errors.push(
                    darling::Error::custom(
                        "write the scope as `field = value` pairs: `scope(commentable = \"image\")`",
                    )
                    .with_span(other),
                ),
            }
        }
        errors.finish()?;
        Ok(ScopeAttr { span: syn::spanned::Spanned::span(item), entries })
    }
}

/// The join of a belongs_to_many: a table the ORM manages, or a join model.
#[derive(Debug, Clone)]
pub enum ThroughAttr {
    Table(SpannedValue<String>),
    Model(syn::Path),
}

impl ThroughAttr {
    pub fn span(&self) -> proc_macro2::Span {
        match self {
            ThroughAttr::Table(table) => table.span(),
            ThroughAttr::Model(path) => syn::spanned::Spanned::span(path),
        }
    }
}

impl FromMeta for ThroughAttr {
    fn from_meta(item: &syn::Meta) -> darling::Result<Self> {
        match item {
            syn::Meta::NameValue(syn::MetaNameValue {
                value: syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }),
                ..
            }) => Ok(ThroughAttr::Table(SpannedValue::new(text.value(), text.span()))),
            syn::Meta::NameValue(syn::MetaNameValue { value: syn::Expr::Path(path), .. }) => {
                Ok(ThroughAttr::Model(path.path.clone()))
            }
            _ => Err(darling::Error::custom(
                "`through` takes a table name (`through = \"user_projects\"`) or a join model (`through = UserProject`)",
            )
            .with_span(item)),
        }
    }
}

/// An alias: one string (the form the kind uses, the other inflected) or both forms.
#[derive(Debug)]
pub enum AliasAttr {
    Plain(SpannedValue<String>),
    Forms { singular: SpannedValue<String>, plural: SpannedValue<String> },
}

#[derive(Debug, FromMeta)]
struct AliasForms {
    singular: SpannedValue<String>,
    plural: SpannedValue<String>,
}

impl FromMeta for AliasAttr {
    fn from_meta(item: &syn::Meta) -> darling::Result<Self> {
        match item {
            syn::Meta::NameValue(syn::MetaNameValue {
                value: syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }),
                ..
            }) => Ok(AliasAttr::Plain(SpannedValue::new(text.value(), text.span()))),
            syn::Meta::List(_) => {
                let forms = AliasForms::from_meta(item)?;
                Ok(AliasAttr::Forms { singular: forms.singular, plural: forms.plural })
            }
            _ => Err(darling::Error::custom(
                "`as` takes a string (`as = \"workers\"`) or both forms (`as(singular = \"worker\", plural = \"workers\")`)",
            )
            .with_span(item)),
        }
    }
}
