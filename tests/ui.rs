//! Compile-time diagnostics: every `tests/ui/fail/*.rs` must fail with exactly its `.stderr`,
//! every `tests/ui/pass/*.rs` must compile. Regenerate snapshots with `TRYBUILD=overwrite`.
//!
//! The snapshots are taken with `--all-features` (rustc lists the implementors of a trait in
//! some messages, and the chrono types are among them), so other feature sets skip with a
//! notice.

#[test]
fn ui() {
    if !cfg!(all(feature = "chrono", feature = "postgres", feature = "serde")) {
        eprintln!("notice: compile-error snapshots skipped: they are taken with `--all-features`");
        return;
    }
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
