use orm::prelude::*;

#[derive(Model)]
struct Country {
    id: i64,
    iso_code: String,
}

#[derive(Model)]
#[belongs_to(Country, foreign_key = "country_code", target_key = "iso_code")]
struct City {
    id: i64,
    country_code: Option<String>,
}

fn main() {}
