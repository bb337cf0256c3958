//! The hidden items the derive adds (the `add_x`/`get_xs` of singular associations) break
//! neither glob imports, nor a `use` of the model, nor struct literals and patterns, and stay
//! warning-free.
#![deny(warnings, missing_docs)]

/// Models.
pub mod models {
    use orm::prelude::*;

    /// A user.
    #[derive(Model, Debug, Clone)]
    #[has_one(Profile)]
    #[has_many(Picture)]
    pub struct User {
        /// Key.
        pub id: i64,
    }

    /// A profile.
    #[derive(Model, Debug, Clone)]
    #[belongs_to(User)]
    pub struct Profile {
        /// Key.
        pub id: i64,
        /// Owner.
        pub user_id: Option<i64>,
    }

    /// A picture.
    #[derive(Model, Debug, Clone)]
    pub struct Picture {
        /// Key.
        pub id: i64,
        /// Owner.
        pub user_id: Option<i64>,
    }
}

mod glob {
    use crate::models::*;
    use orm::prelude::*;

    pub fn build() -> (User, i64) {
        let picture = Picture { id: 1, user_id: None };
        let Picture { id, .. } = picture;
        let _query = User::find().include(User::pictures()).include(User::profile());
        (User { id }, id)
    }
}

mod named {
    use crate::models::{Picture, Profile};

    pub fn build() -> i64 {
        let profile = Profile { id: 2, user_id: Some(1) };
        let _picture = Picture { id: profile.id, user_id: profile.user_id };
        profile.id
    }
}

fn main() {
    let _ = glob::build();
    let _ = named::build();
}
