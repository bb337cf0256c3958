use orm::prelude::*;
use std::collections::HashMap;

#[derive(Model)]
struct Profile {
    id: i64,
    settings: HashMap<String, String>,
}

fn main() {}
