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
    title: String,
    commentable_type: Option<String>,
    commentable_id: Option<i64>,
}

async fn load(db: &Db) -> orm::Result<()> {
    let comments = Comment::find().include(Comment::commentable().filter(Comment::title().eq("x".to_owned()))).all(db).await?;
    let _ = comments[0].commentable();
    Ok(())
}

fn main() {
    let _ = load;
}
