//! The benchmark's models, declared with the ORM's derive as a user would.

use orm::prelude::*;

/// A user: 10 tasks each, linked to 5 projects through [`UserProject`].
#[derive(Model, Debug, Clone)]
#[has_many(Task)]
#[belongs_to_many(Project, through = UserProject)]
pub struct User {
    /// Primary key.
    pub id: i64,
    /// `user {id}`.
    pub name: String,
}

/// A task of a user (`tasks.user_id` NOT NULL).
#[derive(Model, Debug, Clone)]
pub struct Task {
    /// Primary key.
    pub id: i64,
    /// `task {user}-{k}`.
    pub title: String,
    /// `k % 3 == 0`.
    pub done: bool,
    /// The owning user.
    pub user_id: i64,
}

/// A project users join.
#[derive(Model, Debug, Clone)]
pub struct Project {
    /// Primary key.
    pub id: i64,
    /// `project {id}`.
    pub name: String,
}

/// The join model of users and projects, with a status.
#[derive(Model, Debug, Clone)]
pub struct UserProject {
    /// Primary key.
    pub id: i64,
    /// The user.
    pub user_id: i64,
    /// The project.
    pub project_id: i64,
    /// `active` or `paused`.
    pub status: String,
}

/// W7: the new user each product is created with (a belongs_to target of [`Product`]).
#[derive(Model, Debug, Clone)]
#[has_many(Address)]
pub struct Customer {
    /// Primary key.
    pub id: i64,
    /// `customer {n}`.
    pub name: String,
}

/// W7: two addresses per customer.
#[derive(Model, Debug, Clone)]
pub struct Address {
    /// Primary key.
    pub id: i64,
    /// Street line.
    pub line1: String,
    /// City.
    pub city: String,
    /// The customer (NOT NULL, filled by nested creation).
    pub customer_id: i64,
}

/// W7: a product created with its customer and the customer's addresses in one call.
#[derive(Model, Debug, Clone)]
#[belongs_to(Customer)]
pub struct Product {
    /// Primary key.
    pub id: i64,
    /// `product {n}`.
    pub title: String,
    /// The customer, created first by nested creation.
    pub customer_id: Option<i64>,
}

/// Creates every table (with the foreign-key indexes) through the ORM.
pub async fn sync(db: &Db) -> orm::Result<()> {
    Schema::new()
        .model::<User>()
        .model::<Task>()
        .model::<Project>()
        .model::<UserProject>()
        .model::<Customer>()
        .model::<Address>()
        .model::<Product>()
        .model::<Owner>()
        .model::<Item>()
        .sync(db)
        .await
}

/// W8: an owner of ten items (100,000 owners at scale 1, loaded in their own tables so that
/// the other workloads' data stays as it is).
#[derive(Model, Debug, Clone)]
#[has_many(Item)]
pub struct Owner {
    /// Primary key.
    pub id: i64,
    /// `owner {id}`.
    pub name: String,
}

/// W8: an item of an owner (1,000,000 at scale 1).
#[derive(Model, Debug, Clone)]
pub struct Item {
    /// Primary key.
    pub id: i64,
    /// `item {id}`.
    pub title: String,
    /// `id % 3 = 0`.
    pub done: bool,
    /// The owner.
    pub owner_id: i64,
}
