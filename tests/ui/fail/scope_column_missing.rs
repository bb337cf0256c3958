use orm::prelude::*;

#[derive(Model)]
#[has_many(Comment, foreign_key = "commentable_id", constraints = false, scope(commentible = "image"))]
struct Image {
    id: i64,
}

#[derive(Model)]
struct Comment {
    id: i64,
    commentable: String,
    commentable_id: Option<i64>,
}

fn main() {}
