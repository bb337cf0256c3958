use orm::prelude::*;

#[derive(Model, Debug, Clone)]
struct Image {
    id: i64,
}

#[derive(Debug, Clone)]
struct Sticker {
    _id: i64,
}

#[derive(Model, Debug, Clone)]
#[belongs_to_one_of(commentable, Image, Sticker)]
struct Comment {
    id: i64,
    commentable_type: Option<String>,
    commentable_id: Option<i64>,
}

fn main() {}
