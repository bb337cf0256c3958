//! The bench's tables as SeaORM 2.0 entities, in the dense format (`#[sea_orm::model]`) that
//! the Entity Loader needs, declared as a SeaORM user would for this schema (the tables are
//! created by the harness through the `orm` crate; see `orm-bench/src/models.rs`).

/// `users`: a user has many tasks, and many projects through `user_projects`.
pub mod user {
    use sea_orm::entity::prelude::*;

    /// A user row, with its relations.
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        /// Primary key.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// `user {id}`.
        pub name: String,
        /// The user's tasks.
        #[sea_orm(has_many)]
        pub tasks: HasMany<super::task::Entity>,
        /// The user's memberships (join rows, with their status).
        #[sea_orm(has_many)]
        pub memberships: HasMany<super::user_project::Entity>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// `tasks`: each belongs to a user.
pub mod task {
    use sea_orm::entity::prelude::*;

    /// A task row.
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tasks")]
    pub struct Model {
        /// Primary key.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// `task {user}-{k}`.
        pub title: String,
        /// `k % 3 == 0`.
        pub done: bool,
        /// The owning user.
        pub user_id: i64,
        /// The owner.
        #[sea_orm(belongs_to, from = "user_id", to = "id")]
        pub user: BelongsTo<super::user::Entity>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// `projects`: joined by users through `user_projects`.
pub mod project {
    use sea_orm::entity::prelude::*;

    /// A project row.
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "projects")]
    pub struct Model {
        /// Primary key.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// `project {id}`.
        pub name: String,
        /// The memberships of the project.
        #[sea_orm(has_many)]
        pub memberships: HasMany<super::user_project::Entity>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// `user_projects`: the join rows of users and projects, with a status (a surrogate key, as the
/// `orm` crate's join model has).
pub mod user_project {
    use sea_orm::entity::prelude::*;

    /// A join row.
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "user_projects")]
    pub struct Model {
        /// Primary key.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The user.
        pub user_id: i64,
        /// The project.
        pub project_id: i64,
        /// `active` or `paused`.
        pub status: String,
        /// The user.
        #[sea_orm(belongs_to, from = "user_id", to = "id")]
        pub user: BelongsTo<super::user::Entity>,
        /// The project.
        #[sea_orm(belongs_to, from = "project_id", to = "id")]
        pub project: BelongsTo<super::project::Entity>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}
