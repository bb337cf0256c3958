use orm::prelude::*;

#[derive(Model)]
#[has_many(Task)]
#[has_many(Task, as = "open_tasks")]
#[has_one(Profile)]
#[has_one(Profile, as = "main_profile", foreign_key = "user_id")]
// Distinct scopes select distinct rows: allowed.
#[has_many(Comment, as = "image_comments", foreign_key = "commentable_id", scope(commentable = "image"))]
#[has_many(Comment, as = "video_comments", foreign_key = "commentable_id", scope(commentable = "video"))]
#[has_many(Comment, as = "same_comments", foreign_key = "commentable_id", scope(commentable = "video"))]
struct User {
    id: i64,
}

#[derive(Model)]
struct Task {
    id: i64,
    user_id: i64,
}

#[derive(Model)]
struct Profile {
    id: i64,
    user_id: i64,
}

#[derive(Model)]
struct Comment {
    id: i64,
    commentable_id: i64,
    commentable: String,
}

fn main() {}
