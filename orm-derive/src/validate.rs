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

/// Finds the primary key: the field marked `#[model(primary_key)]`, else the field `id`.
pub fn primary_key(model: &syn::Ident, fields: &[Field], errors: &mut Errors) -> Option<usize> {
    let marked: Vec<usize> = fields.iter().enumerate().filter(|(_, f)| f.primary_key).map(|(i, _)| i).collect();
    if let [_, extra, ..] = marked.as_slice() {
        errors.push(
            darling::Error::custom(
                "only one field can be `#[model(primary_key)]`: composite primary keys are not supported; keep one and make the others `#[model(unique)]`",
            )
            .with_span(&fields[*extra].ident),
        );
    }
    let key = marked.first().copied().or_else(|| fields.iter().position(|f| f.name() == "id"));
    let Some(key) = key else {
        errors.push(
            darling::Error::custom(format!(
                "`{model}` has no primary key: add a field `id`, or mark the key field with `#[model(primary_key)]`"
            ))
            .with_span(model),
        );
        return None;
    };
    if is_option(&fields[key].ty) {
        errors.push(
            darling::Error::custom("a primary key cannot be an `Option`: remove the `Option`")
                .with_span(&fields[key].ty),
        );
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
    for marker in ["created_at", "updated_at"] {
        let marked: Vec<&Field> =
            fields.iter().filter(|f| if marker == "created_at" { f.created_at } else { f.updated_at }).collect();
        if let [_, extra, ..] = marked.as_slice() {
            errors.push(darling::Error::custom(format!("only one field can be `{marker}`")).with_span(&extra.ident));
        }
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
