//! Polymorphic parents as closed enums (issue 18): `#[belongs_to_one_of(…)]` on the child,
//! `#[has_many(Child, polymorphic = "…")]` on each parent.

use orm::prelude::*;
use orm::raw;

use crate::on_all;
use crate::support::quoted;

#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(PolyComment, polymorphic = "commentable")]
pub struct PolyImage {
    pub id: i64,
    pub title: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(PolyComment, polymorphic = "commentable")]
pub struct PolyVideo {
    pub id: i64,
    pub title: String,
}

/// A variant no comment names in the include tests; its type value is the default,
/// `"poly_article"`.
#[derive(Model, Debug, Clone, PartialEq)]
#[has_one(PolyComment, as = "pinned", polymorphic = "commentable")]
pub struct PolyArticle {
    pub id: i64,
    pub title: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to_one_of(commentable, PolyImage = "image", PolyVideo = "video", PolyArticle)]
pub struct PolyComment {
    pub id: i64,
    pub title: String,
    #[model(column = "commentable")]
    pub commentable_type: Option<String>,
    pub commentable_id: Option<i64>,
}

async fn schema(db: &Db) -> orm::Result<()> {
    Schema::new().model::<PolyImage>().model::<PolyVideo>().model::<PolyArticle>().model::<PolyComment>().sync(db).await
}

/// A comment with the given type and key, written as is.
async fn comment(db: &Db, title: &str, kind: Option<&str>, key: Option<i64>) -> orm::Result<PolyComment> {
    let mut builder = PolyComment::build().title(title);
    if let Some(kind) = kind {
        builder = builder.commentable_type(kind);
    }
    if let Some(key) = key {
        builder = builder.commentable_id(key);
    }
    builder.create(db).await
}

on_all! {
    async fn get_returns_the_parent_of_each_variant(db: Db) -> TestResult {
        schema(&db).await?;
        let image = PolyImage::build().title("sunset").create(&db).await?;
        let video = PolyVideo::build().title("trailer").create(&db).await?;
        let article = PolyArticle::build().title("essay").create(&db).await?;
        assert_eq!((image.id, video.id, article.id), (1, 1, 1), "one key in every table: only the type tells them apart");
        let on_image = image.create_poly_comment(&db, PolyComment::build().title("nice light")).await?;
        let on_video = video.create_poly_comment(&db, PolyComment::build().title("great cut")).await?;
        let on_article = article.create_pinned(&db, PolyComment::build().title("well argued")).await?;
        assert_eq!(on_article.commentable_type.as_deref(), Some("poly_article"), "the default type value is the snake_case model name");

        db.record_statements(true);
        assert_eq!(on_image.get_commentable(&db).await?, Some(Commentable::PolyImage(image.clone())));
        let statements = db.take_statements();
        assert_eq!(statements.len(), 1, "{statements:#?}");
        assert!(statements[0].contains(&quoted(&db, "FROM \"poly_images\"")), "{}", statements[0]);
        assert_eq!(on_video.get_commentable(&db).await?, Some(Commentable::PolyVideo(video.clone())));
        assert_eq!(on_article.get_commentable(&db).await?, Some(Commentable::PolyArticle(article.clone())));
        // The type value is the one read from the row.
        let stored = PolyComment::find_by_pk(&db, on_video.id).await?.unwrap();
        assert_eq!(stored.get_commentable(&db).await?, Some(Commentable::PolyVideo(video)));
        Ok(())
    }
}

on_all! {
    async fn get_is_none_for_null_unknown_or_gone_parents(db: Db) -> TestResult {
        schema(&db).await?;
        let image = PolyImage::build().title("sunset").create(&db).await?;
        let no_type = comment(&db, "no type", None, Some(image.id)).await?;
        let no_key = comment(&db, "no key", Some("image"), None).await?;
        let unknown = comment(&db, "unknown", Some("podcast"), Some(image.id)).await?;
        let wrong_case = comment(&db, "wrong case", Some("Image"), Some(image.id)).await?;
        let neither = comment(&db, "neither", None, None).await?;
        db.record_statements(true);
        for comment in [&no_type, &no_key, &unknown, &wrong_case, &neither] {
            assert_eq!(comment.get_commentable(&db).await?, None, "{}", comment.title);
        }
        assert_eq!(db.take_statements(), Vec::<String>::new(), "no parent to look for: no query");

        // A parent deleted behind the comment's back (no constraint keeps it).
        let gone = PolyImage::build().title("deleted").create(&db).await?;
        let orphan = gone.create_poly_comment(&db, PolyComment::build().title("orphan")).await?;
        raw("DELETE FROM poly_images WHERE id = ?").bind(gone.id).execute(&db).await?;
        assert_eq!(orphan.get_commentable(&db).await?, None);
        Ok(())
    }
}

on_all! {
    async fn include_loads_each_variant_with_one_query(db: Db) -> TestResult {
        schema(&db).await?;
        let sunset = PolyImage::build().title("sunset").create(&db).await?;
        let dawn = PolyImage::build().title("dawn").create(&db).await?;
        let trailer = PolyVideo::build().title("trailer").create(&db).await?;
        PolyArticle::build().title("never commented").create(&db).await?;
        let expected = [
            ("a", Some(Commentable::PolyImage(sunset.clone()))),
            ("b", Some(Commentable::PolyVideo(trailer.clone()))),
            ("c", Some(Commentable::PolyImage(sunset.clone()))),
            ("d", Some(Commentable::PolyImage(dawn.clone()))),
            ("e", None),
            ("f", None),
            ("g", None),
            ("h", Some(Commentable::PolyVideo(trailer.clone()))),
        ];
        comment(&db, "a", Some("image"), Some(sunset.id)).await?;
        comment(&db, "b", Some("video"), Some(trailer.id)).await?;
        comment(&db, "c", Some("image"), Some(sunset.id)).await?;
        comment(&db, "d", Some("image"), Some(dawn.id)).await?;
        comment(&db, "e", Some("podcast"), Some(sunset.id)).await?;
        comment(&db, "f", None, None).await?;
        comment(&db, "g", Some("video"), Some(999)).await?;
        comment(&db, "h", Some("video"), Some(trailer.id)).await?;

        db.record_statements(true);
        let comments = PolyComment::find().include(PolyComment::commentable()).order_by(PolyComment::title().asc()).all(&db).await?;
        let statements = db.take_statements();
        let loaded: Vec<(&str, Option<Commentable>)> = comments.iter().map(|c| (c.title.as_str(), c.commentable().cloned())).collect();
        assert_eq!(loaded, expected.to_vec());
        // The comments, then exactly one query per variant present; none for articles.
        assert_eq!(statements.len(), 3, "{statements:#?}");
        assert!(statements[0].contains(&quoted(&db, "FROM \"poly_comments\"")), "{}", statements[0]);
        let on = |table: &str| statements.iter().filter(|s| s.contains(&quoted(&db, &format!("FROM \"{table}\"")))).count();
        assert_eq!((on("poly_images"), on("poly_videos"), on("poly_articles")), (1, 1, 0), "{statements:#?}");

        // Only images named: one query for the comments, one for the images.
        let images_only = PolyComment::find().filter(PolyComment::commentable_type().eq("image".to_owned())).include(PolyComment::commentable());
        let rows = images_only.all(&db).await?;
        assert_eq!(rows.len(), 3);
        assert!(rows.iter().all(|c| matches!(c.commentable(), Some(Commentable::PolyImage(_)))));
        assert_eq!(db.take_statements().len(), 2);
        // No parent named at all: no query past the comments.
        let none = PolyComment::find().filter(PolyComment::commentable_type().is_null()).include(PolyComment::commentable()).all(&db).await?;
        assert_eq!((none.len(), none[0].commentable()), (1, None));
        assert_eq!(db.take_statements().len(), 1);
        db.record_statements(false);
        Ok(())
    }
}

on_all! {
    async fn include_nests_under_a_parents_comments(db: Db) -> TestResult {
        schema(&db).await?;
        let sunset = PolyImage::build().title("sunset").create(&db).await?;
        let first = sunset.create_poly_comment(&db, PolyComment::build().title("first")).await?;
        let images = PolyImage::find().include(PolyImage::poly_comments().include(PolyComment::commentable())).all(&db).await?;
        let comments = images[0].poly_comments();
        assert_eq!(comments.len(), 1);
        assert_eq!(comments[0].row(), &first);
        assert_eq!(comments[0].commentable(), Some(&Commentable::PolyImage(sunset.clone())));
        // Through the getter too.
        let through_getter = sunset.get_poly_comments(&db).include(PolyComment::commentable()).await?;
        assert_eq!(through_getter[0].commentable(), Some(&Commentable::PolyImage(sunset)));
        Ok(())
    }
}

on_all! {
    async fn parents_scoped_accessors_read_and_write_the_type(db: Db) -> TestResult {
        schema(&db).await?;
        let image = PolyImage::build().title("sunset").create(&db).await?;
        let video = PolyVideo::build().title("trailer").create(&db).await?;
        assert_eq!(image.id, video.id);
        db.record_statements(true);
        let awesome = image.create_poly_comment(&db, PolyComment::build().title("Awesome!")).await?;
        assert_eq!((awesome.commentable_type.as_deref(), awesome.commentable_id), (Some("image"), Some(image.id)));
        let loose = PolyComment::build().title("Nice").create(&db).await?;
        video.add_poly_comment(&db, &loose).await?;
        let statements = db.take_statements();
        let (update, scope) = (quoted(&db, "UPDATE \"poly_comments\" SET \"commentable_id\" = "), quoted(&db, "\"commentable\" = "));
        assert!(statements.iter().any(|s| s.starts_with(&update) && s.contains(&scope)), "add writes the type: {statements:#?}");
        let rows = raw("SELECT title, commentable, commentable_id FROM poly_comments ORDER BY id").fetch::<(String, Option<String>, Option<i64>)>(&db).await?;
        assert_eq!(rows, vec![("Awesome!".into(), Some("image".into()), Some(image.id)), ("Nice".into(), Some("video".into()), Some(video.id))]);

        db.take_statements();
        assert_eq!(image.get_poly_comments(&db).await?, vec![awesome.clone()]);
        assert!(db.take_statements()[0].contains(&quoted(&db, "\"poly_comments\".\"commentable\" = ")), "the getter filters on the type");
        assert_eq!((image.count_poly_comments(&db).await?, video.count_poly_comments(&db).await?), (1, 1));
        let loose = PolyComment::find_by_pk(&db, loose.id).await?.unwrap();
        assert!(!image.has_poly_comment(&db, &loose).await?);
        assert!(video.has_poly_comment(&db, &loose).await?);
        // Setting the video's comments to none leaves the image's alone.
        video.set_poly_comments(&db, Vec::<&PolyComment>::new()).await?;
        assert_eq!((image.count_poly_comments(&db).await?, video.count_poly_comments(&db).await?), (1, 0));
        image.remove_poly_comment(&db, &awesome).await?;
        assert_eq!(image.count_poly_comments(&db).await?, 0);
        let ids = raw("SELECT commentable_id FROM poly_comments ORDER BY id").fetch::<(Option<i64>,)>(&db).await?;
        assert_eq!(ids, vec![(None,), (None,)]);
        // No constraint ties the key to one table: the schema has no foreign key on it.
        PolyComment::build().title("anywhere").commentable_type("video").commentable_id(12_345).create(&db).await?;
        db.record_statements(false);
        Ok(())
    }
}
