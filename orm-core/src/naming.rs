//! What one model's derive may read of another model at compile time: its names and its key.
//!
//! A derive sees only the struct it is attached to, so the defaults that Sequelize derives from
//! the *target* of an association (the alias from the target's name, a foreign key from the
//! target's primary key) are resolved through [`ModelNames`], a constant of every model, with
//! `const fn`s that build names and error messages while the user's crate compiles. A default
//! that cannot be followed becomes a compile error naming the exact option to write, never a
//! silently different name.

/// The names of a model, as constants other models' derives can read (`Model::NAMES`).
#[derive(Debug, Clone, Copy)]
pub struct ModelNames {
    /// The singular name (`#[model(name(singular = …))]`, else the struct in snake_case).
    pub singular: &'static str,
    /// The plural name.
    pub plural: &'static str,
    /// The primary-key fields, in key order.
    pub primary_key: &'static [&'static str],
}

impl ModelNames {
    /// The primary-key field of a one-column key; `""` for a composite key.
    pub const fn key(&self) -> &'static str {
        if self.primary_key.len() == 1 { self.primary_key[0] } else { "" }
    }
}

/// Whether `a` and `b` hold the same names, in any order, in a constant.
pub const fn same_fields(a: &[&str], b: &[&str]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if !contains(a, b[i]) {
            return false;
        }
        i += 1;
    }
    true
}

/// `a == b`, in a constant.
pub const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether `list` holds `item`, in a constant.
pub const fn contains(list: &[&str], item: &str) -> bool {
    let mut i = 0;
    while i < list.len() {
        if str_eq(list[i], item) {
            return true;
        }
        i += 1;
    }
    false
}

/// The length of `parts` joined, for [`concat()`]'s array.
pub const fn concat_len(parts: &[&str]) -> usize {
    let mut len = 0;
    let mut i = 0;
    while i < parts.len() {
        len += parts[i].len();
        i += 1;
    }
    len
}

/// `parts` joined into an array of `N` bytes (`N` from [`concat_len`]).
pub const fn concat<const N: usize>(parts: &[&str]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut at = 0;
    let mut i = 0;
    while i < parts.len() {
        let bytes = parts[i].as_bytes();
        let mut j = 0;
        while j < bytes.len() && at < N {
            out[at] = bytes[j];
            at += 1;
            j += 1;
        }
        i += 1;
    }
    out
}

/// The text of bytes built by [`concat()`] or [`key_column`] (always UTF-8: they only join and
/// re-case ASCII within UTF-8 strings).
pub const fn utf8(bytes: &[u8]) -> &str {
    match core::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(_) => "",
    }
}

/// The renaming rules of `#[model(rename_all = …)]`, as numbered for [`key_column`].
pub mod rule {
    /// `snake_case` (and no rule).
    pub const SNAKE: u8 = 0;
    /// `camelCase`
    pub const CAMEL: u8 = 1;
    /// `PascalCase`
    pub const PASCAL: u8 = 2;
    /// `SCREAMING_SNAKE_CASE`
    pub const SCREAMING: u8 = 3;
    /// `kebab-case`
    pub const KEBAB: u8 = 4;
}

/// The length of [`key_column`]'s name.
pub const fn key_column_len(prefix: &str, key: &str, rule: u8) -> usize {
    write_key_column(prefix, key, rule, &mut [])
}

/// The default key column `{prefix}_{key}` renamed by `rule` (`project` and `id` give
/// `project_id`, or `projectId` in camelCase), as `N` bytes (`N` from [`key_column_len`]).
pub const fn key_column<const N: usize>(prefix: &str, key: &str, rule: u8) -> [u8; N] {
    let mut out = [0u8; N];
    write_key_column(prefix, key, rule, &mut out);
    out
}

/// Writes the renamed `{prefix}_{key}` into `out` (when it is long enough) and returns its
/// length. Words are separated by `_` or `-`.
const fn write_key_column(prefix: &str, key: &str, rule: u8, out: &mut [u8]) -> usize {
    let parts = [prefix.as_bytes(), b"_", key.as_bytes()];
    let separator: Option<u8> = match rule {
        rule::CAMEL | rule::PASCAL => None,
        rule::KEBAB => Some(b'-'),
        _ => Some(b'_'),
    };
    let mut len = 0;
    let mut word_start = true;
    let mut first_word = true;
    let mut p = 0;
    while p < parts.len() {
        let bytes = parts[p];
        let mut i = 0;
        while i < bytes.len() {
            let byte = bytes[i];
            i += 1;
            if byte == b'_' || byte == b'-' {
                if !word_start {
                    word_start = true;
                    first_word = false;
                }
                continue;
            }
            if word_start
                && !first_word
                && let Some(separator) = separator
            {
                if len < out.len() {
                    out[len] = separator;
                }
                len += 1;
            }
            let upper = match rule {
                rule::SCREAMING => true,
                rule::PASCAL => word_start,
                rule::CAMEL => word_start && !first_word,
                _ => false,
            };
            let cased = if upper { byte.to_ascii_uppercase() } else { byte.to_ascii_lowercase() };
            if len < out.len() {
                out[len] = cased;
            }
            len += 1;
            word_start = false;
        }
        p += 1;
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(prefix: &str, key: &str, rule: u8) -> String {
        let mut out = vec![0u8; key_column_len(prefix, key, rule)];
        write_key_column(prefix, key, rule, &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn key_columns_follow_the_rename_rules() {
        assert_eq!(column("project", "id", rule::SNAKE), "project_id");
        assert_eq!(column("company", "uuid", rule::CAMEL), "companyUuid");
        assert_eq!(column("big_company", "tax_id", rule::CAMEL), "bigCompanyTaxId");
        assert_eq!(column("task", "id", rule::PASCAL), "TaskId");
        assert_eq!(column("task", "id", rule::SCREAMING), "TASK_ID");
        assert_eq!(column("task", "id", rule::KEBAB), "task-id");
    }

    #[test]
    fn constants_join_and_compare() {
        const PARTS: &[&str] = &["a", "bé", "c"];
        const BYTES: [u8; concat_len(PARTS)] = concat(PARTS);
        assert_eq!(utf8(&BYTES), "abéc");
        assert!(str_eq("id", "id") && !str_eq("id", "uuid"));
        assert!(contains(&["a", "b"], "b") && !contains(&["a"], "b"));
    }
}
