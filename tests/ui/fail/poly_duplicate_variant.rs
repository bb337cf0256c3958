use orm::prelude::*;

#[derive(Model, Debug, Clone)]
struct Image {
    id: i64,
}

#[derive(Model, Debug, Clone)]
struct Video {
    id: i64,
}

#[derive(Model, Debug, Clone)]
#[belongs_to_one_of(commentable, Image, Video = "clip", Image = "picture", Video = "clip")]
struct Comment {
    id: i64,
    commentable_type: Option<String>,
    commentable_id: Option<i64>,
}

fn main() {}
