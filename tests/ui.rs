//! Compile-time diagnostics: every `tests/ui/fail/*.rs` must fail with exactly its `.stderr`,
//! every `tests/ui/pass/*.rs` must compile. Regenerate snapshots with `TRYBUILD=overwrite`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
