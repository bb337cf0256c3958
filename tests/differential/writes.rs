//! Association writes as a state machine. proptest generates sequences of accessor calls
//! (`set_*`, `add_*`, `remove_*`, `create_*`, `has_*`, `count_*`, `get_*`) on every association
//! kind, plus creation and destruction of sources and targets; each call runs on every backend
//! (on the pool, or in a caller's transaction that is then committed or rolled back) and on an
//! in-memory model of the rows and links that encodes Sequelize's semantics. After every call,
//! the result (or the error's kind) and every table must agree with the model, and the backends
//! with each other. A failure prints the shrunk sequence, with the keys it used.
//!
//! The model's rules:
//! - `set_` links exactly the given targets; `add_` never duplicates a link; `remove_` of a
//!   target that is not linked does nothing; has_many unlinks by setting the (nullable) foreign
//!   key to NULL; a has_one source never ends with two targets.
//! - A key that matches no row (never created, or destroyed) fails a write with
//!   `Error::MissingKeys` naming it, and the write changes nothing; `has_*` of such a key is
//!   false, and `has_xs(&db, [])` is true.
//! - A scoped association (`scope(kind = "a")`) reads only targets in its scope, writes the
//!   scope into the targets it links (has_many) or creates, and unlinks only targets inside its
//!   scope; a belongs_to_many's `add`/`set` of a target outside the scope inserts the join row
//!   (as Sequelize and Rails do) without changing the target.
//! - Join-row values given with `.through(…)`/`.through_for(…)` are written to new and existing
//!   links; `updated_at` changes exactly when values are given (or may stay when they are equal);
//!   a value breaking the join model's unique `badge` fails the write with `UniqueViolation`.
//! - Destroying a source deletes its join rows, nulls the `SET NULL` has_many/has_one keys and
//!   deletes the `on_delete = "cascade"` ones; `constraints = false` keys are left dangling.
//!   Writes that would link a destroyed source fail with `ForeignKeyViolation` (one that also
//!   breaks the unique `badge` with either error, and the backends may differ: MariaDB checks
//!   the foreign key first); a belongs_to set on a destroyed source is `NotFound` and leaves
//!   the instance's field alone.
//! - In a caller's transaction a call behaves the same, and the transaction stays usable after
//!   it, failed or not (on PostgreSQL only after a multi-statement call: a failed statement
//!   aborts a PostgreSQL transaction); rolling the transaction back undoes it.
//!
//! `PROPTEST_CASES=1000` runs longer; `--nocapture` prints how often each call ended each way;
//! `WRITES_TRACE=1` prints every step of every case.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use orm::prelude::*;
use orm::{Error, Executor, raw};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};

use crate::support::{Backend, Backends, Failure, cases, disagreement, failure};

/// Cases per run when `PROPTEST_CASES` is not set.
const DEFAULT_CASES: u32 = 48;
/// The longest generated sequence.
const MAX_OPS: usize = 24;
/// Keys from here on never match a row.
const GHOST: i64 = 90_000;

// ---------------------------------------------------------------------------------------------
// Models: one source with every association kind.

#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Task)]
#[has_many(Note, on_delete = "cascade")]
#[has_one(Desk)]
#[belongs_to(Team)]
#[belongs_to_many(Project, through = "user_projects")]
#[belongs_to_many(Club, through = Membership)]
#[has_many(Gadget, foreign_key = "holder_id", constraints = false)]
#[has_many(
    Gadget,
    as(singular = "a_gadget", plural = "a_gadgets"),
    foreign_key = "holder_id",
    constraints = false,
    scope(kind = "a")
)]
#[belongs_to_many(Label, through = "user_labels")]
#[belongs_to_many(Label, as(singular = "hot_label", plural = "hot_labels"), through = "user_labels", scope(kind = "a"))]
pub struct User {
    pub id: i64,
    pub name: String,
    pub team_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Team {
    pub id: i64,
    pub name: String,
}

/// has_many with a nullable key, `ON DELETE SET NULL`; linking and unlinking refresh
/// `updated_at`.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Task {
    pub id: i64,
    pub title: String,
    pub user_id: Option<i64>,
    #[cfg(feature = "chrono")]
    #[model(updated_at)]
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// has_many with a nullable key, `ON DELETE CASCADE`.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Note {
    pub id: i64,
    pub body: String,
    pub user_id: Option<i64>,
}

/// has_one.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Desk {
    pub id: i64,
    pub user_id: Option<i64>,
}

/// belongs_to_many through a table named by a string.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Project {
    pub id: i64,
}

/// belongs_to_many through a join model with attributes.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Club {
    pub id: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Membership {
    pub id: i64,
    pub user_id: i64,
    pub club_id: i64,
    #[model(default = "member")]
    pub role: String,
    #[model(unique)]
    pub badge: Option<i64>,
    #[cfg(feature = "chrono")]
    #[model(created_at)]
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[cfg(feature = "chrono")]
    #[model(updated_at)]
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// belongs_to_many twice through `user_labels`, once scoped to `kind = 'a'`.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Label {
    pub id: i64,
    pub kind: String,
}

/// has_many twice on `holder_id` (no constraint), once scoped to `kind = 'a'`.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Gadget {
    pub id: i64,
    pub kind: String,
    pub holder_id: Option<i64>,
}

fn schema() -> Schema {
    Schema::new()
        .model::<Team>()
        .model::<User>()
        .model::<Task>()
        .model::<Note>()
        .model::<Desk>()
        .model::<Project>()
        .model::<Club>()
        .model::<Membership>()
        .model::<Label>()
        .model::<Gadget>()
}

/// Children first, so that deleting never trips a constraint.
const TABLES: [&str; 12] = [
    "user_projects",
    "memberships",
    "user_labels",
    "tasks",
    "notes",
    "desks",
    "gadgets",
    "users",
    "teams",
    "projects",
    "clubs",
    "labels",
];

// ---------------------------------------------------------------------------------------------
// Kinds of rows and associations.

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    User,
    Team,
    Task,
    Note,
    Desk,
    Project,
    Club,
    Label,
    Gadget,
}

impl Kind {
    fn model(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Team => "Team",
            Kind::Task => "Task",
            Kind::Note => "Note",
            Kind::Desk => "Desk",
            Kind::Project => "Project",
            Kind::Club => "Club",
            Kind::Label => "Label",
            Kind::Gadget => "Gadget",
        }
    }

    fn var(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Team => "team",
            Kind::Task => "task",
            Kind::Note => "note",
            Kind::Desk => "desk",
            Kind::Project => "project",
            Kind::Club => "club",
            Kind::Label => "label",
            Kind::Gadget => "gadget",
        }
    }
}

/// The plural associations of `User`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Plural {
    /// has_many, nullable key, `ON DELETE SET NULL`.
    Tasks,
    /// has_many, nullable key, `on_delete = "cascade"`.
    Notes,
    /// has_many without a constraint.
    Gadgets,
    /// has_many without a constraint, `scope(kind = "a")`.
    AGadgets,
    /// belongs_to_many through `"user_projects"`.
    Projects,
    /// belongs_to_many through `Membership` (`role`, unique `badge`, timestamps).
    Clubs,
    /// belongs_to_many through `"user_labels"`.
    Labels,
    /// belongs_to_many through `"user_labels"`, `scope(kind = "a")`.
    HotLabels,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    /// has_many: a foreign key on the target; `constrained` when it has an FK constraint.
    ForeignKey { constrained: bool },
    /// belongs_to_many: a join table.
    Join,
}

impl Plural {
    fn target(self) -> Kind {
        match self {
            Plural::Tasks => Kind::Task,
            Plural::Notes => Kind::Note,
            Plural::Gadgets | Plural::AGadgets => Kind::Gadget,
            Plural::Projects => Kind::Project,
            Plural::Clubs => Kind::Club,
            Plural::Labels | Plural::HotLabels => Kind::Label,
        }
    }

    fn names(self) -> (&'static str, &'static str) {
        match self {
            Plural::Tasks => ("task", "tasks"),
            Plural::Notes => ("note", "notes"),
            Plural::Gadgets => ("gadget", "gadgets"),
            Plural::AGadgets => ("a_gadget", "a_gadgets"),
            Plural::Projects => ("project", "projects"),
            Plural::Clubs => ("club", "clubs"),
            Plural::Labels => ("label", "labels"),
            Plural::HotLabels => ("hot_label", "hot_labels"),
        }
    }

    fn scope(self) -> Option<&'static str> {
        matches!(self, Plural::AGadgets | Plural::HotLabels).then_some("a")
    }

    fn style(self) -> Style {
        match self {
            Plural::Tasks | Plural::Notes => Style::ForeignKey { constrained: true },
            Plural::Gadgets | Plural::AGadgets => Style::ForeignKey { constrained: false },
            Plural::Projects | Plural::Clubs | Plural::Labels | Plural::HotLabels => Style::Join,
        }
    }
}

/// `kind` of a gadget or label created with this variant.
fn kind_of(variant: u8) -> &'static str {
    if variant.is_multiple_of(2) { "a" } else { "b" }
}

// ---------------------------------------------------------------------------------------------
// Generated operations. Rows are picked by position among the rows of their kind created so far
// (destroyed ones included), so a sequence stays meaningful while it shrinks.

#[derive(Clone, Debug)]
enum Pick {
    /// The n-th row of the kind ever created (modulo their number).
    Nth(usize),
    /// A key no row ever had.
    Ghost(u8),
}

/// The user a call is made on.
#[derive(Clone, Debug)]
enum UserPick {
    /// The n-th user still alive (modulo their number; any user when none is).
    Live(usize),
    /// The n-th user destroyed (or whose creation was rolled back), or a live one when none is.
    Dead(usize),
}

#[derive(Clone, Debug)]
struct Target {
    pick: Pick,
    /// A bare primary key, or an instance.
    bare: bool,
}

#[derive(Clone, Debug)]
struct Through {
    role: Option<&'static str>,
    badge: Option<i64>,
    per_item: Vec<(Target, &'static str)>,
}

#[derive(Clone, Debug)]
enum Call {
    Set {
        targets: Vec<Pick>,
        bare: bool,
        through: Option<Through>,
    },
    Add {
        target: Target,
        through: Option<Through>,
    },
    AddMany {
        targets: Vec<Pick>,
        bare: bool,
        through: Option<Through>,
    },
    Remove {
        target: Target,
    },
    RemoveMany {
        targets: Vec<Pick>,
        bare: bool,
    },
    Has {
        target: Target,
    },
    HasMany {
        targets: Vec<Pick>,
        bare: bool,
    },
    /// `count_*`, narrowed by `.filter(Target::id().le(below))` when `below` is set.
    Count {
        below: Option<i64>,
    },
    Get,
    Create {
        variant: u8,
    },
}

#[derive(Clone, Debug)]
enum Op {
    Plural { user: UserPick, assoc: Plural, call: Call },
    SetDesk { user: UserPick, desk: Option<Target> },
    CreateDesk { user: UserPick },
    GetDesk { user: UserPick },
    SetTeam { user: UserPick, team: Option<Target> },
    CreateTeam { user: UserPick },
    GetTeam { user: UserPick },
    Create { kind: Kind, variant: u8 },
    Destroy { kind: Kind, nth: usize },
}

/// Where a step runs: on the pool, or in a transaction of the caller's that is then
/// committed or rolled back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Db,
    Commit,
    Rollback,
}

fn mode() -> impl Strategy<Value = Mode> {
    prop_oneof![6 => Just(Mode::Db), 1 => Just(Mode::Commit), 1 => Just(Mode::Rollback)]
}

const ROLES: [&str; 2] = ["owner", "guest"];

fn pick() -> impl Strategy<Value = Pick> + Clone {
    prop_oneof![9 => (0usize..4).prop_map(Pick::Nth), 1 => (0u8..2).prop_map(Pick::Ghost)]
}

fn target() -> impl Strategy<Value = Target> + Clone {
    (pick(), any::<bool>()).prop_map(|(pick, bare)| Target { pick, bare })
}

fn picks() -> impl Strategy<Value = Vec<Pick>> + Clone {
    prop::collection::vec(pick(), 0..=4)
}

fn role() -> impl Strategy<Value = &'static str> + Clone {
    prop::sample::select(ROLES.to_vec())
}

fn through(assoc: Plural) -> BoxedStrategy<Option<Through>> {
    if assoc != Plural::Clubs {
        return Just(None).boxed();
    }
    prop::option::of(
        (prop::option::of(role()), prop::option::of(1i64..=2), prop::collection::vec((target(), role()), 0..=2))
            .prop_map(|(role, badge, per_item)| Through { role, badge, per_item }),
    )
    .boxed()
}

fn call(assoc: Plural) -> impl Strategy<Value = Call> {
    let through = through(assoc);
    prop_oneof![
        3 => (picks(), any::<bool>(), through.clone())
            .prop_map(|(targets, bare, through)| Call::Set { targets, bare, through }),
        3 => (target(), through.clone()).prop_map(|(target, through)| Call::Add { target, through }),
        2 => (picks(), any::<bool>(), through)
            .prop_map(|(targets, bare, through)| Call::AddMany { targets, bare, through }),
        2 => target().prop_map(|target| Call::Remove { target }),
        2 => (picks(), any::<bool>()).prop_map(|(targets, bare)| Call::RemoveMany { targets, bare }),
        2 => target().prop_map(|target| Call::Has { target }),
        2 => (picks(), any::<bool>()).prop_map(|(targets, bare)| Call::HasMany { targets, bare }),
        2 => proptest::option::of(0_i64..40).prop_map(|below| Call::Count { below }),
        2 => Just(Call::Get),
        1 => (0u8..2).prop_map(|variant| Call::Create { variant }),
    ]
}

/// What a case exercises: a plural association, the has_one, or the belongs_to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Area {
    Plural(Plural),
    Desk,
    Team,
}

const AREAS: [Area; 10] = [
    Area::Plural(Plural::Tasks),
    Area::Plural(Plural::Notes),
    Area::Plural(Plural::Gadgets),
    Area::Plural(Plural::AGadgets),
    Area::Plural(Plural::Projects),
    Area::Plural(Plural::Clubs),
    Area::Plural(Plural::Labels),
    Area::Plural(Plural::HotLabels),
    Area::Desk,
    Area::Team,
];

impl Area {
    fn target(self) -> Kind {
        match self {
            Area::Plural(assoc) => assoc.target(),
            Area::Desk => Kind::Desk,
            Area::Team => Kind::Team,
        }
    }
}

/// Mostly the first two live users, so that reads often meet the links earlier writes made.
fn user() -> impl Strategy<Value = UserPick> + Clone {
    prop_oneof![
        9 => prop_oneof![5 => Just(0usize), 2 => Just(1usize), 1 => 2usize..4].prop_map(UserPick::Live),
        1 => (0usize..4).prop_map(UserPick::Dead),
    ]
}

fn area_op(area: Area) -> BoxedStrategy<Op> {
    match area {
        Area::Plural(assoc) => {
            (user(), call(assoc)).prop_map(move |(user, call)| Op::Plural { user, assoc, call }).boxed()
        }
        Area::Desk => prop_oneof![
            4 => (user(), prop::option::of(target())).prop_map(|(user, desk)| Op::SetDesk { user, desk }),
            1 => user().prop_map(|user| Op::CreateDesk { user }),
            2 => user().prop_map(|user| Op::GetDesk { user }),
        ]
        .boxed(),
        Area::Team => prop_oneof![
            4 => (user(), prop::option::of(target())).prop_map(|(user, team)| Op::SetTeam { user, team }),
            1 => user().prop_map(|user| Op::CreateTeam { user }),
            2 => user().prop_map(|user| Op::GetTeam { user }),
        ]
        .boxed(),
    }
}

/// An operation on one of the `focus` areas, or the creation or destruction of a user or of
/// a target of one of them.
fn op(focus: Vec<Area>) -> impl Strategy<Value = Op> {
    let mut targets: Vec<Kind> = focus.iter().map(|area| area.target()).collect();
    targets.sort();
    targets.dedup();
    let mut kinds = targets.clone();
    kinds.push(Kind::User);
    prop_oneof![
        20 => prop::sample::select(focus).prop_flat_map(area_op),
        2 => (prop::sample::select(kinds), 0u8..2).prop_map(|(kind, variant)| Op::Create { kind, variant }),
        2 => (prop::sample::select(targets), 0usize..6).prop_map(|(kind, nth)| Op::Destroy { kind, nth }),
        1 => (0usize..6).prop_map(|nth| Op::Destroy { kind: Kind::User, nth }),
    ]
}

/// A case exercises one to three areas, so that reads often follow writes of the same
/// association.
fn ops() -> impl Strategy<Value = Vec<(Mode, Op)>> {
    prop::sample::subsequence(AREAS.to_vec(), 1..=3)
        .prop_flat_map(|focus| prop::collection::vec((mode(), op(focus)), 1..=MAX_OPS))
}

// ---------------------------------------------------------------------------------------------
// Steps: operations with their keys resolved against the model; the same on every backend.

#[derive(Clone, Copy, Debug)]
struct Arg {
    id: i64,
    bare: bool,
}

#[derive(Clone, Debug)]
struct ThroughStep {
    role: Option<&'static str>,
    badge: Option<i64>,
    per_item: Vec<(Arg, &'static str)>,
}

/// How many of the linked ids are at most `below` (all of them without a bound).
fn count_below(linked: &[i64], below: Option<i64>) -> i64 {
    linked.iter().filter(|id| below.is_none_or(|below| **id <= below)).count() as i64
}

#[derive(Clone, Debug)]
enum StepCall {
    Set { ids: Vec<i64>, bare: bool, through: Option<ThroughStep> },
    Add { arg: Arg, through: Option<ThroughStep> },
    AddMany { ids: Vec<i64>, bare: bool, through: Option<ThroughStep> },
    Remove { arg: Arg },
    RemoveMany { ids: Vec<i64>, bare: bool },
    Has { arg: Arg },
    HasMany { ids: Vec<i64>, bare: bool },
    Count { below: Option<i64> },
    Get,
    Create { id: i64, variant: u8 },
}

#[derive(Clone, Debug)]
enum Step {
    Plural { user: i64, assoc: Plural, call: StepCall },
    SetDesk { user: i64, desk: Option<Arg> },
    CreateDesk { user: i64, id: i64 },
    GetDesk { user: i64 },
    SetTeam { user: i64, team: Option<Arg> },
    CreateTeam { user: i64, id: i64 },
    GetTeam { user: i64 },
    Create { kind: Kind, id: i64, variant: u8 },
    Destroy { kind: Kind, id: i64 },
}

impl Step {
    /// The user whose instance the step uses.
    fn user(&self) -> Option<i64> {
        match self {
            Step::Plural { user, .. }
            | Step::SetDesk { user, .. }
            | Step::CreateDesk { user, .. }
            | Step::GetDesk { user }
            | Step::SetTeam { user, .. }
            | Step::CreateTeam { user, .. }
            | Step::GetTeam { user } => Some(*user),
            Step::Destroy { kind: Kind::User, id } => Some(*id),
            Step::Create { .. } | Step::Destroy { .. } => None,
        }
    }
}

struct ArgDisplay(Kind, Arg);

impl fmt::Display for ArgDisplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.1.bare { write!(f, "{}", self.1.id) } else { write!(f, "&{}({})", self.0.var(), self.1.id) }
    }
}

fn list(kind: Kind, ids: &[i64], bare: bool) -> String {
    let items: Vec<String> = ids.iter().map(|&id| ArgDisplay(kind, Arg { id, bare }).to_string()).collect();
    format!("[{}]", items.join(", "))
}

fn through_text(through: Option<&ThroughStep>) -> String {
    let Some(through) = through else { return String::new() };
    let mut text = String::new();
    if through.role.is_some() || through.badge.is_some() {
        text.push_str(".through(Membership::build()");
        if let Some(role) = through.role {
            text.push_str(&format!(".role({role:?})"));
        }
        if let Some(badge) = through.badge {
            text.push_str(&format!(".badge({badge})"));
        }
        text.push(')');
    }
    for (arg, role) in &through.per_item {
        text.push_str(&format!(".through_for({}, Membership::build().role({role:?}))", ArgDisplay(Kind::Club, *arg)));
    }
    text
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Plural { user, assoc, call } => {
                let (one, many) = assoc.names();
                let kind = assoc.target();
                write!(f, "user({user}).")?;
                match call {
                    StepCall::Set { ids, bare, through } => {
                        write!(f, "set_{many}(&db, {}){}", list(kind, ids, *bare), through_text(through.as_ref()))
                    }
                    StepCall::Add { arg, through } => {
                        write!(f, "add_{one}(&db, {}){}", ArgDisplay(kind, *arg), through_text(through.as_ref()))
                    }
                    StepCall::AddMany { ids, bare, through } => {
                        write!(f, "add_{many}(&db, {}){}", list(kind, ids, *bare), through_text(through.as_ref()))
                    }
                    StepCall::Remove { arg } => write!(f, "remove_{one}(&db, {})", ArgDisplay(kind, *arg)),
                    StepCall::RemoveMany { ids, bare } => write!(f, "remove_{many}(&db, {})", list(kind, ids, *bare)),
                    StepCall::Has { arg } => write!(f, "has_{one}(&db, {})", ArgDisplay(kind, *arg)),
                    StepCall::HasMany { ids, bare } => write!(f, "has_{many}(&db, {})", list(kind, ids, *bare)),
                    StepCall::Count { below: None } => write!(f, "count_{many}(&db)"),
                    StepCall::Count { below: Some(below) } => {
                        write!(f, "count_{many}(&db).filter({}::id().le({below}))", kind.model())
                    }
                    StepCall::Get => write!(f, "get_{many}(&db)"),
                    StepCall::Create { id, variant } => {
                        let extra = match kind {
                            Kind::Gadget | Kind::Label => format!(".kind({:?})", kind_of(*variant)),
                            Kind::Task => ".title(\"t\")".to_owned(),
                            Kind::Note => ".body(\"n\")".to_owned(),
                            _ => String::new(),
                        };
                        write!(f, "create_{one}(&db, {}::build().id({id}){extra})", kind.model())
                    }
                }
            }
            Step::SetDesk { user, desk } => match desk {
                Some(arg) => write!(f, "user({user}).set_desk(&db, {})", ArgDisplay(Kind::Desk, *arg)),
                None => write!(f, "user({user}).set_desk(&db, None)"),
            },
            Step::CreateDesk { user, id } => write!(f, "user({user}).create_desk(&db, Desk::build().id({id}))"),
            Step::GetDesk { user } => write!(f, "user({user}).get_desk(&db)"),
            Step::SetTeam { user, team } => match team {
                Some(arg) => write!(f, "user({user}).set_team(&db, {})", ArgDisplay(Kind::Team, *arg)),
                None => write!(f, "user({user}).set_team(&db, None)"),
            },
            Step::CreateTeam { user, id } => {
                write!(f, "user({user}).create_team(&db, Team::build().id({id}).name(\"t\"))")
            }
            Step::GetTeam { user } => write!(f, "user({user}).get_team(&db)"),
            Step::Create { kind, id, variant } => {
                let extra = match kind {
                    Kind::Gadget | Kind::Label => format!(".kind({:?})", kind_of(*variant)),
                    _ => String::new(),
                };
                write!(f, "{}::build().id({id}){extra}.create(&db)", kind.model())
            }
            Step::Destroy { kind, id } => write!(f, "{}({id}).destroy(&db)", kind.var()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What a call returns, and how it fails.

#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    Done,
    Bool(bool),
    Count(i64),
    /// The keys a getter returned, sorted.
    Ids(Vec<i64>),
    /// `get_clubs`: club key, `role`, `badge`, sorted.
    Joined(Vec<(i64, String, Option<i64>)>),
    /// A singular getter.
    One(Option<i64>),
    /// A `create_*` accessor: the row's key, its link (the foreign key, or for `create_team`
    /// the user's `team_id` in memory), and its `kind`.
    Created {
        id: i64,
        link: Option<i64>,
        kind: Option<String>,
    },
    /// `set_team`: the user's `team_id` in memory afterwards.
    Field(Option<i64>),
}

/// What the model predicts: this result, or one of these errors and no change.
type Expect = crate::support::Expect<Outcome>;

// ---------------------------------------------------------------------------------------------
// The model.

/// A row with a foreign key: `kind` (gadgets only) and the key.
type FkRow = (Option<String>, Option<i64>);
/// A join row's values: `role` and `badge` (memberships; empty for plain join tables).
type JoinRow = (String, Option<i64>);

/// Every table, as the model predicts it or as read back.
#[derive(Clone, Debug, Default, PartialEq)]
struct Tables {
    users: BTreeMap<i64, Option<i64>>,
    teams: BTreeSet<i64>,
    tasks: BTreeMap<i64, FkRow>,
    notes: BTreeMap<i64, FkRow>,
    desks: BTreeMap<i64, FkRow>,
    gadgets: BTreeMap<i64, FkRow>,
    projects: BTreeSet<i64>,
    clubs: BTreeSet<i64>,
    labels: BTreeMap<i64, String>,
    user_projects: BTreeMap<(i64, i64), JoinRow>,
    memberships: BTreeMap<(i64, i64), JoinRow>,
    user_labels: BTreeMap<(i64, i64), JoinRow>,
}

impl Tables {
    fn exists(&self, kind: Kind, id: i64) -> bool {
        match kind {
            Kind::User => self.users.contains_key(&id),
            Kind::Team => self.teams.contains(&id),
            Kind::Task => self.tasks.contains_key(&id),
            Kind::Note => self.notes.contains_key(&id),
            Kind::Desk => self.desks.contains_key(&id),
            Kind::Gadget => self.gadgets.contains_key(&id),
            Kind::Project => self.projects.contains(&id),
            Kind::Club => self.clubs.contains(&id),
            Kind::Label => self.labels.contains_key(&id),
        }
    }

    fn fk_rows(&self, kind: Kind) -> &BTreeMap<i64, FkRow> {
        match kind {
            Kind::Task => &self.tasks,
            Kind::Note => &self.notes,
            Kind::Desk => &self.desks,
            _ => &self.gadgets,
        }
    }

    fn joins(&self, assoc: Plural) -> &BTreeMap<(i64, i64), JoinRow> {
        match assoc {
            Plural::Projects => &self.user_projects,
            Plural::Clubs => &self.memberships,
            _ => &self.user_labels,
        }
    }

    fn fk_table(&mut self, kind: Kind) -> &mut BTreeMap<i64, FkRow> {
        match kind {
            Kind::Task => &mut self.tasks,
            Kind::Note => &mut self.notes,
            Kind::Desk => &mut self.desks,
            _ => &mut self.gadgets,
        }
    }

    fn join_table(&mut self, assoc: Plural) -> &mut BTreeMap<(i64, i64), JoinRow> {
        match assoc {
            Plural::Projects => &mut self.user_projects,
            Plural::Clubs => &mut self.memberships,
            _ => &mut self.user_labels,
        }
    }

    /// Whether the target row exists and is inside the association's scope.
    fn in_scope(&self, assoc: Plural, id: i64) -> bool {
        let kind = match assoc.target() {
            Kind::Gadget => self.gadgets.get(&id).and_then(|(kind, _)| kind.as_deref()),
            Kind::Label => self.labels.get(&id).map(String::as_str),
            other => return self.exists(other, id),
        };
        kind.is_some_and(|kind| assoc.scope().is_none_or(|scope| scope == kind))
    }

    fn differences(&self, found: &Tables) -> Vec<String> {
        let mut out = Vec::new();
        macro_rules! compare {
            ($($table:ident),*) => {$(
                if let Some(diff) = diff(stringify!($table), self.$table.iter(), found.$table.iter()) {
                    out.push(diff);
                }
            )*};
        }
        compare!(
            users,
            teams,
            tasks,
            notes,
            desks,
            gadgets,
            projects,
            clubs,
            labels,
            user_projects,
            memberships,
            user_labels
        );
        out
    }
}

fn diff<T: Ord + fmt::Debug>(
    table: &str,
    expected: impl IntoIterator<Item = T>,
    found: impl IntoIterator<Item = T>,
) -> Option<String> {
    let expected: BTreeSet<T> = expected.into_iter().collect();
    let found: BTreeSet<T> = found.into_iter().collect();
    (expected != found).then(|| {
        format!(
            "table `{table}`: the model has {:?} that the database lacks; the database has {:?} that the model lacks",
            expected.difference(&found).collect::<Vec<_>>(),
            found.difference(&expected).collect::<Vec<_>>()
        )
    })
}

/// When a membership was written: the step that inserted it, and the steps whose window its
/// `updated_at` may fall in.
#[derive(Clone, Debug)]
#[cfg_attr(not(feature = "chrono"), allow(dead_code))]
struct Stamp {
    created: usize,
    updated: Vec<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Write {
    Set,
    Add,
    Remove,
}

#[derive(Clone, Debug)]
struct Oracle {
    tables: Tables,
    /// The keys of every row created (or attempted) so far, per kind, destroyed ones included.
    created: BTreeMap<Kind, Vec<i64>>,
    next_id: i64,
    /// The `team_id` of each user instance the test holds (frozen once the user is destroyed).
    instance_team: BTreeMap<i64, Option<i64>>,
    stamps: BTreeMap<(i64, i64), Stamp>,
    /// For each task, the steps whose window its `updated_at` may fall in (`None`: still NULL).
    task_stamps: BTreeMap<i64, Vec<Option<usize>>>,
}

/// The rows every case starts with: (kind, variant) in key order from 1.
const INITIAL: [(Kind, u8); 24] = [
    (Kind::User, 0),
    (Kind::User, 0),
    (Kind::User, 0),
    (Kind::Team, 0),
    (Kind::Team, 0),
    (Kind::Task, 0),
    (Kind::Task, 0),
    (Kind::Task, 0),
    (Kind::Note, 0),
    (Kind::Note, 0),
    (Kind::Desk, 0),
    (Kind::Desk, 0),
    (Kind::Project, 0),
    (Kind::Project, 0),
    (Kind::Project, 0),
    (Kind::Club, 0),
    (Kind::Club, 0),
    (Kind::Club, 0),
    (Kind::Label, 0),
    (Kind::Label, 1),
    (Kind::Label, 0),
    (Kind::Gadget, 0),
    (Kind::Gadget, 1),
    (Kind::Gadget, 0),
];

fn dedupe(ids: &[i64]) -> Vec<i64> {
    let mut seen = BTreeSet::new();
    ids.iter().copied().filter(|id| seen.insert(*id)).collect()
}

fn ok(outcome: Outcome) -> Expect {
    Expect::Ok(outcome)
}

impl Oracle {
    fn initial() -> Oracle {
        let mut model = Oracle {
            tables: Tables::default(),
            created: BTreeMap::new(),
            next_id: 1,
            instance_team: BTreeMap::new(),
            stamps: BTreeMap::new(),
            task_stamps: BTreeMap::new(),
        };
        for (kind, variant) in INITIAL {
            let id = model.allocate(kind);
            model.insert(kind, id, variant);
            if kind == Kind::Task {
                model.task_stamps.insert(id, vec![None]);
            }
        }
        model
    }

    fn allocate(&mut self, kind: Kind) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.created.entry(kind).or_default().push(id);
        id
    }

    fn insert(&mut self, kind: Kind, id: i64, variant: u8) {
        let t = &mut self.tables;
        match kind {
            Kind::User => {
                t.users.insert(id, None);
                self.instance_team.insert(id, None);
            }
            Kind::Team => {
                t.teams.insert(id);
            }
            Kind::Task | Kind::Note | Kind::Desk => {
                t.fk_table(kind).insert(id, (None, None));
            }
            Kind::Gadget => {
                t.gadgets.insert(id, (Some(kind_of(variant).to_owned()), None));
            }
            Kind::Project => {
                t.projects.insert(id);
            }
            Kind::Club => {
                t.clubs.insert(id);
            }
            Kind::Label => {
                t.labels.insert(id, kind_of(variant).to_owned());
            }
        }
    }

    fn pick(&self, kind: Kind, pick: &Pick) -> i64 {
        match pick {
            Pick::Nth(n) => {
                let ids = &self.created[&kind];
                ids[n % ids.len()]
            }
            Pick::Ghost(g) => GHOST + i64::from(*g),
        }
    }

    fn arg(&self, kind: Kind, target: &Target) -> Arg {
        Arg { id: self.pick(kind, &target.pick), bare: target.bare }
    }

    fn user(&self, pick: &UserPick) -> i64 {
        let (live, dead): (Vec<i64>, Vec<i64>) =
            self.created[&Kind::User].iter().partition(|id| self.tables.users.contains_key(id));
        match pick {
            UserPick::Dead(n) if !dead.is_empty() => dead[n % dead.len()],
            UserPick::Live(n) | UserPick::Dead(n) if !live.is_empty() => live[n % live.len()],
            UserPick::Live(n) | UserPick::Dead(n) => self.pick(Kind::User, &Pick::Nth(*n)),
        }
    }

    fn through(&self, through: Option<&Through>) -> Option<ThroughStep> {
        through.map(|t| ThroughStep {
            role: t.role,
            badge: t.badge,
            per_item: t.per_item.iter().map(|(target, role)| (self.arg(Kind::Club, target), *role)).collect(),
        })
    }

    /// Resolves an operation's picks to keys, allocating the keys of rows it creates.
    fn resolve(&mut self, op: &Op) -> Step {
        match op {
            Op::Plural { user, assoc, call } => {
                let user = self.user(user);
                let kind = assoc.target();
                let ids = |model: &Oracle, picks: &[Pick]| picks.iter().map(|p| model.pick(kind, p)).collect();
                let call = match call {
                    Call::Set { targets, bare, through } => {
                        StepCall::Set { ids: ids(self, targets), bare: *bare, through: self.through(through.as_ref()) }
                    }
                    Call::Add { target, through } => {
                        StepCall::Add { arg: self.arg(kind, target), through: self.through(through.as_ref()) }
                    }
                    Call::AddMany { targets, bare, through } => StepCall::AddMany {
                        ids: ids(self, targets),
                        bare: *bare,
                        through: self.through(through.as_ref()),
                    },
                    Call::Remove { target } => StepCall::Remove { arg: self.arg(kind, target) },
                    Call::RemoveMany { targets, bare } => StepCall::RemoveMany { ids: ids(self, targets), bare: *bare },
                    Call::Has { target } => StepCall::Has { arg: self.arg(kind, target) },
                    Call::HasMany { targets, bare } => StepCall::HasMany { ids: ids(self, targets), bare: *bare },
                    Call::Count { below } => StepCall::Count { below: *below },
                    Call::Get => StepCall::Get,
                    Call::Create { variant } => StepCall::Create { id: self.allocate(kind), variant: *variant },
                };
                Step::Plural { user, assoc: *assoc, call }
            }
            Op::SetDesk { user, desk } => {
                Step::SetDesk { user: self.user(user), desk: desk.as_ref().map(|t| self.arg(Kind::Desk, t)) }
            }
            Op::CreateDesk { user } => Step::CreateDesk { user: self.user(user), id: self.allocate(Kind::Desk) },
            Op::GetDesk { user } => Step::GetDesk { user: self.user(user) },
            Op::SetTeam { user, team } => {
                Step::SetTeam { user: self.user(user), team: team.as_ref().map(|t| self.arg(Kind::Team, t)) }
            }
            Op::CreateTeam { user } => Step::CreateTeam { user: self.user(user), id: self.allocate(Kind::Team) },
            Op::GetTeam { user } => Step::GetTeam { user: self.user(user) },
            Op::Create { kind, variant } => Step::Create { kind: *kind, id: self.allocate(*kind), variant: *variant },
            Op::Destroy { kind, nth } => Step::Destroy { kind: *kind, id: self.pick(*kind, &Pick::Nth(*nth)) },
        }
    }

    /// The expected result of `step` (its index in the case) and the model after it.
    fn expect(&self, step: &Step, at: usize) -> (Expect, Oracle) {
        let mut next = self.clone();
        let expect = next.apply(step, at);
        match expect {
            Expect::Ok(_) => {
                let memberships = &next.tables.memberships;
                next.stamps.retain(|key, _| memberships.contains_key(key));
                let tasks = &next.tables.tasks;
                next.task_stamps.retain(|key, _| tasks.contains_key(key));
                (expect, next)
            }
            Expect::Fail(_) => (expect, self.clone()),
        }
    }

    fn alive(&self, user: i64) -> bool {
        self.tables.users.contains_key(&user)
    }

    fn missing(&self, kind: Kind, keys: &[i64]) -> Vec<String> {
        let mut missing: Vec<String> =
            keys.iter().filter(|&&id| !self.tables.exists(kind, id)).map(ToString::to_string).collect();
        missing.sort();
        missing
    }

    fn apply(&mut self, step: &Step, at: usize) -> Expect {
        match step {
            Step::Plural { user, assoc, call } => match assoc.style() {
                Style::ForeignKey { constrained } => self.has_many(*user, *assoc, constrained, call, at),
                Style::Join => self.belongs_to_many(*user, *assoc, call, at),
            },
            Step::SetDesk { user, desk } => self.set_desk(*user, desk.map(|a| a.id)),
            Step::CreateDesk { user, id } => {
                if !self.alive(*user) {
                    return Expect::Fail(vec![Failure::ForeignKey]);
                }
                for (_, fk) in self.tables.desks.values_mut() {
                    if *fk == Some(*user) {
                        *fk = None;
                    }
                }
                self.tables.desks.insert(*id, (None, Some(*user)));
                ok(Outcome::Created { id: *id, link: Some(*user), kind: None })
            }
            Step::GetDesk { user } => {
                let desks: Vec<i64> =
                    self.tables.desks.iter().filter(|(_, (_, fk))| *fk == Some(*user)).map(|(id, _)| *id).collect();
                assert!(desks.len() <= 1, "model bug: user {user} has desks {desks:?}");
                ok(Outcome::One(desks.first().copied()))
            }
            Step::SetTeam { user, team } => {
                if let Some(arg) = team
                    && !self.tables.teams.contains(&arg.id)
                {
                    return Expect::Fail(vec![Failure::MissingKeys {
                        association: "User.team".into(),
                        model: "Team".into(),
                        keys: vec![arg.id.to_string()],
                    }]);
                }
                if !self.alive(*user) {
                    return Expect::Fail(vec![Failure::NotFound("User".into())]);
                }
                let team = team.map(|a| a.id);
                self.tables.users.insert(*user, team);
                self.instance_team.insert(*user, team);
                ok(Outcome::Field(team))
            }
            Step::CreateTeam { user, id } => {
                if !self.alive(*user) {
                    return Expect::Fail(vec![Failure::NotFound("User".into())]);
                }
                self.tables.teams.insert(*id);
                self.tables.users.insert(*user, Some(*id));
                self.instance_team.insert(*user, Some(*id));
                ok(Outcome::Created { id: *id, link: Some(*id), kind: None })
            }
            Step::GetTeam { user } => {
                let team = self.instance_team.get(user).copied().flatten().filter(|t| self.tables.teams.contains(t));
                ok(Outcome::One(team))
            }
            Step::Create { kind, id, variant } => {
                self.insert(*kind, *id, *variant);
                if *kind == Kind::Task {
                    self.task_stamps.insert(*id, vec![Some(at)]);
                }
                ok(Outcome::Done)
            }
            Step::Destroy { kind, id } => {
                self.destroy(*kind, *id);
                ok(Outcome::Done)
            }
        }
    }

    fn destroy(&mut self, kind: Kind, id: i64) {
        let t = &mut self.tables;
        if !t.exists(kind, id) {
            return;
        }
        match kind {
            Kind::User => {
                t.users.remove(&id);
                // ON DELETE SET NULL
                for table in [&mut t.tasks, &mut t.desks] {
                    for (_, fk) in table.values_mut() {
                        if *fk == Some(id) {
                            *fk = None;
                        }
                    }
                }
                // on_delete = "cascade"
                t.notes.retain(|_, (_, fk)| *fk != Some(id));
                // join rows: ON DELETE CASCADE; gadgets: no constraint, the key dangles
                for join in [&mut t.user_projects, &mut t.memberships, &mut t.user_labels] {
                    join.retain(|(user, _), _| *user != id);
                }
            }
            Kind::Team => {
                t.teams.remove(&id);
                for (user, team) in &mut t.users {
                    if *team == Some(id) {
                        *team = None;
                        self.instance_team.insert(*user, None);
                    }
                }
            }
            Kind::Task | Kind::Note | Kind::Desk | Kind::Gadget => {
                t.fk_table(kind).remove(&id);
            }
            Kind::Project => {
                t.projects.remove(&id);
                t.user_projects.retain(|(_, p), _| *p != id);
            }
            Kind::Club => {
                t.clubs.remove(&id);
                t.memberships.retain(|(_, c), _| *c != id);
            }
            Kind::Label => {
                t.labels.remove(&id);
                t.user_labels.retain(|(_, l), _| *l != id);
            }
        }
    }

    fn set_desk(&mut self, user: i64, desk: Option<i64>) -> Expect {
        if let Some(desk) = desk {
            if !self.tables.desks.contains_key(&desk) {
                return Expect::Fail(vec![Failure::MissingKeys {
                    association: "User.desk".into(),
                    model: "Desk".into(),
                    keys: vec![desk.to_string()],
                }]);
            }
            if !self.alive(user) {
                return Expect::Fail(vec![Failure::ForeignKey]);
            }
        }
        for (id, (_, fk)) in &mut self.tables.desks {
            if *fk == Some(user) && Some(*id) != desk {
                *fk = None;
            }
        }
        if let Some(desk) = desk {
            self.tables.desks.insert(desk, (None, Some(user)));
        }
        ok(Outcome::Done)
    }

    fn missing_keys(assoc: Plural, missing: Vec<String>) -> Failure {
        Failure::MissingKeys {
            association: format!("User.{}", assoc.names().1),
            model: assoc.target().model().into(),
            keys: missing,
        }
    }

    /// The targets of a has_many linked to `user`, sorted.
    fn fk_linked(&self, assoc: Plural, user: i64) -> Vec<i64> {
        self.tables
            .fk_rows(assoc.target())
            .iter()
            .filter(|(id, (_, fk))| *fk == Some(user) && self.tables.in_scope(assoc, **id))
            .map(|(id, _)| *id)
            .collect()
    }

    fn has_many(&mut self, user: i64, assoc: Plural, constrained: bool, call: &StepCall, at: usize) -> Expect {
        let linked = self.fk_linked(assoc, user);
        match call {
            StepCall::Count { below } => ok(Outcome::Count(count_below(&linked, *below))),
            StepCall::Get => ok(Outcome::Ids(linked)),
            StepCall::Has { arg } => ok(Outcome::Bool(linked.contains(&arg.id))),
            StepCall::HasMany { ids, .. } => ok(Outcome::Bool(ids.iter().all(|id| linked.contains(id)))),
            StepCall::Add { arg, .. } => self.has_many_write(user, assoc, constrained, Write::Add, &[arg.id], at),
            StepCall::AddMany { ids, .. } => self.has_many_write(user, assoc, constrained, Write::Add, ids, at),
            StepCall::Remove { arg } => self.has_many_write(user, assoc, constrained, Write::Remove, &[arg.id], at),
            StepCall::RemoveMany { ids, .. } => self.has_many_write(user, assoc, constrained, Write::Remove, ids, at),
            StepCall::Set { ids, .. } => self.has_many_write(user, assoc, constrained, Write::Set, ids, at),
            StepCall::Create { id, variant } => {
                if constrained && !self.alive(user) {
                    return Expect::Fail(vec![Failure::ForeignKey]);
                }
                let kind = (assoc.target() == Kind::Gadget)
                    .then(|| assoc.scope().unwrap_or_else(|| kind_of(*variant)).to_owned());
                self.tables.fk_table(assoc.target()).insert(*id, (kind.clone(), Some(user)));
                if assoc.target() == Kind::Task {
                    self.task_stamps.insert(*id, vec![Some(at)]);
                }
                ok(Outcome::Created { id: *id, link: Some(user), kind })
            }
        }
    }

    fn has_many_write(
        &mut self,
        user: i64,
        assoc: Plural,
        constrained: bool,
        write: Write,
        ids: &[i64],
        at: usize,
    ) -> Expect {
        if ids.is_empty() && write != Write::Set {
            return ok(Outcome::Done);
        }
        let kind = assoc.target();
        let keys = dedupe(ids);
        let current = self.fk_linked(assoc, user);
        let mut errors = Vec::new();
        let missing = self.missing(kind, &keys);
        if !missing.is_empty() {
            errors.push(Self::missing_keys(assoc, missing));
        }
        let link: Vec<i64> = match write {
            Write::Add => keys.iter().copied().filter(|&id| self.tables.exists(kind, id)).collect(),
            Write::Set => {
                keys.iter().copied().filter(|&id| self.tables.exists(kind, id) && !current.contains(&id)).collect()
            }
            Write::Remove => Vec::new(),
        };
        if constrained && !self.alive(user) && !link.is_empty() {
            errors.push(Failure::ForeignKey);
        }
        if !errors.is_empty() {
            return Expect::Fail(errors);
        }
        let unlink: Vec<i64> = match write {
            Write::Add => Vec::new(),
            Write::Set => current.iter().copied().filter(|id| !keys.contains(id)).collect(),
            Write::Remove => current.iter().copied().filter(|id| keys.contains(id)).collect(),
        };
        if kind == Kind::Task {
            // Every row the write changes gets a new `updated_at`; re-linking a linked row may
            // refresh it or not.
            for &id in unlink.iter().chain(&link) {
                let stamps = self.task_stamps.entry(id).or_default();
                if current.contains(&id) && write == Write::Add {
                    stamps.push(Some(at));
                } else {
                    *stamps = vec![Some(at)];
                }
            }
        }
        let scope = assoc.scope();
        let rows = self.tables.fk_table(kind);
        for id in unlink {
            if let Some((_, fk)) = rows.get_mut(&id) {
                *fk = None;
            }
        }
        for id in link {
            if let Some((kind, fk)) = rows.get_mut(&id) {
                *fk = Some(user);
                if let Some(scope) = scope {
                    *kind = Some(scope.to_owned());
                }
            }
        }
        ok(Outcome::Done)
    }

    /// The targets of a belongs_to_many linked to `user` (inside its scope), sorted.
    fn join_linked(&self, assoc: Plural, user: i64) -> Vec<i64> {
        self.tables
            .joins(assoc)
            .keys()
            .filter(|(u, id)| *u == user && self.tables.in_scope(assoc, *id))
            .map(|(_, id)| *id)
            .collect()
    }

    fn belongs_to_many(&mut self, user: i64, assoc: Plural, call: &StepCall, at: usize) -> Expect {
        let linked = self.join_linked(assoc, user);
        match call {
            StepCall::Count { below } => ok(Outcome::Count(count_below(&linked, *below))),
            StepCall::Get if assoc == Plural::Clubs => ok(Outcome::Joined(
                linked
                    .iter()
                    .map(|id| {
                        let (role, badge) = self.tables.memberships[&(user, *id)].clone();
                        (*id, role, badge)
                    })
                    .collect(),
            )),
            StepCall::Get => ok(Outcome::Ids(linked)),
            StepCall::Has { arg } => ok(Outcome::Bool(linked.contains(&arg.id))),
            StepCall::HasMany { ids, .. } => ok(Outcome::Bool(ids.iter().all(|id| linked.contains(id)))),
            StepCall::Add { arg, through } => self.join_write(user, assoc, Write::Add, &[arg.id], through.as_ref(), at),
            StepCall::AddMany { ids, through, .. } => {
                self.join_write(user, assoc, Write::Add, ids, through.as_ref(), at)
            }
            StepCall::Set { ids, through, .. } => self.join_write(user, assoc, Write::Set, ids, through.as_ref(), at),
            StepCall::Remove { arg } => self.join_write(user, assoc, Write::Remove, &[arg.id], None, at),
            StepCall::RemoveMany { ids, .. } => self.join_write(user, assoc, Write::Remove, ids, None, at),
            StepCall::Create { id, variant } => {
                if !self.alive(user) {
                    return Expect::Fail(vec![Failure::ForeignKey]);
                }
                let kind = assoc.target();
                let label_kind = (kind == Kind::Label).then(|| assoc.scope().unwrap_or_else(|| kind_of(*variant)));
                self.insert(kind, *id, 0);
                if let Some(label_kind) = label_kind {
                    self.tables.labels.insert(*id, label_kind.to_owned());
                }
                let values = if assoc == Plural::Clubs { ("member".to_owned(), None) } else { (String::new(), None) };
                self.tables.join_table(assoc).insert((user, *id), values);
                if assoc == Plural::Clubs {
                    self.stamps.insert((user, *id), Stamp { created: at, updated: vec![at] });
                }
                ok(Outcome::Created { id: *id, link: None, kind: label_kind.map(str::to_owned) })
            }
        }
    }

    fn join_write(
        &mut self,
        user: i64,
        assoc: Plural,
        write: Write,
        ids: &[i64],
        through: Option<&ThroughStep>,
        at: usize,
    ) -> Expect {
        if ids.is_empty() && write != Write::Set {
            return ok(Outcome::Done);
        }
        let kind = assoc.target();
        let keys = dedupe(ids);
        let current = self.join_linked(assoc, user);
        let mut errors = Vec::new();
        let missing = self.missing(kind, &keys);
        if !missing.is_empty() {
            errors.push(Self::missing_keys(assoc, missing));
        }
        if write != Write::Remove && !self.alive(user) && !keys.is_empty() {
            errors.push(Failure::ForeignKey);
            if through.is_some_and(|t| t.badge.is_some()) {
                // Which constraint the database checks first is its business.
                errors.push(Failure::Unique);
            }
        }
        if !errors.is_empty() {
            return Expect::Fail(errors);
        }
        let clubs = assoc == Plural::Clubs;
        let join = self.tables.join_table(assoc);
        match write {
            Write::Remove => {
                for id in keys.iter().filter(|id| current.contains(id)) {
                    join.remove(&(user, *id));
                    self.stamps.remove(&(user, *id));
                }
            }
            Write::Set | Write::Add => {
                if write == Write::Set {
                    for id in current.iter().filter(|id| !keys.contains(id)) {
                        join.remove(&(user, *id));
                    }
                }
                for id in keys {
                    let (role, badge) = given(through, id);
                    match join.get_mut(&(user, id)) {
                        // A link outside the association's scope: the insert finds the pair
                        // taken and leaves it.
                        Some(_) if !current.contains(&id) => {}
                        Some(values) => {
                            if role.is_none() && badge.is_none() {
                                continue;
                            }
                            let before = values.clone();
                            if let Some(role) = role {
                                role.clone_into(&mut values.0);
                            }
                            if badge.is_some() {
                                values.1 = badge;
                            }
                            if let Some(stamp) = self.stamps.get_mut(&(user, id)) {
                                if *values == before {
                                    stamp.updated.push(at);
                                } else {
                                    stamp.updated = vec![at];
                                }
                            }
                        }
                        None => {
                            let values = if clubs {
                                (role.unwrap_or("member").to_owned(), badge)
                            } else {
                                (String::new(), None)
                            };
                            join.insert((user, id), values);
                            if clubs {
                                self.stamps.insert((user, id), Stamp { created: at, updated: vec![at] });
                            }
                        }
                    }
                }
            }
        }
        let badges: Vec<i64> = self.tables.memberships.values().filter_map(|(_, badge)| *badge).collect();
        if badges.len() != badges.iter().collect::<BTreeSet<_>>().len() {
            return Expect::Fail(vec![Failure::Unique]);
        }
        ok(Outcome::Done)
    }
}

/// The join values given for one target: its `through_for` role (the last one given wins)
/// over the common `through` values.
fn given(through: Option<&ThroughStep>, id: i64) -> (Option<&'static str>, Option<i64>) {
    let Some(through) = through else { return (None, None) };
    let role = through.per_item.iter().rev().find(|(arg, _)| arg.id == id).map(|(_, role)| *role).or(through.role);
    (role, through.badge)
}

// ---------------------------------------------------------------------------------------------
// Running steps on a backend.

/// A model with an `i64` key whose instance can be made up for a key with no row.
trait Fixture: Model<Key = i64> + Clone {
    fn ghost(id: i64) -> Self;
}

impl Fixture for Team {
    fn ghost(id: i64) -> Self {
        Team { id, name: "ghost".into() }
    }
}

impl Fixture for Task {
    fn ghost(id: i64) -> Self {
        Task {
            id,
            title: "ghost".into(),
            user_id: None,
            #[cfg(feature = "chrono")]
            updated_at: None,
        }
    }
}

impl Fixture for Note {
    fn ghost(id: i64) -> Self {
        Note { id, body: "ghost".into(), user_id: None }
    }
}

impl Fixture for Desk {
    fn ghost(id: i64) -> Self {
        Desk { id, user_id: None }
    }
}

impl Fixture for Project {
    fn ghost(id: i64) -> Self {
        Project { id }
    }
}

impl Fixture for Club {
    fn ghost(id: i64) -> Self {
        Club { id }
    }
}

impl Fixture for Label {
    fn ghost(id: i64) -> Self {
        Label { id, kind: "b".into() }
    }
}

impl Fixture for Gadget {
    fn ghost(id: i64) -> Self {
        Gadget { id, kind: "b".into(), holder_id: None }
    }
}

/// The row as stored, or a made-up instance when there is none.
async fn one<T: Fixture>(exec: Executor<'_>, id: i64) -> Result<T, Failure> {
    Ok(T::find_by_pk(exec, id).await.map_err(failure)?.unwrap_or_else(|| T::ghost(id)))
}

/// The executor a step runs on: the caller's transaction when there is one.
macro_rules! exec {
    ($tx:expr, $db:expr) => {
        match $tx.as_mut() {
            Some(tx) => Executor::Tx(tx),
            None => Executor::Db($db),
        }
    };
}

async fn many<T: Fixture>(tx: &mut Option<Tx>, db: &Db, ids: &[i64]) -> Result<Vec<T>, Failure> {
    let mut rows = Vec::with_capacity(ids.len());
    for &id in ids {
        rows.push(one::<T>(exec!(tx, db), id).await?);
    }
    Ok(rows)
}

fn sorted(mut ids: Vec<i64>) -> Outcome {
    ids.sort_unstable();
    Outcome::Ids(ids)
}

macro_rules! no_through {
    ($write:expr, $through:expr) => {{
        let _: &Option<ThroughStep> = $through;
        $write
    }};
}

macro_rules! club_through {
    ($write:expr, $through:expr) => {{
        let through: &Option<ThroughStep> = $through;
        let mut write = $write;
        if let Some(through) = through {
            if through.role.is_some() || through.badge.is_some() {
                let mut row = Membership::build();
                if let Some(role) = through.role {
                    row = row.role(role);
                }
                if let Some(badge) = through.badge {
                    row = row.badge(badge);
                }
                write = write.through(row);
            }
            for (arg, role) in &through.per_item {
                let row = Membership::build().role(*role);
                write =
                    if arg.bare { write.through_for(arg.id, row) } else { write.through_for(Club { id: arg.id }, row) };
            }
        }
        write
    }};
}

/// Runs one plural accessor call on `$tx` (or `$db` outside a transaction).
macro_rules! plural_call {
    (
        $tx:ident, $db:expr, $user:expr, $call:expr, $target:ty, $through:ident,
        [$get:ident, $count:ident, $has:ident, $has_all:ident, $set:ident, $add:ident, $add_all:ident,
         $remove:ident, $remove_all:ident, $create:ident],
        got = $got:expr, new = $new:expr, created = $created:expr $(,)?
    ) => {{
        let (db, user): (&Db, &User) = ($db, $user);
        let done = |()| Outcome::Done;
        match $call {
            StepCall::Count { below: None } => user.$count(exec!($tx, db)).await.map(Outcome::Count),
            StepCall::Count { below: Some(below) } => {
                user.$count(exec!($tx, db)).filter(<$target>::id().le(*below)).await.map(Outcome::Count)
            }
            StepCall::Get => user.$get(exec!($tx, db)).await.map($got),
            StepCall::Has { arg } if arg.bare => user.$has(exec!($tx, db), arg.id).await.map(Outcome::Bool),
            StepCall::Has { arg } => {
                let row = one::<$target>(exec!($tx, db), arg.id).await?;
                user.$has(exec!($tx, db), &row).await.map(Outcome::Bool)
            }
            StepCall::HasMany { ids, bare: true } => {
                user.$has_all(exec!($tx, db), ids.iter().copied()).await.map(Outcome::Bool)
            }
            StepCall::HasMany { ids, bare: false } => {
                let rows = many::<$target>($tx, db, ids).await?;
                user.$has_all(exec!($tx, db), &rows).await.map(Outcome::Bool)
            }
            StepCall::Set { ids, bare: true, through } => {
                $through!(user.$set(exec!($tx, db), ids.iter().copied()), through).await.map(done)
            }
            StepCall::Set { ids, bare: false, through } => {
                let rows = many::<$target>($tx, db, ids).await?;
                $through!(user.$set(exec!($tx, db), &rows), through).await.map(done)
            }
            StepCall::Add { arg, through } if arg.bare => {
                $through!(user.$add(exec!($tx, db), arg.id), through).await.map(done)
            }
            StepCall::Add { arg, through } => {
                let row = one::<$target>(exec!($tx, db), arg.id).await?;
                $through!(user.$add(exec!($tx, db), &row), through).await.map(done)
            }
            StepCall::AddMany { ids, bare: true, through } => {
                $through!(user.$add_all(exec!($tx, db), ids.iter().copied()), through).await.map(done)
            }
            StepCall::AddMany { ids, bare: false, through } => {
                let rows = many::<$target>($tx, db, ids).await?;
                $through!(user.$add_all(exec!($tx, db), &rows), through).await.map(done)
            }
            StepCall::Remove { arg } if arg.bare => user.$remove(exec!($tx, db), arg.id).await.map(done),
            StepCall::Remove { arg } => {
                let row = one::<$target>(exec!($tx, db), arg.id).await?;
                user.$remove(exec!($tx, db), &row).await.map(done)
            }
            StepCall::RemoveMany { ids, bare: true } => {
                user.$remove_all(exec!($tx, db), ids.iter().copied()).await.map(done)
            }
            StepCall::RemoveMany { ids, bare: false } => {
                let rows = many::<$target>($tx, db, ids).await?;
                user.$remove_all(exec!($tx, db), &rows).await.map(done)
            }
            StepCall::Create { id, variant } => user.$create(exec!($tx, db), ($new)(*id, *variant)).await.map($created),
        }
        .map_err(failure)
    }};
}

#[cfg(feature = "chrono")]
type Instant = chrono::DateTime<chrono::Utc>;

#[cfg(feature = "chrono")]
fn now() -> Instant {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}

/// How long one step may take before the test calls it a hang.
const STEP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// One backend during a case: the user instances the test holds, and when each step ran.
struct Harness<'a> {
    backend: &'a Backend,
    users: BTreeMap<i64, User>,
    #[cfg(feature = "chrono")]
    windows: Vec<(Instant, Instant)>,
}

impl<'a> Harness<'a> {
    fn new(backend: &'a Backend) -> Self {
        Harness {
            backend,
            users: BTreeMap::new(),
            #[cfg(feature = "chrono")]
            windows: Vec::new(),
        }
    }

    /// Empties every table and inserts the initial rows.
    async fn reset(&self) -> orm::Result<()> {
        let db = &self.backend.db;
        for table in TABLES {
            raw(format!("DELETE FROM {table}")).execute(db).await?;
        }
        let mut rows: BTreeMap<Kind, Vec<(i64, u8)>> = BTreeMap::new();
        for (id, (kind, variant)) in (1_i64..).zip(INITIAL) {
            rows.entry(kind).or_default().push((id, variant));
        }
        for (kind, rows) in rows {
            let (table, columns) = match kind {
                Kind::User => ("users", "id, name"),
                Kind::Team => ("teams", "id, name"),
                Kind::Task => ("tasks", "id, title"),
                Kind::Note => ("notes", "id, body"),
                Kind::Desk => ("desks", "id"),
                Kind::Project => ("projects", "id"),
                Kind::Club => ("clubs", "id"),
                Kind::Label => ("labels", "id, kind"),
                Kind::Gadget => ("gadgets", "id, kind"),
            };
            let values: Vec<String> = rows
                .iter()
                .map(|(id, variant)| match kind {
                    Kind::Desk | Kind::Project | Kind::Club => format!("({id})"),
                    Kind::Label | Kind::Gadget => format!("({id}, '{}')", kind_of(*variant)),
                    _ => format!("({id}, 'x')"),
                })
                .collect();
            raw(format!("INSERT INTO {table} ({columns}) VALUES {}", values.join(", "))).execute(db).await?;
        }
        Ok(())
    }

    /// Re-reads the user instance when its row exists (a destroyed user keeps its last state).
    async fn refresh(&mut self, id: i64) -> Result<(), Failure> {
        if let Some(user) = User::find_by_pk(&self.backend.db, id).await.map_err(failure)? {
            self.users.insert(id, user);
        }
        Ok(())
    }

    fn user(&self, id: i64) -> User {
        self.users.get(&id).cloned().unwrap_or_else(|| User { id, name: "ghost".into(), team_id: None })
    }

    /// Runs a step, in a transaction of its own that is then committed or rolled back when
    /// `mode` says so; inside a transaction, the transaction must stay usable after the call,
    /// failed or not.
    async fn run(&mut self, step: &Step, mode: Mode) -> Result<Outcome, Failure> {
        #[cfg(feature = "chrono")]
        let before = now();
        if let Some(user) = step.user() {
            self.refresh(user).await?;
        }
        let db = self.backend.db.clone();
        let mut tx = match mode {
            Mode::Db => None,
            Mode::Commit | Mode::Rollback => Some(db.begin().await.map_err(failure)?),
        };
        let result = match tokio::time::timeout(STEP_TIMEOUT, self.run_step(step, &mut tx, &db)).await {
            Ok(result) => result,
            Err(_) => Err(Failure::Other(format!("no answer within {STEP_TIMEOUT:?}"))),
        };
        if let Some(mut tx) = tx {
            // A documented backend difference: on PostgreSQL a failed statement aborts the
            // caller's transaction (multi-statement operations fail inside a savepoint and
            // leave it usable; a single-statement write does not take one). SQLite and MariaDB
            // undo the failed statement alone. (MariaDB has no `BIGINT` cast: `SIGNED` is one.)
            let aborts = self.backend.name == "postgres" && result.is_err();
            let probe =
                if self.backend.name == "mariadb" { "SELECT CAST(1 AS SIGNED)" } else { "SELECT CAST(1 AS BIGINT)" };
            if let Err(error) = raw(probe).fetch::<(i64,)>(&mut tx).await
                && !aborts
            {
                return Err(Failure::Other(format!(
                    "the call returned {result:?}, then the caller's transaction was unusable: {error}"
                )));
            }
            let end = if mode == Mode::Commit { tx.commit().await } else { tx.rollback().await };
            end.map_err(|e| Failure::Other(format!("the call returned {result:?}, then {mode:?} failed: {e}")))?;
        }
        #[cfg(feature = "chrono")]
        self.windows.push((before, now()));
        result
    }

    async fn run_step(&mut self, step: &Step, tx: &mut Option<Tx>, db: &Db) -> Result<Outcome, Failure> {
        match step {
            Step::Plural { user, assoc, call } => {
                let user = &self.user(*user);
                match assoc {
                    Plural::Tasks => plural_call! {
                        tx, db, user, call, Task, no_through,
                        [get_tasks, count_tasks, has_task, has_tasks, set_tasks, add_task, add_tasks, remove_task,
                         remove_tasks, create_task],
                        got = |rows: Vec<Task>| sorted(rows.iter().map(|r| r.id).collect()),
                        new = |id: i64, _: u8| Task::build().id(id).title("t"),
                        created = |t: Task| Outcome::Created { id: t.id, link: t.user_id, kind: None },
                    },
                    Plural::Notes => plural_call! {
                        tx, db, user, call, Note, no_through,
                        [get_notes, count_notes, has_note, has_notes, set_notes, add_note, add_notes, remove_note,
                         remove_notes, create_note],
                        got = |rows: Vec<Note>| sorted(rows.iter().map(|r| r.id).collect()),
                        new = |id: i64, _: u8| Note::build().id(id).body("n"),
                        created = |t: Note| Outcome::Created { id: t.id, link: t.user_id, kind: None },
                    },
                    Plural::Gadgets => plural_call! {
                        tx, db, user, call, Gadget, no_through,
                        [get_gadgets, count_gadgets, has_gadget, has_gadgets, set_gadgets, add_gadget, add_gadgets,
                         remove_gadget, remove_gadgets, create_gadget],
                        got = |rows: Vec<Gadget>| sorted(rows.iter().map(|r| r.id).collect()),
                        new = |id: i64, variant: u8| Gadget::build().id(id).kind(kind_of(variant)),
                        created = |g: Gadget| Outcome::Created { id: g.id, link: g.holder_id, kind: Some(g.kind) },
                    },
                    Plural::AGadgets => plural_call! {
                        tx, db, user, call, Gadget, no_through,
                        [get_a_gadgets, count_a_gadgets, has_a_gadget, has_a_gadgets, set_a_gadgets, add_a_gadget,
                         add_a_gadgets, remove_a_gadget, remove_a_gadgets, create_a_gadget],
                        got = |rows: Vec<Gadget>| sorted(rows.iter().map(|r| r.id).collect()),
                        new = |id: i64, variant: u8| Gadget::build().id(id).kind(kind_of(variant)),
                        created = |g: Gadget| Outcome::Created { id: g.id, link: g.holder_id, kind: Some(g.kind) },
                    },
                    Plural::Projects => plural_call! {
                        tx, db, user, call, Project, no_through,
                        [get_projects, count_projects, has_project, has_projects, set_projects, add_project,
                         add_projects, remove_project, remove_projects, create_project],
                        got = |rows: Vec<Project>| sorted(rows.iter().map(|r| r.id).collect()),
                        new = |id: i64, _: u8| Project::build().id(id),
                        created = |p: Project| Outcome::Created { id: p.id, link: None, kind: None },
                    },
                    Plural::Clubs => plural_call! {
                        tx, db, user, call, Club, club_through,
                        [get_clubs, count_clubs, has_club, has_clubs, set_clubs, add_club, add_clubs, remove_club,
                         remove_clubs, create_club],
                        got = |rows: Vec<(Club, Membership)>| {
                            let mut rows: Vec<(i64, String, Option<i64>)> =
                                rows.into_iter().map(|(club, m)| (club.id, m.role, m.badge)).collect();
                            rows.sort();
                            Outcome::Joined(rows)
                        },
                        new = |id: i64, _: u8| Club::build().id(id),
                        created = |c: Club| Outcome::Created { id: c.id, link: None, kind: None },
                    },
                    Plural::Labels => plural_call! {
                        tx, db, user, call, Label, no_through,
                        [get_labels, count_labels, has_label, has_labels, set_labels, add_label, add_labels,
                         remove_label, remove_labels, create_label],
                        got = |rows: Vec<Label>| sorted(rows.iter().map(|r| r.id).collect()),
                        new = |id: i64, variant: u8| Label::build().id(id).kind(kind_of(variant)),
                        created = |l: Label| Outcome::Created { id: l.id, link: None, kind: Some(l.kind) },
                    },
                    Plural::HotLabels => plural_call! {
                        tx, db, user, call, Label, no_through,
                        [get_hot_labels, count_hot_labels, has_hot_label, has_hot_labels, set_hot_labels,
                         add_hot_label, add_hot_labels, remove_hot_label, remove_hot_labels, create_hot_label],
                        got = |rows: Vec<Label>| sorted(rows.iter().map(|r| r.id).collect()),
                        new = |id: i64, variant: u8| Label::build().id(id).kind(kind_of(variant)),
                        created = |l: Label| Outcome::Created { id: l.id, link: None, kind: Some(l.kind) },
                    },
                }
            }
            Step::SetDesk { user, desk } => {
                let user = self.user(*user);
                match desk {
                    None => user.set_desk(exec!(tx, db), None).await,
                    Some(arg) if arg.bare => user.set_desk(exec!(tx, db), arg.id).await,
                    Some(arg) => {
                        let desk = one::<Desk>(exec!(tx, db), arg.id).await?;
                        user.set_desk(exec!(tx, db), &desk).await
                    }
                }
                .map(|()| Outcome::Done)
                .map_err(failure)
            }
            Step::CreateDesk { user, id } => self
                .user(*user)
                .create_desk(exec!(tx, db), Desk::build().id(*id))
                .await
                .map(|d| Outcome::Created { id: d.id, link: d.user_id, kind: None })
                .map_err(failure),
            Step::GetDesk { user } => {
                self.user(*user).get_desk(exec!(tx, db)).await.map(|d| Outcome::One(d.map(|d| d.id))).map_err(failure)
            }
            Step::SetTeam { user, team } => {
                let mut user = self.user(*user);
                let before = user.team_id;
                let result = match team {
                    None => user.set_team(exec!(tx, db), None).await,
                    Some(arg) if arg.bare => user.set_team(exec!(tx, db), arg.id).await,
                    Some(arg) => {
                        let team = one::<Team>(exec!(tx, db), arg.id).await?;
                        user.set_team(exec!(tx, db), &team).await
                    }
                };
                let outcome = match result {
                    Ok(()) => Ok(Outcome::Field(user.team_id)),
                    Err(_) if user.team_id != before => Err(Failure::Other(format!(
                        "a failed set_team changed the instance's team_id from {before:?} to {:?}",
                        user.team_id
                    ))),
                    Err(error) => Err(failure(error)),
                };
                self.users.insert(user.id, user);
                outcome
            }
            Step::CreateTeam { user, id } => {
                let mut user = self.user(*user);
                let before = user.team_id;
                let outcome = match user.create_team(exec!(tx, db), Team::build().id(*id).name("t")).await {
                    Ok(team) => Ok(Outcome::Created { id: team.id, link: user.team_id, kind: None }),
                    Err(_) if user.team_id != before => Err(Failure::Other(format!(
                        "a failed create_team changed the instance's team_id from {before:?} to {:?}",
                        user.team_id
                    ))),
                    Err(error) => Err(failure(error)),
                };
                self.users.insert(user.id, user);
                outcome
            }
            Step::GetTeam { user } => {
                self.user(*user).get_team(exec!(tx, db)).await.map(|t| Outcome::One(t.map(|t| t.id))).map_err(failure)
            }
            Step::Create { kind, id, variant } => {
                let id = *id;
                let exec = exec!(tx, db);
                let result = match kind {
                    Kind::User => User::build().id(id).name("u").create(exec).await.map(|u| {
                        self.users.insert(id, u);
                    }),
                    Kind::Team => Team::build().id(id).name("t").create(exec).await.map(drop),
                    Kind::Task => Task::build().id(id).title("t").create(exec).await.map(drop),
                    Kind::Note => Note::build().id(id).body("n").create(exec).await.map(drop),
                    Kind::Desk => Desk::build().id(id).create(exec).await.map(drop),
                    Kind::Project => Project::build().id(id).create(exec).await.map(drop),
                    Kind::Club => Club::build().id(id).create(exec).await.map(drop),
                    Kind::Label => Label::build().id(id).kind(kind_of(*variant)).create(exec).await.map(drop),
                    Kind::Gadget => Gadget::build().id(id).kind(kind_of(*variant)).create(exec).await.map(drop),
                };
                result.map(|()| Outcome::Done).map_err(failure)
            }
            Step::Destroy { kind, id } => {
                let id = *id;
                let result = match kind {
                    Kind::User => self.user(id).destroy(exec!(tx, db)).await,
                    Kind::Team => one::<Team>(exec!(tx, db), id).await?.destroy(exec!(tx, db)).await,
                    Kind::Task => one::<Task>(exec!(tx, db), id).await?.destroy(exec!(tx, db)).await,
                    Kind::Note => one::<Note>(exec!(tx, db), id).await?.destroy(exec!(tx, db)).await,
                    Kind::Desk => one::<Desk>(exec!(tx, db), id).await?.destroy(exec!(tx, db)).await,
                    Kind::Project => one::<Project>(exec!(tx, db), id).await?.destroy(exec!(tx, db)).await,
                    Kind::Club => one::<Club>(exec!(tx, db), id).await?.destroy(exec!(tx, db)).await,
                    Kind::Label => one::<Label>(exec!(tx, db), id).await?.destroy(exec!(tx, db)).await,
                    Kind::Gadget => one::<Gadget>(exec!(tx, db), id).await?.destroy(exec!(tx, db)).await,
                };
                result.map(|()| Outcome::Done).map_err(failure)
            }
        }
    }

    /// Every table, read back with hand-written SQL (one statement).
    async fn tables(&self) -> orm::Result<Tables> {
        // The first SELECT types the UNION's columns on SQLite and PostgreSQL; MariaDB has no
        // `TEXT`/`BIGINT` casts, and types each column from all the SELECTs.
        let nulls =
            if self.backend.name == "mariadb" { "NULL, NULL" } else { "CAST(NULL AS TEXT), CAST(NULL AS BIGINT)" };
        let snapshot = format!(
            "SELECT 'users', id, team_id, {nulls} FROM users \
            UNION ALL SELECT 'teams', id, NULL, NULL, NULL FROM teams \
            UNION ALL SELECT 'tasks', id, user_id, NULL, NULL FROM tasks \
            UNION ALL SELECT 'notes', id, user_id, NULL, NULL FROM notes \
            UNION ALL SELECT 'desks', id, user_id, NULL, NULL FROM desks \
            UNION ALL SELECT 'gadgets', id, holder_id, kind, NULL FROM gadgets \
            UNION ALL SELECT 'projects', id, NULL, NULL, NULL FROM projects \
            UNION ALL SELECT 'clubs', id, NULL, NULL, NULL FROM clubs \
            UNION ALL SELECT 'labels', id, NULL, kind, NULL FROM labels \
            UNION ALL SELECT 'user_projects', user_id, project_id, NULL, NULL FROM user_projects \
            UNION ALL SELECT 'memberships', user_id, club_id, role, badge FROM memberships \
            UNION ALL SELECT 'user_labels', user_id, label_id, NULL, NULL FROM user_labels"
        );
        let rows =
            raw(snapshot).fetch::<(String, i64, Option<i64>, Option<String>, Option<i64>)>(&self.backend.db).await?;
        let mut t = Tables::default();
        let mut join_rows = 0;
        for (table, a, b, text, number) in rows {
            let pair = || (a, b.unwrap_or_default());
            match table.as_str() {
                "users" => {
                    t.users.insert(a, b);
                }
                "teams" => {
                    t.teams.insert(a);
                }
                "tasks" => {
                    t.tasks.insert(a, (None, b));
                }
                "notes" => {
                    t.notes.insert(a, (None, b));
                }
                "desks" => {
                    t.desks.insert(a, (None, b));
                }
                "gadgets" => {
                    t.gadgets.insert(a, (text, b));
                }
                "projects" => {
                    t.projects.insert(a);
                }
                "clubs" => {
                    t.clubs.insert(a);
                }
                "labels" => {
                    t.labels.insert(a, text.unwrap_or_default());
                }
                "user_projects" => {
                    t.user_projects.insert(pair(), (String::new(), None));
                }
                "memberships" => {
                    join_rows += 1;
                    t.memberships.insert(pair(), (text.unwrap_or_default(), number));
                }
                _ => {
                    t.user_labels.insert(pair(), (String::new(), None));
                }
            }
        }
        if t.memberships.len() != join_rows {
            return Err(Error::Invalid(format!(
                "memberships holds {join_rows} rows for {} pairs",
                t.memberships.len()
            )));
        }
        Ok(t)
    }

    /// Checks each membership's and each task's timestamps against the windows of the steps
    /// that may have written them.
    #[cfg(feature = "chrono")]
    async fn check_stamps(&self, model: &Oracle) -> Result<(), String> {
        let within =
            |at: &Instant, step: usize| self.windows.get(step).is_some_and(|(start, end)| start <= at && at <= end);
        let written_at = |at: &Instant| match self.windows.iter().position(|(start, end)| start <= at && at <= end) {
            Some(step) => format!("during step {}", step + 1),
            None => "outside every step".to_owned(),
        };
        let db = &self.backend.db;
        let tasks = raw("SELECT id, updated_at FROM tasks")
            .fetch::<(i64, Option<Instant>)>(db)
            .await
            .map_err(|e| format!("reading tasks' timestamps: {e}"))?;
        for (task, updated) in tasks {
            let Some(steps) = model.task_stamps.get(&task) else { continue };
            let fits = steps.iter().any(|step| match (step, &updated) {
                (None, None) => true,
                (Some(step), Some(at)) => within(at, *step),
                _ => false,
            });
            if !fits {
                let written = updated
                    .as_ref()
                    .map_or_else(|| "never written".to_owned(), |at| format!("{at}, written {}", written_at(at)));
                let expected: Vec<String> = steps
                    .iter()
                    .map(|s| s.map_or_else(|| "never written".to_owned(), |s| format!("during step {}", s + 1)))
                    .collect();
                return Err(format!("task {task}: updated_at is {written}; expected {}", expected.join(" or ")));
            }
        }
        if model.stamps.is_empty() {
            return Ok(());
        }
        let rows = raw("SELECT user_id, club_id, created_at, updated_at FROM memberships")
            .fetch::<(i64, i64, Instant, Instant)>(db)
            .await
            .map_err(|e| format!("reading memberships' timestamps: {e}"))?;
        for (user, club, created, updated) in rows {
            let Some(stamp) = model.stamps.get(&(user, club)) else { continue };
            if !within(&created, stamp.created) {
                return Err(format!(
                    "membership ({user}, {club}): created_at {created} was written {}, expected during step {}",
                    written_at(&created),
                    stamp.created + 1
                ));
            }
            if !stamp.updated.iter().any(|step| within(&updated, *step)) {
                let steps: Vec<usize> = stamp.updated.iter().map(|s| s + 1).collect();
                return Err(format!(
                    "membership ({user}, {club}): updated_at {updated} was written {}, expected during step(s) {steps:?}",
                    written_at(&updated)
                ));
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// The property.

/// How often each call ended each way, over every case run (shrinking included): printed at
/// the end (`--nocapture`) to show what the generator reaches.
static COVERAGE: std::sync::Mutex<BTreeMap<(String, String), usize>> = std::sync::Mutex::new(BTreeMap::new());

fn record(step: &Step, result: &Result<Outcome, Failure>) {
    let call = match step {
        Step::Plural { assoc, call, .. } => {
            let name = match call {
                StepCall::Set { ids, .. } if ids.is_empty() => "set([])",
                StepCall::Set { .. } => "set",
                StepCall::Add { .. } => "add",
                StepCall::AddMany { ids, .. } if ids.is_empty() => "add_many([])",
                StepCall::AddMany { .. } => "add_many",
                StepCall::Remove { .. } => "remove",
                StepCall::RemoveMany { ids, .. } if ids.is_empty() => "remove_many([])",
                StepCall::RemoveMany { .. } => "remove_many",
                StepCall::Has { .. } => "has",
                StepCall::HasMany { ids, .. } if ids.is_empty() => "has_many([])",
                StepCall::HasMany { .. } => "has_many",
                StepCall::Count { below: None } => "count",
                StepCall::Count { below: Some(_) } => "count.filter",
                StepCall::Get => "get",
                StepCall::Create { .. } => "create",
            };
            format!("{}.{name}", assoc.names().1)
        }
        Step::SetDesk { desk: None, .. } => "desk.set(None)".to_owned(),
        Step::SetDesk { .. } => "desk.set".to_owned(),
        Step::CreateDesk { .. } => "desk.create".to_owned(),
        Step::GetDesk { .. } => "desk.get".to_owned(),
        Step::SetTeam { team: None, .. } => "team.set(None)".to_owned(),
        Step::SetTeam { .. } => "team.set".to_owned(),
        Step::CreateTeam { .. } => "team.create".to_owned(),
        Step::GetTeam { .. } => "team.get".to_owned(),
        Step::Create { kind, .. } => format!("{}.create", kind.var()),
        Step::Destroy { kind, .. } => format!("{}.destroy", kind.var()),
    };
    let outcome = match result {
        Ok(Outcome::Bool(b)) => format!("Ok({b})"),
        Ok(Outcome::One(None)) => "Ok(None)".to_owned(),
        Ok(Outcome::One(Some(_))) => "Ok(Some)".to_owned(),
        Ok(Outcome::Count(n)) => format!("Ok({})", if *n == 0 { "0" } else { ">0" }),
        Ok(Outcome::Ids(ids)) => format!("Ok({})", if ids.is_empty() { "[]" } else { "[..]" }),
        Ok(Outcome::Joined(rows)) => format!("Ok({})", if rows.is_empty() { "[]" } else { "[..]" }),
        Ok(_) => "Ok".to_owned(),
        Err(Failure::MissingKeys { .. }) => "MissingKeys".to_owned(),
        Err(other) => format!("{other:?}"),
    };
    *COVERAGE.lock().unwrap().entry((call, outcome)).or_default() += 1;
}

fn print_coverage() {
    let coverage = COVERAGE.lock().unwrap();
    let mut lines: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for ((call, outcome), count) in coverage.iter() {
        lines.entry(call).or_default().push(format!("{outcome} {count}"));
    }
    let total: usize = coverage.values().sum();
    eprintln!("association writes: {total} steps run, by call and result:");
    for (call, outcomes) in lines {
        eprintln!("  {call:<24} {}", outcomes.join(", "));
    }
}

/// Runs one sequence on every backend and the model; `Err` describes the first disagreement.
fn run_case(backends: &Backends, ops: &[(Mode, Op)]) -> Result<(), String> {
    backends.block_on(async {
        let mut harnesses: Vec<Harness<'_>> = backends.all.iter().map(Harness::new).collect();
        for harness in &harnesses {
            harness.reset().await.map_err(|e| format!("resetting {}: {e}", harness.backend.name))?;
        }
        let mut model = Oracle::initial();
        let mut trace: Vec<String> = Vec::new();
        let report = |trace: &[String], problem: String| {
            let steps: Vec<String> = trace.iter().enumerate().map(|(i, s)| format!("  {:>2}. {s}", i + 1)).collect();
            format!(
                "{problem}\nsteps (rows at the start: users 1-3, teams 4-5, tasks 6-8, notes 9-10, desks 11-12, \
                 projects 13-15, clubs 16-18, labels 19(a) 20(b) 21(a), gadgets 22(a) 23(b) 24(a); \
                 keys from {GHOST} never exist):\n{}",
                steps.join("\n")
            )
        };
        for (at, (mode, op)) in ops.iter().enumerate() {
            let step = model.resolve(op);
            trace.push(match mode {
                Mode::Db => step.to_string(),
                Mode::Commit => format!("in a transaction, committed: {step}"),
                Mode::Rollback => format!("in a transaction, rolled back: {step}"),
            });
            let (expect, mut next) = model.expect(&step, at);
            if *mode == Mode::Rollback {
                next = model.clone();
            }
            let mut results: Vec<(&str, Result<Outcome, Failure>)> = Vec::new();
            for harness in &mut harnesses {
                let name = harness.backend.name;
                let got = harness.run(&step, *mode).await;
                if !expect.accepts(&got) {
                    return Err(report(
                        &trace,
                        format!("step {} on {name}: the model expects {expect:?}, the call returned {got:?}", at + 1),
                    ));
                }
                if results.is_empty() {
                    record(&step, &got);
                }
                results.push((name, got));
                let found = harness.tables().await.map_err(|e| format!("reading the tables of {name}: {e}"))?;
                let differences = next.tables.differences(&found);
                if !differences.is_empty() {
                    return Err(report(
                        &trace,
                        format!(
                            "after step {} on {name} (which returned {:?}):\n  {}",
                            at + 1,
                            results.last().map(|(_, r)| r),
                            differences.join("\n  ")
                        ),
                    ));
                }
                #[cfg(feature = "chrono")]
                harness
                    .check_stamps(&next)
                    .await
                    .map_err(|e| report(&trace, format!("after step {} on {name}: {e}", at + 1)))?;
            }
            // Which of two constraints a statement violates it reports is the database's
            // business, as the model says: InnoDB checks a foreign key as it inserts each row,
            // SQLite and PostgreSQL at the end of the statement, after the unique index. Where
            // the model accepts either, the backends may differ between the two.
            let either = matches!(&expect, Expect::Fail(kinds)
                if kinds.contains(&Failure::Unique) && kinds.contains(&Failure::ForeignKey));
            let compared: Vec<(&str, Result<Outcome, Failure>)> = results
                .iter()
                .map(|(name, result)| match result {
                    Err(Failure::Unique) if either => (*name, Err(Failure::ForeignKey)),
                    result => (*name, result.clone()),
                })
                .collect();
            if let Some(disagreement) = disagreement(&compared) {
                return Err(report(&trace, format!("step {}: {disagreement}", at + 1)));
            }
            if std::env::var_os("WRITES_TRACE").is_some() {
                eprintln!("{:>2}. {} -> {:?}", at + 1, trace[at], results[0].1);
            }
            model = next;
        }
        if std::env::var_os("WRITES_TRACE").is_some() {
            eprintln!("----");
        }
        Ok(())
    })
}

#[test]
fn association_writes_agree_with_the_model_on_every_backend() {
    let backends = Backends::open();
    for backend in &backends.all {
        backends.block_on(schema().sync(&backend.db)).unwrap_or_else(|e| panic!("schema on {}: {e}", backend.name));
    }
    let config =
        Config { cases: cases(DEFAULT_CASES), max_shrink_iters: 4096, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new(config);
    let outcome = runner.run(&ops(), |ops| run_case(&backends, &ops).map_err(TestCaseError::fail));
    print_coverage();
    match outcome {
        Ok(()) => {}
        Err(TestError::Fail(reason, ops)) => {
            let ops: Vec<String> = ops.iter().map(|op| format!("  {op:?}")).collect();
            panic!("association writes disagree: {reason}\nshrunk operations ({}):\n{}", ops.len(), ops.join("\n"));
        }
        Err(TestError::Abort(reason)) => panic!("association writes: proptest aborted: {reason}"),
    }
}

/// Sequences worth running every time, whatever the generator draws.
#[test]
fn association_write_regressions_agree_with_the_model() {
    use Mode::{Commit, Db, Rollback};
    let dead = UserPick::Dead(0);
    let live = UserPick::Live(0);
    let cases: Vec<Vec<(Mode, Op)>> = vec![
        // Join rows breaking a foreign key (a destroyed user) and the unique badge at once: a
        // backend reports either (MariaDB the foreign key, SQLite and PostgreSQL the badge).
        vec![
            (Db, Op::Destroy { kind: Kind::User, nth: 0 }),
            (
                Db,
                Op::Plural {
                    user: dead.clone(),
                    assoc: Plural::Clubs,
                    call: Call::Set {
                        targets: vec![Pick::Nth(0), Pick::Nth(1)],
                        bare: false,
                        through: Some(Through { role: None, badge: Some(1), per_item: vec![] }),
                    },
                },
            ),
        ],
        // A failed single-statement write inside a caller's transaction.
        vec![
            (Db, Op::Destroy { kind: Kind::User, nth: 0 }),
            (Commit, Op::Plural { user: dead.clone(), assoc: Plural::Tasks, call: Call::Create { variant: 0 } }),
        ],
        vec![(Db, Op::Destroy { kind: Kind::User, nth: 0 }), (Rollback, Op::CreateDesk { user: dead.clone() })],
        // Join values given for a link that stays: its `updated_at` moves.
        vec![
            (
                Db,
                Op::Plural {
                    user: live.clone(),
                    assoc: Plural::Clubs,
                    call: Call::Set { targets: vec![Pick::Nth(0)], bare: false, through: None },
                },
            ),
            (
                Db,
                Op::Plural {
                    user: live.clone(),
                    assoc: Plural::Clubs,
                    call: Call::Set {
                        targets: vec![Pick::Nth(0)],
                        bare: false,
                        through: Some(Through { role: Some("owner"), badge: None, per_item: vec![] }),
                    },
                },
            ),
        ],
        // A badge taken by another link.
        vec![
            (
                Db,
                Op::Plural {
                    user: live.clone(),
                    assoc: Plural::Clubs,
                    call: Call::Add {
                        target: Target { pick: Pick::Nth(0), bare: false },
                        through: Some(Through { role: None, badge: Some(2), per_item: vec![] }),
                    },
                },
            ),
            (
                Db,
                Op::Plural {
                    user: live.clone(),
                    assoc: Plural::Clubs,
                    call: Call::Add {
                        target: Target { pick: Pick::Nth(1), bare: false },
                        through: Some(Through { role: None, badge: Some(2), per_item: vec![] }),
                    },
                },
            ),
        ],
        // has_xs of no targets is true; a duplicate badge is a unique violation.
        vec![
            (
                Db,
                Op::Plural {
                    user: live.clone(),
                    assoc: Plural::Tasks,
                    call: Call::HasMany { targets: vec![], bare: true },
                },
            ),
            (
                Db,
                Op::Plural {
                    user: live.clone(),
                    assoc: Plural::Clubs,
                    call: Call::AddMany {
                        targets: vec![Pick::Nth(0), Pick::Nth(1)],
                        bare: true,
                        through: Some(Through { role: None, badge: Some(1), per_item: vec![] }),
                    },
                },
            ),
        ],
    ];
    let backends = Backends::open();
    for backend in &backends.all {
        backends.block_on(schema().sync(&backend.db)).unwrap_or_else(|e| panic!("schema on {}: {e}", backend.name));
    }
    let failures: Vec<String> = cases.iter().filter_map(|case| run_case(&backends, case).err()).collect();
    assert!(failures.is_empty(), "association writes disagree:\n{}", failures.join("\n\n"));
}
