//! The attributes as written: darling structs, one per attribute. Nothing here resolves
//! defaults or checks combinations; `model.rs` and `validate.rs` do.

use darling::util::{Flag, SpannedValue};
use darling::{FromDeriveInput, FromField, FromMeta};

/// `#[model(...)]` on the struct.
#[derive(Debug, FromDeriveInput)]
#[darling(
    attributes(model),
    supports(struct_named),
    forward_attrs(has_one, has_many, belongs_to, belongs_to_many, belongs_to_one_of)
)]
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
    /// `primary_key(user_id, project_id)`: a composite primary key, in key order
    #[darling(default)]
    pub primary_key: Option<SpannedValue<darling::util::PathList>>,
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
    /// `version`: the optimistic-locking version, checked and incremented by writes
    pub version: Flag,
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
    /// Sequelize 7's `foreignKeyConstraints`, accepted only to say that it is `constraints` here.
    #[darling(default)]
    pub foreign_key_constraints: Option<Misnamed>,
}

/// An option written under another ORM's name: where it was written and its value as written.
#[derive(Debug, Clone)]
pub struct Misnamed {
    pub span: proc_macro2::Span,
    pub value: String,
}

impl Misnamed {
    /// The error saying what the option is called here: `constraints = <value>`.
    pub fn error(&self, written: &str, here: &str) -> darling::Error {
        let value = if self.value.is_empty() { "false" } else { self.value.as_str() };
        darling::Error::custom(format!(
            "`{written}` is Sequelize 7's name: this option is called `{here} = {value}` here"
        ))
        .with_span(&self.span)
    }
}

impl FromMeta for Misnamed {
    fn from_meta(item: &syn::Meta) -> darling::Result<Self> {
        let value = match item {
            syn::Meta::NameValue(syn::MetaNameValue { value, .. }) => {
                quote::ToTokens::to_token_stream(value).to_string()
            }
            _ => String::new(),
        };
        Ok(Misnamed { span: syn::spanned::Spanned::span(item.path()), value })
    }
}

/// The options of `#[has_one(T, …)]`, `#[has_many(T, …)]`, `#[belongs_to(T, …)]` and
/// `#[belongs_to_many(T, …)]` after the target. Which options apply to which kind is checked in
/// `validate.rs`, so that the message can say why.
#[derive(Debug, Default, FromMeta)]
pub struct AssocAttr {
    /// `as = "workers"` or `as(singular = "worker", plural = "workers")`
    #[darling(rename = "as", default)]
    pub alias: Option<AliasAttr>,
    /// `foreign_key = "uid"`, or `foreign_key(tenant_id, user_id)` for a composite key
    #[darling(default)]
    pub foreign_key: Option<KeyAttr>,
    #[darling(default)]
    pub source_key: Option<KeyAttr>,
    #[darling(default)]
    pub target_key: Option<KeyAttr>,
    #[darling(default)]
    pub on_delete: Option<SpannedValue<String>>,
    #[darling(default)]
    pub on_update: Option<SpannedValue<String>>,
    #[darling(default)]
    pub constraints: Option<SpannedValue<bool>>,
    /// Sequelize 7's `foreignKeyConstraints`, accepted only to say that it is `constraints` here.
    #[darling(default)]
    pub foreign_key_constraints: Option<Misnamed>,
    /// `through = "user_projects"`, `through = UserProject`, or the list form
    /// `through(model = ItemTag, unique = false)` (belongs_to_many)
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
    /// `polymorphic = "commentable"`: the target's `#[belongs_to_one_of(commentable, …)]`
    /// gives the foreign key, the scope and `constraints = false` (has_one, has_many)
    #[darling(default)]
    pub polymorphic: Option<SpannedValue<String>>,
    /// `timestamps`: a join table named by a string gets `created_at`/`updated_at`, filled by
    /// the ORM (belongs_to_many).
    #[darling(default)]
    pub timestamps: darling::util::Flag,
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

/// `through` of a belongs_to_many: the join, and whether a pair is linked at most once.
#[derive(Debug, Clone)]
pub struct ThroughAttr {
    pub join: Join,
    /// `unique = false` in the list form (Sequelize's `through: { model, unique: false }`).
    pub unique: Option<SpannedValue<bool>>,
}

/// The join of a belongs_to_many: a table the ORM manages, or a join model.
#[derive(Debug, Clone)]
pub enum Join {
    Table(SpannedValue<String>),
    Model(syn::Path),
}

impl Join {
    pub fn span(&self) -> proc_macro2::Span {
        match self {
            Join::Table(table) => table.span(),
            Join::Model(path) => syn::spanned::Spanned::span(path),
        }
    }
}

impl ThroughAttr {
    /// Whether a pair is linked at most once; `true` unless `unique = false`.
    pub fn unique(&self) -> bool {
        self.unique.as_ref().is_none_or(|u| **u)
    }

    fn from_list_form(item: &syn::Meta) -> darling::Result<Self> {
        let list = ThroughList::from_meta(item)?;
        let mut errors = Vec::new();
        if let Some(scope) = &list.scope {
            errors.push(
                darling::Error::custom(
                    "the join model's scope is its own option: write `through_scope(taggable = \"post\")` next to `through(...)`",
                )
                .with_span(&scope.span),
            );
        }
        let join = match (list.model, list.table) {
            (Some(model), None) => Some(Join::Model(model)),
            (None, Some(table)) => Some(Join::Table(table)),
            (Some(_), Some(table)) => {
                errors.push(
                    darling::Error::custom(
                        "`through` names a join model or a table, not both: keep `model = …` (a join model has its own table) or `table = \"…\"`",
                    )
                    .with_span(&table.span()),
                );
                None
            }
            (None, None) => {
                errors.push(
                    darling::Error::custom(
                        "`through(...)` needs the join: `through(model = ItemTag, unique = false)` for a join model, or `through(table = \"item_tags\", unique = false)` for a table the ORM manages",
                    )
                    .with_span(item),
                );
                None
            }
        };
        match join {
            Some(join) if errors.is_empty() => Ok(ThroughAttr { join, unique: list.unique }),
            _ => Err(darling::Error::multiple(errors)),
        }
    }
}

/// `through(model = ItemTag, unique = false)` or `through(table = "item_tags", unique = false)`.
#[derive(Debug, FromMeta)]
struct ThroughList {
    #[darling(default)]
    model: Option<syn::Path>,
    #[darling(default)]
    table: Option<SpannedValue<String>>,
    #[darling(default, with = unique_flag)]
    unique: Option<SpannedValue<bool>>,
    /// Sequelize's `through: { scope }`, accepted only to say where it goes.
    #[darling(default)]
    scope: Option<ScopeAttr>,
}

/// `unique = false`: a boolean literal.
fn unique_flag(item: &syn::Meta) -> darling::Result<Option<SpannedValue<bool>>> {
    match item {
        syn::Meta::NameValue(syn::MetaNameValue {
            value: syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Bool(flag), .. }),
            ..
        }) => Ok(Some(SpannedValue::new(flag.value, flag.span()))),
        syn::Meta::NameValue(syn::MetaNameValue { value, .. }) => {
            Err(darling::Error::custom("`unique` takes `true` or `false`: `unique = false`").with_span(value))
        }
        _ => Err(darling::Error::custom("`unique` takes `true` or `false`: `unique = false`").with_span(item)),
    }
}

impl FromMeta for ThroughAttr {
    fn from_meta(item: &syn::Meta) -> darling::Result<Self> {
        let join = match item {
            syn::Meta::NameValue(syn::MetaNameValue {
                value: syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }),
                ..
            }) => Join::Table(SpannedValue::new(text.value(), text.span())),
            syn::Meta::NameValue(syn::MetaNameValue { value: syn::Expr::Path(path), .. }) => {
                Join::Model(path.path.clone())
            }
            syn::Meta::List(_) => return Self::from_list_form(item),
            _ => {
                return Err(darling::Error::custom(
                    "`through` takes a table name (`through = \"user_projects\"`), a join model (`through = UserProject`), or `through(model = UserProject, unique = false)`",
                )
                .with_span(item));
            }
        };
        Ok(ThroughAttr { join, unique: None })
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

/// A key option: one field (`foreign_key = "uid"`) or several, in key order
/// (`foreign_key(tenant_id, user_id)`, names or strings).
#[derive(Debug, Clone)]
pub struct KeyAttr {
    pub fields: Vec<SpannedValue<String>>,
    pub span: proc_macro2::Span,
}

impl KeyAttr {
    /// Where the option's value was written (its first field).
    pub fn span(&self) -> proc_macro2::Span {
        self.fields.first().map_or(self.span, SpannedValue::span)
    }

    /// Every field, in key order.
    pub fn names(&self) -> Vec<String> {
        self.fields.iter().map(|f| f.as_str().to_owned()).collect()
    }

    pub fn is_composite(&self) -> bool {
        self.fields.len() > 1
    }
}

impl FromMeta for KeyAttr {
    fn from_meta(item: &syn::Meta) -> darling::Result<Self> {
        let span = syn::spanned::Spanned::span(item);
        match item {
            syn::Meta::NameValue(syn::MetaNameValue {
                value: syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }),
                ..
            }) => Ok(KeyAttr { fields: vec![SpannedValue::new(text.value(), text.span())], span }),
            syn::Meta::List(list) => {
                let items = darling::ast::NestedMeta::parse_meta_list(list.tokens.clone())?;
                let mut fields = Vec::new();
                for item in &items {
                    match item {
                        darling::ast::NestedMeta::Meta(syn::Meta::Path(path)) if path.get_ident().is_some() => {
                            let ident = path.get_ident().map(ToString::to_string).unwrap_or_default();
                            fields.push(SpannedValue::new(ident, syn::spanned::Spanned::span(path)));
                        }
                        darling::ast::NestedMeta::Lit(syn::Lit::Str(text)) => {
                            fields.push(SpannedValue::new(text.value(), text.span()));
                        }
                        other => {
                            return Err(darling::Error::custom(
                                "list the key's fields by name, in key order: `(tenant_id, user_id)`",
                            )
                            .with_span(other));
                        }
                    }
                }
                if fields.is_empty() || fields.len() > 4 {
                    return Err(darling::Error::custom("a key has one to four fields").with_span(list));
                }
                Ok(KeyAttr { fields, span })
            }
            other => {
                Err(darling::Error::custom("write one field as `= \"user_id\"`, or several as `(tenant_id, user_id)`")
                    .with_span(other))
            }
        }
    }
}
