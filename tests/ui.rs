//! Compile-time diagnostics: every `tests/ui/fail/*.rs` must fail with exactly its `.stderr`,
//! every `tests/ui/pass/*.rs` must compile. Regenerate snapshots with `TRYBUILD=overwrite`.
//!
//! The snapshots are taken with `--all-features` (rustc lists the implementors of a trait in
//! some messages, and the chrono types are among them), so other feature sets skip with a
//! notice. They are rustc's exact words, so they are pinned to the toolchain of
//! `rust-toolchain.toml`: under another compiler the test fails and says so, rather than
//! reporting a changed message as a regression (or, with `TRYBUILD=overwrite`, silently
//! rewriting every snapshot).

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
}
