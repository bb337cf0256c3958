//! The seed's polymorphic tags: posts and pictures are tagged through one `item_tags` join
//! model, told apart by `taggable` (a through scope); `pending_tags` also scopes the target.
//!
//! Run it with `cargo run --example tags`.

// Generated code must stay clean under pedantic lints in user crates: CI checks it here.
#![warn(clippy::pedantic)]
// Clippy reads the two `#[belongs_to_many(Tag, …)]` on `Post` as one attribute repeated.
#![allow(clippy::duplicated_attributes)]

use orm::prelude::*;

#[derive(Model, Debug, Clone)]
#[belongs_to_many(Tag, through = ItemTag, foreign_key = "taggable_id", other_key = "tag_id", constraints = false, through_scope(taggable = "post"))]
#[belongs_to_many(Tag, as = "pending_tags", through = ItemTag, foreign_key = "taggable_id", other_key = "tag_id", constraints = false, through_scope(taggable = "post"), scope(status = "pending"))]
struct Post {
    id: i64,
    title: String,
}

#[derive(Model, Debug, Clone)]
#[belongs_to_many(Tag, through = ItemTag, foreign_key = "taggable_id", other_key = "tag_id", constraints = false, through_scope(taggable = "picture"))]
struct Picture {
    id: i64,
    url: String,
}

#[derive(Model, Debug, Clone)]
#[belongs_to_many(Post, through = ItemTag, foreign_key = "tag_id", other_key = "taggable_id", constraints = false, through_scope(taggable = "post"))]
struct Tag {
    id: i64,
    name: String,
    status: String,
}

#[derive(Model, Debug, Clone)]
struct ItemTag {
    id: i64,
    tag_id: i64,
    taggable: String,
    taggable_id: i64,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> orm::Result<()> {
    let db = orm::sqlite::connect("sqlite::memory:").await?;
    Schema::new().model::<Post>().model::<Picture>().sync(&db).await?;
    let post = Post::build().title("hello").create(&db).await?;
    let picture = Picture::build().url("cat.png").create(&db).await?;
    let draft = Tag::build().name("draft").status("pending").create(&db).await?;
    let news = Tag::build().name("news").status("published").create(&db).await?;

    post.add_tags(&db, [&draft, &news]).await?;
    picture.add_tag(&db, &draft).await?;
    let rows = orm::raw("SELECT tag_id, taggable, taggable_id FROM item_tags ORDER BY id")
        .fetch::<(i64, String, i64)>(&db)
        .await?;
    println!("item_tags rows (taggable written by the through scope): {rows:?}");

    db.record_statements(true);
    let pending = post.get_pending_tags(&db).targets_only().await?;
    println!("\npost.getPendingTags():\n  {}", db.take_statements().join("\n  "));
    println!("  -> {:?}", pending.iter().map(|t| &t.name).collect::<Vec<_>>());
    println!("post tags: {:?}", post.get_tags(&db).targets_only().await?.iter().map(|t| &t.name).collect::<Vec<_>>());
    println!(
        "picture tags: {:?}",
        picture.get_tags(&db).targets_only().await?.iter().map(|t| &t.name).collect::<Vec<_>>()
    );
    println!(
        "posts tagged draft: {:?}",
        draft.get_posts(&db).targets_only().await?.iter().map(|p| &p.title).collect::<Vec<_>>()
    );
    Ok(())
}
