//! Parsing of the association attributes: `#[has_many(Task, as = "workers", …)]`. The first
//! argument is the target model; the rest are options (`attr::AssocAttr`).

use darling::FromMeta;
use darling::ast::NestedMeta;
use syn::punctuated::Punctuated;

use crate::attr::AssocAttr;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    BelongsTo,
    HasOne,
    HasMany,
    BelongsToMany,
}

impl Kind {
    pub fn attribute(self) -> &'static str {
        match self {
            Kind::BelongsTo => "belongs_to",
            Kind::HasOne => "has_one",
            Kind::HasMany => "has_many",
            Kind::BelongsToMany => "belongs_to_many",
        }
    }

    pub fn is_plural(self) -> bool {
        matches!(self, Kind::HasMany | Kind::BelongsToMany)
    }
}

pub struct ParsedAssoc {
    pub kind: Kind,
    pub target: syn::Path,
    pub options: AssocAttr,
}

/// Parses every association attribute, collecting errors.
pub fn parse(attrs: &[syn::Attribute], errors: &mut darling::error::Accumulator) -> Vec<ParsedAssoc> {
    attrs.iter().filter_map(|attr| errors.handle(parse_one(attr)).flatten()).collect()
}

fn parse_one(attr: &syn::Attribute) -> darling::Result<Option<ParsedAssoc>> {
    let kind = match attr.path().get_ident().map(ToString::to_string).as_deref() {
        Some("belongs_to") => Kind::BelongsTo,
        Some("has_one") => Kind::HasOne,
        Some("has_many") => Kind::HasMany,
        Some("belongs_to_many") => Kind::BelongsToMany,
        _ => return Ok(None),
    };
    let usage = format!("write `#[{}(Target, option = \"value\", …)]`", kind.attribute());
    let list = attr
        .meta
        .require_list()
        .map_err(|_| darling::Error::custom(format!("the target model is missing: {usage}")).with_span(attr))?;
    let items: Vec<NestedMeta> = list
        .parse_args_with(Punctuated::<NestedMeta, syn::Token![,]>::parse_terminated)
        .map_err(darling::Error::from)?
        .into_iter()
        .collect();
    let Some((first, rest)) = items.split_first() else {
        return Err(darling::Error::custom(format!("the target model is missing: {usage}")).with_span(attr));
    };
    let target = match first {
        NestedMeta::Meta(syn::Meta::Path(path)) => path.clone(),
        other => {
            return Err(darling::Error::custom(format!("the first argument must be the target model's type: {usage}"))
                .with_span(other));
        }
    };
    let options = AssocAttr::from_list(rest)?;
    if kind == Kind::BelongsToMany && options.through.is_none() {
        return Err(darling::Error::custom(
            "`through` is required for belongs_to_many (as in Sequelize): name a join table the ORM manages with `through = \"user_projects\"`, or a join model with `through = UserProject`",
        )
        .with_span(attr.path()));
    }
    Ok(Some(ParsedAssoc { kind, target, options }))
}
