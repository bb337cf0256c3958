use orm::prelude::*;

#[derive(Model)]
#[belongs_to_many(Tag, through(model = ItemTag, uniqe = false), foreign_key = "taggable_id")]
struct Post {
    id: i64,
}

#[derive(Model)]
#[belongs_to_many(Tag, through(unique = false), foreign_key = "taggable_id")]
struct Image {
    id: i64,
}

#[derive(Model)]
#[belongs_to_many(Tag, through(model = ItemTag, table = "item_tags"), foreign_key = "taggable_id")]
struct Video {
    id: i64,
}

#[derive(Model)]
#[belongs_to_many(Tag, through(model = ItemTag, unique = false, scope(taggable = "audio")), foreign_key = "taggable_id")]
struct Audio {
    id: i64,
}

#[derive(Model)]
#[belongs_to_many(Tag, through(model = ItemTag, unique = false), unique_key = "item_tag_pair", foreign_key = "taggable_id")]
struct Note {
    id: i64,
}

#[derive(Model)]
#[belongs_to_many(Tag, through(model = ItemTag, unique = "no"), foreign_key = "taggable_id")]
struct Song {
    id: i64,
}

#[derive(Model)]
struct Tag {
    id: i64,
}

#[derive(Model)]
struct ItemTag {
    id: i64,
    tag_id: i64,
    taggable_id: i64,
}

fn main() {}
