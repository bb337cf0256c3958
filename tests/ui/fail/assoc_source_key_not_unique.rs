use orm::prelude::*;

#[derive(Model)]
#[has_many(City, foreign_key = "country_code", source_key = "iso_code")]
struct Country {
    id: i64,
    iso_code: String,
}

#[derive(Model)]
struct City {
    id: i64,
    country_code: Option<String>,
}

fn main() {}
