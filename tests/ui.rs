//! Compile-time diagnostics: every `tests/ui/fail/*.rs` must fail with exactly its `.stderr`,
//! every `tests/ui/pass/*.rs` must compile. Regenerate snapshots with `TRYBUILD=overwrite`.
//!
//! The snapshots are taken with `--all-features` (rustc lists the implementors of a trait in
//! some messages, and the chrono types are among them), so other feature sets skip with a
//! notice. They are rustc's exact words, so they are pinned to the toolchain of
//! `rust-toolchain.toml`: under another compiler the test fails and says so, rather than
//! reporting a changed message as a regression (or, with `TRYBUILD=overwrite`, silently
//! rewriting every snapshot).
#![allow(clippy::expect_used, clippy::panic)]

use std::process::Command;

/// The `channel` of `rust-toolchain.toml`.
fn pinned_toolchain() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/rust-toolchain.toml");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .find_map(|line| line.trim().strip_prefix("channel = "))
        .map(|value| value.trim_matches('"').to_owned())
        .unwrap_or_else(|| panic!("{path} names no channel"))
}

/// The version of the compiler trybuild will run (`rustc 1.95.0 (…)` → `1.95.0`).
fn running_rustc() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let output = Command::new(&rustc).arg("--version").output().unwrap_or_else(|e| panic!("{rustc} --version: {e}"));
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.split_whitespace().nth(1).unwrap_or_default().to_owned()
}

#[test]
fn ui() {
    if !cfg!(all(feature = "chrono", feature = "postgres", feature = "serde")) {
        eprintln!("notice: compile-error snapshots skipped: they are taken with `--all-features`");
        return;
    }
    let (pinned, running) = (pinned_toolchain(), running_rustc());
    assert_eq!(
        running, pinned,
        "the compile-error snapshots are rustc {pinned}'s words (rust-toolchain.toml), but this is rustc {running}: \
         run the tests with the pinned toolchain, or move the pin and review every snapshot `TRYBUILD=overwrite` rewrites"
    );
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
    cases.pass("tests/ui/pass/*.rs");
    drop(cases);
    snapshots_name_no_internals();
}

/// No snapshot shows a hash where a name belongs (`HasField<7696373693962291038>`) or points
/// into orm-core's source (`--> orm-core/src/…`): every diagnostic is in the user's words, at
/// the user's code.
fn snapshots_name_no_internals() {
    let mut offenders = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir("tests/ui/fail")
        .expect("tests/ui/fail is readable")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "stderr"))
        .collect();
    entries.sort();
    for path in entries {
        let text = std::fs::read_to_string(&path).expect("a snapshot is readable");
        let pending =
            path.file_name().and_then(|name| name.to_str()).is_some_and(|name| POINTS_INTO_ORM_CORE.contains(&name));
        if text.contains("orm-core/") && !pending {
            offenders.push(format!("{}: points into orm-core's source", path.display()));
        }
        if has_hashed_name(&text) {
            offenders.push(format!("{}: names a field by a hash (`HasField<digits>`)", path.display()));
        }
    }
    assert!(offenders.is_empty(), "snapshots with internals:\n{}", offenders.join("\n"));
}

/// The snapshots that may point into orm-core's source: none. (`filter`, `order_by`, `include`,
/// `through_filter`, an upsert's columns, `select`, `group_by`, `aggregate`, the aggregate
/// shortcuts and `increment` are prelude traits whose bound is the model's own or a blanket
/// impl's; the column comparisons are prelude traits whose argument carries the bound; the
/// aggregates and `asc()`/`desc()` are checked where they are used; hooks are checked by
/// `#[orm::hooks]`.)
const POINTS_INTO_ORM_CORE: &[&str] = &[];

/// Whether `text` holds `HasField<` followed by a digit (a field named by its hash).
fn has_hashed_name(text: &str) -> bool {
    text.match_indices("HasField<")
        .any(|(at, needle)| text[at + needle.len()..].chars().next().is_some_and(|c| c.is_ascii_digit()))
}
