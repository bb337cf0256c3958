use orm::prelude::*;

#[derive(Model)]
#[has_many(Comment, scope(commentable = 3))]
struct Image {
    id: i64,
}

#[derive(Model)]
struct Comment {
    id: i64,
    commentable: String,
    image_id: Option<i64>,
}

fn main() {}
