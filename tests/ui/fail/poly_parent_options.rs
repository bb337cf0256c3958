use orm::prelude::*;

#[derive(Model, Debug, Clone)]
#[has_many(Comment, polymorphic = "commentable", foreign_key = "commentable_id", constraints = false)]
struct Image {
    id: i64,
}

#[derive(Model, Debug, Clone)]
#[belongs_to(Image, polymorphic = "commentable")]
#[belongs_to_one_of(commentable, Image)]
struct Comment {
    id: i64,
    commentable_type: Option<String>,
    commentable_id: Option<i64>,
}

fn main() {}
