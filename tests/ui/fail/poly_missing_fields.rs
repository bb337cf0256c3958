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
#[belongs_to_one_of(commentable, Image, Video)]
struct Comment {
    id: i64,
    kind: Option<String>,
}

#[derive(Model, Debug, Clone)]
#[belongs_to_one_of(subject, Image, foreign_key = "subject_key")]
struct Note {
    id: i64,
    subject_type: Option<String>,
    subject_id: Option<i64>,
}

fn main() {}
