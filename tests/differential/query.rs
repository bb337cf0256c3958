//! Queries against a reference engine, SQLancer style: proptest generates rows holding every
//! scalar type (NULLs, extremes, ±0.0, ±∞ and NaN where the backend stores them, text with
//! wildcards, escapes, case and Unicode) and filter trees over them (comparisons, `eq(None)`,
//! lists of 0 to 2,000 values with and without NULL, `like`/`ilike`, `is_null`, nested
//! `and`/`or`/`not`) with ordering and paging. Each query runs on every backend (SQLite,
//! PostgreSQL and MariaDB) and through [`Reference`], an in-memory evaluator of SQL's
//! three-valued logic written to the semantics in `API.md`; the ids (in order) and the counts
//! must agree. A second oracle, ternary logic partitioning, holds on each backend:
//! `count(*) - count(p) - count(!p)` is the number of rows where `p` is UNKNOWN.
//!
//! Besides the property, `lists_of_every_length_and_type_…` runs every list length a backend
//! spells differently on every column, `pinned_edge_cases_…` runs hand-picked edge cases on
//! every build, `nan_is_rejected_…` and `infinities_are_refused_…` check the float writes a
//! backend cannot store, and `mariadb_lower_…` checks the reference's MariaDB case folding
//! against the server.
//!
//! A failure prints the shrunk case as Rust: the rows and the queries, e.g.
//! `Probe::find().filter(Probe::o_text().ilike("\\%")).order_by(Probe::id().asc())`.
//!
//! Backend differences the reference models (the only ones): `ilike` folds ASCII letters on
//! SQLite, all of Unicode (one character at a time, as PostgreSQL's `lower()`) on PostgreSQL,
//! and on MariaDB all of Unicode but the 792 capitals its case table lacks
//! ([`MARIADB_UNLOWERED`]: ẞ, Georgian, Cherokee, those outside the BMP, …); SQLite cannot
//! store NaN, so the SQLite run sees every generated NaN as +∞; MariaDB stores neither NaN nor
//! ±∞, so its rows hold MAX for NaN and +∞ and MIN for −∞, and its filters MAX for NaN (they
//! keep ±∞, which MariaDB compares with) — see [`Floats`]; the ORM must refuse those writes
//! (checked by [`nan_is_rejected_on_sqlite_and_mariadb_and_round_trips_on_postgres`] and
//! [`infinities_are_refused_on_mariadb_and_round_trip_elsewhere`]); SQLite's `like`/`ilike`
//! read the noncharacters U+FFFE and U+FFFF as U+FFFD. Text never holds U+0000, which
//! PostgreSQL's `text` cannot store.

use std::cmp::Ordering;
use std::fmt::{self, Write as _};

use orm::prelude::*;
use orm::{Column, Comparable, Order, Select, SqlValue};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};

use crate::support::{self, Backend, Backends};
use rust_decimal::Decimal;
use uuid::Uuid;

mod aggregates;

/// A text enum: ordered by its stored text (`"high" < "low" < "mid" < "very_high"`).
#[derive(orm::Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[orm(rename_all = "snake_case")]
pub enum Level {
    #[default]
    Low,
    Mid,
    High,
    VeryHigh,
}

impl Level {
    const ALL: [Level; 4] = [Level::Low, Level::Mid, Level::High, Level::VeryHigh];

    fn stored(self) -> &'static str {
        match self {
            Level::Low => "low",
            Level::Mid => "mid",
            Level::High => "high",
            Level::VeryHigh => "very_high",
        }
    }
}

/// One column of every scalar type the ORM stores, NOT NULL and nullable.
#[derive(Model, Debug, Clone, PartialEq, Default)]
pub struct Probe {
    pub id: i64,
    pub small: i16,
    pub int: i32,
    pub big: i64,
    pub real: f32,
    pub double: f64,
    pub flag: bool,
    pub text: String,
    pub bytes: Vec<u8>,
    pub o_small: Option<i16>,
    pub o_int: Option<i32>,
    pub o_big: Option<i64>,
    pub o_real: Option<f32>,
    pub o_double: Option<f64>,
    pub o_flag: Option<bool>,
    pub o_text: Option<String>,
    pub o_bytes: Option<Vec<u8>>,
    pub uuid: Uuid,
    pub dec: Decimal,
    pub doc: serde_json::Value,
    pub level: Level,
    pub o_uuid: Option<Uuid>,
    pub o_dec: Option<Decimal>,
    pub o_doc: Option<serde_json::Value>,
    pub o_level: Option<Level>,
}

// ---------------------------------------------------------------------------------------------
// Columns and values
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    I16,
    I32,
    I64,
    F32,
    F64,
    Bool,
    Text,
    Bytes,
    Uuid,
    Dec,
    Doc,
    Level,
}

impl Kind {
    fn rust(self) -> &'static str {
        match self {
            Kind::I16 => "i16",
            Kind::I32 => "i32",
            Kind::I64 => "i64",
            Kind::F32 => "f32",
            Kind::F64 => "f64",
            Kind::Bool => "bool",
            Kind::Text => "String",
            Kind::Bytes => "Vec<u8>",
            Kind::Uuid => "Uuid",
            Kind::Dec => "Decimal",
            Kind::Doc => "serde_json::Value",
            Kind::Level => "Level",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Col {
    Small,
    Int,
    Big,
    Real,
    Double,
    Flag,
    Text,
    Bytes,
    OSmall,
    OInt,
    OBig,
    OReal,
    ODouble,
    OFlag,
    OText,
    OBytes,
    Uuid,
    Dec,
    Doc,
    Level,
    OUuid,
    ODec,
    ODoc,
    OLevel,
}

impl Col {
    const ALL: [Col; 24] = [
        Col::Small,
        Col::Int,
        Col::Big,
        Col::Real,
        Col::Double,
        Col::Flag,
        Col::Text,
        Col::Bytes,
        Col::OSmall,
        Col::OInt,
        Col::OBig,
        Col::OReal,
        Col::ODouble,
        Col::OFlag,
        Col::OText,
        Col::OBytes,
        Col::Uuid,
        Col::Dec,
        Col::Doc,
        Col::Level,
        Col::OUuid,
        Col::ODec,
        Col::ODoc,
        Col::OLevel,
    ];

    /// Whether `lt`/`gt` and ordering apply: every column but JSON's (`orm::Comparable`).
    fn ordered(self) -> bool {
        self.kind() != Kind::Doc
    }

    fn name(self) -> &'static str {
        match self {
            Col::Small => "small",
            Col::Int => "int",
            Col::Big => "big",
            Col::Real => "real",
            Col::Double => "double",
            Col::Flag => "flag",
            Col::Text => "text",
            Col::Bytes => "bytes",
            Col::OSmall => "o_small",
            Col::OInt => "o_int",
            Col::OBig => "o_big",
            Col::OReal => "o_real",
            Col::ODouble => "o_double",
            Col::OFlag => "o_flag",
            Col::OText => "o_text",
            Col::OBytes => "o_bytes",
            Col::Uuid => "uuid",
            Col::Dec => "dec",
            Col::Doc => "doc",
            Col::Level => "level",
            Col::OUuid => "o_uuid",
            Col::ODec => "o_dec",
            Col::ODoc => "o_doc",
            Col::OLevel => "o_level",
        }
    }

    fn kind(self) -> Kind {
        match self {
            Col::Small | Col::OSmall => Kind::I16,
            Col::Int | Col::OInt => Kind::I32,
            Col::Big | Col::OBig => Kind::I64,
            Col::Real | Col::OReal => Kind::F32,
            Col::Double | Col::ODouble => Kind::F64,
            Col::Flag | Col::OFlag => Kind::Bool,
            Col::Text | Col::OText => Kind::Text,
            Col::Bytes | Col::OBytes => Kind::Bytes,
            Col::Uuid | Col::OUuid => Kind::Uuid,
            Col::Dec | Col::ODec => Kind::Dec,
            Col::Doc | Col::ODoc => Kind::Doc,
            Col::Level | Col::OLevel => Kind::Level,
        }
    }

    fn nullable(self) -> bool {
        matches!(
            self,
            Col::OSmall
                | Col::OInt
                | Col::OBig
                | Col::OReal
                | Col::ODouble
                | Col::OFlag
                | Col::OText
                | Col::OBytes
                | Col::OUuid
                | Col::ODec
                | Col::ODoc
                | Col::OLevel
        )
    }

    fn get(self, p: &Probe) -> Option<V> {
        match self {
            Col::Small => Some(V::I16(p.small)),
            Col::Int => Some(V::I32(p.int)),
            Col::Big => Some(V::I64(p.big)),
            Col::Real => Some(V::F32(p.real)),
            Col::Double => Some(V::F64(p.double)),
            Col::Flag => Some(V::Bool(p.flag)),
            Col::Text => Some(V::Text(p.text.clone())),
            Col::Bytes => Some(V::Bytes(p.bytes.clone())),
            Col::OSmall => p.o_small.map(V::I16),
            Col::OInt => p.o_int.map(V::I32),
            Col::OBig => p.o_big.map(V::I64),
            Col::OReal => p.o_real.map(V::F32),
            Col::ODouble => p.o_double.map(V::F64),
            Col::OFlag => p.o_flag.map(V::Bool),
            Col::OText => p.o_text.clone().map(V::Text),
            Col::OBytes => p.o_bytes.clone().map(V::Bytes),
            Col::Uuid => Some(V::Uuid(p.uuid)),
            Col::Dec => Some(V::Dec(p.dec)),
            Col::Doc => Some(V::Doc(p.doc.clone())),
            Col::Level => Some(V::Level(p.level)),
            Col::OUuid => p.o_uuid.map(V::Uuid),
            Col::ODec => p.o_dec.map(V::Dec),
            Col::ODoc => p.o_doc.clone().map(V::Doc),
            Col::OLevel => p.o_level.map(V::Level),
        }
    }

    /// Sets the column of `p` to `value` (of the column's type).
    fn set(self, p: &mut Probe, value: &Option<V>) {
        match self {
            Col::Small => p.small = Lift::lift(value),
            Col::Int => p.int = Lift::lift(value),
            Col::Big => p.big = Lift::lift(value),
            Col::Real => p.real = Lift::lift(value),
            Col::Double => p.double = Lift::lift(value),
            Col::Flag => p.flag = Lift::lift(value),
            Col::Text => p.text = Lift::lift(value),
            Col::Bytes => p.bytes = Lift::lift(value),
            Col::OSmall => p.o_small = Lift::lift(value),
            Col::OInt => p.o_int = Lift::lift(value),
            Col::OBig => p.o_big = Lift::lift(value),
            Col::OReal => p.o_real = Lift::lift(value),
            Col::ODouble => p.o_double = Lift::lift(value),
            Col::OFlag => p.o_flag = Lift::lift(value),
            Col::OText => p.o_text = Lift::lift(value),
            Col::OBytes => p.o_bytes = Lift::lift(value),
            Col::Uuid => p.uuid = Lift::lift(value),
            Col::Dec => p.dec = Lift::lift(value),
            Col::Doc => p.doc = Lift::lift(value),
            Col::Level => p.level = Lift::lift(value),
            Col::OUuid => p.o_uuid = Lift::lift(value),
            Col::ODec => p.o_dec = Lift::lift(value),
            Col::ODoc => p.o_doc = Lift::lift(value),
            Col::OLevel => p.o_level = Lift::lift(value),
        }
    }
}

/// Bitwise equal (so -0.0 differs from 0.0, and NaN equals NaN).
fn identical(a: &Option<V>, b: &Option<V>) -> bool {
    match (a, b) {
        (Some(V::F32(a)), Some(V::F32(b))) => a.to_bits() == b.to_bits(),
        (Some(V::F64(a)), Some(V::F64(b))) => a.to_bits() == b.to_bits(),
        (a, b) => a == b,
    }
}

/// A non-NULL value of one column.
#[derive(Clone, Debug, PartialEq)]
enum V {
    I16(i16),
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
    Bool(bool),
    Text(String),
    Bytes(Vec<u8>),
    Uuid(Uuid),
    Dec(Decimal),
    /// A document in the ORM's canonical form ([`canonical_doc`]).
    Doc(serde_json::Value),
    Level(Level),
}

/// How a backend's run sees the generated floats (each run checks its own rows and filters
/// against the reference; the values it cannot store are checked by
/// [`nan_is_rejected_on_sqlite_and_mariadb_and_round_trips_on_postgres`] and
/// [`infinities_are_refused_on_mariadb_and_round_trip_elsewhere`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Floats {
    /// As generated: PostgreSQL stores NaN and ±∞.
    Exact,
    /// NaN as +∞, in rows and filters: SQLite cannot store NaN (the ORM refuses to bind it).
    NanAsInfinity,
    /// In rows, NaN and +∞ as MAX and −∞ as MIN; in filters, NaN as MAX: MariaDB stores neither
    /// NaN (the ORM refuses to bind it) nor ±∞ (the server refuses them), but compares with ±∞.
    Finite,
}

impl Floats {
    fn of(backend: &str) -> Floats {
        match backend {
            "postgres" => Floats::Exact,
            "sqlite" => Floats::NanAsInfinity,
            "mariadb" => Floats::Finite,
            other => panic!("no float rules for the backend {other:?}"),
        }
    }

    /// A generated `f64` as this backend's run writes it: in a row when `row`, else in a filter.
    fn f64(self, v: f64, row: bool) -> f64 {
        match self {
            Floats::NanAsInfinity if v.is_nan() => f64::INFINITY,
            Floats::Finite if v.is_nan() || (row && v == f64::INFINITY) => f64::MAX,
            Floats::Finite if row && v == f64::NEG_INFINITY => f64::MIN,
            _ => v,
        }
    }

    /// A generated `f32` as this backend's run writes it: in a row when `row`, else in a filter.
    fn f32(self, v: f32, row: bool) -> f32 {
        match self {
            Floats::NanAsInfinity if v.is_nan() => f32::INFINITY,
            Floats::Finite if v.is_nan() || (row && v == f32::INFINITY) => f32::MAX,
            Floats::Finite if row && v == f32::NEG_INFINITY => f32::MIN,
            _ => v,
        }
    }

    /// A row as this backend's run writes it.
    fn row(self, row: Probe) -> Probe {
        Probe {
            real: self.f32(row.real, true),
            double: self.f64(row.double, true),
            o_real: row.o_real.map(|v| self.f32(v, true)),
            o_double: row.o_double.map(|v| self.f64(v, true)),
            ..row
        }
    }

    /// A filter's operand as this backend's run binds it.
    fn operand(self, value: V) -> V {
        match value {
            V::F32(v) => V::F32(self.f32(v, false)),
            V::F64(v) => V::F64(self.f64(v, false)),
            other => other,
        }
    }
}

/// Compares floats as the databases do: IEEE order with -0.0 = 0.0, and (PostgreSQL's rule, the
/// only backend storing it) NaN equal to NaN and above every number.
fn float_cmp(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

/// Orders two values of one column; text by code point, bytes bytewise.
fn value_cmp(a: &V, b: &V) -> Ordering {
    match (a, b) {
        (V::I16(a), V::I16(b)) => a.cmp(b),
        (V::I32(a), V::I32(b)) => a.cmp(b),
        (V::I64(a), V::I64(b)) => a.cmp(b),
        (V::F32(a), V::F32(b)) => float_cmp(f64::from(*a), f64::from(*b)),
        (V::F64(a), V::F64(b)) => float_cmp(*a, *b),
        (V::Bool(a), V::Bool(b)) => a.cmp(b),
        (V::Text(a), V::Text(b)) => a.cmp(b),
        (V::Bytes(a), V::Bytes(b)) => a.cmp(b),
        // Bytewise on every backend (PostgreSQL's `uuid`, SQLite's blob, MariaDB's BINARY(16)).
        (V::Uuid(a), V::Uuid(b)) => a.cmp(b),
        (V::Dec(a), V::Dec(b)) => a.cmp(b),
        (V::Level(a), V::Level(b)) => a.stored().cmp(b.stored()),
        // Documents compare only for equality; any total order serves the rest.
        (V::Doc(a), V::Doc(b)) if a == b => Ordering::Equal,
        (V::Doc(a), V::Doc(b)) => a.to_string().cmp(&b.to_string()),
        (a, b) => panic!("compared values of two types: {a:?} and {b:?}"),
    }
}

/// NULL sorts as the largest value.
fn nullable_cmp(a: &Option<V>, b: &Option<V>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(a), Some(b)) => value_cmp(a, b),
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering as Rust
// ---------------------------------------------------------------------------------------------

fn rust_f32(v: f32) -> String {
    if v.is_nan() {
        "f32::NAN".into()
    } else if v == f32::INFINITY {
        "f32::INFINITY".into()
    } else if v == f32::NEG_INFINITY {
        "f32::NEG_INFINITY".into()
    } else if v == f32::MAX {
        "f32::MAX".into()
    } else if v == f32::MIN {
        "f32::MIN".into()
    } else {
        format!("{v:?}_f32")
    }
}

fn rust_f64(v: f64) -> String {
    if v.is_nan() {
        "f64::NAN".into()
    } else if v == f64::INFINITY {
        "f64::INFINITY".into()
    } else if v == f64::NEG_INFINITY {
        "f64::NEG_INFINITY".into()
    } else if v == f64::MAX {
        "f64::MAX".into()
    } else if v == f64::MIN {
        "f64::MIN".into()
    } else {
        format!("{v:?}_f64")
    }
}

macro_rules! rust_int {
    ($v:expr, $ty:ident) => {
        if $v == $ty::MIN {
            concat!(stringify!($ty), "::MIN").to_owned()
        } else if $v == $ty::MAX {
            concat!(stringify!($ty), "::MAX").to_owned()
        } else {
            format!(concat!("{}_", stringify!($ty)), $v)
        }
    };
}

impl fmt::Display for V {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            V::I16(v) => f.write_str(&rust_int!(*v, i16)),
            V::I32(v) => f.write_str(&rust_int!(*v, i32)),
            V::I64(v) => f.write_str(&rust_int!(*v, i64)),
            V::F32(v) => f.write_str(&rust_f32(*v)),
            V::F64(v) => f.write_str(&rust_f64(*v)),
            V::Bool(v) => write!(f, "{v}"),
            V::Text(v) => write!(f, "{v:?}"),
            V::Bytes(v) => write!(f, "vec!{v:?}"),
            V::Uuid(v) => write!(f, "Uuid::from_u128({:#x})", v.as_u128()),
            V::Dec(v) if *v == Decimal::MAX => f.write_str("Decimal::MAX"),
            V::Dec(v) if *v == Decimal::MIN => f.write_str("Decimal::MIN"),
            V::Dec(v) => write!(f, "Decimal::from_str_exact({:?})?", v.to_string()),
            V::Doc(v) => write!(f, "serde_json::json!({v})"),
            V::Level(v) => write!(f, "Level::{v:?}"),
        }
    }
}

/// A value as the Rust operand of a column: `x` for NOT NULL columns, `Some(x)`/`None` for
/// `Option` columns.
struct Operand<'a>(Col, &'a Option<V>);

impl fmt::Display for Operand<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0.nullable(), self.1) {
            (true, None) => f.write_str("None"),
            (true, Some(v)) => write!(f, "Some({v})"),
            (false, Some(v)) => write!(f, "{v}"),
            (false, None) => f.write_str("/* NULL on a NOT NULL column */ None"),
        }
    }
}

/// A row as a Rust struct literal.
struct RustRow<'a>(&'a Probe);

impl fmt::Display for RustRow<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Probe {{ id: {}", self.0.id)?;
        let default = Probe::default();
        for col in Col::ALL {
            let value = col.get(self.0);
            if !identical(&value, &col.get(&default)) {
                write!(f, ", {}: {}", col.name(), Operand(col, &value))?;
            }
        }
        f.write_str(", ..Default::default() }")
    }
}

// ---------------------------------------------------------------------------------------------
// Filters, queries and cases: generated specs, resolved against the data
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Ne => "ne",
            Op::Lt => "lt",
            Op::Le => "le",
            Op::Gt => "gt",
            Op::Ge => "ge",
        }
    }

    fn holds(self, ordering: Ordering) -> bool {
        match self {
            Op::Eq => ordering == Ordering::Equal,
            Op::Ne => ordering != Ordering::Equal,
            Op::Lt => ordering == Ordering::Less,
            Op::Le => ordering != Ordering::Greater,
            Op::Gt => ordering == Ordering::Greater,
            Op::Ge => ordering != Ordering::Less,
        }
    }
}

/// An `IN` list: generated values followed by `len - head.len()` deterministic fillers (long
/// lists stay cheap to shrink: they shrink to shorter alternatives, and their head shrinks).
#[derive(Clone, Debug)]
struct ListSpec {
    head: Vec<Option<V>>,
    len: usize,
    seed: u16,
}

/// How one character of the source text enters a `like` pattern.
#[derive(Clone, Copy, Debug)]
enum PatAct {
    /// The character, escaped when it is `%`, `_` or `\`.
    Lit,
    /// The character as is: a `%`, `_` or `\` in the data acts as a wildcard or an escape.
    Raw,
    /// `_`
    One,
    /// `%`
    Run,
    /// Nothing.
    Drop,
    /// The character in the other case (escaped when special).
    Flip,
    /// `%` then the escaped character.
    RunLit,
}

#[derive(Clone, Debug)]
enum PatSource {
    /// A text of the generated rows (any if there are none).
    Data(Index),
    /// A pattern used as is.
    Literal(String),
}

/// A case mapping of the whole source text, before the per-character actions.
#[derive(Clone, Copy, Debug)]
enum CaseMap {
    Keep,
    Upper,
    Lower,
}

#[derive(Clone, Debug)]
struct PatSpec {
    source: PatSource,
    case: CaseMap,
    acts: Vec<PatAct>,
    lead: bool,
    trail: bool,
    lone_backslash: bool,
}

/// A generated filter tree (patterns and long lists are resolved against the rows: see
/// [`Cond`]).
#[derive(Clone, Debug)]
enum Filter {
    Cmp(Col, Op, Option<V>),
    In(Col, ListSpec, bool),
    Like(Col, PatSpec, bool),
    Null(Col, bool),
    All(Vec<Filter>),
    Any(Vec<Filter>),
    Not(Box<Filter>),
}

#[derive(Clone, Debug)]
struct QuerySpec {
    /// Each is a `.filter(…)` call (the query keeps the rows matching all of them).
    filters: Vec<Filter>,
    order: Vec<(Col, bool)>,
    id_desc: bool,
    limit: Option<u64>,
    offset: Option<u64>,
}

/// A resolved filter: what runs on the backends and in the reference.
#[derive(Clone, Debug)]
enum Cond {
    Cmp(Col, Op, Option<V>),
    In(Col, Vec<Option<V>>, bool),
    Like(Col, String, bool),
    Null(Col, bool),
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
}

/// A resolved query.
#[derive(Clone, Debug)]
struct Query {
    filters: Vec<Cond>,
    order: Vec<(Col, bool)>,
    id_desc: bool,
    limit: Option<u64>,
    offset: Option<u64>,
}

impl Query {
    /// What the filters say together.
    fn predicate(&self) -> Option<Cond> {
        match self.filters.as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            all => Some(Cond::All(all.to_vec())),
        }
    }
}

/// Rows (their `id` is their position + 1) and the queries run over them.
#[derive(Clone)]
struct Case {
    rows: Vec<Probe>,
    queries: Vec<QuerySpec>,
}

fn escape_into(pattern: &mut String, c: char) {
    if matches!(c, '%' | '_' | '\\') {
        pattern.push('\\');
    }
    pattern.push(c);
}

fn flip_case(c: char) -> String {
    if c.is_lowercase() { c.to_uppercase().collect() } else { c.to_lowercase().collect() }
}

impl PatSpec {
    fn resolve(&self, texts: &[&str]) -> String {
        let source = match &self.source {
            PatSource::Literal(pattern) => return pattern.clone(),
            PatSource::Data(index) if texts.is_empty() => ["a", "%", "Ab_\\"][index.index(3)],
            PatSource::Data(index) => texts[index.index(texts.len())],
        };
        let source = match self.case {
            CaseMap::Keep => source.to_owned(),
            CaseMap::Upper => source.to_uppercase(),
            CaseMap::Lower => source.to_lowercase(),
        };
        let mut pattern = String::new();
        if self.lead {
            pattern.push('%');
        }
        for (i, c) in source.chars().enumerate() {
            let act = if self.acts.is_empty() { PatAct::Lit } else { self.acts[i % self.acts.len()] };
            match act {
                PatAct::Lit => escape_into(&mut pattern, c),
                PatAct::Raw => pattern.push(c),
                PatAct::One => pattern.push('_'),
                PatAct::Run => pattern.push('%'),
                PatAct::Drop => {}
                PatAct::Flip => flip_case(c).chars().for_each(|c| escape_into(&mut pattern, c)),
                PatAct::RunLit => {
                    pattern.push('%');
                    escape_into(&mut pattern, c);
                }
            }
        }
        if self.trail {
            pattern.push('%');
        }
        if self.lone_backslash {
            pattern.push('\\');
        }
        pattern
    }
}

/// Filler values of long lists: some common values (that also occur in the data), mostly
/// distinct ones.
fn filler(kind: Kind, seed: u16, k: usize) -> V {
    let n = i64::from(seed).wrapping_mul(7919).wrapping_add(k as i64 * 13);
    let common = k.is_multiple_of(7);
    let pick = (usize::from(seed) + k) % 5;
    match kind {
        Kind::I16 if common => V::I16([i16::MIN, -1, 0, 1, i16::MAX][pick]),
        Kind::I16 => V::I16(n as i16),
        Kind::I32 if common => V::I32([i32::MIN, -1, 0, 3, i32::MAX][pick]),
        Kind::I32 => V::I32(n as i32),
        Kind::I64 if common => V::I64([i64::MIN, -1, 0, 2, i64::MAX][pick]),
        Kind::I64 => V::I64(n.wrapping_mul(1_000_003)),
        Kind::F32 if common => V::F32([f32::NEG_INFINITY, -0.0, 1.5, f32::MAX, f32::INFINITY][pick]),
        Kind::F32 => V::F32(n as f32 / 4.0),
        Kind::F64 if common => V::F64([f64::NEG_INFINITY, 0.0, -1.5, f64::MIN_POSITIVE, f64::INFINITY][pick]),
        Kind::F64 => V::F64(n as f64 / 8.0),
        Kind::Bool => V::Bool(k.is_multiple_of(2)),
        Kind::Text if common => V::Text(["", "a", "A", "%", "é"][pick].to_owned()),
        Kind::Text => V::Text(format!("{n}{}", ALPHABET[k % ALPHABET.len()])),
        Kind::Bytes if common => V::Bytes([vec![], vec![0], vec![255], vec![b'a'], vec![0, 255]][pick].clone()),
        Kind::Bytes => V::Bytes(n.to_le_bytes()[..1 + k % 4].to_vec()),
        Kind::Uuid if common => V::Uuid(
            [Uuid::nil(), Uuid::max(), Uuid::from_u128(1), Uuid::from_u128(1 << 64), Uuid::from_u128(u128::MAX - 1)]
                [pick],
        ),
        Kind::Uuid => V::Uuid(Uuid::from_u128((n as u128).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835))),
        Kind::Dec if common => {
            V::Dec([Decimal::ZERO, Decimal::MAX, Decimal::MIN, Decimal::new(15, 1), Decimal::new(-1, 28)][pick])
        }
        Kind::Dec => V::Dec(Decimal::new(n, (k % 29) as u32)),
        Kind::Doc if common => V::Doc(
            [
                serde_json::Value::Null,
                serde_json::json!(true),
                serde_json::json!(0),
                serde_json::json!("a"),
                serde_json::json!({}),
            ][pick]
                .clone(),
        ),
        Kind::Doc => V::Doc(serde_json::json!({ "k": n, "s": ALPHABET[k % ALPHABET.len()].to_string() })),
        Kind::Level => V::Level(Level::ALL[(usize::from(seed) + k) % Level::ALL.len()]),
    }
}

impl ListSpec {
    fn resolve(&self, kind: Kind) -> Vec<Option<V>> {
        let mut values = self.head.clone();
        let start = values.len();
        values.extend((start..self.len).map(|k| Some(filler(kind, self.seed, k))));
        values
    }
}

impl Filter {
    fn resolve(&self, texts: &[&str]) -> Cond {
        match self {
            Filter::Cmp(col, op, value) => Cond::Cmp(*col, *op, value.clone()),
            Filter::In(col, list, negated) => Cond::In(*col, list.resolve(col.kind()), *negated),
            Filter::Like(col, pattern, ci) => Cond::Like(*col, pattern.resolve(texts), *ci),
            Filter::Null(col, negated) => Cond::Null(*col, *negated),
            Filter::All(items) => Cond::All(items.iter().map(|f| f.resolve(texts)).collect()),
            Filter::Any(items) => Cond::Any(items.iter().map(|f| f.resolve(texts)).collect()),
            Filter::Not(item) => Cond::Not(Box::new(item.resolve(texts))),
        }
    }
}

impl Cond {
    /// The filter with its float operands as a backend binds them.
    fn with_floats(self, floats: Floats) -> Cond {
        let operand = |value: Option<V>| value.map(|v| floats.operand(v));
        match self {
            Cond::Cmp(col, op, value) => Cond::Cmp(col, op, operand(value)),
            Cond::In(col, values, negated) => Cond::In(col, values.into_iter().map(operand).collect(), negated),
            Cond::All(items) => Cond::All(items.into_iter().map(|c| c.with_floats(floats)).collect()),
            Cond::Any(items) => Cond::Any(items.into_iter().map(|c| c.with_floats(floats)).collect()),
            Cond::Not(item) => Cond::Not(Box::new(item.with_floats(floats))),
            other => other,
        }
    }
}

/// The longest list a failure prints in full (the generators make lists of up to 2,000).
const MAX_SHOWN: usize = 2_000;

impl fmt::Display for Cond {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cond::Cmp(col, op, value) => {
                write!(f, "Probe::{}().{}({})", col.name(), op.name(), Operand(*col, value))
            }
            Cond::In(col, values, negated) => {
                let method = if *negated { "not_in" } else { "is_in" };
                if values.is_empty() {
                    let ty = if col.nullable() {
                        format!("Option<{}>", col.kind().rust())
                    } else {
                        col.kind().rust().into()
                    };
                    return write!(f, "Probe::{}().{method}(Vec::<{ty}>::new())", col.name());
                }
                write!(f, "Probe::{}().{method}([", col.name())?;
                // Lists longer than the generated ones (the list test's, of up to 65,536
                // values) show their first values and the NULLs and infinities among the rest.
                let shown = if values.len() > MAX_SHOWN { &values[..8] } else { &values[..] };
                for (i, value) in shown.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}", Operand(*col, value))?;
                }
                if shown.len() < values.len() {
                    let mut special: Vec<String> = Vec::new();
                    for value in &values[shown.len()..] {
                        let shown = match value {
                            None => Some("None".to_owned()),
                            Some(V::F32(v)) if !v.is_finite() => Some(rust_f32(*v)),
                            Some(V::F64(v)) if !v.is_finite() => Some(rust_f64(*v)),
                            _ => None,
                        };
                        special.extend(shown.filter(|s| !special.contains(s)));
                    }
                    write!(f, ", /* {} more", values.len() - shown.len())?;
                    if !special.is_empty() {
                        write!(f, ", among them {}", special.join(", "))?;
                    }
                    f.write_str(" */")?;
                }
                write!(f, "]) /* {} values */", values.len())
            }
            Cond::Like(col, pattern, ci) => {
                write!(f, "Probe::{}().{}({pattern:?})", col.name(), if *ci { "ilike" } else { "like" })
            }
            Cond::Null(col, negated) => {
                write!(f, "Probe::{}().{}()", col.name(), if *negated { "is_not_null" } else { "is_null" })
            }
            Cond::All(items) if items.len() == 2 => write!(f, "{}.and({})", items[0], items[1]),
            Cond::Any(items) if items.len() == 2 => write!(f, "{}.or({})", items[0], items[1]),
            Cond::All(items) | Cond::Any(items) => {
                f.write_str(if matches!(self, Cond::All(_)) { "Expr::all([" } else { "Expr::any([" })?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("])")
            }
            Cond::Not(item) => write!(f, "!{item}"),
        }
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Probe::find()")?;
        for filter in &self.filters {
            write!(f, ".filter({filter})")?;
        }
        for (col, desc) in &self.order {
            write!(f, ".order_by(Probe::{}().{}())", col.name(), if *desc { "desc" } else { "asc" })?;
        }
        write!(f, ".order_by(Probe::id().{}())", if self.id_desc { "desc" } else { "asc" })?;
        if let Some(limit) = self.limit {
            write!(f, ".limit({limit})")?;
        }
        if let Some(offset) = self.offset {
            write!(f, ".offset({offset})")?;
        }
        Ok(())
    }
}

impl Case {
    /// The rows (with their ids) and queries, as a backend runs them: with their floats as
    /// `floats` says.
    fn resolve(&self, floats: Floats) -> (Vec<Probe>, Vec<Query>) {
        let rows: Vec<Probe> = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, row)| floats.row(Probe { id: i as i64 + 1, ..row.clone() }))
            .collect();
        let texts: Vec<&str> =
            self.rows.iter().flat_map(|r| std::iter::once(r.text.as_str()).chain(r.o_text.as_deref())).collect();
        let queries = self
            .queries
            .iter()
            .map(|q| {
                let filters = q.filters.iter().map(|f| f.resolve(&texts));
                Query {
                    filters: filters.map(|f| f.with_floats(floats)).collect(),
                    order: q.order.clone(),
                    id_desc: q.id_desc,
                    limit: q.limit,
                    offset: q.offset,
                }
            })
            .collect();
        (rows, queries)
    }
}

impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (rows, queries) = self.resolve(Floats::Exact);
        writeln!(
            f,
            "rows (as PostgreSQL runs them; SQLite's run has +INFINITY for every NaN, in rows and filters; \
             MariaDB's has MAX for NaN and +INFINITY and MIN for -INFINITY in rows, MAX for NaN in filters):"
        )?;
        for row in &rows {
            writeln!(f, "    {},", RustRow(row))?;
        }
        writeln!(f, "queries:")?;
        for query in &queries {
            writeln!(f, "    {query}")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

/// Characters of generated text: ASCII letters of both cases, LIKE and GLOB metacharacters,
/// quotes and controls, and Unicode letters whose case folding differs between ASCII-only and
/// full folding (Kelvin sign, Angstrom sign, dotted/dotless i, sharp s, final sigma, titlecase
/// ǅ), a combining accent, CJK, astral characters and noncharacters.
const ALPHABET: &[char] = &[
    'a',
    'b',
    'z',
    'A',
    'B',
    'Z',
    'k',
    'K',
    'i',
    'I',
    'e',
    '0',
    '%',
    '_',
    '\\',
    '*',
    '?',
    '[',
    ']',
    '^',
    '-',
    '!',
    ' ',
    '\'',
    '"',
    '\t',
    '\n',
    '\u{1}',
    '\u{7f}',
    'é',
    'É',
    '\u{301}',
    'ß',
    'ẞ',
    '\u{212A}',
    '\u{212B}',
    'å',
    'Å',
    'İ',
    'ı',
    'Σ',
    'σ',
    'ς',
    'ǅ',
    'ǆ',
    'Ǆ',
    '日',
    '🦀',
    '\u{FFFD}',
    '\u{FFFF}',
    '\u{E000}',
    '\u{10FFFF}',
];

const COMMON_TEXT: &[&str] = &[
    "",
    "a",
    "A",
    "ab",
    "aB",
    "Ab",
    "%",
    "_",
    "\\",
    "a%",
    "a_b",
    "a\\b",
    "\\%",
    "École",
    "école",
    "ÉCOLE",
    "STRASSE",
    "straße",
    "STRAẞE",
    "İi",
    "ıI",
    "\u{212A}elvin",
    "kelvin",
    "ΣΑΣ",
    "σας",
    "日本",
    "🦀",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => select(COMMON_TEXT).prop_map(str::to_owned),
        5 => vec(select(ALPHABET), 0..7).prop_map(|chars| chars.into_iter().collect()),
    ]
}

fn int<T>(min: T, max: T) -> impl Strategy<Value = T>
where
    T: Copy + fmt::Debug + From<i8> + proptest::arbitrary::Arbitrary + 'static,
{
    prop_oneof![
        1 => Just(min),
        1 => Just(max),
        4 => (-3_i8..=3).prop_map(T::from),
        2 => any::<T>(),
    ]
}

fn f64s() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => Just(0.0),
        2 => Just(-0.0),
        2 => Just(f64::INFINITY),
        2 => Just(f64::NEG_INFINITY),
        1 => Just(f64::NAN),
        2 => Just(1.5),
        1 => Just(-1.5),
        1 => Just(f64::MAX),
        1 => Just(f64::MIN),
        1 => Just(f64::MIN_POSITIVE),
        1 => Just(f64::from_bits(1)),
        1 => Just(9_007_199_254_740_993.0),
        3 => (-3_i8..=3).prop_map(f64::from),
        2 => proptest::num::f64::NORMAL,
    ]
}

fn f32s() -> impl Strategy<Value = f32> {
    prop_oneof![
        3 => Just(0.0),
        2 => Just(-0.0),
        2 => Just(f32::INFINITY),
        2 => Just(f32::NEG_INFINITY),
        1 => Just(f32::NAN),
        2 => Just(1.5),
        1 => Just(-1.5),
        1 => Just(f32::MAX),
        1 => Just(f32::MIN),
        1 => Just(f32::MIN_POSITIVE),
        1 => Just(f32::from_bits(1)),
        1 => Just(0.1),
        3 => (-3_i8..=3).prop_map(f32::from),
        2 => proptest::num::f32::NORMAL,
    ]
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    vec(prop_oneof![Just(0_u8), Just(255_u8), Just(b'a'), Just(b'A'), any::<u8>()], 0..4)
}

fn uuids() -> impl Strategy<Value = Uuid> {
    prop_oneof![
        1 => Just(Uuid::nil()),
        1 => Just(Uuid::max()),
        2 => (0_u128..4).prop_map(Uuid::from_u128),
        1 => Just(Uuid::from_u128(1 << 127)),
        1 => Just(Uuid::from_u128((1 << 127) - 1)),
        3 => any::<u128>().prop_map(Uuid::from_u128),
    ]
}

fn decimals() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        2 => Just(Decimal::ZERO),
        1 => Just(Decimal::MAX),
        1 => Just(Decimal::MIN),
        1 => Just(Decimal::new(1, 28)),
        1 => Just(Decimal::new(-1, 28)),
        // 1.5 and 1.50: one value at two scales.
        1 => Just(Decimal::new(15, 1)),
        1 => Just(Decimal::new(150, 2)),
        // As text, "10" < "9" and "-10" < "-9".
        1 => Just(Decimal::from(9)),
        1 => Just(Decimal::from(10)),
        1 => Just(Decimal::from(-9)),
        1 => Just(Decimal::from(-10)),
        3 => (-3_i64..=3).prop_map(Decimal::from),
        3 => (any::<i64>(), 0_u32..=28).prop_map(|(mantissa, scale)| Decimal::new(mantissa, scale)),
        1 => (any::<i128>(), 0_u32..=28).prop_map(|(m, scale)| Decimal::from_i128_with_scale(m % 79_228_162_514_264_337_593_543_950_335, scale)),
    ]
}

/// The ORM's canonical form of a document, as `API.md` documents it: a float with an integral
/// value that an `i64` or `u64` holds is that integer (`1.0` is `1`, `-0.0` is `0`).
/// (serde_json sorts object keys itself.)
fn canonical_doc(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        J::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            if f.fract() == 0.0 && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
                J::from(f as i64)
            } else if f.fract() == 0.0 && (0.0..1.844_674_407_370_955_2e19).contains(&f) {
                J::from(f as u64)
            } else {
                J::Number(n)
            }
        }
        J::Array(items) => J::Array(items.into_iter().map(canonical_doc).collect()),
        J::Object(map) => J::Object(map.into_iter().map(|(k, v)| (k, canonical_doc(v))).collect()),
        other => other,
    }
}

/// Documents: scalars (integers at the extremes, floats with and without an integral value,
/// text of the generated alphabet), and arrays and objects of them two levels deep.
fn docs() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{Value as J, json};
    let leaf = prop_oneof![
        2 => Just(J::Null),
        1 => any::<bool>().prop_map(J::Bool),
        2 => (-2_i64..=2).prop_map(J::from),
        1 => Just(json!(i64::MIN)),
        1 => Just(json!(u64::MAX)),
        1 => Just(json!(1.0)),
        1 => Just(json!(-0.0)),
        1 => Just(json!(1.5)),
        1 => Just(json!(0.1)),
        1 => Just(json!(1e20)),
        3 => text().prop_map(J::String),
    ];
    let keys = select(vec!["a", "b", "B", "ab", "é", "", "k"]);
    leaf.prop_recursive(2, 8, 3, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..3).prop_map(J::Array),
            vec((keys.clone(), inner), 0..3)
                .prop_map(|entries| J::Object(entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
    .prop_map(canonical_doc)
}

fn levels() -> impl Strategy<Value = Level> {
    select(Level::ALL.to_vec())
}

fn value(kind: Kind) -> BoxedStrategy<V> {
    match kind {
        Kind::I16 => int(i16::MIN, i16::MAX).prop_map(V::I16).boxed(),
        Kind::I32 => int(i32::MIN, i32::MAX).prop_map(V::I32).boxed(),
        Kind::I64 => int(i64::MIN, i64::MAX).prop_map(V::I64).boxed(),
        Kind::F32 => f32s().prop_map(V::F32).boxed(),
        Kind::F64 => f64s().prop_map(V::F64).boxed(),
        Kind::Bool => any::<bool>().prop_map(V::Bool).boxed(),
        Kind::Text => text().prop_map(V::Text).boxed(),
        Kind::Bytes => bytes().prop_map(V::Bytes).boxed(),
        Kind::Uuid => uuids().prop_map(V::Uuid).boxed(),
        Kind::Dec => decimals().prop_map(V::Dec).boxed(),
        Kind::Doc => docs().prop_map(V::Doc).boxed(),
        Kind::Level => levels().prop_map(V::Level).boxed(),
    }
}

/// A value of `col`: NULL now and then when the column is nullable.
fn operand(col: Col) -> BoxedStrategy<Option<V>> {
    if col.nullable() {
        proptest::option::weighted(0.8, value(col.kind())).boxed()
    } else {
        value(col.kind()).prop_map(Some).boxed()
    }
}

fn o<S: Strategy>(s: S) -> impl Strategy<Value = Option<S::Value>> {
    proptest::option::weighted(0.7, s)
}

fn row() -> impl Strategy<Value = Probe> {
    let plain = (
        int(i16::MIN, i16::MAX),
        int(i32::MIN, i32::MAX),
        int(i64::MIN, i64::MAX),
        f32s(),
        f64s(),
        any::<bool>(),
        text(),
        bytes(),
    );
    let optional = (
        o(int(i16::MIN, i16::MAX)),
        o(int(i32::MIN, i32::MAX)),
        o(int(i64::MIN, i64::MAX)),
        o(f32s()),
        o(f64s()),
        o(any::<bool>()),
        o(text()),
        o(bytes()),
    );
    let typed = (uuids(), decimals(), docs(), levels(), o(uuids()), o(decimals()), o(docs()), o(levels()));
    (plain, optional, typed).prop_map(
        |(
            (small, int, big, real, double, flag, text, bytes),
            (o_small, o_int, o_big, o_real, o_double, o_flag, o_text, o_bytes),
            (uuid, dec, doc, level, o_uuid, o_dec, o_doc, o_level),
        )| Probe {
            id: 0,
            small,
            int,
            big,
            real,
            double,
            flag,
            text,
            bytes,
            o_small,
            o_int,
            o_big,
            o_real,
            o_double,
            o_flag,
            o_text,
            o_bytes,
            uuid,
            dec,
            doc,
            level,
            o_uuid,
            o_dec,
            o_doc,
            o_level,
        },
    )
}

fn column() -> impl Strategy<Value = Col> {
    select(Col::ALL.to_vec())
}

/// A column `lt`/`gt` and ordering apply to.
fn ordered_column() -> impl Strategy<Value = Col> {
    select(Col::ALL.into_iter().filter(|c| c.ordered()).collect::<Vec<_>>())
}

/// `op`, or for a JSON column (equality only) the equality test nearest to it.
fn op_for(col: Col, op: Op) -> Op {
    match op {
        _ if col.ordered() => op,
        Op::Eq | Op::Le | Op::Ge => Op::Eq,
        Op::Ne | Op::Lt | Op::Gt => Op::Ne,
    }
}

fn list(col: Col) -> impl Strategy<Value = ListSpec> {
    let exact = |range: std::ops::RangeInclusive<usize>| {
        vec(operand(col), range).prop_map(|head| ListSpec { len: head.len(), head, seed: 0 })
    };
    let long = move |len: usize| {
        (vec(operand(col), 0..=3), any::<u16>()).prop_map(move |(head, seed)| ListSpec { head, len, seed })
    };
    prop_oneof![
        2 => exact(0..=0),
        3 => exact(1..=1),
        3 => exact(2..=5),
        1 => long(500),
        1 => long(501),
        1 => long(2000),
    ]
}

fn pattern() -> impl Strategy<Value = PatSpec> {
    let act = prop_oneof![
        6 => Just(PatAct::Lit),
        2 => Just(PatAct::Raw),
        2 => Just(PatAct::One),
        2 => Just(PatAct::Run),
        1 => Just(PatAct::Drop),
        2 => Just(PatAct::Flip),
        1 => Just(PatAct::RunLit),
    ];
    let source = prop_oneof![
        4 => any::<Index>().prop_map(PatSource::Data),
        1 => vec(
            prop_oneof![3 => select(ALPHABET), 1 => Just('%'), 1 => Just('_'), 1 => Just('\\')],
            0..6
        )
        .prop_map(|chars| PatSource::Literal(chars.into_iter().collect())),
    ];
    let case = prop_oneof![2 => Just(CaseMap::Keep), 1 => Just(CaseMap::Upper), 1 => Just(CaseMap::Lower)];
    (source, case, vec(act, 0..5), any::<bool>(), any::<bool>(), proptest::bool::weighted(0.1)).prop_map(
        |(source, case, acts, lead, trail, lone_backslash)| PatSpec { source, case, acts, lead, trail, lone_backslash },
    )
}

fn leaf() -> impl Strategy<Value = Filter> {
    let op = select(vec![Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge]);
    let text_column = select(vec![Col::Text, Col::OText]);
    let nullable_column = select(Col::ALL.into_iter().filter(|c| c.nullable()).collect::<Vec<_>>());
    prop_oneof![
        5 => (column(), op.clone())
            .prop_flat_map(|(col, op)| operand(col).prop_map(move |v| Filter::Cmp(col, op_for(col, op), v))),
        // `eq(None)` / `ne(None)` (IS NULL / IS NOT NULL), and the other comparisons with NULL.
        2 => (nullable_column, prop_oneof![3 => Just(Op::Eq), 3 => Just(Op::Ne), 2 => op])
            .prop_map(|(col, op)| Filter::Cmp(col, op_for(col, op), None)),
        3 => (column(), any::<bool>())
            .prop_flat_map(|(col, negated)| list(col).prop_map(move |l| Filter::In(col, l, negated))),
        3 => (text_column, pattern(), any::<bool>()).prop_map(|(col, p, ci)| Filter::Like(col, p, ci)),
        1 => (column(), any::<bool>()).prop_map(|(col, negated)| Filter::Null(col, negated)),
    ]
}

/// A leaf (often: a NULL or a wrong answer deep in a tree is easily masked), or a tree of
/// `and`/`or`/`not` up to three levels deep.
fn filter() -> impl Strategy<Value = Filter> {
    let tree = leaf().prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            2 => vec(inner.clone(), 0..=3).prop_map(Filter::All),
            2 => vec(inner.clone(), 0..=3).prop_map(Filter::Any),
            1 => inner.prop_map(|f| Filter::Not(Box::new(f))),
        ]
    });
    prop_oneof![2 => leaf(), 3 => tree]
}

/// A `limit` or `offset`: small, or past every table (the API takes any `u64`).
fn paging() -> impl Strategy<Value = u64> {
    prop_oneof![
        16 => 0_u64..12,
        1 => Just(i64::MAX as u64),
        1 => Just(i64::MAX as u64 + 1),
        1 => Just(u64::MAX),
    ]
}

fn query() -> impl Strategy<Value = QuerySpec> {
    (
        prop_oneof![1 => vec(filter(), 0..=0), 12 => vec(filter(), 1..=1), 2 => vec(filter(), 2..=2)],
        vec((ordered_column(), any::<bool>()), 0..=2),
        any::<bool>(),
        proptest::option::weighted(0.3, paging()),
        proptest::option::weighted(0.3, paging()),
    )
        .prop_map(|(filters, order, id_desc, limit, offset)| QuerySpec { filters, order, id_desc, limit, offset })
}

fn case() -> impl Strategy<Value = Case> {
    (vec(row(), 0..24), vec(query(), 1..8)).prop_map(|(rows, queries)| Case { rows, queries })
}

// ---------------------------------------------------------------------------------------------
// The reference: SQL's three-valued logic over the rows in memory
// ---------------------------------------------------------------------------------------------

/// How a backend folds case in `ilike`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fold {
    /// SQLite: ASCII letters only.
    Ascii,
    /// PostgreSQL's `lower()`: [`unicode_lower`].
    Unicode,
    /// MariaDB's `LOWER()`: [`mariadb_lower`].
    MariaDb,
}

/// The non-optimizing reference engine, with the documented backend differences: how `ilike`
/// folds case, and SQLite's reading of noncharacters in `like`.
struct Reference {
    fold: Fold,
    noncharacters_as_replacement: bool,
}

#[derive(Debug)]
enum Tok {
    Char(char),
    One,
    Run,
}

/// `%` any run, `_` one character, `\` takes the next character literally; a trailing lone
/// `\` is a literal backslash.
fn like_tokens(pattern: &str) -> Vec<Tok> {
    let mut tokens = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '%' => Tok::Run,
            '_' => Tok::One,
            '\\' => Tok::Char(chars.next().unwrap_or('\\')),
            c => Tok::Char(c),
        });
    }
    tokens
}

fn like_match(tokens: &[Tok], text: &[char], fold: &dyn Fn(char) -> char) -> bool {
    // matched[j]: the tokens so far match text[..j].
    let mut matched = vec![false; text.len() + 1];
    matched[0] = true;
    for token in tokens {
        let mut next = vec![false; text.len() + 1];
        match token {
            Tok::Run => {
                let mut any = false;
                for j in 0..=text.len() {
                    any |= matched[j];
                    next[j] = any;
                }
            }
            Tok::One => {
                next[1..].copy_from_slice(&matched[..text.len()]);
            }
            Tok::Char(c) => {
                let c = fold(*c);
                for j in 1..=text.len() {
                    next[j] = matched[j - 1] && fold(text[j - 1]) == c;
                }
            }
        }
        matched = next;
    }
    matched[text.len()]
}

/// PostgreSQL's `lower()` of one character (glibc's `towlower`): Unicode's simple lowercase
/// mapping, which for `İ` is `i`.
fn unicode_lower(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// The characters that MariaDB's `LOWER()` leaves alone although Unicode lowercases them
/// (10.11's utf8mb4 case table, the same under the columns' `utf8mb4_nopad_bin` and the
/// connection's `utf8mb4_general_ci`): 792 capitals, 307 of them outside the BMP (Deseret,
/// Osage, Adlam, …) and 485 in it, among them ẞ U+1E9E (the one the generators produce) and the
/// capitals of Georgian, Cherokee, Glagolitic, Coptic, Cyrillic Extended-B and Latin
/// Extended-C/D. No range holds a character that MariaDB lowercases; every character outside
/// them it lowercases as [`unicode_lower`] does. [`mariadb_lower_is_the_references_fold`]
/// checks both against the server, for every character.
const MARIADB_UNLOWERED: [std::ops::RangeInclusive<char>; 18] = [
    '\u{0220}'..='\u{0220}',
    '\u{023A}'..='\u{037F}',
    '\u{03CF}'..='\u{03D8}',
    '\u{03F4}'..='\u{03FF}',
    '\u{048A}'..='\u{048A}',
    '\u{04C0}'..='\u{04C0}',
    '\u{04C5}'..='\u{04C5}',
    '\u{04C9}'..='\u{04C9}',
    '\u{04CD}'..='\u{04CD}',
    '\u{04F6}'..='\u{04F6}',
    '\u{04FA}'..='\u{052E}',
    '\u{10A0}'..='\u{1CBF}',
    '\u{1E9E}'..='\u{1E9E}',
    '\u{1EFA}'..='\u{1EFE}',
    '\u{2132}'..='\u{2132}',
    '\u{2183}'..='\u{2183}',
    '\u{2C00}'..='\u{A7F5}',
    '\u{10400}'..='\u{1E921}',
];

/// MariaDB's `LOWER()` of one character: [`unicode_lower`], except for [`MARIADB_UNLOWERED`].
fn mariadb_lower(c: char) -> char {
    if MARIADB_UNLOWERED.iter().any(|range| range.contains(&c)) { c } else { unicode_lower(c) }
}

impl Reference {
    fn for_backend(name: &str) -> Reference {
        let fold = match name {
            "sqlite" => Fold::Ascii,
            "postgres" => Fold::Unicode,
            "mariadb" => Fold::MariaDb,
            other => panic!("no `ilike` rules for the backend {other:?}"),
        };
        Reference { fold, noncharacters_as_replacement: name == "sqlite" }
    }

    fn like(&self, text: &str, pattern: &str, ci: bool) -> bool {
        let fold: &dyn Fn(char) -> char = match (ci, self.fold) {
            (false, _) => &|c| c,
            (true, Fold::Ascii) => &|c: char| c.to_ascii_lowercase(),
            (true, Fold::Unicode) => &unicode_lower,
            (true, Fold::MariaDb) => &mariadb_lower,
        };
        // SQLite's pattern matcher decodes U+FFFE and U+FFFF as U+FFFD, in the text and in the
        // pattern (a documented backend difference).
        let decode = |c: char| match c {
            '\u{fffe}' | '\u{ffff}' if self.noncharacters_as_replacement => '\u{fffd}',
            c => c,
        };
        let text: Vec<char> = text.chars().map(decode).collect();
        let pattern: String = pattern.chars().map(decode).collect();
        like_match(&like_tokens(&pattern), &text, fold)
    }

    /// TRUE, FALSE or UNKNOWN (`None`).
    fn eval(&self, cond: &Cond, row: &Probe) -> Option<bool> {
        match cond {
            Cond::Cmp(col, op, None) => match op {
                Op::Eq => Some(col.get(row).is_none()),
                Op::Ne => Some(col.get(row).is_some()),
                _ => None,
            },
            Cond::Cmp(col, op, Some(value)) => {
                let stored = col.get(row)?;
                Some(op.holds(value_cmp(&stored, value)))
            }
            Cond::In(_, values, negated) if values.is_empty() => Some(*negated),
            Cond::In(col, values, negated) => {
                let stored = col.get(row)?;
                if values.iter().flatten().any(|v| value_cmp(&stored, v) == Ordering::Equal) {
                    Some(!negated)
                } else if values.iter().any(Option::is_none) {
                    None
                } else {
                    Some(*negated)
                }
            }
            Cond::Like(col, pattern, ci) => match col.get(row)? {
                V::Text(text) => Some(self.like(&text, pattern, *ci)),
                other => panic!("like on a {other:?}"),
            },
            Cond::Null(col, negated) => Some(col.get(row).is_some() == *negated),
            Cond::All(items) => {
                let mut result = Some(true);
                for item in items {
                    match self.eval(item, row) {
                        Some(false) => return Some(false),
                        None => result = None,
                        Some(true) => {}
                    }
                }
                result
            }
            Cond::Any(items) => {
                let mut result = Some(false);
                for item in items {
                    match self.eval(item, row) {
                        Some(true) => return Some(true),
                        None => result = None,
                        Some(false) => {}
                    }
                }
                result
            }
            Cond::Not(item) => self.eval(item, row).map(|b| !b),
        }
    }

    /// The ids `query` returns, in order.
    fn ids(&self, query: &Query, rows: &[Probe]) -> Vec<i64> {
        let predicate = query.predicate();
        let mut kept: Vec<&Probe> =
            rows.iter().filter(|row| predicate.as_ref().is_none_or(|p| self.eval(p, row) == Some(true))).collect();
        kept.sort_by(|a, b| {
            for (col, desc) in &query.order {
                let ordering = nullable_cmp(&col.get(a), &col.get(b));
                let ordering = if *desc { ordering.reverse() } else { ordering };
                if ordering != Ordering::Equal {
                    return ordering;
                }
            }
            if query.id_desc { b.id.cmp(&a.id) } else { a.id.cmp(&b.id) }
        });
        let offset = usize::try_from(query.offset.unwrap_or(0)).unwrap_or(usize::MAX);
        let limit = usize::try_from(query.limit.unwrap_or(u64::MAX)).unwrap_or(usize::MAX);
        kept.into_iter().skip(offset).take(limit).map(|row| row.id).collect()
    }

    /// How many rows make the filter TRUE, FALSE and UNKNOWN.
    fn partition(&self, filter: &Cond, rows: &[Probe]) -> (i64, i64, i64) {
        let (mut t, mut f, mut u) = (0, 0, 0);
        for row in rows {
            match self.eval(filter, row) {
                Some(true) => t += 1,
                Some(false) => f += 1,
                None => u += 1,
            }
        }
        (t, f, u)
    }
}

// ---------------------------------------------------------------------------------------------
// Running on the ORM
// ---------------------------------------------------------------------------------------------

/// A typed operand of a column of type `Self`, from a generated value.
trait Lift: SqlValue + Sized {
    fn lift(value: &Option<V>) -> Self;
}

macro_rules! lift {
    ($($ty:ty => $variant:ident),* $(,)?) => {$(
        impl Lift for $ty {
            fn lift(value: &Option<V>) -> Self {
                match value {
                    Some(V::$variant(v)) => v.clone(),
                    other => panic!(concat!("not a ", stringify!($ty), ": {:?}"), other),
                }
            }
        }
        impl Lift for Option<$ty> {
            fn lift(value: &Option<V>) -> Self {
                value.as_ref().map(|v| match v {
                    V::$variant(v) => v.clone(),
                    other => panic!(concat!("not a ", stringify!($ty), ": {:?}"), other),
                })
            }
        }
    )*};
}

lift!(
    i16 => I16, i32 => I32, i64 => I64, f32 => F32, f64 => F64, bool => Bool, String => Text, Vec<u8> => Bytes,
    Uuid => Uuid, Decimal => Dec, serde_json::Value => Doc, Level => Level,
);

/// Calls `$f(Probe::column(), $args…)` for the column `$col`.
macro_rules! with_column {
    (@doc $col:expr, compare($($args:expr),*)) => {
        if matches!($col, Col::Doc) { equality(Probe::doc(), $($args),*) } else { equality(Probe::o_doc(), $($args),*) }
    };
    (@doc $col:expr, order($($args:expr),*)) => {
        panic!("ordering by the JSON column {:?}", $col)
    };
    (@doc $col:expr, $f:ident($($args:expr),*)) => {
        if matches!($col, Col::Doc) { $f(Probe::doc(), $($args),*) } else { $f(Probe::o_doc(), $($args),*) }
    };
    ($col:expr, $f:ident($($args:expr),*)) => {
        match $col {
            Col::Small => $f(Probe::small(), $($args),*),
            Col::Int => $f(Probe::int(), $($args),*),
            Col::Big => $f(Probe::big(), $($args),*),
            Col::Real => $f(Probe::real(), $($args),*),
            Col::Double => $f(Probe::double(), $($args),*),
            Col::Flag => $f(Probe::flag(), $($args),*),
            Col::Text => $f(Probe::text(), $($args),*),
            Col::Bytes => $f(Probe::bytes(), $($args),*),
            Col::OSmall => $f(Probe::o_small(), $($args),*),
            Col::OInt => $f(Probe::o_int(), $($args),*),
            Col::OBig => $f(Probe::o_big(), $($args),*),
            Col::OReal => $f(Probe::o_real(), $($args),*),
            Col::ODouble => $f(Probe::o_double(), $($args),*),
            Col::OFlag => $f(Probe::o_flag(), $($args),*),
            Col::OText => $f(Probe::o_text(), $($args),*),
            Col::OBytes => $f(Probe::o_bytes(), $($args),*),
            Col::Uuid => $f(Probe::uuid(), $($args),*),
            Col::Dec => $f(Probe::dec(), $($args),*),
            Col::Level => $f(Probe::level(), $($args),*),
            Col::OUuid => $f(Probe::o_uuid(), $($args),*),
            Col::ODec => $f(Probe::o_dec(), $($args),*),
            Col::OLevel => $f(Probe::o_level(), $($args),*),
            Col::Doc | Col::ODoc => with_column!(@doc $col, $f($($args),*)),
        }
    };
}

fn compare<T: Lift + Comparable>(column: Column<Probe, T>, op: Op, value: &Option<V>) -> Expr<Probe> {
    let value = T::lift(value);
    match op {
        Op::Eq => column.eq(value),
        Op::Ne => column.ne(value),
        Op::Lt => column.lt(value),
        Op::Le => column.le(value),
        Op::Gt => column.gt(value),
        Op::Ge => column.ge(value),
    }
}

/// `eq`/`ne` of a JSON column (which has no order).
fn equality<T: Lift>(column: Column<Probe, T>, op: Op, value: &Option<V>) -> Expr<Probe> {
    let value = T::lift(value);
    match op {
        Op::Eq => column.eq(value),
        Op::Ne => column.ne(value),
        other => panic!("`{}` on a JSON column", other.name()),
    }
}

fn membership<T: Lift>(column: Column<Probe, T>, values: &[Option<V>], negated: bool) -> Expr<Probe> {
    let values: Vec<T> = values.iter().map(T::lift).collect();
    if negated { column.not_in(values) } else { column.is_in(values) }
}

fn nullness<T: Lift>(column: Column<Probe, T>, negated: bool) -> Expr<Probe> {
    if negated { column.is_not_null() } else { column.is_null() }
}

fn order<T: Lift + Comparable>(column: Column<Probe, T>, desc: bool) -> Order<Probe> {
    if desc { column.desc().into() } else { column.asc().into() }
}

fn expr(cond: &Cond) -> Expr<Probe> {
    match cond {
        Cond::Cmp(col, op, value) => with_column!(col, compare(*op, value)),
        Cond::In(col, values, negated) => with_column!(col, membership(values, *negated)),
        Cond::Null(col, negated) => with_column!(col, nullness(*negated)),
        Cond::Like(col, pattern, ci) => match (col, ci) {
            (Col::Text, false) => Probe::text().like(pattern.as_str()),
            (Col::Text, true) => Probe::text().ilike(pattern.as_str()),
            (Col::OText, false) => Probe::o_text().like(pattern.as_str()),
            (Col::OText, true) => Probe::o_text().ilike(pattern.as_str()),
            (other, _) => panic!("like on {other:?}"),
        },
        Cond::All(items) if items.len() == 2 => expr(&items[0]).and(expr(&items[1])),
        Cond::Any(items) if items.len() == 2 => expr(&items[0]).or(expr(&items[1])),
        Cond::All(items) => Expr::all(items.iter().map(expr)),
        Cond::Any(items) => Expr::any(items.iter().map(expr)),
        Cond::Not(item) => !expr(item),
    }
}

fn select_of(query: &Query) -> Select<Probe> {
    let mut select = Probe::find();
    for filter in &query.filters {
        select = select.filter(expr(filter));
    }
    for (col, desc) in &query.order {
        select = select.order_by(with_column!(col, order(*desc)));
    }
    select = select.order_by(if query.id_desc { Probe::id().desc() } else { Probe::id().asc() });
    if let Some(limit) = query.limit {
        select = select.limit(limit);
    }
    if let Some(offset) = query.offset {
        select = select.offset(offset);
    }
    select
}

/// Replaces the table's rows with `rows` (ids included).
async fn reset(db: &Db, rows: &[Probe]) -> orm::Result<()> {
    Probe::delete().exec(db).await?;
    if rows.is_empty() {
        return Ok(());
    }
    let builders = rows.iter().cloned().map(|r| {
        Probe::build()
            .id(r.id)
            .small(r.small)
            .int(r.int)
            .big(r.big)
            .real(r.real)
            .double(r.double)
            .flag(r.flag)
            .text(r.text)
            .bytes(r.bytes)
            .o_small(r.o_small)
            .o_int(r.o_int)
            .o_big(r.o_big)
            .o_real(r.o_real)
            .o_double(r.o_double)
            .o_flag(r.o_flag)
            .o_text(r.o_text)
            .o_bytes(r.o_bytes)
            .uuid(r.uuid)
            .dec(r.dec)
            .doc(r.doc)
            .level(r.level)
            .o_uuid(r.o_uuid)
            .o_dec(r.o_dec)
            .o_doc(r.o_doc)
            .o_level(r.o_level)
    });
    Probe::create_all(db, builders).await?;
    Ok(())
}

/// Equal as stored values: floats by the databases' comparison (-0.0 = 0.0, NaN = NaN).
fn same_row(a: &Probe, b: &Probe) -> bool {
    a.id == b.id && Col::ALL.iter().all(|col| nullable_cmp(&col.get(a), &col.get(b)) == Ordering::Equal)
}

fn fail(message: String) -> TestCaseError {
    TestCaseError::fail(message)
}

/// The rows that the reference and the backend disagree on, with the reference's verdict.
fn explain(reference: &Reference, query: &Query, rows: &[Probe], expected: &[i64], actual: &[i64]) -> String {
    let mut out = String::new();
    let predicate = query.predicate();
    for row in rows {
        let (e, a) = (expected.contains(&row.id), actual.contains(&row.id));
        if e != a {
            let verdict = predicate.as_ref().map(|p| reference.eval(p, row));
            let _ = writeln!(
                out,
                "    id {}: reference {} (filter is {}), backend {}: {}",
                row.id,
                if e { "returns it" } else { "drops it" },
                match verdict {
                    None => "absent",
                    Some(Some(true)) => "TRUE",
                    Some(Some(false)) => "FALSE",
                    Some(None) => "UNKNOWN",
                },
                if a { "returns it" } else { "drops it" },
                RustRow(row),
            );
        }
    }
    if out.is_empty() {
        out.push_str("    (same rows, different order)\n");
    }
    out
}

/// Runs the case on every backend; a failure names the first disagreement of each backend.
fn check_case(backends: &Backends, case: &Case) -> Result<(), TestCaseError> {
    let failures: Vec<String> = backends
        .all
        .iter()
        .filter_map(|backend| match check_backend(backends, backend, case) {
            Err(TestCaseError::Fail(reason)) | Err(TestCaseError::Reject(reason)) => Some(reason.to_string()),
            Ok(()) => None,
        })
        .collect();
    if failures.is_empty() { Ok(()) } else { Err(fail(failures.join("\n"))) }
}

fn check_backend(backends: &Backends, backend: &Backend, case: &Case) -> Result<(), TestCaseError> {
    let (rows, queries) = case.resolve(Floats::of(backend.name));
    let reference = Reference::for_backend(backend.name);
    let db = &backend.db;
    let name = backend.name;
    backends.block_on(async {
        reset(db, &rows).await.map_err(|e| fail(format!("{name}: inserting the rows failed: {e}\n{e:?}")))?;
        let stored = Probe::find()
            .order_by(Probe::id().asc())
            .all(db)
            .await
            .map_err(|e| fail(format!("{name}: reading the rows back failed: {e}")))?;
        if stored.len() != rows.len() || !stored.iter().zip(&rows).all(|(a, b)| same_row(a, b)) {
            let shown: Vec<String> = stored.iter().map(|r| format!("    {}", RustRow(r))).collect();
            return Err(fail(format!("{name}: the rows read back differ from the rows written:\n{}", shown.join("\n"))));
        }
        let total = rows.len() as i64;
        for query in &queries {
            let run = |what: &str, e: orm::Error| fail(format!("{name}: {what} failed: {e}\n    {e:?}\n    query: {query}"));
            let ids: Vec<i64> =
                select_of(query).all(db).await.map_err(|e| run("all()", e))?.into_iter().map(|p| p.id).collect();
            let expected = reference.ids(query, &rows);
            if ids != expected {
                return Err(fail(format!(
                    "{name} disagrees with the reference\n    query:    {query}\n    expected: {expected:?}\n    {name}: {ids:?}\n{}",
                    explain(&reference, query, &rows, &expected, &ids)
                )));
            }
            aggregates::check(db, name, &reference, query, &rows).await?;
            // TLP over p, all the query's filters together.
            let Some(p) = query.predicate() else { continue };
            let (t, f, u) = reference.partition(&p, &rows);
            // `count()` ignores order and paging (documented).
            let count = select_of(query).count(db).await.map_err(|e| run("count(p)", e))?;
            let count_not = Probe::find().filter(!expr(&p)).count(db).await.map_err(|e| run("count(!p)", e))?;
            if count != t || count_not != f || total - count - count_not != u {
                return Err(fail(format!(
                    "{name}: counts disagree with the reference (TLP: count(*) - count(p) - count(!p) must be the UNKNOWN rows)\n    p = {p}\n    reference: TRUE {t}, FALSE {f}, UNKNOWN {u}\n    {name}: count(p) {count}, count(!p) {count_not}, count(*) - both {}",
                    total - count - count_not
                )));
            }
        }
        Ok(())
    })
}

fn config(default_cases: u32) -> Config {
    Config {
        cases: support::cases(default_cases),
        failure_persistence: None,
        max_shrink_iters: 4_000,
        max_shrink_time: 180_000,
        ..Config::default()
    }
}

fn open_with_table() -> Backends {
    let backends = Backends::open();
    for backend in &backends.all {
        backends
            .block_on(Schema::new().model::<Probe>().sync(&backend.db))
            .unwrap_or_else(|e| panic!("{}: creating the table failed: {e}", backend.name));
    }
    backends
}

/// proptest shrinks the rows before the queries, and deletes elements of a list in one sweep
/// only: once the queries are minimal, more rows (and fields) can usually go. This pass removes
/// queries and rows, and resets fields to their default, one at a time while the case still
/// fails, until nothing more can go. Returns the case and its failure.
fn shrink_further(
    mut case: Case,
    mut reason: String,
    check: impl Fn(&Case) -> Result<(), TestCaseError>,
) -> (Case, String) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let try_case = |candidate: Case, case: &mut Case, reason: &mut String| -> bool {
        if std::time::Instant::now() > deadline {
            return false;
        }
        match check(&candidate) {
            Err(TestCaseError::Fail(why)) => {
                *case = candidate;
                *reason = why.to_string();
                true
            }
            _ => false,
        }
    };
    loop {
        let mut progress = false;
        let mut i = 0;
        while case.queries.len() > 1 && i < case.queries.len() {
            let mut candidate = case.clone();
            candidate.queries.remove(i);
            if try_case(candidate, &mut case, &mut reason) {
                progress = true;
            } else {
                i += 1;
            }
        }
        let mut i = 0;
        while i < case.rows.len() {
            let mut candidate = case.clone();
            candidate.rows.remove(i);
            if try_case(candidate, &mut case, &mut reason) {
                progress = true;
            } else {
                i += 1;
            }
        }
        let default = Probe::default();
        for i in 0..case.rows.len() {
            for col in Col::ALL {
                let plain = col.get(&default);
                if identical(&col.get(&case.rows[i]), &plain) {
                    continue;
                }
                let mut candidate = case.clone();
                col.set(&mut candidate.rows[i], &plain);
                progress |= try_case(candidate, &mut case, &mut reason);
            }
        }
        if !progress || std::time::Instant::now() > deadline {
            return (case, reason);
        }
    }
}

fn report(result: Result<(), TestError<Case>>, check: impl Fn(&Case) -> Result<(), TestCaseError>) {
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, case)) => {
            let (case, reason) = shrink_further(case, reason.to_string(), check);
            panic!("{reason}\n\nminimal failing case:\n{case:?}")
        }
        Err(TestError::Abort(reason)) => panic!("aborted: {reason}"),
    }
}

#[test]
fn queries_agree_with_the_reference_on_every_backend() {
    let backends = open_with_table();
    let mut runner = TestRunner::new(config(64));
    let check = |case: &Case| check_case(&backends, case);
    report(runner.run(&case(), |case| check(&case)), check);
}

/// A pattern used as written.
fn literal(pattern: &str) -> PatSpec {
    PatSpec {
        source: PatSource::Literal(pattern.to_owned()),
        case: CaseMap::Keep,
        acts: Vec::new(),
        lead: false,
        trail: false,
        lone_backslash: false,
    }
}

/// Edge cases pinned so that every run checks them (each also arises from the generators, but
/// rarely): each query runs as its own case, and every disagreement is reported.
#[test]
fn pinned_edge_cases_agree_with_the_reference() {
    let backends = open_with_table();
    let text = |t: &str, o: Option<&str>, d: f64| Probe {
        text: t.to_owned(),
        o_text: o.map(str::to_owned),
        double: d,
        o_double: Some(d),
        ..Probe::default()
    };
    let rows = vec![
        text("\u{FFFD}", None, f64::NAN),
        text("\u{FFFF}", Some("\u{FFFE}"), f64::INFINITY),
        text("100%", Some("100\\"), -0.0),
        text("a_b", Some("A_B"), 0.0),
        text("straße", Some("STRAẞE"), f64::NEG_INFINITY),
        text("\u{212A}", Some("k"), 1.5),
        text("İ", Some("i"), f64::MIN_POSITIVE),
        text("", Some(""), f64::MAX),
    ];
    let like = |col, pattern: &str, ci| Filter::Like(col, literal(pattern), ci);
    let mut filters = Vec::new();
    for ci in [false, true] {
        for pattern in [
            "\u{FFFF}", "\u{FFFD}", "\u{FFFE}", "_", "100\\%", "100\\", "100\\\\", "a\\_b", "%\\", "ß%", "ẞ%", "k",
            "K", "i",
        ] {
            filters.push(like(Col::Text, pattern, ci));
            filters.push(like(Col::OText, pattern, ci));
        }
    }
    filters.extend([
        Filter::Cmp(Col::OText, Op::Eq, None),
        Filter::Cmp(Col::OText, Op::Ne, None),
        Filter::Cmp(Col::OText, Op::Lt, None),
        Filter::Cmp(Col::Double, Op::Eq, Some(V::F64(f64::NAN))),
        Filter::Cmp(Col::Double, Op::Gt, Some(V::F64(f64::INFINITY))),
        Filter::Cmp(Col::ODouble, Op::Eq, Some(V::F64(0.0))),
        Filter::In(Col::OText, ListSpec { head: vec![], len: 0, seed: 0 }, true),
        Filter::In(Col::OText, ListSpec { head: vec![Some(V::Text("k".into())), None], len: 2, seed: 0 }, true),
        Filter::In(Col::ODouble, ListSpec { head: vec![Some(V::F64(f64::NAN)), None], len: 2000, seed: 1 }, false),
    ]);
    let mut queries: Vec<QuerySpec> = filters
        .into_iter()
        .map(|f| QuerySpec { filters: vec![f], order: vec![], id_desc: false, limit: None, offset: None })
        .collect();
    for (col, desc) in [(Col::OText, false), (Col::OText, true), (Col::Double, false), (Col::ODouble, true)] {
        queries.push(QuerySpec { filters: vec![], order: vec![(col, desc)], id_desc: true, limit: None, offset: None });
    }
    for (limit, offset) in [
        (Some(u64::MAX), None),
        (Some(i64::MAX as u64 + 1), Some(1)),
        (None, Some(u64::MAX)),
        (Some(2), Some(i64::MAX as u64)),
    ] {
        queries.push(QuerySpec { filters: vec![], order: vec![], id_desc: false, limit, offset });
    }
    let mut failures = Vec::new();
    for query in queries {
        let case = Case { rows: rows.clone(), queries: vec![query] };
        if let Err(error) = check_case(&backends, &case) {
            failures.push(format!("{error}\n{case:?}"));
        }
    }
    assert!(failures.is_empty(), "{} disagreements:\n\n{}", failures.len(), failures.join("\n"));
}

/// Every list length a backend spells differently (empty, one value, SQLite's last
/// placeholder list and first JSON list, a long list, and MariaDB's first `JSON_TABLE` list, one
/// past its 65,535 binds), with and without NULL, `is_in` and `not_in`, on every column; and
/// MariaDB's last placeholder list (65,535 values) on each type: deterministic, so every
/// combination runs on every build.
#[test]
fn lists_of_every_length_and_type_agree_with_the_reference() {
    let backends = open_with_table();
    let mut runner = TestRunner::deterministic();
    let rows = vec(row(), 24).new_tree(&mut runner).expect("rows").current();
    let mut queries = Vec::new();
    for (i, col) in Col::ALL.into_iter().enumerate() {
        for len in [0, 1, 2, 500, 501, 2000, 65_535, 65_536] {
            for with_null in [false, true] {
                if with_null && (!col.nullable() || len == 0) {
                    continue;
                }
                // 65,535 placeholders take a third of a second on MariaDB: once per type. Past
                // the limit, each type once, and with a NULL on an integer and a text column.
                if len == 65_535 && (col.nullable() || with_null) {
                    continue;
                }
                if len == 65_536 && col.nullable() && !matches!(col, Col::OBig | Col::OText) {
                    continue;
                }
                let mut head: Vec<Option<V>> = rows.iter().filter_map(|r| col.get(r)).take(3).map(Some).collect();
                if with_null {
                    head.insert(0, None);
                }
                head.truncate(len);
                let seed = u16::try_from((i * 31 + len) % 65_536).unwrap_or(0);
                for negated in [false, true] {
                    let list = ListSpec { head: head.clone(), len, seed };
                    queries.push(QuerySpec {
                        filters: vec![Filter::In(col, list, negated)],
                        order: if col.ordered() { vec![(col, negated)] } else { Vec::new() },
                        id_desc: false,
                        limit: None,
                        offset: None,
                    });
                }
            }
        }
    }
    // Each query as its own case, so that every disagreement is reported.
    let mut failures = Vec::new();
    for query in queries {
        let case = Case { rows: rows.clone(), queries: vec![query] };
        if let Err(error) = check_case(&backends, &case) {
            failures.push(format!("{error}\n{case:?}"));
        }
    }
    assert!(failures.is_empty(), "{} disagreements:\n\n{}", failures.len(), failures.join("\n"));
}

/// SQLite stores a NaN float as NULL and MariaDB's floats hold none: the ORM refuses to write
/// it there (`Error::UnrepresentableValue`, and nothing written), whatever the write, and to
/// compare with it; PostgreSQL stores it, and it reads back and compares equal to itself.
#[test]
fn nan_is_rejected_on_sqlite_and_mariadb_and_round_trips_on_postgres() {
    let backends = open_with_table();
    let mut runner = TestRunner::deterministic();
    let base = row().new_tree(&mut runner).expect("a row").current();
    let base = Probe { id: 1, ..Floats::Finite.row(base) };
    let variants: Vec<(&str, Probe)> = vec![
        ("real", Probe { real: f32::NAN, ..base.clone() }),
        ("double", Probe { double: f64::NAN, ..base.clone() }),
        ("o_real", Probe { o_real: Some(f32::NAN), ..base.clone() }),
        ("o_double", Probe { o_double: Some(f64::NAN), ..base.clone() }),
    ];
    let refused = |name: &str, what: &str, error: &orm::Error| {
        assert!(
            matches!(error, orm::Error::UnrepresentableValue { .. }) && error.to_string().contains("NaN"),
            "{name}: {what}: the error is UnrepresentableValue and names NaN: {error} ({error:?})"
        );
    };
    for backend in &backends.all {
        let db = &backend.db;
        let name = backend.name;
        backends.block_on(async {
            for (field, row) in &variants {
                Probe::delete().exec(db).await.expect("deletes");
                let created = Probe::create(db, row.clone()).await;
                let many = async {
                    Probe::delete().exec(db).await.expect("deletes");
                    let other = Probe { id: 2, ..base.clone() };
                    Probe::create_many(db, [other, row.clone()]).await
                };
                if Floats::of(name) != Floats::Exact {
                    let error = created.expect_err(&format!("{name}: creating a row with {field} = NaN must fail"));
                    refused(name, &format!("creating a row with {field} = NaN"), &error);
                    assert_eq!(
                        Probe::find().count(db).await.expect("counts"),
                        0,
                        "{name}: NaN in {field}: nothing written"
                    );
                    let error = many.await.expect_err(&format!("{name}: create_many with {field} = NaN must fail"));
                    refused(name, &format!("create_many with {field} = NaN"), &error);
                    assert_eq!(
                        Probe::find().count(db).await.expect("counts"),
                        0,
                        "{name}: create_many with NaN in {field}: nothing written"
                    );
                    // An update setting NaN is refused too, and changes nothing.
                    let stored = Probe::create(db, base.clone()).await.expect("a finite row is written");
                    let update = match *field {
                        "real" => Probe::update().set(Probe::real(), f32::NAN).exec(db).await,
                        "double" => Probe::update().set(Probe::double(), f64::NAN).exec(db).await,
                        "o_real" => Probe::update().set(Probe::o_real(), Some(f32::NAN)).exec(db).await,
                        _ => Probe::update().set(Probe::o_double(), Some(f64::NAN)).exec(db).await,
                    };
                    let error = update.expect_err(&format!("{name}: setting {field} to NaN must fail"));
                    refused(name, &format!("setting {field} to NaN"), &error);
                    // Comparing with NaN would compare with NULL on SQLite: refused as well.
                    let compared = match *field {
                        "real" => Probe::find().filter(Probe::real().eq(f32::NAN)).count(db).await,
                        "double" => Probe::find().filter(Probe::double().lt(f64::NAN)).count(db).await,
                        "o_real" => {
                            Probe::find().filter(Probe::o_real().is_in([Some(1.0), Some(f32::NAN)])).count(db).await
                        }
                        _ => Probe::find().filter(Probe::o_double().ne(f64::NAN)).count(db).await,
                    };
                    let error = compared.expect_err(&format!("{name}: comparing {field} with NaN must fail"));
                    refused(name, &format!("comparing {field} with NaN"), &error);
                    let after = Probe::find_by_pk(db, stored.id).await.expect("reads").expect("still there");
                    assert!(same_row(&after, &stored), "{name}: a refused update changes nothing: {after:?}");
                } else {
                    let created = created.unwrap_or_else(|e| panic!("{name}: NaN in {field} is stored: {e}"));
                    let loaded = Probe::find_by_pk(db, created.id).await.expect("reads").expect("the row");
                    assert!(
                        same_row(&loaded, &Probe { id: loaded.id, ..row.clone() }),
                        "{name}: NaN in {field} round-trips: {loaded:?}"
                    );
                    let matched = match *field {
                        "real" => Probe::find().filter(Probe::real().eq(f32::NAN)).count(db).await,
                        "double" => Probe::find().filter(Probe::double().eq(f64::NAN)).count(db).await,
                        "o_real" => Probe::find().filter(Probe::o_real().eq(f32::NAN)).count(db).await,
                        _ => Probe::find().filter(Probe::o_double().eq(f64::NAN)).count(db).await,
                    };
                    assert_eq!(matched.expect("counts"), 1, "{name}: NaN = NaN in {field} (PostgreSQL's rule)");
                    let many = many.await.unwrap_or_else(|e| panic!("{name}: create_many with NaN in {field}: {e}"));
                    assert_eq!(many.len(), 2);
                }
            }
        });
    }
}

/// MariaDB's FLOAT and DOUBLE hold no ±∞: a write of one fails (the server refuses it) and
/// writes nothing, whatever the write, but comparisons with ±∞ run. SQLite and PostgreSQL
/// store ±∞, and it reads back and compares equal to itself.
#[test]
fn infinities_are_refused_on_mariadb_and_round_trip_elsewhere() {
    let backends = open_with_table();
    let mut runner = TestRunner::deterministic();
    let base = row().new_tree(&mut runner).expect("a row").current();
    let base = Probe { id: 1, ..Floats::Finite.row(base) };
    let mut variants: Vec<(&str, f64, Probe)> = Vec::new();
    for sign in [1.0, -1.0] {
        let (v32, v64) = (sign as f32 * f32::INFINITY, sign * f64::INFINITY);
        variants.extend([
            ("real", v64, Probe { real: v32, ..base.clone() }),
            ("double", v64, Probe { double: v64, ..base.clone() }),
            ("o_real", v64, Probe { o_real: Some(v32), ..base.clone() }),
            ("o_double", v64, Probe { o_double: Some(v64), ..base.clone() }),
        ]);
    }
    for backend in &backends.all {
        let db = &backend.db;
        let name = backend.name;
        backends.block_on(async {
            for (field, v, row) in &variants {
                let (field, v) = (*field, *v);
                let v32 = v as f32;
                let count_eq = || async move {
                    match field {
                        "real" => Probe::find().filter(Probe::real().eq(v32)).count(db).await,
                        "double" => Probe::find().filter(Probe::double().eq(v)).count(db).await,
                        "o_real" => Probe::find().filter(Probe::o_real().eq(Some(v32))).count(db).await,
                        _ => Probe::find().filter(Probe::o_double().eq(Some(v))).count(db).await,
                    }
                    .expect("counts")
                };
                Probe::delete().exec(db).await.expect("deletes");
                let created = Probe::create(db, row.clone()).await;
                let many = async {
                    Probe::delete().exec(db).await.expect("deletes");
                    let other = Probe { id: 2, ..base.clone() };
                    Probe::create_many(db, [other, row.clone()]).await
                };
                if name == "mariadb" {
                    created.expect_err(&format!("{name}: creating a row with {field} = {v} must fail"));
                    assert_eq!(
                        Probe::find().count(db).await.expect("counts"),
                        0,
                        "{name}: {field} = {v}: nothing written"
                    );
                    many.await.expect_err(&format!("{name}: create_many with {field} = {v} must fail"));
                    assert_eq!(
                        Probe::find().count(db).await.expect("counts"),
                        0,
                        "{name}: create_many with {field} = {v}: nothing written"
                    );
                    let stored = Probe::create(db, base.clone()).await.expect("a finite row is written");
                    let update = match field {
                        "real" => Probe::update().set(Probe::real(), v32).exec(db).await,
                        "double" => Probe::update().set(Probe::double(), v).exec(db).await,
                        "o_real" => Probe::update().set(Probe::o_real(), Some(v32)).exec(db).await,
                        _ => Probe::update().set(Probe::o_double(), Some(v)).exec(db).await,
                    };
                    assert!(update.is_err(), "{name}: setting {field} to {v} must fail, got {update:?}");
                    let after = Probe::find_by_pk(db, stored.id).await.expect("reads").expect("still there");
                    assert!(same_row(&after, &stored), "{name}: a refused update changes nothing: {after:?}");
                    // Comparing with ±∞ runs: no finite value equals it.
                    assert_eq!(count_eq().await, 0, "{name}: no finite {field} equals {v}");
                } else {
                    let created = created.unwrap_or_else(|e| panic!("{name}: {v} in {field} is stored: {e}"));
                    let loaded = Probe::find_by_pk(db, created.id).await.expect("reads").expect("the row");
                    assert!(
                        same_row(&loaded, &Probe { id: loaded.id, ..row.clone() }),
                        "{name}: {v} in {field} round-trips: {loaded:?}"
                    );
                    assert_eq!(count_eq().await, 1, "{name}: {v} = {v} in {field}");
                    let many = many.await.unwrap_or_else(|e| panic!("{name}: create_many with {v} in {field}: {e}"));
                    assert_eq!(many.len(), 2);
                }
            }
        });
    }
}

/// [`mariadb_lower`] is MariaDB's `LOWER()` for every character, on both sides of `ilike`: a
/// column's text (its `utf8mb4_nopad_bin` collation) and a bound pattern (the connection's
/// collation). Runs only with MariaDB.
#[test]
fn mariadb_lower_is_the_references_fold() {
    let backends = Backends::open();
    let Some(backend) = backends.all.iter().find(|b| b.name == "mariadb") else {
        eprintln!("notice: mariadb_lower_is_the_references_fold skipped: no MariaDB");
        return;
    };
    let chars: Vec<char> = ('\0'..=char::MAX).collect();
    let mut wrong = Vec::new();
    backends.block_on(async {
        for chunk in chars.chunks(8192) {
            let text: String = chunk.iter().collect();
            let lowered: Vec<(String, String)> =
                orm::raw("SELECT LOWER(CONVERT(? USING utf8mb4) COLLATE utf8mb4_nopad_bin), LOWER(?)")
                    .bind(text.clone())
                    .bind(text)
                    .fetch(&backend.db)
                    .await
                    .expect("MariaDB lowercases");
            let (column, pattern) = &lowered[0];
            for (side, got) in [("column", column), ("pattern", pattern)] {
                assert_eq!(got.chars().count(), chunk.len(), "LOWER() keeps the number of characters");
                for (c, got) in chunk.iter().zip(got.chars()) {
                    if got != mariadb_lower(*c) {
                        wrong.push(format!(
                            "U+{:04X} ({side}): MariaDB gives U+{:04X}, the reference U+{:04X}",
                            u32::from(*c),
                            u32::from(got),
                            u32::from(mariadb_lower(*c))
                        ));
                    }
                }
            }
        }
    });
    assert!(wrong.is_empty(), "{} characters lowercased otherwise:\n{}", wrong.len(), wrong.join("\n"));
}
