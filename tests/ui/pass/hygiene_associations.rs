//! Associations in a crate that shadows prelude names and denies warnings and missing docs.
#![deny(warnings, missing_docs)]

// The builder methods (`filter`, `order_by`, `include`) are trait methods, in `orm::prelude`;
// imported by name here, where the prelude's names are shadowed.
use orm::IncludeWith as _;

#[allow(dead_code)]
struct Send;
#[allow(dead_code)]
struct Sync;
#[allow(dead_code)]
struct Result;
#[allow(dead_code)]
struct Option;
#[allow(dead_code)]
struct Vec;
#[allow(dead_code)]
struct Box;
#[allow(dead_code)]
struct String;

/// A user.
#[derive(orm::Model, Debug, Clone)]
#[has_many(Task)]
#[has_one(Profile)]
#[belongs_to(Team)]
#[belongs_to_many(Project, through = Membership)]
#[belongs_to_many(Tag, through = "user_tags")]
pub struct User {
    /// Key.
    pub id: i64,
    /// Team.
    pub team_id: ::std::option::Option<i64>,
}

/// A task.
#[derive(orm::Model, Debug, Clone)]
pub struct Task {
    /// Key.
    pub id: i64,
    /// Owner.
    pub user_id: ::std::option::Option<i64>,
}

/// A profile.
#[derive(orm::Model, Debug, Clone)]
pub struct Profile {
    /// Key.
    pub id: i64,
    /// Owner.
    pub user_id: ::std::option::Option<i64>,
}

/// A team.
#[derive(orm::Model, Debug, Clone)]
pub struct Team {
    /// Key.
    pub id: i64,
}

/// A project.
#[derive(orm::Model, Debug, Clone)]
pub struct Project {
    /// Key.
    pub id: i64,
}

/// A tag.
#[derive(orm::Model, Debug, Clone)]
pub struct Tag {
    /// Key.
    pub id: i64,
}

/// A membership.
#[derive(orm::Model, Debug, Clone)]
pub struct Membership {
    /// Key.
    pub id: i64,
    /// User.
    pub user_id: i64,
    /// Project.
    pub project_id: i64,
}

fn main() {
    let _ = <User as orm::Model>::find().include(User::tasks()).include(User::projects());
}
