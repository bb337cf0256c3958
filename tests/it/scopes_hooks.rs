//! Association scopes (seed 003 "scopes"), polymorphic associations, hooks, and cascades that
//! run hooks.

use std::sync::Mutex;

use orm::prelude::*;
use orm::{Error, raw};

use crate::on_all;
use crate::support::quoted;

// 1:n polymorphic: images and videos have comments, told apart by `commentable`.
#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Comment, foreign_key = "commentable_id", constraints = false, scope(commentable = "image"))]
pub struct Image {
    pub id: i64,
    pub title: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Comment, foreign_key = "commentable_id", constraints = false, scope(commentable = "video"))]
pub struct Video {
    pub id: i64,
    pub title: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to(Image, foreign_key = "commentable_id", constraints = false)]
#[belongs_to(Video, foreign_key = "commentable_id", constraints = false)]
pub struct Comment {
    pub id: i64,
    pub title: String,
    pub commentable: Option<String>,
    pub commentable_id: Option<i64>,
}

/// The seed's `getItem`: the commented item, whichever model it is.
#[derive(Debug, PartialEq)]
pub enum Commentable {
    Image(Image),
    Video(Video),
}

impl Comment {
    pub async fn get_item(&self, db: &Db) -> orm::Result<Option<Commentable>> {
        Ok(match self.commentable.as_deref() {
            Some("image") => self.get_image(db).await?.map(Commentable::Image),
            Some("video") => self.get_video(db).await?.map(Commentable::Video),
            _ => None,
        })
    }
}

// n:m polymorphic: posts and pictures are tagged through `item_tags`, told apart by `taggable`.
#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to_many(Tag, through = ItemTag, foreign_key = "taggable_id", other_key = "tag_id", constraints = false, through_scope(taggable = "post"))]
#[belongs_to_many(Tag, as = "pending_tags", through = ItemTag, foreign_key = "taggable_id", other_key = "tag_id", constraints = false, through_scope(taggable = "post"), scope(status = "pending"))]
pub struct Post {
    pub id: i64,
    pub title: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to_many(Tag, through = ItemTag, foreign_key = "taggable_id", other_key = "tag_id", constraints = false, through_scope(taggable = "picture"))]
pub struct Picture {
    pub id: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to_many(Post, through = ItemTag, foreign_key = "tag_id", other_key = "taggable_id", constraints = false, through_scope(taggable = "post"))]
pub struct Tag {
    pub id: i64,
    pub name: String,
    pub status: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct ItemTag {
    pub id: i64,
    pub tag_id: i64,
    pub taggable: String,
    pub taggable_id: i64,
}

on_all! {
    async fn polymorphic_comments_filter_and_write_their_scope(db: Db) -> TestResult {
        Schema::new().model::<Image>().model::<Video>().sync(&db).await?;
        let image = Image::build().title("sunset").create(&db).await?;
        let video = Video::build().title("trailer").create(&db).await?;
        assert_eq!(image.id, video.id, "the same key in both tables: only the scope tells them apart");
        db.record_statements(true);
        let awesome = image.create_comment(&db, Comment::build().title("Awesome!")).await?;
        assert_eq!((awesome.commentable.as_deref(), awesome.commentable_id), (Some("image"), Some(image.id)));
        let stray = Comment::build().title("Nice").create(&db).await?;
        video.add_comment(&db, &stray).await?;
        let statements = db.take_statements();
        assert!(statements[0].starts_with(&quoted(&db, "INSERT INTO \"comments\"")), "{}", statements[0]);
        let (update, scope) = (quoted(&db, "UPDATE \"comments\" SET \"commentable_id\" = "), quoted(&db, "\"commentable\" = "));
        assert!(statements.iter().any(|s| s.starts_with(&update) && s.contains(&scope)), "{statements:#?}");
        let rows = raw("SELECT title, commentable, commentable_id FROM comments ORDER BY id").fetch::<(String, Option<String>, Option<i64>)>(&db).await?;
        assert_eq!(rows, vec![("Awesome!".into(), Some("image".into()), Some(image.id)), ("Nice".into(), Some("video".into()), Some(video.id))]);

        db.take_statements();
        let comments = image.get_comments(&db).await?;
        assert_eq!(comments, vec![awesome.clone()]);
        assert!(db.take_statements()[0].contains(&quoted(&db, "\"comments\".\"commentable\" = ")), "the getter filters on the scope");
        assert_eq!((image.count_comments(&db).await?, video.count_comments(&db).await?), (1, 1));
        assert!(!image.has_comment(&db, &stray).await?);
        let images = Image::find().include(Image::comments()).all(&db).await?;
        assert_eq!(images[0].comments(), std::slice::from_ref(&awesome));
        // A comment finds its item.
        assert_eq!(awesome.get_item(&db).await?, Some(Commentable::Image(image.clone())));
        let stray = Comment::find_by_pk(&db, stray.id).await?.unwrap();
        assert_eq!(stray.get_item(&db).await?, Some(Commentable::Video(video.clone())));
        // Setting a video's comments leaves the image's alone.
        video.set_comments(&db, Vec::<&Comment>::new()).await?;
        assert_eq!(image.count_comments(&db).await?, 1);
        Ok(())
    }
}

on_all! {
    async fn polymorphic_tags_write_and_filter_the_through_scope(db: Db) -> TestResult {
        Schema::new().model::<Post>().model::<Picture>().sync(&db).await?;
        let post = Post::build().title("hello").create(&db).await?;
        let picture = Picture::build().create(&db).await?;
        assert_eq!(post.id, picture.id);
        let pending = Tag::build().name("draft").status("pending").create(&db).await?;
        let done = Tag::build().name("final").status("done").create(&db).await?;
        post.add_tags(&db, [&pending, &done]).await?;
        picture.add_tag(&db, &pending).await?;
        let rows = raw("SELECT tag_id, taggable, taggable_id FROM item_tags ORDER BY taggable, tag_id").fetch::<(i64, String, i64)>(&db).await?;
        assert_eq!(rows, vec![(pending.id, "picture".into(), picture.id), (pending.id, "post".into(), post.id), (done.id, "post".into(), post.id)]);

        db.record_statements(true);
        let pending_tags = post.get_pending_tags(&db).targets_only().await?;
        let sql = db.take_statements().remove(0);
        assert!(sql.contains(&quoted(&db, "\"tags\".\"status\" = ")) && sql.contains(&quoted(&db, "\"item_tags\".\"taggable\" = ")), "{sql}");
        assert_eq!(pending_tags, vec![pending.clone()]);
        assert_eq!(post.count_tags(&db).await?, 2);
        assert_eq!(picture.count_tags(&db).await?, 1);
        assert_eq!(post.count_pending_tags(&db).await?, 1);
        // The reverse side sees only posts.
        assert_eq!(pending.get_posts(&db).targets_only().await?, vec![post.clone()]);
        // Removing from the post leaves the picture's row.
        post.remove_tag(&db, &pending).await?;
        assert_eq!(raw("SELECT COUNT(*) FROM item_tags WHERE tag_id = ?").bind(pending.id).fetch::<(i64,)>(&db).await?, vec![(1,)]);
        // Writes through a target-scoped association touch only links inside its scope.
        post.add_tags(&db, [&pending]).await?;
        post.set_pending_tags(&db, Vec::<&Tag>::new()).await?;
        assert_eq!(post.count_tags(&db).await?, 1, "set_pending_tags([]) unlinks the pending tag only");
        post.remove_pending_tag(&db, &done).await?;
        assert_eq!(post.count_tags(&db).await?, 1, "a tag outside the scope is not removed through it");
        let included = Post::find().include(Post::tags()).all(&db).await?;
        assert_eq!(included[0].tags().iter().map(|(t, j)| (t.name.as_str(), j.taggable.as_str())).collect::<Vec<_>>(), [("final", "post")]);
        Ok(())
    }
}

/// Hook calls, each tagged with the test's token so that parallel tests do not mix.
static EVENTS: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

fn events(token: &str) -> Vec<String> {
    EVENTS.lock().unwrap().iter().filter(|(t, _)| t == token).map(|(_, e)| e.clone()).collect()
}

fn record(token: &str, event: &str) {
    EVENTS.lock().unwrap().push((token.to_owned(), event.to_owned()));
}

#[derive(Model, Debug, Clone)]
#[has_one(Profile, on_delete = "cascade", hooks = true)]
#[has_one(Settings, on_delete = "cascade")]
pub struct Account {
    pub id: i64,
    pub token: String,
}

#[derive(Model, Debug, Clone)]
#[model(hooks)]
#[has_many(Photo, on_delete = "cascade", hooks = true)]
pub struct Profile {
    pub id: i64,
    pub token: String,
    pub account_id: Option<i64>,
}

#[orm::hooks]
impl Profile {
    async fn before_destroy(&self, _tx: &mut orm::Tx) -> orm::Result<()> {
        record(&self.token, "profile.before_destroy");
        if self.token.ends_with("-refuse") {
            return Err(Error::Invalid("profiles of this account are kept".into()));
        }
        Ok(())
    }
    async fn after_destroy(&self, _tx: &mut orm::Tx) -> orm::Result<()> {
        record(&self.token, "profile.after_destroy");
        Ok(())
    }
    async fn before_create(&mut self, _tx: &mut orm::Tx) -> orm::Result<()> {
        record(&self.token, "profile.before_create");
        Ok(())
    }
    async fn after_update(&mut self, _tx: &mut orm::Tx) -> orm::Result<()> {
        record(&self.token, "profile.after_update");
        Ok(())
    }
    async fn after_create(&mut self, _tx: &mut orm::Tx) -> orm::Result<()> {
        record(&self.token, "profile.after_create");
        Ok(())
    }
}

#[derive(Model, Debug, Clone)]
#[model(hooks)]
pub struct Photo {
    pub id: i64,
    pub token: String,
    pub profile_id: Option<i64>,
}

#[orm::hooks]
impl Photo {
    async fn before_destroy(&self, _tx: &mut orm::Tx) -> orm::Result<()> {
        record(&self.token, "photo.before_destroy");
        Ok(())
    }
    async fn after_destroy(&self, _tx: &mut orm::Tx) -> orm::Result<()> {
        record(&self.token, "photo.after_destroy");
        Ok(())
    }
}

#[derive(Model, Debug, Clone)]
#[model(hooks)]
pub struct Settings {
    pub id: i64,
    pub token: String,
    pub account_id: Option<i64>,
}

#[orm::hooks]
impl Settings {
    async fn before_destroy(&self, _tx: &mut orm::Tx) -> orm::Result<()> {
        record(&self.token, "settings.before_destroy");
        Ok(())
    }
}

fn token(db: &Db, name: &str) -> String {
    format!("{}-{}-{name}", db.dialect().name(), std::process::id())
}

async fn counts(db: &Db) -> Result<Vec<i64>, Error> {
    let mut counts = Vec::new();
    for table in ["accounts", "profiles", "photos", "settings"] {
        counts.push(raw(format!("SELECT COUNT(*) FROM {table}")).fetch::<(i64,)>(db).await?[0].0);
    }
    Ok(counts)
}

on_all! {
    async fn destroying_with_hooks_cascades_through_the_orm_depth_first(db: Db) -> TestResult {
        Schema::new().model::<Account>().sync(&db).await?;
        let token = token(&db, "cascade");
        let account = Account::build().token(token.as_str()).create(&db).await?;
        let mut profile = account.create_profile(&db, Profile::build().token(token.as_str())).await?;
        profile.save(&db).await?;
        profile.create_photo(&db, Photo::build().token(token.as_str())).await?;
        account.create_settings(&db, Settings::build().token(token.as_str())).await?;
        account.destroy(&db).await?;
        assert_eq!(
            events(&token),
            [
                "profile.before_create",
                "profile.after_create",
                "profile.after_update",
                "profile.before_destroy",
                "photo.before_destroy",
                "photo.after_destroy",
                "profile.after_destroy",
            ],
            "with hooks = true the profile and its photo are destroyed through the ORM; the settings cascade (no hooks = true) runs none"
        );
        assert_eq!(counts(&db).await?, [0, 0, 0, 0], "every row is gone, the settings by the database's cascade");
        // Every row the ORM inserts runs before_create and after_create: `Model::create`,
        // `create_*` accessors (above) and rows created by a nested builder.
        Profile::create(&db, Profile { id: 0, token: token.clone(), account_id: None }).await?;
        assert_eq!(events(&token)[7..], ["profile.before_create", "profile.after_create"]);
        Account::build().token(token.as_str()).profile(Profile::build().token(token.as_str())).create(&db).await?;
        assert_eq!(events(&token)[9..], ["profile.before_create", "profile.after_create"]);
        Ok(())
    }
}

on_all! {
    async fn a_failing_before_destroy_hook_leaves_every_row(db: Db) -> TestResult {
        Schema::new().model::<Account>().sync(&db).await?;
        let token = token(&db, "refuse");
        let account = Account::build().token(token.as_str()).create(&db).await?;
        let profile = account.create_profile(&db, Profile::build().token(token.as_str())).await?;
        profile.create_photo(&db, Photo::build().token(token.as_str())).await?;
        account.create_settings(&db, Settings::build().token(token.as_str())).await?;
        let error = account.destroy(&db).await.unwrap_err();
        assert_eq!(error.to_string(), "profiles of this account are kept");
        assert_eq!(counts(&db).await?, [1, 1, 1, 1], "nothing was deleted");
        // Inside the caller's transaction, the failed destroy rolls back to its savepoint.
        let mut tx = db.begin().await?;
        assert!(account.destroy(&mut tx).await.is_err());
        assert_eq!(Account::find().count(&mut tx).await?, 1);
        tx.commit().await?;
        assert_eq!(counts(&db).await?, [1, 1, 1, 1]);
        Ok(())
    }
}
