//! The `orm-bench` binary: the harness of the library, the ORM against hand-written sqlx (see
//! the library's documentation for the command line).

fn main() -> orm_bench::BenchResult<()> {
    orm_bench::run_main(&[])
}
