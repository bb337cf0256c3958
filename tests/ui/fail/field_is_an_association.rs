use orm::prelude::*;

#[derive(Model)]
#[belongs_to(Company)]
#[has_many(Task)]
struct User {
    id: i64,
    company_id: Option<i64>,
    // A list of related rows is an association, not a column.
    projects: Vec<Project>,
    // Declared already as associations.
    company: Option<Company>,
    open_tasks: Vec<Task>,
    // A list of values is a JSON column.
    tags: Vec<String>,
    // Bytes stay a column.
    avatar: Vec<u8>,
    thumbnail: Option<Vec<u8>>,
}

#[derive(Model)]
struct Category {
    id: i64,
    parent_id: Option<i64>,
    parent: Option<Box<Category>>,
    owner: Box<User>,
}

#[derive(Model)]
struct Company {
    id: i64,
}

#[derive(Model)]
struct Task {
    id: i64,
    user_id: i64,
}

#[derive(Model)]
struct Project {
    id: i64,
}

fn main() {}
