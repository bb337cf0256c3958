//! The seed's "creating with associations": a product, its user and the user's addresses in
//! one call, in one transaction, returned with everything loaded.
//!
//! Run it with `cargo run --example nested_create`.

// Generated code must stay clean under pedantic lints in user crates: CI checks it here.
#![warn(clippy::pedantic)]
// Clippy reads `#[belongs_to(User)]` and `#[belongs_to(User, as = "creator")]` as one attribute
// repeated.
#![allow(clippy::duplicated_attributes)]

use orm::prelude::*;

#[derive(Model, Debug, Clone)]
#[belongs_to(User)]
#[belongs_to(User, as = "creator")]
#[has_many(Tag, as = "categories")]
struct Product {
    id: i64,
    title: String,
    user_id: Option<i64>,
    creator_id: Option<i64>,
}

#[derive(Model, Debug, Clone)]
#[has_many(Address)]
struct User {
    id: i64,
    first_name: String,
    last_name: String,
}

#[derive(Model, Debug, Clone)]
struct Address {
    id: i64,
    #[model(column = "type")]
    kind: String,
    line1: String,
    city: String,
    state: String,
    zip: String,
    user_id: Option<i64>,
}

#[derive(Model, Debug, Clone)]
struct Tag {
    id: i64,
    name: String,
    product_id: Option<i64>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> orm::Result<()> {
    let db = orm::sqlite::connect("sqlite::memory:").await?;
    Schema::new().model::<Product>().sync(&db).await?;
    db.record_statements(true);

    let chair =
        Product::build()
            .title("Chair")
            .user(User::build().first_name("Mick").last_name("Broadstone").addresses([
                Address::build().kind("home").line1("100 Main St.").city("Austin").state("TX").zip("78704"),
            ]))
            .creator(User::build().first_name("Matt").last_name("Hansen"))
            .categories([Tag::build().name("Alpha"), Tag::build().name("Beta")])
            .create_nested(&db)
            .await?;

    println!("Statements:");
    for statement in db.take_statements() {
        println!("  {statement}");
    }
    let Some(user) = chair.user() else { return Err(orm::Error::NotFound { model: "User" }) };
    println!(
        "\n{} by {} {} (creator {:?})",
        chair.title,
        user.first_name,
        user.last_name,
        chair.creator().map(|c| &c.first_name)
    );
    for address in user.addresses() {
        println!("  {} address: {}, {} {} {}", address.kind, address.line1, address.city, address.state, address.zip);
    }
    println!("  categories: {:?}", chair.categories().iter().map(|t| &t.name).collect::<Vec<_>>());

    // A required field missing anywhere in the tree fails before any statement runs.
    let missing = Product::build().title("Desk").user(User::build().first_name("Nobody")).create(&db).await;
    println!("\nWithout a last name: {}", missing.err().map(|e| e.to_string()).unwrap_or_default());
    Ok(())
}
