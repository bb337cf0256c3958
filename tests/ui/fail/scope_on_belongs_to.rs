use orm::prelude::*;

#[derive(Model)]
#[belongs_to(Image, foreign_key = "commentable_id", scope(commentable = "image"))]
struct Comment {
    id: i64,
    commentable: String,
    commentable_id: Option<i64>,
}

#[derive(Model)]
struct Image {
    id: i64,
}

fn main() {}
