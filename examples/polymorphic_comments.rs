//! The seed's polymorphic comments: images and videos have comments, told apart by a
//! `commentable` column that the association's scope filters on and writes.
//!
//! `#[belongs_to_one_of(…)]` on `Comment` declares the association once: it generates the
//! closed enum `Commentable`, `comment.get_commentable(&db)` (the seed's `getItem`, typed) and
//! the include `Comment::commentable()`, which loads the parents with one query per parent
//! model present. Each parent's `#[has_many(Comment, polymorphic = "commentable")]` takes the
//! foreign key, the type scope and `constraints = false` from it.
//!
//! Run it with `cargo run --example polymorphic_comments`.

// Generated code must stay clean under pedantic lints in user crates: CI checks it here.
#![warn(clippy::pedantic)]

use orm::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Comment, polymorphic = "commentable")]
struct Image {
    id: i64,
    title: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Comment, polymorphic = "commentable")]
struct Video {
    id: i64,
    title: String,
}

#[derive(Model, Debug, Clone)]
#[belongs_to_one_of(commentable, Image = "image", Video = "video")]
struct Comment {
    id: i64,
    title: String,
    /// The seed's `commentable` column: the field is named apart from the association, whose
    /// include handle is `Comment::commentable()`.
    #[model(column = "commentable")]
    commentable_type: Option<String>,
    commentable_id: Option<i64>,
}

fn describe(item: Option<&Commentable>) -> String {
    match item {
        Some(Commentable::Image(image)) => format!("the image '{}'", image.title),
        Some(Commentable::Video(video)) => format!("the video '{}'", video.title),
        None => "nothing".to_owned(),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> orm::Result<()> {
    let db = orm::sqlite::connect("sqlite::memory:").await?;
    Schema::new().model::<Image>().model::<Video>().model::<Comment>().sync(&db).await?;
    let image = Image::build().title("sunset").create(&db).await?;
    let video = Video::build().title("trailer").create(&db).await?;

    db.record_statements(true);
    let awesome = image.create_comment(&db, Comment::build().title("Awesome!")).await?;
    let loose = Comment::build().title("Nice").create(&db).await?;
    video.add_comment(&db, &loose).await?;
    let comments = image.get_comments(&db).await?;
    println!("SQL the scopes produce:");
    for statement in db.take_statements() {
        println!("  {statement}");
    }
    println!("\nimage comments: {comments:?}");
    println!("video comments: {:?}", video.get_comments(&db).await?);

    // One comment at a time: the seed's `getItem`.
    for comment in [&awesome, &loose] {
        if let Some(comment) = Comment::find_by_pk(&db, comment.id).await? {
            let item = comment.get_commentable(&db).await?;
            println!("'{}' is about {}", comment.title, describe(item.as_ref()));
        }
    }

    // Every comment with its parent: one query for the comments, one per parent model.
    Comment::build().title("Orphan").create(&db).await?;
    db.take_statements();
    let all = Comment::find().include(Comment::commentable()).order_by(Comment::id().asc()).all(&db).await?;
    println!("\nSQL of the include:");
    for statement in db.take_statements() {
        println!("  {statement}");
    }
    for comment in &all {
        println!("'{}' is about {}", comment.title, describe(comment.commentable()));
    }
    Ok(())
}
