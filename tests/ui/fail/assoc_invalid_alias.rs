use orm::prelude::*;

#[derive(Model)]
#[belongs_to(Picture, as = "ProfilePicture")]
#[belongs_to(Picture, as = "my picture!")]
struct User {
    id: i64,
    profile_picture_id: Option<i64>,
}

#[derive(Model)]
struct Picture {
    id: i64,
}

fn main() {}
