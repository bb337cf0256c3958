use orm::prelude::*;

#[derive(Model)]
struct Tag {
    id: i64,
}

#[derive(Model)]
struct PostTag {
    id: i64,
    post_id: i64,
    tag_id: i64,
}

#[derive(Model)]
#[belongs_to_many(Tag, through = PostTag, timestamps)]
#[has_many(Tag, as = "pins", timestamps)]
struct Post {
    id: i64,
}

fn main() {}
