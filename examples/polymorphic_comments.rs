//! The seed's polymorphic comments: images and videos have comments, told apart by a
//! `commentable` column that the association's scope filters on and writes.
//!
//! Run it with `cargo run --example polymorphic_comments`.

// Generated code must stay clean under pedantic lints in user crates: CI checks it here.
#![warn(clippy::pedantic)]
// Clippy reads the two `#[belongs_to(…)]` on `Comment` as one attribute repeated.
#![allow(clippy::duplicated_attributes)]

use orm::prelude::*;

#[derive(Model, Debug, Clone)]
#[has_many(Comment, foreign_key = "commentable_id", constraints = false, scope(commentable = "image"))]
struct Image {
    id: i64,
    title: String,
}

#[derive(Model, Debug, Clone)]
#[has_many(Comment, foreign_key = "commentable_id", constraints = false, scope(commentable = "video"))]
struct Video {
    id: i64,
    title: String,
}

#[derive(Model, Debug, Clone)]
#[belongs_to(Image, foreign_key = "commentable_id", constraints = false)]
#[belongs_to(Video, foreign_key = "commentable_id", constraints = false)]
struct Comment {
    id: i64,
    title: String,
    commentable: Option<String>,
    commentable_id: Option<i64>,
}

/// What a comment is about: the seed's `getItem`, typed.
enum Commentable {
    Image(Image),
    Video(Video),
}

impl Commentable {
    fn describe(&self) -> String {
        match self {
            Commentable::Image(image) => format!("the image '{}'", image.title),
            Commentable::Video(video) => format!("the video '{}'", video.title),
        }
    }
}

impl Comment {
    async fn get_item(&self, db: &Db) -> orm::Result<Option<Commentable>> {
        Ok(match self.commentable.as_deref() {
            Some("image") => self.get_image(db).await?.map(Commentable::Image),
            Some("video") => self.get_video(db).await?.map(Commentable::Video),
            _ => None,
        })
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> orm::Result<()> {
    let db = orm::sqlite::connect("sqlite::memory:").await?;
    Schema::new().model::<Image>().model::<Video>().sync(&db).await?;
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
    for comment in [&awesome, &loose] {
        let comment = Comment::find_by_pk(&db, comment.id).await?;
        if let Some(comment) = comment {
            let item = comment.get_item(&db).await?;
            println!("'{}' is about {}", comment.title, item.map_or_else(|| "nothing".to_owned(), |i| i.describe()));
        }
    }
    Ok(())
}
