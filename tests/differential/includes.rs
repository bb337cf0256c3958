//! Eager loading, differentially: generated rows, and generated include trees (up to three
//! levels over has_many, belongs_to, has_one, belongs_to_many through a join model and through a
//! table, and a scoped has_many), each level with a random filter, order, per-parent limit,
//! `required()` and `through_filter`, run as top-level queries (with paging) and through the
//! plural getters of every source row, on every backend, and compared with the same tree
//! computed in memory from the full tables under Sequelize's semantics:
//!
//! - a target is kept when it matches the include's filter (and scope and `through_filter`)
//!   and every `required()` include nested under it finds a kept target of its own;
//! - a `required()` include drops the parents without a kept target;
//! - a per-parent `limit` keeps the first n kept targets in the include's order;
//! - `limit`/`offset` of the query (or getter) count only the parents that are kept.
//!
//! Include types are static, so the trees come from a fixed set of shapes ([`Shape`]) whose
//! parameters are random; a failure prints the shrunk rows and the query as Rust code.

use std::cmp::Ordering;
use std::fmt::{self, Write as _};

use orm::prelude::*;
use orm::{Column, Comparable, Operand, Order, SqlValue};
use proptest::prelude::*;
use proptest::strategy::Union;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};

use crate::support::{self, Backend, Backends};

mod association_filters;

// ---------------------------------------------------------------------------------------------
// The schema: Team 1:n Project 1:n Task n:1 User 1:1 Profile; User n:m Project through the join
// model Membership (with `role`, `started`); Project n:m Tag through the table `project_tags`;
// Project's `bugs` are its tasks with `kind = 'bug'`.

#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Project)]
pub struct Team {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to(Team)]
#[has_many(Task)]
#[has_many(Task, as = "bugs", scope(kind = "bug"))]
#[belongs_to_many(Tag, through = "project_tags")]
#[belongs_to_many(User, as = "members", through = Membership)]
pub struct Project {
    pub id: i64,
    pub name: String,
    pub budget: i64,
    pub team_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to(User)]
#[belongs_to(Project)]
pub struct Task {
    pub id: i64,
    pub title: String,
    pub done: bool,
    pub priority: i64,
    pub kind: String,
    pub due: Option<i64>,
    pub project_id: Option<i64>,
    pub user_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Task)]
#[has_one(Profile)]
#[belongs_to_many(Project, through = Membership)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub age: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Profile {
    pub id: i64,
    pub bio: String,
    #[model(unique)]
    pub user_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to_many(Project, through = "project_tags")]
pub struct Tag {
    pub id: i64,
    pub label: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Membership {
    pub id: i64,
    pub user_id: i64,
    pub project_id: i64,
    pub role: String,
    #[model(default = false)]
    pub started: bool,
}

fn schema() -> Schema {
    Schema::new()
        .model::<Team>()
        .model::<Project>()
        .model::<Task>()
        .model::<User>()
        .model::<Profile>()
        .model::<Tag>()
        .model::<Membership>()
}

// ---------------------------------------------------------------------------------------------
// Columns, values and filters, with a typed translation and an in-memory evaluation.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    Team,
    Project,
    Task,
    User,
    Profile,
    Tag,
    Membership,
}

/// Strings are lowercase ASCII, so every collation orders them alike.
const NAMES: &[&str] = &["a", "b", "ab", "ba"];
const KINDS: &[&str] = &["bug", "chore"];
const ROLES: &[&str] = &["dev", "lead"];
const PATTERNS: &[&str] = &["a%", "%a", "_", "b_", "%", "ab"];

/// What values a column holds (and filters compare it with).
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// A primary key.
    Id,
    /// A NOT NULL foreign key.
    Fk,
    /// A nullable foreign key.
    OptFk,
    Int,
    OptInt,
    Text(&'static [&'static str]),
    Bool,
}

impl Kind {
    fn nullable(self) -> bool {
        matches!(self, Kind::OptFk | Kind::OptInt)
    }
}

macro_rules! columns {
    ($($col:ident = $table:ident . $field:ident : $kind:expr),* $(,)?) => {
        #[derive(Clone, Copy, PartialEq, Eq)]
        enum Col { $($col),* }
        const COLUMNS: &[(Col, Table, &str, Kind)] = &[$((Col::$col, Table::$table, stringify!($field), $kind)),*];
    };
}

columns! {
    TeamId = Team.id: Kind::Id,
    TeamName = Team.name: Kind::Text(NAMES),
    ProjectId = Project.id: Kind::Id,
    ProjectName = Project.name: Kind::Text(NAMES),
    ProjectBudget = Project.budget: Kind::Int,
    ProjectTeamId = Project.team_id: Kind::OptFk,
    TaskId = Task.id: Kind::Id,
    TaskTitle = Task.title: Kind::Text(NAMES),
    TaskDone = Task.done: Kind::Bool,
    TaskPriority = Task.priority: Kind::Int,
    TaskKind = Task.kind: Kind::Text(KINDS),
    TaskDue = Task.due: Kind::OptInt,
    TaskProjectId = Task.project_id: Kind::OptFk,
    TaskUserId = Task.user_id: Kind::OptFk,
    UserId = User.id: Kind::Id,
    UserName = User.name: Kind::Text(NAMES),
    UserAge = User.age: Kind::Int,
    ProfileId = Profile.id: Kind::Id,
    ProfileBio = Profile.bio: Kind::Text(NAMES),
    ProfileUserId = Profile.user_id: Kind::OptFk,
    TagId = Tag.id: Kind::Id,
    TagLabel = Tag.label: Kind::Text(NAMES),
    MembershipId = Membership.id: Kind::Id,
    MembershipUserId = Membership.user_id: Kind::Fk,
    MembershipProjectId = Membership.project_id: Kind::Fk,
    MembershipRole = Membership.role: Kind::Text(ROLES),
    MembershipStarted = Membership.started: Kind::Bool,
}

impl Col {
    fn info(self) -> (Table, &'static str, Kind) {
        let (_, table, field, kind) = COLUMNS.iter().find(|c| c.0 == self).copied().expect("every column is listed");
        (table, field, kind)
    }

    fn of(table: Table) -> impl Iterator<Item = Col> {
        COLUMNS.iter().filter(move |c| c.1 == table).map(|c| c.0)
    }
}

impl fmt::Debug for Col {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (table, field, _) = self.info();
        write!(f, "{table:?}::{field}()")
    }
}

impl Table {
    fn key(self) -> Col {
        Col::of(self).find(|c| matches!(c.info().2, Kind::Id)).expect("every table has a key")
    }
}

#[derive(Clone, PartialEq, PartialOrd)]
enum Val {
    Int(i64),
    Text(String),
    Bool(bool),
}

impl fmt::Debug for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::Int(n) => write!(f, "{n}"),
            Val::Text(s) => write!(f, "{s:?}"),
            Val::Bool(b) => write!(f, "{b}"),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl fmt::Debug for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Eq => "eq",
            Op::Ne => "ne",
            Op::Lt => "lt",
            Op::Le => "le",
            Op::Gt => "gt",
            Op::Ge => "ge",
        })
    }
}

/// A filter on one model; its `Debug` is the Rust expression it stands for.
#[derive(Clone)]
enum Pred {
    Cmp(Col, Op, Val),
    In(Col, Vec<Val>),
    Null(Col, bool),
    Like(Col, &'static str),
    Not(Box<Pred>),
    And(Box<Pred>, Box<Pred>),
    Or(Box<Pred>, Box<Pred>),
}

impl fmt::Debug for Pred {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pred::Cmp(c, op, v) => write!(f, "{c:?}.{op:?}({v:?})"),
            Pred::In(c, vs) => write!(f, "{c:?}.is_in({vs:?})"),
            Pred::Null(c, false) => write!(f, "{c:?}.is_null()"),
            Pred::Null(c, true) => write!(f, "{c:?}.is_not_null()"),
            Pred::Like(c, p) => write!(f, "{c:?}.like({p:?})"),
            Pred::Not(p) => write!(f, "{p:?}.not()"),
            Pred::And(a, b) => write!(f, "{a:?}.and({b:?})"),
            Pred::Or(a, b) => write!(f, "{a:?}.or({b:?})"),
        }
    }
}

/// SQL's three-valued logic; `None` is UNKNOWN.
fn eval(p: &Pred, get: &dyn Fn(Col) -> Option<Val>) -> Option<bool> {
    match p {
        Pred::Cmp(c, op, v) => get(*c).map(|x| match op {
            Op::Eq => x == *v,
            Op::Ne => x != *v,
            Op::Lt => x < *v,
            Op::Le => x <= *v,
            Op::Gt => x > *v,
            Op::Ge => x >= *v,
        }),
        // An empty list matches nothing, NULL rows included (so its negation matches all).
        Pred::In(_, vs) if vs.is_empty() => Some(false),
        Pred::In(c, vs) => get(*c).map(|x| vs.contains(&x)),
        Pred::Null(c, negated) => Some(get(*c).is_none() != *negated),
        Pred::Like(c, pattern) => get(*c).map(|x| match x {
            Val::Text(s) => like(s.as_bytes(), pattern.as_bytes()),
            other => unreachable!("like on {other:?}"),
        }),
        Pred::Not(p) => eval(p, get).map(|b| !b),
        Pred::And(a, b) => match (eval(a, get), eval(b, get)) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        },
        Pred::Or(a, b) => match (eval(a, get), eval(b, get)) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
    }
}

fn like(s: &[u8], p: &[u8]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((b'%', rest)) => (0..=s.len()).any(|i| like(&s[i..], rest)),
        Some((b'_', rest)) => !s.is_empty() && like(&s[1..], rest),
        Some((c, rest)) => s.first() == Some(c) && like(&s[1..], rest),
    }
}

/// A column type filters compare with: the operand a [`Val`] becomes, and back.
trait ColTy: SqlValue + Sized {
    type Arg: Operand<Self>;
    fn arg(v: &Val) -> Self::Arg;
    fn val(&self) -> Option<Val>;
}

impl ColTy for i64 {
    type Arg = i64;
    fn arg(v: &Val) -> i64 {
        match v {
            Val::Int(n) => *n,
            other => unreachable!("{other:?} for an integer column"),
        }
    }
    fn val(&self) -> Option<Val> {
        Some(Val::Int(*self))
    }
}

impl ColTy for Option<i64> {
    type Arg = i64;
    fn arg(v: &Val) -> i64 {
        i64::arg(v)
    }
    fn val(&self) -> Option<Val> {
        self.map(Val::Int)
    }
}

impl ColTy for String {
    type Arg = String;
    fn arg(v: &Val) -> String {
        match v {
            Val::Text(s) => s.clone(),
            other => unreachable!("{other:?} for a text column"),
        }
    }
    fn val(&self) -> Option<Val> {
        Some(Val::Text(self.clone()))
    }
}

impl ColTy for bool {
    type Arg = bool;
    fn arg(v: &Val) -> bool {
        match v {
            Val::Bool(b) => *b,
            other => unreachable!("{other:?} for a boolean column"),
        }
    }
    fn val(&self) -> Option<Val> {
        Some(Val::Bool(*self))
    }
}

fn compare<M, T: ColTy + Comparable>(column: Column<M, T>, op: Op, v: &Val) -> Expr<M> {
    let v = T::arg(v);
    match op {
        Op::Eq => column.eq(v),
        Op::Ne => column.ne(v),
        Op::Lt => column.lt(v),
        Op::Le => column.le(v),
        Op::Gt => column.gt(v),
        Op::Ge => column.ge(v),
    }
}

fn is_in<M, T: ColTy>(column: Column<M, T>, vs: &[Val]) -> Expr<M> {
    column.is_in(vs.iter().map(T::arg))
}

/// A model of the schema, seen through [`Col`]: its values, and typed filters and orders.
trait Rec: Model + fmt::Debug {
    fn rec_id(&self) -> i64;
    fn rec_value(&self, col: Col) -> Option<Val>;
    fn cmp_expr(col: Col, op: Op, v: &Val) -> Expr<Self>;
    fn in_expr(col: Col, vs: &[Val]) -> Expr<Self>;
    fn null_expr(col: Col, negated: bool) -> Expr<Self>;
    fn like_expr(col: Col, pattern: &str) -> Expr<Self>;
    fn order_of(col: Col, descending: bool) -> Order<Self>;
}

macro_rules! record {
    ($M:ident { $($col:ident => $field:ident),* $(,)? } like { $($tcol:ident => $tfield:ident),* $(,)? }) => {
        impl Rec for $M {
            fn rec_id(&self) -> i64 {
                self.id
            }
            fn rec_value(&self, col: Col) -> Option<Val> {
                match col {
                    $(Col::$col => ColTy::val(&self.$field),)*
                    _ => unreachable!("{col:?} is not a column of {}", stringify!($M)),
                }
            }
            fn cmp_expr(col: Col, op: Op, v: &Val) -> Expr<Self> {
                match col {
                    $(Col::$col => compare($M::$field(), op, v),)*
                    _ => unreachable!("{col:?} is not a column of {}", stringify!($M)),
                }
            }
            fn in_expr(col: Col, vs: &[Val]) -> Expr<Self> {
                match col {
                    $(Col::$col => is_in($M::$field(), vs),)*
                    _ => unreachable!("{col:?} is not a column of {}", stringify!($M)),
                }
            }
            fn null_expr(col: Col, negated: bool) -> Expr<Self> {
                match col {
                    $(Col::$col if negated => $M::$field().is_not_null(),)*
                    $(Col::$col => $M::$field().is_null(),)*
                    _ => unreachable!("{col:?} is not a column of {}", stringify!($M)),
                }
            }
            fn like_expr(col: Col, pattern: &str) -> Expr<Self> {
                match col {
                    $(Col::$tcol => $M::$tfield().like(pattern),)*
                    _ => unreachable!("{col:?} is not a text column of {}", stringify!($M)),
                }
            }
            fn order_of(col: Col, descending: bool) -> Order<Self> {
                match col {
                    $(Col::$col if descending => $M::$field().desc().into(),)*
                    $(Col::$col => $M::$field().asc().into(),)*
                    _ => unreachable!("{col:?} is not a column of {}", stringify!($M)),
                }
            }
        }
    };
}

record!(Team { TeamId => id, TeamName => name } like { TeamName => name });
record!(Project { ProjectId => id, ProjectName => name, ProjectBudget => budget, ProjectTeamId => team_id }
    like { ProjectName => name });
record!(Task {
    TaskId => id, TaskTitle => title, TaskDone => done, TaskPriority => priority, TaskKind => kind, TaskDue => due,
    TaskProjectId => project_id, TaskUserId => user_id,
} like { TaskTitle => title, TaskKind => kind });
record!(User { UserId => id, UserName => name, UserAge => age } like { UserName => name });
record!(Profile { ProfileId => id, ProfileBio => bio, ProfileUserId => user_id } like { ProfileBio => bio });
record!(Tag { TagId => id, TagLabel => label } like { TagLabel => label });
record!(Membership {
    MembershipId => id, MembershipUserId => user_id, MembershipProjectId => project_id, MembershipRole => role,
    MembershipStarted => started,
} like { MembershipRole => role });

/// The typed filter a [`Pred`] stands for.
fn expr<M: Rec>(p: &Pred) -> Expr<M> {
    match p {
        Pred::Cmp(c, op, v) => M::cmp_expr(*c, *op, v),
        Pred::In(c, vs) => M::in_expr(*c, vs),
        Pred::Null(c, negated) => M::null_expr(*c, *negated),
        Pred::Like(c, pattern) => M::like_expr(*c, pattern),
        Pred::Not(p) => expr::<M>(p).not(),
        Pred::And(a, b) => expr::<M>(a).and(expr(b)),
        Pred::Or(a, b) => expr::<M>(a).or(expr(b)),
    }
}

fn order<M: Rec>(col: Col, descending: bool) -> Order<M> {
    M::order_of(col, descending)
}

// ---------------------------------------------------------------------------------------------
// The rows.

/// Primary keys out of insertion order, and alike across tables (team 8, project 8, …).
fn id(i: usize) -> i64 {
    1 + (i as i64 * 7) % 23
}

#[derive(Clone)]
struct Data {
    teams: Vec<Team>,
    users: Vec<User>,
    projects: Vec<Project>,
    tasks: Vec<Task>,
    profiles: Vec<Profile>,
    tags: Vec<Tag>,
    memberships: Vec<Membership>,
    /// (project_id, tag_id)
    project_tags: Vec<(i64, i64)>,
}

impl fmt::Debug for Data {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Data {{")?;
        for row in &self.teams {
            writeln!(f, "  {row:?}")?;
        }
        for row in &self.users {
            writeln!(f, "  {row:?}")?;
        }
        for row in &self.projects {
            writeln!(f, "  {row:?}")?;
        }
        for row in &self.tasks {
            writeln!(f, "  {row:?}")?;
        }
        for row in &self.profiles {
            writeln!(f, "  {row:?}")?;
        }
        for row in &self.tags {
            writeln!(f, "  {row:?}")?;
        }
        for row in &self.memberships {
            writeln!(f, "  {row:?}")?;
        }
        writeln!(f, "  project_tags (project_id, tag_id): {:?}", self.project_tags)?;
        write!(f, "}}")
    }
}

type RawTask = (&'static str, bool, i64, &'static str, Option<i64>, Option<usize>, Option<usize>);
type Raw = (
    Vec<&'static str>,
    Vec<(&'static str, i64)>,
    Vec<(&'static str, i64, Option<usize>)>,
    Vec<RawTask>,
    Vec<(&'static str, Option<usize>)>,
    Vec<&'static str>,
    Vec<(usize, usize, &'static str, bool)>,
    Vec<(usize, usize)>,
);

/// Foreign keys are generated as indexes into the parent table (taken modulo its length), so
/// that shrinking a table never leaves a dangling key.
fn data() -> impl Strategy<Value = Data> {
    use proptest::collection::vec;
    use proptest::option::weighted;
    use proptest::sample::select;
    let name = || select(NAMES);
    // Links favour the first few parents, so that parents with several children (where a
    // per-parent limit matters) are common, and parents without any exist too.
    let index = || prop_oneof![3 => 0..3usize, 1 => 0..8usize];
    let link = move || weighted(0.85, index());
    let tasks = vec((name(), any::<bool>(), 0..4i64, select(KINDS), weighted(0.6, 0..4i64), link(), link()), 0..16);
    (
        vec(name(), 0..4),
        vec((name(), 0..3i64), 0..5),
        vec((name(), 0..3i64, link()), 0..6),
        tasks,
        vec((name(), weighted(0.85, 0..8usize)), 0..5),
        vec(name(), 0..4),
        vec((index(), index(), select(ROLES), any::<bool>()), 0..12),
        vec((index(), index()), 0..12),
    )
        .prop_map(materialize)
}

fn materialize(raw: Raw) -> Data {
    let (teams, users, projects, tasks, profiles, tags, memberships, project_tags) = raw;
    fn pick(ids: &[i64], index: Option<usize>) -> Option<i64> {
        index.filter(|_| !ids.is_empty()).map(|i| ids[i % ids.len()])
    }
    let teams: Vec<Team> =
        teams.into_iter().enumerate().map(|(i, name)| Team { id: id(i), name: name.into() }).collect();
    let users: Vec<User> =
        users.into_iter().enumerate().map(|(i, (name, age))| User { id: id(i), name: name.into(), age }).collect();
    let team_ids: Vec<i64> = teams.iter().map(|t| t.id).collect();
    let user_ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let projects: Vec<Project> = projects
        .into_iter()
        .enumerate()
        .map(|(i, (name, budget, team))| Project {
            id: id(i),
            name: name.into(),
            budget,
            team_id: pick(&team_ids, team),
        })
        .collect();
    let project_ids: Vec<i64> = projects.iter().map(|p| p.id).collect();
    let tasks = tasks
        .into_iter()
        .enumerate()
        .map(|(i, (title, done, priority, kind, due, project, user))| Task {
            id: id(i),
            title: title.into(),
            done,
            priority,
            kind: kind.into(),
            due,
            project_id: pick(&project_ids, project),
            user_id: pick(&user_ids, user),
        })
        .collect();
    let mut profile_owners = std::collections::HashSet::new();
    let profiles = profiles
        .into_iter()
        .enumerate()
        .map(|(i, (bio, user))| Profile {
            id: id(i),
            bio: bio.into(),
            // At most one profile per user (a unique column).
            user_id: pick(&user_ids, user).filter(|u| profile_owners.insert(*u)),
        })
        .collect();
    let tags: Vec<Tag> =
        tags.into_iter().enumerate().map(|(i, label)| Tag { id: id(i), label: label.into() }).collect();
    let tag_ids: Vec<i64> = tags.iter().map(|t| t.id).collect();
    let mut pairs = std::collections::HashSet::new();
    let memberships = memberships
        .into_iter()
        .filter_map(|(user, project, role, started)| {
            let pair = (pick(&user_ids, Some(user))?, pick(&project_ids, Some(project))?);
            pairs.insert(pair).then_some((pair, role, started))
        })
        .enumerate()
        .map(|(i, ((user_id, project_id), role, started))| Membership {
            id: id(i),
            user_id,
            project_id,
            role: role.into(),
            started,
        })
        .collect();
    let mut pairs = std::collections::HashSet::new();
    let project_tags = project_tags
        .into_iter()
        .filter_map(|(project, tag)| {
            let pair = (pick(&project_ids, Some(project))?, pick(&tag_ids, Some(tag))?);
            pairs.insert(pair).then_some(pair)
        })
        .collect();
    Data { teams, users, projects, tasks, profiles, tags, memberships, project_tags }
}

enum Bind {
    Int(i64),
    OptInt(Option<i64>),
    Text(String),
    Bool(bool),
}

async fn insert(tx: &mut orm::Tx, table: &str, columns: &[&str], rows: Vec<Vec<Bind>>) -> orm::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let tuple = format!("({})", vec!["?"; columns.len()].join(", "));
    let sql = format!("INSERT INTO \"{table}\" ({}) VALUES {}", columns.join(", "), vec![tuple; rows.len()].join(", "));
    let mut statement = orm::raw(sql);
    for value in rows.into_iter().flatten() {
        statement = match value {
            Bind::Int(v) => statement.bind(v),
            Bind::OptInt(v) => statement.bind(v),
            Bind::Text(v) => statement.bind(v),
            Bind::Bool(v) => statement.bind(v),
        };
    }
    statement.execute(tx).await?;
    Ok(())
}

/// Replaces every row with `d`'s, in one transaction.
async fn load(db: &Db, d: &Data) -> orm::Result<()> {
    use Bind::{Bool, Int, OptInt, Text};
    let mut tx = db.begin().await?;
    for table in ["project_tags", "memberships", "profiles", "tasks", "projects", "tags", "teams", "users"] {
        orm::raw(format!("DELETE FROM \"{table}\"")).execute(&mut tx).await?;
    }
    let rows = d.teams.iter().map(|t| vec![Int(t.id), Text(t.name.clone())]).collect();
    insert(&mut tx, "teams", &["id", "name"], rows).await?;
    let rows = d.users.iter().map(|u| vec![Int(u.id), Text(u.name.clone()), Int(u.age)]).collect();
    insert(&mut tx, "users", &["id", "name", "age"], rows).await?;
    let rows = d.tags.iter().map(|t| vec![Int(t.id), Text(t.label.clone())]).collect();
    insert(&mut tx, "tags", &["id", "label"], rows).await?;
    let rows =
        d.projects.iter().map(|p| vec![Int(p.id), Text(p.name.clone()), Int(p.budget), OptInt(p.team_id)]).collect();
    insert(&mut tx, "projects", &["id", "name", "budget", "team_id"], rows).await?;
    let rows = d
        .tasks
        .iter()
        .map(|t| {
            vec![
                Int(t.id),
                Text(t.title.clone()),
                Bool(t.done),
                Int(t.priority),
                Text(t.kind.clone()),
                OptInt(t.due),
                OptInt(t.project_id),
                OptInt(t.user_id),
            ]
        })
        .collect();
    let columns = ["id", "title", "done", "priority", "kind", "due", "project_id", "user_id"];
    insert(&mut tx, "tasks", &columns, rows).await?;
    let rows = d.profiles.iter().map(|p| vec![Int(p.id), Text(p.bio.clone()), OptInt(p.user_id)]).collect();
    insert(&mut tx, "profiles", &["id", "bio", "user_id"], rows).await?;
    let rows = d
        .memberships
        .iter()
        .map(|m| vec![Int(m.id), Int(m.user_id), Int(m.project_id), Text(m.role.clone()), Bool(m.started)])
        .collect();
    insert(&mut tx, "memberships", &["id", "user_id", "project_id", "role", "started"], rows).await?;
    let rows = d.project_tags.iter().map(|(p, t)| vec![Int(*p), Int(*t)]).collect();
    insert(&mut tx, "project_tags", &["project_id", "tag_id"], rows).await?;
    tx.commit().await
}

// ---------------------------------------------------------------------------------------------
// Queries: a description of the include tree and of the query around it.

#[derive(Clone, Copy, PartialEq, Eq)]
enum Assoc {
    TeamProjects,
    ProjectTeam,
    ProjectTasks,
    ProjectBugs,
    ProjectTags,
    ProjectMembers,
    TaskUser,
    TaskProject,
    UserTasks,
    UserProfile,
    UserProjects,
    TagProjects,
}

impl Assoc {
    /// (source, handle, target, whether it has a join model)
    fn info(self) -> (Table, &'static str, Table, bool) {
        use Table as T;
        match self {
            Assoc::TeamProjects => (T::Team, "projects", T::Project, false),
            Assoc::ProjectTeam => (T::Project, "team", T::Team, false),
            Assoc::ProjectTasks => (T::Project, "tasks", T::Task, false),
            Assoc::ProjectBugs => (T::Project, "bugs", T::Task, false),
            Assoc::ProjectTags => (T::Project, "tags", T::Tag, false),
            Assoc::ProjectMembers => (T::Project, "members", T::User, true),
            Assoc::TaskUser => (T::Task, "user", T::User, false),
            Assoc::TaskProject => (T::Task, "project", T::Project, false),
            Assoc::UserTasks => (T::User, "tasks", T::Task, false),
            Assoc::UserProfile => (T::User, "profile", T::Profile, false),
            Assoc::UserProjects => (T::User, "projects", T::Project, true),
            Assoc::TagProjects => (T::Tag, "projects", T::Project, false),
        }
    }

    fn source(self) -> Table {
        self.info().0
    }

    fn name(self) -> &'static str {
        self.info().1
    }

    fn target(self) -> Table {
        self.info().2
    }

    fn has_join(self) -> bool {
        self.info().3
    }

    const ALL: [Assoc; 12] = [
        Assoc::TeamProjects,
        Assoc::ProjectTeam,
        Assoc::ProjectTasks,
        Assoc::ProjectBugs,
        Assoc::ProjectTags,
        Assoc::ProjectMembers,
        Assoc::TaskUser,
        Assoc::TaskProject,
        Assoc::UserTasks,
        Assoc::UserProfile,
        Assoc::UserProjects,
        Assoc::TagProjects,
    ];

    /// The plural associations reaching `table`: their getters return `table`'s rows.
    fn getters_of(table: Table) -> Vec<Assoc> {
        use Assoc::*;
        [TeamProjects, ProjectTasks, ProjectBugs, ProjectTags, ProjectMembers, UserTasks, UserProjects, TagProjects]
            .into_iter()
            .filter(|a| a.target() == table)
            .collect()
    }
}

impl fmt::Debug for Assoc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}::{}()", self.source(), self.name())
    }
}

/// One include: `assoc` with its parameters and nested includes.
#[derive(Clone)]
struct Inc {
    assoc: Assoc,
    filter: Option<Pred>,
    through: Option<Pred>,
    /// Always ends with the target's primary key.
    order: Vec<(Col, bool)>,
    limit: Option<u64>,
    required: bool,
    nested: Vec<Inc>,
}

fn write_order(f: &mut fmt::Formatter<'_>, order: &[(Col, bool)]) -> fmt::Result {
    for (c, descending) in order {
        write!(f, ".order_by({c:?}.{}())", if *descending { "desc" } else { "asc" })?;
    }
    Ok(())
}

impl fmt::Debug for Inc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.assoc)?;
        if let Some(p) = &self.filter {
            write!(f, ".filter({p:?})")?;
        }
        if let Some(p) = &self.through {
            write!(f, ".through_filter({p:?})")?;
        }
        write_order(f, &self.order)?;
        if let Some(n) = self.limit {
            write!(f, ".limit({n})")?;
        }
        if self.required {
            write!(f, ".required()")?;
        }
        for n in &self.nested {
            write!(f, ".include({n:?})")?;
        }
        Ok(())
    }
}

/// The query around the includes: a filter, and either no order and no paging (the results
/// are compared as a set), or an order ending with the primary key, with optional paging.
#[derive(Clone)]
struct Page {
    filter: Option<Pred>,
    /// Getters of a belongs_to_many with a join model only.
    through: Option<Pred>,
    order: Vec<(Col, bool)>,
    limit: Option<u64>,
    offset: Option<u64>,
}

impl fmt::Debug for Page {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.filter {
            write!(f, ".filter({p:?})")?;
        }
        if let Some(p) = &self.through {
            write!(f, ".through_filter({p:?})")?;
        }
        write_order(f, &self.order)?;
        if let Some(n) = self.limit {
            write!(f, ".limit({n})")?;
        }
        if let Some(n) = self.offset {
            write!(f, ".offset({n})")?;
        }
        Ok(())
    }
}

#[derive(Clone, Debug)]
enum Top {
    /// `Root::find().include(…)….all(&db)`
    Find(Page),
    /// `source.get_<assoc>(&db).include(…)…`, for every source row.
    Getter(Assoc, Page),
}

/// A fixed tree of associations: the typed code for each is in [`actual`].
struct Spec {
    assoc: Assoc,
    nested: &'static [Spec],
}

const fn spec(assoc: Assoc, nested: &'static [Spec]) -> Spec {
    Spec { assoc, nested }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Team { projects { tasks { user } } }
    TeamA,
    /// Team { projects { members { profile }, tags } }
    TeamB,
    /// Project { tasks { user { profile } } }
    ProjectA,
    /// Project { members { tasks }, team }
    ProjectB,
    /// Project { bugs { user }, tags { projects } }
    ProjectC,
    /// User { projects { tasks { user } }, profile }
    UserA,
    /// User { tasks { project { team } } }
    UserB,
    /// Task { user { projects { team } } }
    TaskA,
    /// Task { project { tags, members }, user { profile } }
    TaskB,
    /// Tag { projects { members { profile } } }
    TagA,
}

impl Shape {
    const ALL: [Shape; 10] = [
        Shape::TeamA,
        Shape::TeamB,
        Shape::ProjectA,
        Shape::ProjectB,
        Shape::ProjectC,
        Shape::UserA,
        Shape::UserB,
        Shape::TaskA,
        Shape::TaskB,
        Shape::TagA,
    ];

    fn spec(self) -> (Table, &'static [Spec]) {
        use Assoc::*;
        macro_rules! tree {
            ($root:ident: $($spec:expr),+) => {{
                const SPECS: &[Spec] = &[$($spec),+];
                (Table::$root, SPECS)
            }};
        }
        match self {
            Shape::TeamA => tree!(Team: spec(TeamProjects, &[spec(ProjectTasks, &[spec(TaskUser, &[])])])),
            Shape::TeamB => tree!(Team: spec(
                TeamProjects,
                &[spec(ProjectMembers, &[spec(UserProfile, &[])]), spec(ProjectTags, &[])]
            )),
            Shape::ProjectA => tree!(Project: spec(ProjectTasks, &[spec(TaskUser, &[spec(UserProfile, &[])])])),
            Shape::ProjectB => tree!(Project: spec(ProjectMembers, &[spec(UserTasks, &[])]), spec(ProjectTeam, &[])),
            Shape::ProjectC => {
                tree!(Project: spec(ProjectBugs, &[spec(TaskUser, &[])]), spec(ProjectTags, &[spec(TagProjects, &[])]))
            }
            Shape::UserA => {
                tree!(User: spec(UserProjects, &[spec(ProjectTasks, &[spec(TaskUser, &[])])]), spec(UserProfile, &[]))
            }
            Shape::UserB => tree!(User: spec(UserTasks, &[spec(TaskProject, &[spec(ProjectTeam, &[])])])),
            Shape::TaskA => tree!(Task: spec(TaskUser, &[spec(UserProjects, &[spec(ProjectTeam, &[])])])),
            Shape::TaskB => tree!(Task:
                spec(TaskProject, &[spec(ProjectTags, &[]), spec(ProjectMembers, &[])]),
                spec(TaskUser, &[spec(UserProfile, &[])])
            ),
            Shape::TagA => tree!(Tag: spec(TagProjects, &[spec(ProjectMembers, &[spec(UserProfile, &[])])])),
        }
    }

    fn root(self) -> Table {
        self.spec().0
    }
}

#[derive(Clone)]
struct Query {
    shape: Shape,
    includes: Vec<Inc>,
    top: Top,
}

/// The query as the Rust code it runs.
impl fmt::Debug for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let page = match &self.top {
            Top::Find(page) => {
                write!(f, "{:?}::find()", self.shape.root())?;
                page
            }
            Top::Getter(assoc, page) => {
                write!(f, "for each {:?} `s`: s.get_{}(&db)", assoc.source(), assoc.name())?;
                page
            }
        };
        for inc in &self.includes {
            write!(f, ".include({inc:?})")?;
        }
        write!(f, "{page:?}")
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies.

fn value(kind: Kind) -> BoxedStrategy<Val> {
    use proptest::sample::select;
    match kind {
        Kind::Id | Kind::Fk | Kind::OptFk => (0..6usize).prop_map(|i| Val::Int(id(i))).boxed(),
        Kind::Int | Kind::OptInt => (0..4i64).prop_map(Val::Int).boxed(),
        Kind::Text(pool) => select(pool).prop_map(|s| Val::Text(s.into())).boxed(),
        Kind::Bool => any::<bool>().prop_map(Val::Bool).boxed(),
    }
}

fn pred(table: Table) -> BoxedStrategy<Pred> {
    use proptest::sample::select;
    const OPS: &[Op] = &[Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge];
    let mut atoms: Vec<BoxedStrategy<Pred>> = Vec::new();
    for col in Col::of(table) {
        let kind = col.info().2;
        atoms.push((select(OPS), value(kind)).prop_map(move |(op, v)| Pred::Cmp(col, op, v)).boxed());
        atoms.push(proptest::collection::vec(value(kind), 0..3).prop_map(move |vs| Pred::In(col, vs)).boxed());
        if kind.nullable() {
            atoms.push(any::<bool>().prop_map(move |negated| Pred::Null(col, negated)).boxed());
        }
        if matches!(kind, Kind::Text(_)) {
            atoms.push(select(PATTERNS).prop_map(move |p| Pred::Like(col, p)).boxed());
        }
    }
    Union::new(atoms)
        .prop_recursive(2, 4, 2, |inner| {
            prop_oneof![
                inner.clone().prop_map(|p| Pred::Not(Box::new(p))),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| Pred::And(Box::new(a), Box::new(b))),
                (inner.clone(), inner).prop_map(|(a, b)| Pred::Or(Box::new(a), Box::new(b))),
            ]
        })
        .boxed()
}

/// Up to two columns (nullable ones too: NULLs sort last ascending), then the primary key.
fn total_order(table: Table) -> BoxedStrategy<Vec<(Col, bool)>> {
    let key = table.key();
    let columns: Vec<Col> = Col::of(table).filter(|c| *c != key).collect();
    (proptest::collection::vec((proptest::sample::select(columns), any::<bool>()), 0..=2), any::<bool>())
        .prop_map(move |(mut order, descending)| {
            order.push((key, descending));
            order
        })
        .boxed()
}

fn include(spec: &'static Spec) -> BoxedStrategy<Inc> {
    use proptest::option::weighted;
    let target = spec.assoc.target();
    let nested: Vec<BoxedStrategy<Inc>> = spec.nested.iter().map(include).collect();
    let through =
        if spec.assoc.has_join() { weighted(0.4, pred(Table::Membership)).boxed() } else { Just(None).boxed() };
    (
        weighted(0.4, pred(target)),
        through,
        total_order(target),
        weighted(0.5, 1..3u64),
        proptest::bool::weighted(0.4),
        nested,
    )
        .prop_map(move |(filter, through, order, limit, required, nested)| Inc {
            assoc: spec.assoc,
            filter,
            through,
            order,
            limit,
            required,
            nested,
        })
        .boxed()
}

fn page(table: Table, join: bool) -> BoxedStrategy<Page> {
    use proptest::option::weighted;
    let through = if join { weighted(0.4, pred(Table::Membership)).boxed() } else { Just(None).boxed() };
    let paging = prop_oneof![
        1 => Just(None),
        3 => (total_order(table), weighted(0.6, 0..4u64), weighted(0.5, 0..3u64)).prop_map(Some),
    ];
    (weighted(0.4, pred(table)), through, paging)
        .prop_map(|(filter, through, paging)| {
            let (order, limit, offset) = paging.unwrap_or_default();
            Page { filter, through, order, limit, offset }
        })
        .boxed()
}

fn query(shape: Shape, getter: bool) -> BoxedStrategy<Query> {
    let (root, specs) = shape.spec();
    let includes: Vec<BoxedStrategy<Inc>> = specs.iter().map(include).collect();
    let top = if getter {
        proptest::sample::select(Assoc::getters_of(root))
            .prop_flat_map(move |assoc| page(root, assoc.has_join()).prop_map(move |p| Top::Getter(assoc, p)))
            .boxed()
    } else {
        page(root, false).prop_map(Top::Find).boxed()
    };
    (includes, top).prop_map(move |(includes, top)| Query { shape, includes, top }).boxed()
}

fn queries(getters: bool) -> BoxedStrategy<Vec<Query>> {
    let shapes = Shape::ALL.into_iter().filter(|s| !getters || !Assoc::getters_of(s.root()).is_empty());
    let one = Union::new(shapes.map(|s| query(s, getters)));
    proptest::collection::vec(one, 1..6).boxed()
}

// ---------------------------------------------------------------------------------------------
// Results, as a tree both sides build.

#[derive(Clone, PartialEq)]
struct Out {
    id: i64,
    row: String,
    join: Option<String>,
    /// One list per nested include, in the order they were given.
    nested: Vec<Vec<Out>>,
}

fn render(outs: &[Out], includes: &[Inc], depth: usize, buf: &mut String) {
    if outs.is_empty() {
        let _ = writeln!(buf, "{:depth$}(none)", "");
    }
    for o in outs {
        let _ = write!(buf, "{:depth$}{}", "", o.row);
        if let Some(join) = &o.join {
            let _ = write!(buf, " via {join}");
        }
        buf.push('\n');
        for (i, list) in o.nested.iter().enumerate() {
            let inc = includes.get(i);
            let _ = writeln!(buf, "{:w$}.{}:", "", inc.map_or("?", |n| n.assoc.name()), w = depth + 2);
            render(list, inc.map_or(&[][..], |n| &n.nested[..]), depth + 4, buf);
        }
    }
}

fn out<M: Rec>(row: &M, nested: Vec<Vec<Out>>) -> Out {
    Out { id: row.rec_id(), row: format!("{row:?}"), join: None, nested }
}

fn leaf<M: Rec>(row: &M) -> Out {
    out(row, Vec::new())
}

fn joined(mut o: Out, join: &Membership) -> Out {
    o.join = Some(format!("{join:?}"));
    o
}

fn many<R>(rows: &[R], f: impl Fn(&R) -> Out) -> Vec<Out> {
    rows.iter().map(f).collect()
}

fn many_j<R>(rows: &[(R, Membership)], f: impl Fn(&R) -> Out) -> Vec<Out> {
    rows.iter().map(|(r, j)| joined(f(r), j)).collect()
}

fn one<R>(row: Option<&R>, f: impl Fn(&R) -> Out) -> Vec<Out> {
    row.map(f).into_iter().collect()
}

// ---------------------------------------------------------------------------------------------
// The reference: the same trees computed from the full tables.

#[derive(Clone, Copy)]
enum R<'a> {
    Team(&'a Team),
    Project(&'a Project),
    Task(&'a Task),
    User(&'a User),
    Profile(&'a Profile),
    Tag(&'a Tag),
}

impl R<'_> {
    fn rec(&self) -> &dyn RecDyn {
        match self {
            R::Team(r) => *r,
            R::Project(r) => *r,
            R::Task(r) => *r,
            R::User(r) => *r,
            R::Profile(r) => *r,
            R::Tag(r) => *r,
        }
    }

    fn id(&self) -> i64 {
        self.rec().dyn_id()
    }

    fn value(&self, col: Col) -> Option<Val> {
        self.rec().dyn_value(col)
    }

    fn fk(&self, col: Col) -> Option<i64> {
        match self.value(col) {
            Some(Val::Int(n)) => Some(n),
            _ => None,
        }
    }
}

/// The object-safe part of [`Rec`].
trait RecDyn {
    fn dyn_id(&self) -> i64;
    fn dyn_value(&self, col: Col) -> Option<Val>;
    fn dyn_out(&self) -> Out;
}

impl<M: Rec> RecDyn for M {
    fn dyn_id(&self) -> i64 {
        self.rec_id()
    }
    fn dyn_value(&self, col: Col) -> Option<Val> {
        self.rec_value(col)
    }
    fn dyn_out(&self) -> Out {
        leaf(self)
    }
}

type Linked<'a> = (R<'a>, Option<&'a Membership>);

fn rows(d: &Data, table: Table) -> Vec<R<'_>> {
    match table {
        Table::Team => d.teams.iter().map(R::Team).collect(),
        Table::Project => d.projects.iter().map(R::Project).collect(),
        Table::Task => d.tasks.iter().map(R::Task).collect(),
        Table::User => d.users.iter().map(R::User).collect(),
        Table::Profile => d.profiles.iter().map(R::Profile).collect(),
        Table::Tag => d.tags.iter().map(R::Tag).collect(),
        Table::Membership => unreachable!("memberships are join rows"),
    }
}

/// Every target of `assoc` for `parent`, with its join row, in no particular order.
fn related<'a>(d: &'a Data, assoc: Assoc, parent: R<'a>) -> Vec<Linked<'a>> {
    let key = parent.id();
    let plain = |r: R<'a>| (r, None);
    match assoc {
        Assoc::TeamProjects => {
            d.projects.iter().filter(|p| p.team_id == Some(key)).map(R::Project).map(plain).collect()
        }
        Assoc::ProjectTeam => {
            let fk = parent.fk(Col::ProjectTeamId);
            d.teams.iter().filter(|t| Some(t.id) == fk).map(R::Team).map(plain).collect()
        }
        Assoc::ProjectTasks => d.tasks.iter().filter(|t| t.project_id == Some(key)).map(R::Task).map(plain).collect(),
        Assoc::ProjectBugs => {
            d.tasks.iter().filter(|t| t.project_id == Some(key) && t.kind == "bug").map(R::Task).map(plain).collect()
        }
        Assoc::ProjectTags => d
            .project_tags
            .iter()
            .filter(|(p, _)| *p == key)
            .flat_map(|(_, tag)| d.tags.iter().filter(move |t| t.id == *tag))
            .map(R::Tag)
            .map(plain)
            .collect(),
        Assoc::ProjectMembers => d
            .memberships
            .iter()
            .filter(|m| m.project_id == key)
            .flat_map(|m| d.users.iter().filter(move |u| u.id == m.user_id).map(move |u| (R::User(u), Some(m))))
            .collect(),
        Assoc::TaskUser => {
            let fk = parent.fk(Col::TaskUserId);
            d.users.iter().filter(|u| Some(u.id) == fk).map(R::User).map(plain).collect()
        }
        Assoc::TaskProject => {
            let fk = parent.fk(Col::TaskProjectId);
            d.projects.iter().filter(|p| Some(p.id) == fk).map(R::Project).map(plain).collect()
        }
        Assoc::UserTasks => d.tasks.iter().filter(|t| t.user_id == Some(key)).map(R::Task).map(plain).collect(),
        Assoc::UserProfile => d.profiles.iter().filter(|p| p.user_id == Some(key)).map(R::Profile).map(plain).collect(),
        Assoc::UserProjects => d
            .memberships
            .iter()
            .filter(|m| m.user_id == key)
            .flat_map(|m| {
                d.projects.iter().filter(move |p| p.id == m.project_id).map(move |p| (R::Project(p), Some(m)))
            })
            .collect(),
        Assoc::TagProjects => d
            .project_tags
            .iter()
            .filter(|(_, t)| *t == key)
            .flat_map(|(project, _)| d.projects.iter().filter(move |p| p.id == *project))
            .map(R::Project)
            .map(plain)
            .collect(),
    }
}

/// NULLs sort as the largest value.
fn compare_rows(order: &[(Col, bool)], a: R<'_>, b: R<'_>) -> Ordering {
    for &(col, descending) in order {
        let ordering = match (a.value(col), b.value(col)) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) => x.partial_cmp(&y).expect("values of one column compare"),
        };
        let ordering = if descending { ordering.reverse() } else { ordering };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    Ordering::Equal
}

/// Whether a target is kept: its filters match, and each nested `required()` include keeps a
/// target of its own.
fn passes(d: &Data, filter: Option<&Pred>, through: Option<&Pred>, nested: &[Inc], target: Linked<'_>) -> bool {
    let (row, join) = target;
    filter.is_none_or(|p| eval(p, &|c| row.value(c)) == Some(true))
        && through.is_none_or(|p| join.is_some_and(|j| eval(p, &|c| j.rec_value(c)) == Some(true)))
        && nested.iter().filter(|n| n.required).all(|n| !kept(d, n, row).is_empty())
}

/// The targets one parent gets for `inc`: kept, ordered, limited.
fn kept<'a>(d: &'a Data, inc: &Inc, parent: R<'a>) -> Vec<Linked<'a>> {
    let mut targets: Vec<Linked<'a>> = related(d, inc.assoc, parent)
        .into_iter()
        .filter(|t| passes(d, inc.filter.as_ref(), inc.through.as_ref(), &inc.nested, *t))
        .collect();
    targets.sort_by(|a, b| compare_rows(&inc.order, a.0, b.0));
    if let Some(limit) = inc.limit {
        targets.truncate(limit as usize);
    }
    targets
}

fn node(d: &Data, (row, join): Linked<'_>, includes: &[Inc]) -> Out {
    let mut o = row.rec().dyn_out();
    o.join = join.map(|j| format!("{j:?}"));
    o.nested =
        includes.iter().map(|inc| kept(d, inc, row).into_iter().map(|t| node(d, t, &inc.nested)).collect()).collect();
    o
}

fn expected_page<'a>(d: &'a Data, page: &Page, includes: &[Inc], candidates: Vec<Linked<'a>>) -> Vec<Out> {
    let mut rows: Vec<Linked<'a>> = candidates
        .into_iter()
        .filter(|t| passes(d, page.filter.as_ref(), page.through.as_ref(), includes, *t))
        .collect();
    rows.sort_by(|a, b| compare_rows(&page.order, a.0, b.0));
    rows.into_iter()
        .skip(page.offset.unwrap_or(0) as usize)
        .take(page.limit.map_or(usize::MAX, |n| n as usize))
        .map(|t| node(d, t, includes))
        .collect()
}

/// A `count` result, as a one-row list.
fn count_out(count: i64) -> Out {
    Out { id: count, row: format!("count = {count}"), join: None, nested: Vec::new() }
}

fn getter_label(assoc: Assoc, source: i64) -> String {
    format!("{:?} {source}: get_{}", assoc.source(), assoc.name())
}

/// The results the query must give: one list per run (the query, or the getter per source).
fn expected(d: &Data, q: &Query) -> Vec<(String, Vec<Out>)> {
    match &q.top {
        Top::Find(page) => {
            let candidates: Vec<Linked<'_>> = rows(d, q.shape.root()).into_iter().map(|r| (r, None)).collect();
            let all = Page { order: Vec::new(), limit: None, offset: None, ..page.clone() };
            let count = expected_page(d, &all, &q.includes, candidates.clone()).len();
            vec![
                ("find".into(), expected_page(d, page, &q.includes, candidates)),
                ("count".into(), vec![count_out(count as i64)]),
            ]
        }
        Top::Getter(assoc, page) => rows(d, assoc.source())
            .into_iter()
            .map(|s| (getter_label(*assoc, s.id()), expected_page(d, page, &q.includes, related(d, *assoc, s))))
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// The ORM side: one typed block per shape.

struct Cx<'a> {
    backends: &'a Backends,
    backend: &'a Backend,
    data: &'a Data,
}

impl Cx<'_> {
    fn run<T>(&self, future: impl Future<Output = orm::Result<T>>) -> Result<T, String> {
        self.backends.block_on(future).map_err(|e| format!("the query failed: {e}\n{e:?}"))
    }
}

/// Applies an [`Inc`]'s parameters to the include built from `$handle` (`through` for a
/// belongs_to_many with a join model).
macro_rules! inc {
    ($handle:expr, $d:expr) => {{
        let d: &Inc = $d;
        let mut i = $handle;
        let meta = i.meta();
        let (source, name, ..) = d.assoc.info();
        assert!(
            format!("{source:?}") == (meta.source)().name && (meta.plural == name || meta.singular == name),
            "the typed tree does not follow the shape: {:?} for {:?}",
            meta.plural,
            d.assoc
        );
        if let Some(p) = &d.filter {
            i = i.filter(expr(p));
        }
        for &(c, descending) in &d.order {
            i = i.order_by(order(c, descending));
        }
        if let Some(n) = d.limit {
            i = i.limit(n);
        }
        if d.required {
            i = i.required();
        }
        i
    }};
    ($handle:expr, $d:expr, through) => {{
        let d: &Inc = $d;
        let mut i = inc!($handle, d);
        if let Some(p) = &d.through {
            i = i.through_filter(expr::<Membership>(p));
        }
        i
    }};
}

/// Applies a [`Page`] to a query or getter `$g`.
macro_rules! page {
    ($g:ident, $page:expr) => {
        if let Some(p) = &$page.filter {
            $g = $g.filter(expr(p));
        }
        for &(c, descending) in &$page.order {
            $g = $g.order_by(order(c, descending));
        }
        if let Some(n) = $page.limit {
            $g = $g.limit(n);
        }
        if let Some(n) = $page.offset {
            $g = $g.offset(n);
        }
    };
}

/// Runs a getter for every source row. `plain`: results are rows; `joined`: (row, join row).
macro_rules! getter {
    ($cx:ident, $assoc:expr, $page:ident, $res:ident, $sources:ident . $get:ident, plain, [$($inc:expr),+], |$r:ident| $conv:expr) => {
        for s in &$cx.data.$sources {
            let mut g = s.$get(&$cx.backend.db)$(.include($inc))+;
            page!(g, $page);
            let rows = $cx.run(async move { g.await })?;
            $res.push((getter_label($assoc, s.id), rows.iter().map(|$r| $conv).collect()));
        }
    };
    ($cx:ident, $assoc:expr, $page:ident, $res:ident, $sources:ident . $get:ident, joined, [$($inc:expr),+], |$r:ident| $conv:expr) => {
        for s in &$cx.data.$sources {
            let mut g = s.$get(&$cx.backend.db)$(.include($inc))+;
            page!(g, $page);
            if let Some(p) = &$page.through {
                g = g.through_filter(expr::<Membership>(p));
            }
            let rows = $cx.run(async move { g.await })?;
            $res.push((getter_label($assoc, s.id), rows.iter().map(|($r, j)| joined($conv, j)).collect()));
        }
    };
}

/// Runs a query over `$Root` with the includes `$inc`, as `find` or through a getter, and
/// converts each result row `$r` with `$conv`.
macro_rules! run {
    ($cx:ident, $q:ident, $Root:ident, [$($inc:expr),+ $(,)?], |$r:ident| $conv:expr) => {{
        let mut res: Vec<(String, Vec<Out>)> = Vec::new();
        match &$q.top {
            Top::Find(p) => {
                let mut g = $Root::find()$(.include($inc))+;
                page!(g, p);
                let rows = $cx.run(g.all(&$cx.backend.db))?;
                res.push(("find".into(), rows.iter().map(|$r| $conv).collect()));
                // `count` ignores order and paging but counts only the parents kept.
                let mut c = $Root::find()$(.include($inc))+;
                if let Some(f) = &p.filter {
                    c = c.filter(expr(f));
                }
                let count = $cx.run(c.count(&$cx.backend.db))?;
                res.push(("count".into(), vec![count_out(count)]));
            }
            Top::Getter(assoc, p) => {
                let assoc = *assoc;
                run!(@getters $Root, $cx, assoc, p, res, [$($inc),+], |$r| $conv);
            }
        }
        res
    }};
    (@getters Team, $cx:ident, $assoc:ident, $p:ident, $res:ident, [$($inc:expr),+], |$r:ident| $conv:expr) => {
        unreachable!("no getter returns teams: {:?}{:?}", $assoc, $p)
    };
    (@getters Project, $cx:ident, $assoc:ident, $p:ident, $res:ident, [$($inc:expr),+], |$r:ident| $conv:expr) => {
        match $assoc {
            Assoc::TeamProjects => getter!($cx, $assoc, $p, $res, teams.get_projects, plain, [$($inc),+], |$r| $conv),
            Assoc::UserProjects => getter!($cx, $assoc, $p, $res, users.get_projects, joined, [$($inc),+], |$r| $conv),
            Assoc::TagProjects => getter!($cx, $assoc, $p, $res, tags.get_projects, plain, [$($inc),+], |$r| $conv),
            other => unreachable!("{other:?}"),
        }
    };
    (@getters Task, $cx:ident, $assoc:ident, $p:ident, $res:ident, [$($inc:expr),+], |$r:ident| $conv:expr) => {
        match $assoc {
            Assoc::ProjectTasks => getter!($cx, $assoc, $p, $res, projects.get_tasks, plain, [$($inc),+], |$r| $conv),
            Assoc::ProjectBugs => getter!($cx, $assoc, $p, $res, projects.get_bugs, plain, [$($inc),+], |$r| $conv),
            Assoc::UserTasks => getter!($cx, $assoc, $p, $res, users.get_tasks, plain, [$($inc),+], |$r| $conv),
            other => unreachable!("{other:?}"),
        }
    };
    (@getters User, $cx:ident, $assoc:ident, $p:ident, $res:ident, [$($inc:expr),+], |$r:ident| $conv:expr) => {
        match $assoc {
            Assoc::ProjectMembers => getter!($cx, $assoc, $p, $res, projects.get_members, joined, [$($inc),+], |$r| $conv),
            other => unreachable!("{other:?}"),
        }
    };
    (@getters Tag, $cx:ident, $assoc:ident, $p:ident, $res:ident, [$($inc:expr),+], |$r:ident| $conv:expr) => {
        match $assoc {
            Assoc::ProjectTags => getter!($cx, $assoc, $p, $res, projects.get_tags, plain, [$($inc),+], |$r| $conv),
            other => unreachable!("{other:?}"),
        }
    };
}

/// What the ORM returns for the query, as the same trees as [`expected`].
fn actual(cx: &Cx<'_>, q: &Query) -> Result<Vec<(String, Vec<Out>)>, String> {
    let d = &q.includes;
    Ok(match q.shape {
        Shape::TeamA => {
            let (a, b, c) = (&d[0], &d[0].nested[0], &d[0].nested[0].nested[0]);
            run!(
                cx,
                q,
                Team,
                [inc!(Team::projects(), a).include(inc!(Project::tasks(), b).include(inc!(Task::user(), c)))],
                |t| out(
                    t.row(),
                    vec![many(t.projects(), |p| out(
                        p.row(),
                        vec![many(p.tasks(), |k| out(k.row(), vec![one(k.user(), leaf)]))]
                    ))]
                )
            )
        }
        Shape::TeamB => {
            let (a, b, c, e) = (&d[0], &d[0].nested[0], &d[0].nested[0].nested[0], &d[0].nested[1]);
            run!(
                cx,
                q,
                Team,
                [inc!(Team::projects(), a)
                    .include(inc!(Project::members(), b, through).include(inc!(User::profile(), c)))
                    .include(inc!(Project::tags(), e))],
                |t| out(
                    t.row(),
                    vec![many(t.projects(), |p| out(
                        p.row(),
                        vec![many_j(p.members(), |u| out(u.row(), vec![one(u.profile(), leaf)])), many(p.tags(), leaf),]
                    ))]
                )
            )
        }
        Shape::ProjectA => {
            let (a, b, c) = (&d[0], &d[0].nested[0], &d[0].nested[0].nested[0]);
            run!(
                cx,
                q,
                Project,
                [inc!(Project::tasks(), a).include(inc!(Task::user(), b).include(inc!(User::profile(), c)))],
                |p| out(
                    p.row(),
                    vec![many(p.tasks(), |k| out(
                        k.row(),
                        vec![one(k.user(), |u| out(u.row(), vec![one(u.profile(), leaf)]))]
                    ))]
                )
            )
        }
        Shape::ProjectB => {
            let (a, b, c) = (&d[0], &d[0].nested[0], &d[1]);
            run!(
                cx,
                q,
                Project,
                [inc!(Project::members(), a, through).include(inc!(User::tasks(), b)), inc!(Project::team(), c)],
                |p| out(
                    p.row(),
                    vec![many_j(p.members(), |u| out(u.row(), vec![many(u.tasks(), leaf)])), one(p.team(), leaf)]
                )
            )
        }
        Shape::ProjectC => {
            let (a, b, c, e) = (&d[0], &d[0].nested[0], &d[1], &d[1].nested[0]);
            run!(
                cx,
                q,
                Project,
                [
                    inc!(Project::bugs(), a).include(inc!(Task::user(), b)),
                    inc!(Project::tags(), c).include(inc!(Tag::projects(), e))
                ],
                |p| out(
                    p.row(),
                    vec![
                        many(p.bugs(), |k| out(k.row(), vec![one(k.user(), leaf)])),
                        many(p.tags(), |g| out(g.row(), vec![many(g.projects(), leaf)])),
                    ]
                )
            )
        }
        Shape::UserA => {
            let (a, b, c, e) = (&d[0], &d[0].nested[0], &d[0].nested[0].nested[0], &d[1]);
            run!(
                cx,
                q,
                User,
                [
                    inc!(User::projects(), a, through)
                        .include(inc!(Project::tasks(), b).include(inc!(Task::user(), c))),
                    inc!(User::profile(), e)
                ],
                |u| out(
                    u.row(),
                    vec![
                        many_j(u.projects(), |p| out(
                            p.row(),
                            vec![many(p.tasks(), |k| out(k.row(), vec![one(k.user(), leaf)]))]
                        )),
                        one(u.profile(), leaf),
                    ]
                )
            )
        }
        Shape::UserB => {
            let (a, b, c) = (&d[0], &d[0].nested[0], &d[0].nested[0].nested[0]);
            run!(
                cx,
                q,
                User,
                [inc!(User::tasks(), a).include(inc!(Task::project(), b).include(inc!(Project::team(), c)))],
                |u| out(
                    u.row(),
                    vec![many(u.tasks(), |k| out(
                        k.row(),
                        vec![one(k.project(), |p| out(p.row(), vec![one(p.team(), leaf)]))]
                    ))]
                )
            )
        }
        Shape::TaskA => {
            let (a, b, c) = (&d[0], &d[0].nested[0], &d[0].nested[0].nested[0]);
            run!(
                cx,
                q,
                Task,
                [inc!(Task::user(), a).include(inc!(User::projects(), b, through).include(inc!(Project::team(), c)))],
                |k| out(
                    k.row(),
                    vec![one(k.user(), |u| out(
                        u.row(),
                        vec![many_j(u.projects(), |p| out(p.row(), vec![one(p.team(), leaf)]))]
                    ))]
                )
            )
        }
        Shape::TaskB => {
            let (a, b, c, e, f) = (&d[0], &d[0].nested[0], &d[0].nested[1], &d[1], &d[1].nested[0]);
            run!(
                cx,
                q,
                Task,
                [
                    inc!(Task::project(), a).include(inc!(Project::tags(), b)).include(inc!(
                        Project::members(),
                        c,
                        through
                    )),
                    inc!(Task::user(), e).include(inc!(User::profile(), f))
                ],
                |k| out(
                    k.row(),
                    vec![
                        one(k.project(), |p| out(p.row(), vec![many(p.tags(), leaf), many_j(p.members(), leaf)])),
                        one(k.user(), |u| out(u.row(), vec![one(u.profile(), leaf)])),
                    ]
                )
            )
        }
        Shape::TagA => {
            let (a, b, c) = (&d[0], &d[0].nested[0], &d[0].nested[0].nested[0]);
            run!(
                cx,
                q,
                Tag,
                [inc!(Tag::projects(), a)
                    .include(inc!(Project::members(), b, through).include(inc!(User::profile(), c)))],
                |g| out(
                    g.row(),
                    vec![many(g.projects(), |p| out(
                        p.row(),
                        vec![many_j(p.members(), |u| out(u.row(), vec![one(u.profile(), leaf)]))]
                    ))]
                )
            )
        }
    })
}

// ---------------------------------------------------------------------------------------------
// The properties.

fn unordered(q: &Query) -> bool {
    match &q.top {
        Top::Find(page) | Top::Getter(_, page) => page.order.is_empty(),
    }
}

fn check_query(cx: &Cx<'_>, q: &Query) -> Result<(), String> {
    let mut got = actual(cx, q).map_err(|e| format!("{}: {e}\nquery: {q:?}", cx.backend.name))?;
    let mut want = expected(cx.data, q);
    if unordered(q) {
        for (_, list) in got.iter_mut().chain(want.iter_mut()) {
            list.sort_by_key(|o| o.id);
        }
    }
    assert_eq!(got.len(), want.len(), "one result list per run");
    for ((label, got), (_, want)) in got.iter().zip(&want) {
        if got != want {
            let (mut g, mut w) = (String::new(), String::new());
            render(got, &q.includes, 4, &mut g);
            render(want, &q.includes, 4, &mut w);
            return Err(format!(
                "{} disagrees with the reference ({label})\nquery: {q:?}\n  expected:\n{w}  got:\n{g}",
                cx.backend.name
            ));
        }
    }
    Ok(())
}

fn check(getters: bool, default_cases: u32) {
    let backends = Backends::open();
    for backend in &backends.all {
        backends.block_on(schema().sync(&backend.db)).unwrap_or_else(|e| panic!("{}: sync: {e:?}", backend.name));
    }
    let config = Config { cases: support::cases(default_cases), failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&(data(), queries(getters)), |(data, queries)| {
        for backend in &backends.all {
            backends
                .block_on(load(&backend.db, &data))
                .map_err(|e| TestCaseError::fail(format!("{}: inserting the rows failed: {e:?}", backend.name)))?;
            let cx = Cx { backends: &backends, backend, data: &data };
            for q in &queries {
                check_query(&cx, q).map_err(TestCaseError::fail)?;
            }
        }
        Ok(())
    });
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, (data, queries))) => {
            panic!("minimal failing case:\n{data:?}\nqueries: {queries:#?}\n\n{reason}")
        }
        Err(TestError::Abort(reason)) => panic!("aborted: {reason}"),
    }
}

#[test]
fn includes_of_top_level_queries_match_the_reference() {
    check(false, 128);
}

#[test]
fn includes_of_getters_match_the_reference() {
    check(true, 128);
}
