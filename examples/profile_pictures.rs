//! The seeds' users and pictures: a user has many pictures and belongs to one of them as the
//! profile picture. The second association's constraint is disabled, as Sequelize's
//! documentation explains, because the two foreign keys would otherwise form a cycle.
//!
//! Run it with `cargo run --example profile_pictures`.

// Generated code must stay clean under pedantic lints in user crates: CI checks it here.
#![warn(clippy::pedantic)]

use orm::prelude::*;

#[derive(Model, Debug, Clone)]
#[has_many(Picture)]
#[belongs_to(Picture, as = "profile_picture", constraints = false)]
struct User {
    id: i64,
    name: String,
    profile_picture_id: Option<i64>,
}

#[derive(Model, Debug, Clone)]
struct Picture {
    id: i64,
    format: String,
    user_id: Option<i64>,
}

/// The same pair with both constraints: the cycle Sequelize reports.
#[derive(Model, Debug, Clone)]
#[has_many(Photo)]
#[belongs_to(Photo, as = "avatar")]
struct Member {
    id: i64,
    avatar_id: Option<i64>,
}

#[derive(Model, Debug, Clone)]
struct Photo {
    id: i64,
    member_id: Option<i64>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> orm::Result<()> {
    let db = orm::sqlite::connect("sqlite::memory:").await?;

    match Schema::new().model::<Member>().sync(&db).await {
        Err(error) => println!("With both constraints: {error}"),
        Ok(()) => println!("unexpected: the cycle was not detected"),
    }

    let schema = Schema::new().model::<User>();
    println!("\nWith `constraints = false` on the profile picture:");
    for statement in schema.ddl(&db)? {
        println!("  {statement}");
    }
    schema.sync(&db).await?;

    let mut user = User::build().name("Jan").create(&db).await?;
    let p1 = user.create_picture(&db, Picture::build().format("jpg")).await?;
    let p2 = Picture::build().format("png").create(&db).await?;

    user.add_picture(&db, p2.id).await?; // a bare primary key works as well as an instance
    user.set_profile_picture(&db, &p1).await?;
    println!("\nuser.get_pictures()         -> {:?}", user.get_pictures(&db).await?);
    println!("user.get_profile_picture()  -> {:?}", user.get_profile_picture(&db).await?);

    let jpgs = user.get_pictures(&db).filter(Picture::format().eq("jpg")).await?;
    println!("get_pictures where jpg      -> {jpgs:?}");

    user.set_pictures(&db, [&p2]).await?;
    println!(
        "after set_pictures([p2])    -> {} picture(s), has p1: {}",
        user.count_pictures(&db).await?,
        user.has_picture(&db, &p1).await?
    );
    user.remove_picture(&db, &p2).await?;
    println!("after remove_picture(p2)    -> {} picture(s)", user.count_pictures(&db).await?);

    println!("\nUser's associations:");
    for association in User::associations() {
        println!(
            "  {:?} {} -> {} (foreign key `{}`, constraints: {}, accessors: {:?})",
            association.kind,
            association.display_name(),
            association.target_meta().name,
            association.foreign_key.join(", "),
            association.constraints,
            association.accessors.iter().map(|(_, name)| *name).collect::<Vec<_>>()
        );
    }
    Ok(())
}
