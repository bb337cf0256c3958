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
#[belongs_to_one_of(commentable, Image, Video, type_field = "commentable")]
struct Comment {
    id: i64,
    commentable: Option<String>,
    commentable_id: Option<i64>,
}

#[derive(Model, Debug, Clone)]
#[belongs_to_one_of(subject, Image)]
struct Note {
    id: i64,
    subject_type: Option<i64>,
    subject_id: Option<String>,
}

fn main() {}
