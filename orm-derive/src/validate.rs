//! The checks that become compile errors. Each error is spanned on the token the user wrote and
//! says how to fix it; all are collected so one compile reports every mistake.

use darling::util::SpannedValue;

use crate::model::{Field, RESERVED};

type Errors = darling::error::Accumulator;

/// Accepts `value` if it is one of `allowed`; otherwise reports it with a "did you mean".
pub fn one_of<'a>(
    value: &'a SpannedValue<String>,
    allowed: &[&str],
    option: &str,
    errors: &mut Errors,
) -> Option<&'a str> {
    if allowed.contains(&value.as_str()) {
        return Some(value.as_str());
    }
    let list = allowed.iter().map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(", ");
    let hint = did_you_mean(value, allowed).map(|m| format!(": did you mean \"{m}\"?")).unwrap_or_default();
    let message = format!("unknown `{option}` value \"{}\"{hint}; use one of {list}", value.as_str());
    errors.push(darling::Error::custom(message).with_span(&value.span()));
    None
}

/// The closest candidate to `value`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(value: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let value = value.to_lowercase();
    candidates
        .iter()
        .map(|c| (edit_distance(&value, &c.to_lowercase()), *c))
        .filter(|(distance, c)| *distance <= (c.len() / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

pub fn not_empty(value: &SpannedValue<String>, option: &str, errors: &mut Errors) {
    if value.trim().is_empty() {
        errors.push(darling::Error::custom(format!("`{option}` cannot be empty")).with_span(&value.span()));
    }
}

/// A model has no generic parameters: it is decoded from rows of one table, so it owns its
/// data and its columns have fixed types. One error, on the first parameter.
pub fn generics(model: &syn::Ident, generics: &syn::Generics) -> Option<darling::Error> {
    let first = generics.params.first()?;
    let lifetime = generics.params.iter().find_map(|p| match p {
        syn::GenericParam::Lifetime(l) => Some(l.lifetime.to_string()),
        _ => None,
    });
    let message = match lifetime {
        Some(lifetime) => format!(
            "models must own their data: `{model}` is decoded from database rows and cannot borrow; remove `{lifetime}` and use owned field types (`String` instead of `&{lifetime} str`, `Vec<u8>` instead of `&{lifetime} [u8]`)"
        ),
        None => format!(
            "generic models are not supported: `{model}` maps to one table whose columns have fixed types; remove the parameters and give each field a concrete type"
        ),
    };
    let span = match first {
        syn::GenericParam::Lifetime(l) => l.lifetime.span(),
        syn::GenericParam::Type(t) => t.ident.span(),
        syn::GenericParam::Const(c) => c.ident.span(),
    };
    Some(darling::Error::custom(message).with_span(&span))
}

/// Finds the primary key, in key order: the fields named by `#[model(primary_key(a, b))]`, else
/// the fields marked `#[model(primary_key)]` (several make a composite key, in field order),
/// else the field `id`.
pub fn primary_key(
    model: &syn::Ident,
    listed: Option<&SpannedValue<darling::util::PathList>>,
    fields: &[Field],
    errors: &mut Errors,
) -> Option<Vec<usize>> {
    let marked: Vec<usize> = fields.iter().enumerate().filter(|(_, f)| f.primary_key).map(|(i, _)| i).collect();
    let key = match listed {
        Some(list) => {
            if let Some(&first) = marked.first() {
                errors.push(
                    darling::Error::custom(
                        "the primary key is already given by `#[model(primary_key(…))]` on the struct: remove this `primary_key`, or the struct's list",
                    )
                    .with_span(&fields[first].ident),
                );
            }
            let names: Vec<String> = fields.iter().map(Field::name).collect();
            let candidates: Vec<&str> = names.iter().map(String::as_str).collect();
            let mut key = Vec::new();
            for path in list.iter() {
                let name = path.get_ident().map(ToString::to_string).unwrap_or_default();
                match names.iter().position(|n| *n == name) {
                    Some(i) if key.contains(&i) => errors.push(
                        darling::Error::custom(format!("`{name}` is listed twice in the primary key")).with_span(path),
                    ),
                    Some(i) => key.push(i),
                    None => {
                        let hint = did_you_mean(&name, &candidates)
                            .map(|m| format!(": did you mean `{m}`?"))
                            .unwrap_or_default();
                        errors.push(
                            darling::Error::custom(format!(
                                "`{model}` has no field `{name}` for its primary key{hint}"
                            ))
                            .with_span(path),
                        );
                    }
                }
            }
            if list.is_empty() {
                errors.push(
                    darling::Error::custom(
                        "`primary_key(…)` lists the key's fields: `primary_key(user_id, project_id)`",
                    )
                    .with_span(&list.span()),
                );
            }
            key
        }
        None if !marked.is_empty() => marked,
        None => fields.iter().position(|f| f.name() == "id").into_iter().collect(),
    };
    if key.is_empty() {
        if listed.is_none() {
            errors.push(
                darling::Error::custom(format!(
                    "`{model}` has no primary key: add a field `id`, or mark the key field (or fields) with `#[model(primary_key)]`"
                ))
                .with_span(model),
            );
        }
        return None;
    }
    if key.len() > 4 {
        errors.push(darling::Error::custom("a primary key has at most four fields").with_span(&fields[key[4]].ident));
    }
    for &i in &key {
        if is_option(&fields[i].ty) {
            errors.push(
                darling::Error::custom("a primary key cannot be an `Option`: remove the `Option`")
                    .with_span(&fields[i].ty),
            );
        }
    }
    Some(key)
}

/// Field-level checks: duplicate columns, reserved names, timestamp markers.
pub fn fields(fields: &[Field], errors: &mut Errors) {
    for (i, field) in fields.iter().enumerate() {
        if let Some(first) = fields[..i].iter().find(|f| f.column == field.column) {
            errors.push(
                darling::Error::custom(format!(
                    "column `{}` is already used by field `{}`; give one of them another name with `#[model(column = \"...\")]`",
                    field.column,
                    first.name()
                ))
                .with_span(&field.ident),
            );
        }
        let name = field.name();
        if RESERVED.contains(&name.as_str()) {
            errors.push(
                darling::Error::custom(format!(
                    "a field named `{name}` would shadow the model's built-in `{name}`; rename the field and keep the column with `#[model(column = \"{}\")]`",
                    field.column
                ))
                .with_span(&field.ident),
            );
        }
        if field.created_at && field.updated_at {
            errors.push(
                darling::Error::custom("a field cannot be both `created_at` and `updated_at`; use two fields")
                    .with_span(&field.ident),
            );
        }
        if field.primary_key && (field.created_at || field.updated_at) {
            errors.push(
                darling::Error::custom("the primary key cannot be a timestamp filled by the ORM")
                    .with_span(&field.ident),
            );
        }
    }
    version_fields(fields, errors);
    for marker in ["created_at", "updated_at"] {
        let marked: Vec<&Field> =
            fields.iter().filter(|f| if marker == "created_at" { f.created_at } else { f.updated_at }).collect();
        if let [_, extra, ..] = marked.as_slice() {
            errors.push(darling::Error::custom(format!("only one field can be `{marker}`")).with_span(&extra.ident));
        }
    }
}

/// `#[model(version)]`: on one field at most, an integer column of its own (its type is checked
/// by the compiler, see `expand::model`).
fn version_fields(fields: &[Field], errors: &mut Errors) {
    let marked: Vec<(&Field, proc_macro2::Span)> = fields.iter().filter_map(|f| Some((f, f.version?))).collect();
    for (field, span) in &marked {
        let fix = "add a field of its own for it, e.g. `#[model(version)] pub version: i32`";
        let message = if field.primary_key {
            format!("the primary key cannot be the optimistic-locking `version`, which every write changes: {fix}")
        } else if field.created_at || field.updated_at {
            format!("a timestamp filled by the ORM cannot be the optimistic-locking `version`: {fix}")
        } else if is_option(&field.ty) {
            "the optimistic-locking `version` cannot be an `Option`: write `i32` or `i64`".to_owned()
        } else {
            continue;
        };
        errors.push(darling::Error::custom(message).with_span(span));
    }
    if let [(first, _), (_, extra), ..] = marked.as_slice() {
        errors.push(
            darling::Error::custom(format!(
                "only one field can be the optimistic-locking `version`; `{}` already is: remove this `version`",
                first.name()
            ))
            .with_span(extra),
        );
    }
}

/// Whether a type is written as `Option<…>` (the nullable column check is done by the type
/// system; this only catches the obvious mistakes early with a clearer message).
pub fn is_option(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(path) => path.path.segments.last().is_some_and(|s| s.ident == "Option"),
        _ => false,
    }
}

/// Options that do not apply to an association kind.
pub fn options_for_kind(kind: crate::assoc::Kind, options: &crate::attr::AssocAttr, errors: &mut Errors) {
    use crate::assoc::Kind;
    let name = kind.attribute();
    if let Some(misnamed) = &options.foreign_key_constraints {
        errors.push(misnamed.error("foreign_key_constraints", "constraints"));
    }
    if let (Some(key), Kind::HasOne | Kind::HasMany) = (&options.target_key, kind) {
        errors.push(
            darling::Error::custom(format!(
                "`target_key` does not apply to `{name}`: the foreign key points at this model; name that field with `source_key`"
            ))
            .with_span(&key.span()),
        );
    }
    if kind != Kind::BelongsToMany {
        let extra = [
            options.through.as_ref().map(|t| ("through", t.join.span())),
            options.other_key.as_ref().map(|k| ("other_key", k.span())),
            options.unique_key.as_ref().map(|k| ("unique_key", k.span())),
        ];
        for (option, span) in extra.into_iter().flatten() {
            errors.push(
                darling::Error::custom(format!(
                    "`{option}` applies to `belongs_to_many` only; `{name}` keeps its key in one of the two tables"
                ))
                .with_span(&span),
            );
        }
    }
    if let (Some(scope), Kind::BelongsTo) = (&options.scope, kind) {
        errors.push(
            darling::Error::custom(
                "`scope` does not apply to `belongs_to`: the key is on this model, so there is nothing to filter on the target; put the scope on the `has_one`/`has_many` of the other side",
            )
            .with_span(&scope.span),
        );
    }
    if let Some(scope) = &options.through_scope {
        if kind != Kind::BelongsToMany {
            errors.push(
                darling::Error::custom(format!(
                    "`through_scope` applies to `belongs_to_many` only: `{name}` has no join table"
                ))
                .with_span(&scope.span),
            );
        } else if !matches!(options.through.as_ref().map(|t| &t.join), Some(crate::attr::Join::Model(_))) {
            errors.push(
                darling::Error::custom(
                    "`through_scope` needs a join model (`through = ItemTag`) whose fields hold the scope; a join table named by a string has only the two keys",
                )
                .with_span(&scope.span),
            );
        }
    }
    if let Some(hooks) = options.hooks.as_ref().filter(|h| ***h) {
        let cascades = options.on_delete.as_ref().is_some_and(|a| a.to_lowercase() == "cascade");
        if !matches!(kind, Kind::HasOne | Kind::HasMany) {
            errors.push(
                darling::Error::custom(format!(
                    "`hooks = true` applies to `has_one` and `has_many`, whose targets a delete cascades to; `{name}` does not cascade to its target"
                ))
                .with_span(&hooks.span()),
            );
        } else if !cascades {
            errors.push(
                darling::Error::custom(
                    "`hooks = true` needs `on_delete = \"cascade\"`: it destroys the targets through the ORM when the source is destroyed",
                )
                .with_span(&hooks.span()),
            );
        }
    }
    if kind == Kind::BelongsToMany {
        many_to_many_options(options, errors);
    }
    if let Some(polymorphic) = &options.polymorphic {
        polymorphic_options(kind, polymorphic, options, errors);
    }
    if options.timestamps.is_present() {
        let through_table = matches!(options.through.as_ref().map(|t| &t.join), Some(crate::attr::Join::Table(_)));
        let message = if kind != Kind::BelongsToMany {
            format!("`timestamps` applies to the join table of a `belongs_to_many`; `{name}` has none")
        } else if !through_table {
            "`timestamps` adds `created_at`/`updated_at` to a join table named by a string; a join model declares its own: add fields marked `#[model(created_at)]` and `#[model(updated_at)]` to it".to_owned()
        } else {
            String::new()
        };
        if !message.is_empty() {
            errors.push(darling::Error::custom(message).with_span(&options.timestamps.span()));
        }
    }
    if let (Some(key), Kind::BelongsTo) = (&options.source_key, kind) {
        errors.push(
            darling::Error::custom(
                "`source_key` does not apply to `belongs_to`: the foreign key is on this model and points at the target; name the target's field with `target_key`",
            )
            .with_span(&key.span()),
        );
    }
}

/// `polymorphic = "alias"`: the parent side of a child's `#[belongs_to_one_of(alias, …)]`,
/// which gives the foreign key, the scope and `constraints = false`.
fn polymorphic_options(
    kind: crate::assoc::Kind,
    polymorphic: &SpannedValue<String>,
    options: &crate::attr::AssocAttr,
    errors: &mut Errors,
) {
    use crate::assoc::Kind;
    let name = kind.attribute();
    if !matches!(kind, Kind::HasOne | Kind::HasMany) {
        errors.push(
            darling::Error::custom(format!(
                "`polymorphic` applies to `has_one` and `has_many`, the parent side of a `#[belongs_to_one_of(…)]`; `{name}` cannot be polymorphic (declare the child side with `#[belongs_to_one_of(…)]`)"
            ))
            .with_span(&polymorphic.span()),
        );
        return;
    }
    if syn::parse_str::<syn::Ident>(polymorphic).is_err() {
        errors.push(
            darling::Error::custom(
                "`polymorphic` names the child's `#[belongs_to_one_of(name, …)]` by its name, an identifier: `polymorphic = \"commentable\"`",
            )
            .with_span(&polymorphic.span()),
        );
    }
    let given = [
        options.foreign_key.as_ref().map(|k| ("foreign_key", k.span())),
        options.source_key.as_ref().map(|k| ("source_key", k.span())),
        options.scope.as_ref().map(|s| ("scope", s.span)),
        options.constraints.as_ref().map(|c| ("constraints", c.span())),
        options.on_update.as_ref().map(|a| ("on_update", a.span())),
    ];
    for (option, span) in given.into_iter().flatten() {
        errors.push(
            darling::Error::custom(format!(
                "`{option}` does not apply with `polymorphic`: the foreign key, the type scope and `constraints = false` come from the child's `#[belongs_to_one_of({}, …)]`; remove `{option}`",
                polymorphic.as_str()
            ))
            .with_span(&span),
        );
    }
}

/// belongs_to_many: the join columns are NOT NULL, and `unique = false` has no unique
/// constraint for `unique_key` to name.
fn many_to_many_options(options: &crate::attr::AssocAttr, errors: &mut Errors) {
    for (option, value) in [("on_delete", &options.on_delete), ("on_update", &options.on_update)] {
        let Some(value) = value else { continue };
        if crate::model::action_named(value) == Some(crate::model::Action::SetNull) {
            errors.push(
                darling::Error::custom(format!(
                    "`{option} = \"{}\"` cannot apply to `belongs_to_many`: its join columns are NOT NULL (a join row links two rows); keep the default, \"cascade\" (join rows follow the rows they link), or write \"restrict\"",
                    value.as_str()
                ))
                .with_span(&value.span()),
            );
        }
    }
    let not_unique = options.through.as_ref().and_then(|t| t.unique.as_ref()).filter(|unique| !***unique);
    if let (Some(key), Some(_)) = (&options.unique_key, not_unique) {
        errors.push(
            darling::Error::custom(
                "`unique_key` names the unique constraint over the join columns, but `through(…, unique = false)` has none: remove `unique_key`, or `unique = false`",
            )
            .with_span(&key.span()),
        );
    }
}

/// An alias becomes part of method names, so it must be a snake_case identifier.
pub fn alias(alias: &SpannedValue<String>, errors: &mut Errors) -> bool {
    let valid = alias.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && alias.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && syn::parse_str::<syn::Ident>(alias).is_ok();
    if !valid {
        let suggestion = heck::ToSnakeCase::to_snake_case(alias.as_str());
        let hint = if syn::parse_str::<syn::Ident>(&suggestion).is_ok() && !suggestion.is_empty() {
            format!(": write `as = \"{suggestion}\"`")
        } else {
            String::new()
        };
        errors.push(
            darling::Error::custom(format!(
                "invalid alias \"{}\": an alias names the generated accessors, so it must be a snake_case identifier{hint}",
                alias.as_str()
            ))
            .with_span(&alias.span()),
        );
    }
    valid
}

/// Checks across associations and fields: duplicate aliases, the same target twice without an
/// alias, names colliding with fields or with each other's accessors, and the foreign-key and
/// source-key fields this model must hold.
pub fn associations(model: &crate::model::Model, errors: &mut Errors) {
    use crate::assoc::Kind;
    let describe = |a: &crate::model::Association| format!("`{}({})`", a.kind.attribute(), a.target_name());
    let mut taken: Vec<(String, String)> = model
        .fields
        .iter()
        .filter(|f| !model.associations.iter().any(|a| holds_target(&f.ty, &a.target_name())))
        .map(|f| (f.name(), format!("field `{}`", f.name())))
        .chain(RESERVED.iter().map(|r| ((*r).to_owned(), format!("the built-in `{r}`"))))
        .collect();
    for (i, association) in model.associations.iter().enumerate() {
        let earlier = &model.associations[..i];
        if let Some(other) = earlier.iter().find(|o| o.name() == association.name()) {
            let message = if !association.is_aliased
                && !other.is_aliased
                && other.target_name() == association.target_name()
            {
                format!(
                    "`{}` is associated twice without an alias: give this association its own name with `as = \"...\"`, so that its accessors differ from {}'s",
                    association.target_name(),
                    describe(other)
                )
            } else {
                format!(
                    "duplicate alias `{}`: {} already uses it; choose another with `as = \"...\"`",
                    association.name(),
                    describe(other)
                )
            };
            errors.push(darling::Error::custom(message).with_span(&association.alias_span));
            continue;
        }
        if association.kind.is_plural() && association.singular == association.plural {
            errors.push(
                darling::Error::custom(format!(
                    "the singular and plural of alias `{}` are the same, so the accessors would collide: give both forms with `as(singular = \"...\", plural = \"...\")`",
                    association.name()
                ))
                .with_span(&association.alias_span),
            );
            continue;
        }
        // A field typed as the target (`company: Option<Company>`) is reported by `field_types`.
        if let Some(field) = model
            .fields
            .iter()
            .find(|f| f.name() == association.name() && !holds_target(&f.ty, &association.target_name()))
        {
            errors.push(
                darling::Error::custom(format!(
                    "alias `{}` is also a field of `{}`: `{}::{}()` would name both; choose another alias with `as = \"...\"`",
                    association.name(),
                    model.ident,
                    model.ident,
                    field.name()
                ))
                .with_span(&association.alias_span),
            );
            continue;
        }
        let names =
            std::iter::once(association.name().to_owned()).chain(association.accessors().into_iter().map(|(_, n)| n));
        for name in names {
            if let Some((_, owner)) = taken.iter().find(|(n, _)| *n == name) {
                errors.push(
                    darling::Error::custom(format!(
                        "{} generates `{name}`, which {owner} already defines; give the association another name with `as = \"...\"`",
                        describe(association)
                    ))
                    .with_span(&association.alias_span),
                );
                break;
            }
        }
        for name in
            std::iter::once(association.name().to_owned()).chain(association.accessors().into_iter().map(|(_, n)| n))
        {
            taken.push((name, describe(association)));
        }
        if let Some(other) = earlier.iter().find(|o| same_rows(o, association)) {
            let scope_fix = if association.scope.entries.is_empty() {
                "give this one a `scope(...)` that selects its rows (`scope(kind = \"...\")`)".to_owned()
            } else {
                "give the two different `scope(...)`s".to_owned()
            };
            errors.push(
                darling::Error::custom(format!(
                    "`{}` and `{}` are both `{}({})` through the foreign key `{}`, so they hold the same rows: {scope_fix}, or point this one at another field with `foreign_key = \"...\"`",
                    association.name(),
                    other.name(),
                    association.kind.attribute(),
                    association.target_name(),
                    association.foreign_keys.join(", "),
                ))
                .with_span(&association.alias_span),
            );
        }

        match association.kind {
            Kind::BelongsTo => {
                // A default key not found here is reported at compile time with the target's
                // key name (`expand::assoc::default_checks`).
                let defaulted_and_missing = association.foreign_key_default.as_ref().is_some_and(|d| d.field.is_none());
                let missing = association.foreign_keys.iter().filter(|fk| model.field(fk).is_none());
                for fk in missing.take(if defaulted_and_missing { 0 } else { usize::MAX }) {
                    errors.push(
                        darling::Error::custom(format!(
                            "`{}` has no field `{fk}` to hold the foreign key of {}: add `pub {fk}: Option<…>` (nullable) or `pub {fk}: …` (NOT NULL) with the target key's type, or name another field with `foreign_key = \"...\"`",
                            model.ident,
                            describe(association),
                        ))
                        .with_span(&association.foreign_key_span),
                    );
                }
            }
            Kind::HasOne | Kind::HasMany | Kind::BelongsToMany if association.source_keys.len() > 1 => {
                // Several source fields: together they must be the primary key, the one set of
                // columns known to be unique together.
                let mut listed: Vec<&String> = association.source_keys.iter().collect();
                let mut key: Vec<String> = model.primary_key_fields().map(Field::name).collect();
                listed.sort();
                key.sort();
                if listed.iter().map(|s| s.as_str()).ne(key.iter().map(String::as_str)) {
                    errors.push(
                        darling::Error::custom(format!(
                            "a composite `source_key` must name `{}`'s primary key ({}), the one set of fields unique together",
                            model.ident,
                            model.primary_key_fields().map(Field::name).collect::<Vec<_>>().join(", ")
                        ))
                        .with_span(&association.source_key_span),
                    );
                }
            }
            Kind::HasOne | Kind::HasMany | Kind::BelongsToMany => {
                if let Some(key) = association.source_key.as_ref().filter(|_| !association.source_keys.is_empty()) {
                    match model.field(key) {
                        None => errors.push(
                            darling::Error::custom(format!(
                                "`{}` has no field `{key}` for `source_key`; name one of its fields",
                                model.ident
                            ))
                            .with_span(&association.source_key_span),
                        ),
                        Some(field) if (!field.primary_key || model.has_composite_key()) && !field.unique => errors.push(
                            darling::Error::custom(format!(
                                "`source_key` must name the primary key or a unique field: mark `{key}` `#[model(unique)]` (a foreign key must point at a unique column)"
                            ))
                            .with_span(&association.source_key_span),
                        ),
                        Some(_) => {}
                    }
                }
            }
        }
    }
}

/// Two has_one or two has_many of one target through the same foreign key and source key with
/// the same scope: they would hold the same rows (different scopes make them distinct).
fn same_rows(a: &crate::model::Association, b: &crate::model::Association) -> bool {
    use crate::assoc::Kind;
    let scope = |a: &crate::model::Association| {
        let mut entries: Vec<(String, String)> = a
            .scope
            .entries
            .iter()
            .map(|(field, value)| (field.to_string(), quote::ToTokens::to_token_stream(value).to_string()))
            .collect();
        entries.sort();
        entries
    };
    matches!(a.kind, Kind::HasOne | Kind::HasMany)
        && a.kind == b.kind
        && (a.is_self == b.is_self)
        && (a.is_self || path_text(&a.target) == path_text(&b.target))
        && a.foreign_keys == b.foreign_keys
        && a.source_key == b.source_key
        && a.source_keys == b.source_keys
        && scope(a) == scope(b)
}

fn path_text(path: &syn::Path) -> String {
    quote::ToTokens::to_token_stream(path).to_string()
}

/// The one generic argument of a path type whose last segment is `name` (`Vec<T>` → `T`).
fn generic_arg<'a>(ty: &'a syn::Type, name: &str) -> Option<&'a syn::Type> {
    let syn::Type::Path(path) = ty else { return None };
    let last = path.path.segments.last().filter(|s| s.ident == name)?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    match args.args.iter().collect::<Vec<_>>().as_slice() {
        [syn::GenericArgument::Type(inner)] => Some(inner),
        _ => None,
    }
}

/// The last identifier of a path type (`Task` for `crate::models::Task`).
fn type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(path) if path.qself.is_none() => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// Field types that cannot be columns and read like a related model: `Vec<T>` (but `Vec<u8>`),
/// `Box<T>`, and a declared association's target (or the model itself), each possibly under an
/// `Option`. A field is one column; related rows are an association.
pub fn field_types(model: &crate::model::Model, errors: &mut Errors) {
    use heck::ToSnakeCase;
    let model_name = model.ident.to_string();
    for field in &model.fields {
        let ty = generic_arg(&field.ty, "Option").unwrap_or(&field.ty);
        let written = quote::ToTokens::to_token_stream(&field.ty)
            .to_string()
            .replace(" :: ", "::")
            .replace(" < ", "<")
            .replace("< ", "<")
            .replace(" >", ">");
        let name = field.name();
        let declared = |target: &str, plural: bool| {
            let targets = |a: &&crate::model::Association| {
                a.target_name() == target || (a.is_self && (target == model_name || target == "Self"))
            };
            let mut all = model.associations.iter().filter(targets);
            all.clone().find(|a| a.kind.is_plural() == plural).or_else(|| all.next())
        };
        let read_with = |a: &crate::model::Association| {
            let get = a.accessors().into_iter().next().map(|(_, n)| n).unwrap_or_default();
            format!("`{get}` or an include (`.include({model_name}::{}())`)", a.name())
        };
        // `as = "<field>"` when the field's name is not the default one.
        let alias = |default: &str| if name == default { String::new() } else { format!(", as = \"{name}\"") };
        let message = if let Some(item) = generic_arg(ty, "Vec") {
            let target = type_name(item).unwrap_or_else(|| quote::ToTokens::to_token_stream(item).to_string());
            let scalar = ["bool", "i8", "i16", "i32", "i64", "u16", "u32", "u64", "f32", "f64", "String", "str"];
            if target == "u8" {
                continue;
            } else if scalar.contains(&target.as_str()) {
                format!(
                    "`{name}: {written}` is not a column type: a list is stored in one JSON column as `orm::Json<Vec<{target}>>` (feature `json`)"
                )
            } else if let Some(a) = declared(&target, true) {
                format!(
                    "`{name}: {written}` is not a column: the `{target}` rows are the association `{}` already; remove this field and read them with {}",
                    a.name(),
                    read_with(a)
                )
            } else {
                let default = cruet::to_plural(&target.to_snake_case());
                format!(
                    "`{name}: {written}` is not a column: declare `#[has_many({target}{})]` (or `belongs_to_many`) on the struct and read the rows with `get_{name}` or an include (`.include({model_name}::{name}())`); a list stored in one JSON column is `orm::Json<Vec<{target}>>`",
                    alias(&default)
                )
            }
        } else {
            let boxed = generic_arg(ty, "Box");
            let inner = boxed.map_or(ty, |inner| generic_arg(inner, "Option").unwrap_or(inner));
            let Some(target) = type_name(inner) else { continue };
            let is_model = target == model_name || target == "Self";
            match declared(&target, false) {
                Some(a) => format!(
                    "`{name}: {written}` is not a column: the `{target}` is the association `{}` already; remove this field and read it with {}",
                    a.name(),
                    read_with(a)
                ),
                None if boxed.is_some() || is_model => {
                    let default = if is_model { String::new() } else { target.to_snake_case() };
                    let tail = if boxed.is_some() && !is_model {
                        format!("; a column of a type of your own is `{target}` itself, without the `Box`")
                    } else {
                        String::new()
                    };
                    format!(
                        "`{name}: {written}` is not a column: declare `#[belongs_to({target}{})]` (with a field `{name}_id` holding the key) or `#[has_one({target}{})]` on the struct and read it with `get_{name}` or an include (`.include({model_name}::{name}())`){tail}",
                        alias(&default),
                        alias(&default)
                    )
                }
                None => continue,
            }
        };
        errors.push(darling::Error::custom(message).with_span(&field.ty));
    }
}

/// Whether a field's type is the target itself, under `Option`, `Box` or `Vec`.
fn holds_target(ty: &syn::Type, target: &str) -> bool {
    let mut ty = ty;
    while let Some(inner) = ["Option", "Box", "Vec"].iter().find_map(|w| generic_arg(ty, w)) {
        ty = inner;
    }
    type_name(ty).as_deref() == Some(target)
}
