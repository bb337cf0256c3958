//! `through(…, unique = false)`, `"set null"` on nullable keys, and hooks, in a crate that
//! denies warnings and missing docs.
#![deny(warnings, missing_docs)]

use orm::prelude::*;

/// A post.
#[derive(Model, Debug, Clone)]
#[model(hooks)]
#[belongs_to_many(Tag, through(model = ItemTag, unique = false), foreign_key = "taggable_id", constraints = false,
                  through_scope(taggable = "post"))]
#[belongs_to_many(Tag, as = "labels", through(table = "post_labels", unique = false))]
#[belongs_to_many(Tag, as = "topics", through(model = ItemTag), foreign_key = "taggable_id", constraints = false)]
#[has_many(Comment, on_delete = "set null", on_update = "set null")]
pub struct Post {
    /// Key.
    pub id: i64,
}

#[orm::hooks]
impl Post {}

/// A tag.
#[derive(Model, Debug, Clone)]
#[belongs_to_many(Post, through(model = ItemTag, unique = false), foreign_key = "tag_id", other_key = "taggable_id",
                  constraints = false)]
pub struct Tag {
    /// Key.
    pub id: i64,
}

/// A tag on any item.
#[derive(Model, Debug, Clone)]
pub struct ItemTag {
    /// Key.
    pub id: i64,
    /// The tag.
    pub tag_id: i64,
    /// The item.
    pub taggable_id: i64,
    /// The item's kind.
    pub taggable: String,
}

/// A comment.
#[derive(Model, Debug, Clone)]
#[belongs_to(Post, on_delete = "set null")]
pub struct Comment {
    /// Key.
    pub id: i64,
    /// The post.
    #[model(references(model = Post, on_delete = "set null"))]
    pub post_id: ::std::option::Option<i64>,
}

fn main() {
    let unique: Vec<(&str, bool)> = Post::associations().iter().map(|a| (a.plural, a.through_unique)).collect();
    assert_eq!(unique, [("tags", false), ("labels", false), ("topics", true), ("comments", true)]);
    assert!(!Tag::associations()[0].through_unique);
}
