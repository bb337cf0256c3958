use orm::prelude::*;

#[derive(Model)]
#[belongs_to_many(Tag, through = ItemTag, foreign_key = "taggable_id", through_scope(tagable = "post"))]
struct Post {
    id: i64,
}

#[derive(Model)]
struct Tag {
    id: i64,
}

#[derive(Model)]
struct ItemTag {
    id: i64,
    tag_id: i64,
    taggable: String,
    taggable_id: i64,
}

fn main() {}
