//! The validated model: every name resolved, every default applied. Code generation reads only
//! this.

use darling::util::SpannedValue;
use heck::{ToKebabCase, ToLowerCamelCase, ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};
use proc_macro2::Span;

use crate::assoc::{Kind, ParsedAssoc};
use crate::attr::{AliasAttr, FieldAttr, Join, KeyAttr, ModelAttr, ReferencesAttr, ScopeAttr};
use crate::validate;

pub struct Model {
    pub ident: syn::Ident,
    pub vis: syn::Visibility,
    pub table: String,
    pub singular: String,
    pub plural: String,
    pub fields: Vec<Field>,
    /// Indices of the primary-key fields, in key order.
    pub primary_key: Vec<usize>,
    pub associations: Vec<Association>,
    pub rename_all: Option<String>,
    pub hooks: bool,
    /// `#[belongs_to_one_of(…)]`: polymorphic parents.
    pub polymorphics: Vec<crate::polymorphic::PolymorphicAssoc>,
}

/// One association with every default resolved.
pub struct Association {
    pub kind: Kind,
    pub target: syn::Path,
    pub singular: String,
    pub plural: String,
    pub is_aliased: bool,
    /// Where an error about the alias points: the alias, or the target when there is none.
    pub alias_span: Span,
    /// The (first) foreign-key field (on the source for belongs_to, on the target otherwise).
    pub foreign_key: String,
    /// Every foreign-key field, in key order (one unless the key is composite).
    pub foreign_keys: Vec<String>,
    /// The source fields given by `source_key`, in key order (empty: the primary key).
    pub source_keys: Vec<String>,
    /// The target fields given by `target_key`, in key order (empty: the primary key).
    pub target_keys: Vec<String>,
    /// Where an error about the foreign key points: the option's value, or the target.
    pub foreign_key_span: Span,
    /// The source field the key points at (has_one, has_many).
    pub source_key: Option<String>,
    pub source_key_span: Span,
    /// The target field the key points at (belongs_to); `None` is the target's primary key.
    pub target_key: Option<String>,
    pub target_key_span: Span,
    pub on_delete: Option<Action>,
    pub on_update: Option<Action>,
    /// Where the `on_delete` and `on_update` values were written (the target when absent).
    pub on_delete_span: Span,
    pub on_update_span: Span,
    pub constraints: bool,
    /// belongs_to_many: the join.
    pub through: Option<Join>,
    /// belongs_to_many: whether a pair is linked at most once (`through(…, unique = false)`).
    pub through_unique: bool,
    /// belongs_to_many: the join column (field of a join model) holding the target's key.
    pub other_key: Option<String>,
    pub other_key_span: Span,
    /// belongs_to_many: `other_key` is the default, `{target's singular}_{target's key}`,
    /// which only the target's `NAMES` gives (for a join model, `other_key` is the guess
    /// `{target}_id`, checked at compile time).
    pub other_key_default: bool,
    /// belongs_to: the default foreign key, found by its prefix and checked against the
    /// target's key at compile time.
    pub foreign_key_default: Option<DefaultKey>,
    /// No alias: the association is named after the target, whose `NAMES` must agree with the
    /// name taken from its type.
    pub names_target: bool,
    /// The target is the declaring model.
    pub is_self: bool,
    pub unique_key: Option<String>,
    pub scope: ScopeAttr,
    pub through_scope: ScopeAttr,
    pub hooks: bool,
    /// belongs_to_many through a join table: its `created_at` and `updated_at` columns
    /// (`timestamps`), renamed like this model's columns, and where `timestamps` was written.
    pub through_timestamps: Option<(String, String, Span)>,
    /// `polymorphic = "commentable"` (has_one, has_many): the target's polymorphic association
    /// this one is the parent side of; the foreign key and the scope come from its declaration.
    pub polymorphic: Option<SpannedValue<String>>,
}

impl Association {
    /// The name of the handle (`User::workers()`): the plural alias for plural kinds.
    pub fn name(&self) -> &str {
        if self.kind.is_plural() { &self.plural } else { &self.singular }
    }

    /// The generated accessors, as (role, method name).
    pub fn accessors(&self) -> Vec<(&'static str, String)> {
        let (s, p) = (&self.singular, &self.plural);
        match self.kind {
            Kind::BelongsTo | Kind::HasOne => {
                vec![("get", format!("get_{s}")), ("set", format!("set_{s}")), ("create", format!("create_{s}"))]
            }
            Kind::HasMany | Kind::BelongsToMany => vec![
                ("get", format!("get_{p}")),
                ("count", format!("count_{p}")),
                ("has", format!("has_{s}")),
                ("has_all", format!("has_{p}")),
                ("set", format!("set_{p}")),
                ("add", format!("add_{s}")),
                ("add_many", format!("add_{p}")),
                ("remove", format!("remove_{s}")),
                ("remove_many", format!("remove_{p}")),
                ("create", format!("create_{s}")),
            ],
        }
    }

    /// Whether the target is the declaring model itself.
    pub fn is_self(&self) -> bool {
        self.is_self
    }

    pub fn target_name(&self) -> String {
        self.target.segments.last().map(|s| s.ident.to_string()).unwrap_or_default()
    }

    pub fn target_span(&self) -> Span {
        syn::spanned::Spanned::span(&self.target)
    }

    /// Where `on_delete`/`on_update` say `"set null"`.
    pub fn set_null_spans(&self) -> Vec<Span> {
        set_null_spans([(self.on_delete, self.on_delete_span), (self.on_update, self.on_update_span)])
    }
}

/// The default foreign key of a belongs_to, `{alias or target}_{target's primary key}`, as
/// far as this derive can see it: the fields of this model with that prefix.
pub struct DefaultKey {
    /// `{alias or target}`.
    pub prefix: String,
    /// The field taken as the foreign key: `{prefix}_id`, else the only field with the prefix.
    pub field: Option<String>,
    /// Every field named `{prefix}_…`.
    pub candidates: Vec<String>,
}

impl DefaultKey {
    fn find(model: &Model, prefix: &str) -> DefaultKey {
        let start = format!("{prefix}_");
        let candidates: Vec<String> = model
            .fields
            .iter()
            .map(Field::name)
            .filter(|name| name.len() > start.len() && name.starts_with(&start))
            .collect();
        let id = format!("{prefix}_id");
        let field = if candidates.contains(&id) {
            Some(id)
        } else if let [only] = candidates.as_slice() {
            Some(only.clone())
        } else {
            None
        };
        DefaultKey { prefix: prefix.to_owned(), field, candidates }
    }

    /// The key suffix of the chosen field (`id` for `company_id`).
    pub fn suffix(&self) -> Option<&str> {
        self.field.as_deref().map(|f| &f[self.prefix.len() + 1..])
    }
}

pub struct Field {
    pub ident: syn::Ident,
    pub ty: syn::Type,
    pub column: String,
    pub primary_key: bool,
    pub created_at: bool,
    pub updated_at: bool,
    pub unique: bool,
    /// `#[model(version)]`, with where it was written.
    pub version: Option<Span>,
    pub default: Option<syn::Lit>,
    pub references: Option<Reference>,
}

pub struct Reference {
    pub model: syn::Path,
    pub key: Option<String>,
    pub on_delete: Option<Action>,
    pub on_update: Option<Action>,
    /// Where the `on_delete` and `on_update` values were written (the `references` when absent).
    pub on_delete_span: Span,
    pub on_update_span: Span,
    pub constraint: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[allow(clippy::enum_variant_names)]
pub enum Action {
    Cascade,
    SetNull,
    Restrict,
    NoAction,
    SetDefault,
}

pub const ACTIONS: &[(&str, Action)] = &[
    ("cascade", Action::Cascade),
    ("set null", Action::SetNull),
    ("restrict", Action::Restrict),
    ("no action", Action::NoAction),
    ("set default", Action::SetDefault),
];

pub const RENAME_RULES: &[&str] = &["snake_case", "camelCase", "PascalCase", "SCREAMING_SNAKE_CASE", "kebab-case"];

/// Built-in associated functions a field's column accessor would shadow.
pub const RESERVED: &[&str] = &[
    "build",
    "find",
    "find_by_pk",
    "create",
    "save",
    "destroy",
    "update",
    "delete",
    "meta",
    "decode",
    "into_values",
    "to_values",
    "key_value",
    "touch",
    "statements",
    "reload",
    "increment",
    "decrement",
    "upsert",
    "find_or_create",
];

impl Model {
    /// Resolves the parsed attributes, collecting every error into `errors`.
    pub fn from_attr(attr: ModelAttr, errors: &mut darling::error::Accumulator) -> Option<Model> {
        if let Some(error) = validate::generics(&attr.ident, &attr.generics) {
            errors.push(error);
        }
        let rename = attr.rename_all.as_ref().and_then(|rule| {
            validate::one_of(rule, RENAME_RULES, "rename_all", errors).map(|_| rule.as_str().to_owned())
        });
        let fields_attr = attr.data.take_struct().map(|f| f.fields).unwrap_or_default();
        let fields: Vec<Field> =
            fields_attr.into_iter().filter_map(|f| Field::from_attr(f, rename.as_deref(), errors)).collect();

        let singular =
            attr.name.as_ref().map_or_else(|| attr.ident.to_string().to_snake_case(), |n| n.singular.to_string());
        let plural = attr.name.as_ref().map_or_else(|| cruet::to_plural(&singular), |n| n.plural.to_string());
        let table = match &attr.table {
            Some(table) => table.to_string(),
            None if attr.name.is_some() => plural.to_snake_case(),
            None => cruet::to_table_case(&attr.ident.to_string()),
        };
        if let Some(table) = &attr.table {
            validate::not_empty(table, "table", errors);
        }

        let mut fields = fields;
        let primary_key = validate::primary_key(&attr.ident, attr.primary_key.as_ref(), &fields, errors)?;
        for &i in &primary_key {
            fields[i].primary_key = true;
        }
        validate::fields(&fields, errors);
        let parsed = crate::assoc::parse(&attr.attrs, errors);
        let polymorphics = crate::polymorphic::parse(&attr.attrs, errors);
        let mut model = Model {
            ident: attr.ident,
            vis: attr.vis,
            table,
            singular,
            plural,
            fields,
            primary_key,
            associations: Vec::new(),
            rename_all: rename,
            hooks: attr.hooks.is_present(),
            polymorphics,
        };
        model.associations = parsed.into_iter().filter_map(|p| Association::resolve(&model, p, errors)).collect();
        validate::associations(&model, errors);
        validate::field_types(&model, errors);
        crate::polymorphic::check(&model, errors);
        Some(model)
    }

    /// The primary-key field of a one-column key; the first key field of a composite key.
    pub fn primary_key(&self) -> &Field {
        &self.fields[self.primary_key[0]]
    }

    /// The primary-key fields, in key order.
    pub fn primary_key_fields(&self) -> impl Iterator<Item = &Field> {
        self.primary_key.iter().map(|&i| &self.fields[i])
    }

    pub fn has_composite_key(&self) -> bool {
        self.primary_key.len() > 1
    }

    /// A default join column name: renamed like this model's columns when the join table is
    /// managed by the ORM (a join model names its own columns).
    fn join_column(&self, name: &str, through: Option<&Join>) -> String {
        match (through, &self.rename_all) {
            (Some(Join::Table(_)), Some(rule)) => rename_field(name, rule),
            _ => name.to_owned(),
        }
    }

    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name() == name)
    }
}

impl Field {
    fn from_attr(attr: FieldAttr, rename: Option<&str>, errors: &mut darling::error::Accumulator) -> Option<Field> {
        let ident = attr.ident?;
        let name = ident.to_string();
        let name = name.strip_prefix("r#").unwrap_or(&name);
        let column = match (&attr.column, rename) {
            (Some(column), _) => {
                validate::not_empty(column, "column", errors);
                column.to_string()
            }
            (None, Some(rule)) => rename_field(name, rule),
            (None, None) => name.to_owned(),
        };
        let references = attr.references.map(|r| {
            let span = r.span();
            Reference::from_attr(r.into_inner(), span, errors)
        });
        Some(Field {
            ident,
            ty: attr.ty,
            column,
            primary_key: attr.primary_key.is_present(),
            created_at: attr.created_at.is_present(),
            updated_at: attr.updated_at.is_present(),
            unique: attr.unique.is_present(),
            version: attr.version.is_present().then(|| attr.version.span()),
            default: attr.default,
            references,
        })
    }

    /// Whether this field is the primary key (set by `Model::from_attr` for the `id` default).
    pub fn primary_key_resolved(&self) -> bool {
        self.primary_key
    }

    /// The field's name without a raw-identifier prefix.
    pub fn name(&self) -> String {
        let name = self.ident.to_string();
        name.strip_prefix("r#").map(str::to_owned).unwrap_or(name)
    }
}

impl Reference {
    /// Where `on_delete`/`on_update` say `"set null"`.
    pub fn set_null_spans(&self) -> Vec<Span> {
        set_null_spans([(self.on_delete, self.on_delete_span), (self.on_update, self.on_update_span)])
    }

    fn from_attr(attr: ReferencesAttr, span: Span, errors: &mut darling::error::Accumulator) -> Reference {
        let on_delete = attr.on_delete.as_ref().and_then(|a| parse_action(a, "on_delete", errors));
        let on_update = attr.on_update.as_ref().and_then(|a| parse_action(a, "on_update", errors));
        if let Some(misnamed) = &attr.foreign_key_constraints {
            errors.push(misnamed.error("foreign_key_constraints", "constraints"));
        }
        Reference {
            model: attr.model,
            key: attr.key.map(|k| k.to_string()),
            on_delete,
            on_update,
            on_delete_span: attr.on_delete.as_ref().map_or(span, SpannedValue::span),
            on_update_span: attr.on_update.as_ref().map_or(span, SpannedValue::span),
            constraint: attr.constraints.unwrap_or(true),
        }
    }
}

pub fn parse_action(
    value: &SpannedValue<String>,
    option: &str,
    errors: &mut darling::error::Accumulator,
) -> Option<Action> {
    match action_named(value) {
        Some(action) => Some(action),
        None => {
            let names: Vec<&str> = ACTIONS.iter().map(|(n, _)| *n).collect();
            validate::one_of(value, &names, option, errors);
            None
        }
    }
}

/// The action a value names (`"set null"`, `"SET_NULL"`, …), if any.
pub fn action_named(value: &str) -> Option<Action> {
    let normalized = value.to_lowercase().replace('_', " ");
    ACTIONS.iter().find(|(name, _)| *name == normalized).map(|(_, action)| *action)
}

/// Where `on_delete`/`on_update` say `"set null"`: each needs a nullable foreign key.
fn set_null_spans(actions: [(Option<Action>, Span); 2]) -> Vec<Span> {
    actions.into_iter().filter(|(action, _)| *action == Some(Action::SetNull)).map(|(_, span)| span).collect()
}

fn rename_field(name: &str, rule: &str) -> String {
    match rule {
        "camelCase" => name.to_lower_camel_case(),
        "PascalCase" => name.to_upper_camel_case(),
        "SCREAMING_SNAKE_CASE" => name.to_shouty_snake_case(),
        "kebab-case" => name.to_kebab_case(),
        _ => name.to_snake_case(),
    }
}

impl Association {
    /// The checks that need no model: options for the kind, the alias, the actions.
    pub fn precheck(parsed: &ParsedAssoc, errors: &mut darling::error::Accumulator) {
        let options = &parsed.options;
        validate::options_for_kind(parsed.kind, options, errors);
        match &options.alias {
            Some(AliasAttr::Plain(alias)) => {
                validate::alias(alias, errors);
            }
            Some(AliasAttr::Forms { singular, plural }) => {
                validate::alias(singular, errors);
                validate::alias(plural, errors);
            }
            None => {}
        }
        for (action, name) in [(&options.on_delete, "on_delete"), (&options.on_update, "on_update")] {
            if let Some(action) = action {
                parse_action(action, name, errors);
            }
        }
    }

    fn resolve(model: &Model, parsed: ParsedAssoc, errors: &mut darling::error::Accumulator) -> Option<Association> {
        let ParsedAssoc { kind, target, options, .. } = parsed;
        validate::options_for_kind(kind, &options, errors);
        let target_span = syn::spanned::Spanned::span(&target);
        let is_self_target = target.is_ident("Self") || target.is_ident(&model.ident);
        let target_singular = if is_self_target {
            model.singular.clone()
        } else {
            target.segments.last()?.ident.to_string().to_snake_case()
        };
        let (singular, plural, is_aliased, alias_span) = match &options.alias {
            None if is_self_target => (model.singular.clone(), model.plural.clone(), false, target_span),
            None => (target_singular.clone(), cruet::to_plural(&target_singular), false, target_span),
            Some(AliasAttr::Plain(alias)) => {
                let alias_text = alias.to_string();
                let (singular, plural) = if kind.is_plural() {
                    (cruet::to_singular(&alias_text), alias_text)
                } else {
                    (alias_text.clone(), cruet::to_plural(&alias_text))
                };
                if !validate::alias(alias, errors) {
                    return None;
                }
                (singular, plural, true, alias.span())
            }
            Some(AliasAttr::Forms { singular, plural }) => {
                if !(validate::alias(singular, errors) & validate::alias(plural, errors)) {
                    return None;
                }
                (singular.to_string(), plural.to_string(), true, singular.span())
            }
        };
        // The source key: the given fields, else the primary key (all of a composite key).
        let source_keys: Vec<String> = match (kind, &options.source_key) {
            (Kind::BelongsTo, _) => Vec::new(),
            (_, Some(key)) => key.names(),
            (_, None) => model.primary_key_fields().map(Field::name).collect(),
        };
        let source_key = (kind != Kind::BelongsTo).then(|| source_keys.first().cloned()).flatten();
        let source_key_span = options.source_key.as_ref().map_or(target_span, KeyAttr::span);
        let target_keys: Vec<String> = options.target_key.as_ref().map(KeyAttr::names).unwrap_or_default();
        let target_key = target_keys.first().cloned();
        let target_key_span = options.target_key.as_ref().map_or(target_span, KeyAttr::span);
        // Sequelize names keys after primary keys, never after `source_key`/`target_key`
        // (seed 000: `A.belongsTo(B, { targetKey: 'name' })` adds `tableBId`).
        let is_self = target.is_ident("Self") || target.is_ident(&model.ident);
        let own_key = model.primary_key().name();
        let through_join = options.through.as_ref().map(|t| &t.join);
        let mut foreign_key_default = None;
        let foreign_keys: Vec<String> = match (&options.foreign_key, kind) {
            // Known from the target's declaration only, at compile time.
            _ if options.polymorphic.is_some() => Vec::new(),
            (Some(fk), _) => fk.names(),
            (None, Kind::BelongsTo) if is_self => {
                model.primary_key_fields().map(|k| format!("{singular}_{}", k.name())).collect()
            }
            // `{alias or target}_{target's primary key}` on this model: only the target's derive
            // knows its key, so the field is found by its prefix and checked at compile time.
            (None, Kind::BelongsTo) => {
                let default = DefaultKey::find(model, &singular);
                let field = default.field.clone().unwrap_or_default();
                foreign_key_default = Some(default);
                vec![field]
            }
            // Sequelize: `{alias or source}_{source's primary key}` on the target
            // (`Person.hasOne(Person, { as: 'Father' })` adds `FatherId`); one per column of a
            // composite key.
            (None, Kind::HasOne | Kind::HasMany) => {
                let prefix = if is_aliased && kind == Kind::HasOne { &singular } else { &model.singular };
                model.primary_key_fields().map(|k| format!("{prefix}_{}", k.name())).collect()
            }
            (None, Kind::BelongsToMany) => {
                vec![model.join_column(&format!("{}_{own_key}", model.singular), through_join)]
            }
        };
        let foreign_key = foreign_keys.first().cloned().unwrap_or_default();
        let composite = foreign_keys.len() > 1 || source_keys.len() > 1 || target_keys.len() > 1;
        if composite && kind == Kind::BelongsToMany {
            let span = [&options.foreign_key, &options.source_key, &options.target_key]
                .into_iter()
                .flatten()
                .find(|k| k.is_composite())
                .map_or(target_span, KeyAttr::span);
            errors.push(
                darling::Error::custom(format!(
                    "a `belongs_to_many` links one-column keys: {}; composite keys work on belongs_to, has_one and has_many",
                    if model.has_composite_key() && options.source_key.is_none() {
                        format!("`{}` has a composite primary key, so name a unique field of it with `source_key = \"…\"`", model.ident)
                    } else {
                        "name one field in each key option".to_owned()
                    }
                ))
                .with_span(&span),
            );
        } else if kind != Kind::BelongsTo && options.polymorphic.is_none() && foreign_keys.len() != source_keys.len() {
            let span = options.foreign_key.as_ref().map_or(target_span, KeyAttr::span);
            let prefix = if is_aliased && kind == Kind::HasOne { &singular } else { &model.singular };
            let suggestion: Vec<String> = source_keys.iter().map(|k| format!("{prefix}_{k}")).collect();
            errors.push(
                darling::Error::custom(format!(
                    "the foreign key has {} field(s) and the key it points at ({}) has {}: name one foreign-key field per key column, in key order, e.g. `foreign_key({})`",
                    foreign_keys.len(),
                    source_keys.join(", "),
                    source_keys.len(),
                    suggestion.join(", ")
                ))
                .with_span(&span),
            );
        } else if kind == Kind::BelongsTo && !target_keys.is_empty() && foreign_keys.len() != target_keys.len() {
            errors.push(
                darling::Error::custom(format!(
                    "the foreign key has {} field(s) and `target_key` names {}: name one foreign-key field per target-key field, in the same order",
                    foreign_keys.len(),
                    target_keys.len()
                ))
                .with_span(&target_key_span),
            );
        }
        // Sequelize: `{target}_{target's primary key}`, or `{singular alias}_{key}` when the
        // target is the source itself (`User.belongsToMany(User, { as: 'friends' })` →
        // `friendId`). For another target the name comes from its `NAMES` at compile time.
        let other_key_default = kind == Kind::BelongsToMany && options.other_key.is_none() && !is_self;
        let other_key = (kind == Kind::BelongsToMany).then(|| match &options.other_key {
            Some(key) => key.to_string(),
            None => {
                let prefix = if is_self { &singular } else { &target_singular };
                let key = if is_self { own_key.as_str() } else { "id" };
                model.join_column(&format!("{prefix}_{key}"), through_join)
            }
        });
        // A join model holds both keys of a belongs_to_many: errors about them point at it.
        let key_holder_span = options.through.as_ref().map_or(target_span, |t| t.join.span());
        let foreign_key_span = options.foreign_key.as_ref().map_or(key_holder_span, KeyAttr::span);
        let other_key_span = options.other_key.as_ref().map_or(key_holder_span, |k| k.span());
        let on_delete = options.on_delete.as_ref().and_then(|a| parse_action(a, "on_delete", errors));
        let on_update = options.on_update.as_ref().and_then(|a| parse_action(a, "on_update", errors));
        Some(Association {
            kind,
            target,
            singular,
            plural,
            is_aliased,
            alias_span,
            foreign_key,
            foreign_keys,
            foreign_key_span,
            source_key,
            source_keys: if options.source_key.is_some() { source_keys } else { Vec::new() },
            target_keys,
            source_key_span,
            target_key,
            target_key_span,
            on_delete,
            on_update,
            on_delete_span: options.on_delete.as_ref().map_or(target_span, SpannedValue::span),
            on_update_span: options.on_update.as_ref().map_or(target_span, SpannedValue::span),
            constraints: options.constraints.as_ref().is_none_or(|c| **c) && options.polymorphic.is_none(),
            through: options.through.as_ref().map(|t| t.join.clone()),
            through_unique: options.through.as_ref().is_none_or(crate::attr::ThroughAttr::unique),
            other_key,
            other_key_span,
            other_key_default,
            foreign_key_default,
            names_target: options.alias.is_none() && !is_self,
            is_self,
            unique_key: options.unique_key.as_ref().map(|k| k.to_string()),
            scope: options.scope.clone().unwrap_or_default(),
            through_scope: options.through_scope.clone().unwrap_or_default(),
            hooks: options.hooks.as_ref().is_some_and(|h| **h),
            through_timestamps: options.timestamps.is_present().then(|| {
                (
                    model.join_column("created_at", through_join),
                    model.join_column("updated_at", through_join),
                    options.timestamps.span(),
                )
            }),
            polymorphic: options.polymorphic.clone(),
        })
    }
}
