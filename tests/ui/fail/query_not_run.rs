#![deny(unused_must_use)]

use orm::prelude::*;

#[derive(Model)]
struct User {
    id: i64,
    name: String,
}

fn main() {
    User::delete().filter(User::id().eq(1));
    User::update().set(User::name(), "ann");
    User::find().filter(User::name().eq("ann"));
    User::find().select(User::name()).limit(3);
}
