//! What associations put in the schema: foreign-key columns, constraints, rules, order, cycles.

use orm::prelude::*;
use orm::{Error, raw};

use crate::on_all;
use crate::support::{is_mariadb, is_postgres, quoted};

// Seeds 001/002: users have many pictures and belong to their profile picture, whose
// constraint is disabled to break the cycle.
#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Picture)]
#[belongs_to(Picture, as = "profile_picture", constraints = false)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub profile_picture_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Picture {
    pub id: i64,
    pub url: String,
    pub user_id: Option<i64>,
}

// Seed 003 "cyclic dependencies": documents and versions reference each other.
#[derive(Model, Debug, Clone)]
#[has_many(Version)]
#[belongs_to(Version, as = "current", foreign_key = "current_version_id")]
pub struct Document {
    pub id: i64,
    pub current_version_id: Option<i64>,
}

#[derive(Model, Debug, Clone)]
pub struct Version {
    pub id: i64,
    pub document_id: Option<i64>,
}

// Sequelize's default naming, from `rename_all = "camelCase"`: `A.belongsTo(B)` adds
// `tableBId`, `A.belongsTo(B, {as: 'targetModelName'})` adds `targetModelNameId`, and
// `A.belongsTo(B, {foreignKey: 'custom_fk'})` adds `custom_fk`.
#[derive(Model, Debug, Clone)]
#[model(table = "A", rename_all = "camelCase")]
#[belongs_to(TableB)]
#[belongs_to(TableB, as = "target_model_name", on_delete = "cascade", on_update = "restrict")]
#[belongs_to(TableB, as = "custom", foreign_key = "custom_fk", constraints = false)]
pub struct TableA {
    pub id: i64,
    pub table_b_id: Option<i64>,
    pub target_model_name_id: Option<i64>,
    #[model(column = "custom_fk")]
    pub custom_fk: Option<i64>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "B", rename_all = "camelCase")]
#[has_many(Member)]
pub struct TableB {
    pub id: i64,
}

#[derive(Model, Debug, Clone)]
#[model(rename_all = "camelCase")]
pub struct Member {
    pub id: i64,
    pub table_b_id: i64,
}

/// (column, nullable, referenced table, referenced column, on update, on delete)
type ForeignKeyRow = (String, bool, String, String, String, String);

async fn foreign_keys(db: &Db, table: &str) -> Result<Vec<ForeignKeyRow>, Error> {
    let query = if is_postgres(db) {
        raw(
            "SELECT kcu.column_name::text, c.is_nullable = 'YES', ccu.table_name::text, ccu.column_name::text, rc.update_rule::text, rc.delete_rule::text \
             FROM information_schema.referential_constraints rc \
             JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = rc.constraint_name AND kcu.constraint_schema = rc.constraint_schema \
             JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = rc.constraint_name AND ccu.constraint_schema = rc.constraint_schema \
             JOIN information_schema.columns c ON c.table_name = kcu.table_name AND c.column_name = kcu.column_name AND c.table_schema = kcu.table_schema \
             WHERE kcu.table_name = ? AND kcu.table_schema = current_schema() ORDER BY 1",
        )
    } else if is_mariadb(db) {
        raw(
            "SELECT kcu.COLUMN_NAME, c.IS_NULLABLE = 'YES', kcu.REFERENCED_TABLE_NAME, kcu.REFERENCED_COLUMN_NAME, rc.UPDATE_RULE, rc.DELETE_RULE \
             FROM information_schema.REFERENTIAL_CONSTRAINTS rc \
             JOIN information_schema.KEY_COLUMN_USAGE kcu ON kcu.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA AND kcu.CONSTRAINT_NAME = rc.CONSTRAINT_NAME AND kcu.TABLE_NAME = rc.TABLE_NAME \
             JOIN information_schema.COLUMNS c ON c.TABLE_SCHEMA = kcu.TABLE_SCHEMA AND c.TABLE_NAME = kcu.TABLE_NAME AND c.COLUMN_NAME = kcu.COLUMN_NAME \
             WHERE rc.CONSTRAINT_SCHEMA = DATABASE() AND kcu.TABLE_NAME = ? ORDER BY 1",
        )
    } else {
        raw("SELECT f.\"from\", c.\"notnull\" = 0, f.\"table\", f.\"to\", f.on_update, f.on_delete \
             FROM pragma_foreign_key_list(?1) f JOIN pragma_table_info(?1) c ON c.name = f.\"from\" ORDER BY 1")
    };
    query.bind(table.to_owned()).fetch::<ForeignKeyRow>(db).await
}

fn fk(column: &str, nullable: bool, table: &str, on_update: &str, on_delete: &str) -> ForeignKeyRow {
    (column.into(), nullable, table.into(), "id".into(), on_update.into(), on_delete.into())
}

on_all! {
    async fn association_keys_read_back_with_default_and_explicit_rules(db: Db) -> TestResult {
        Schema::new().model::<TableA>().model::<Member>().sync(&db).await?;
        assert_eq!(
            foreign_keys(&db, "A").await?,
            [
                fk("tableBId", true, "B", "CASCADE", "SET NULL"),
                fk("targetModelNameId", true, "B", "RESTRICT", "CASCADE"),
            ],
            "custom_fk has no constraint"
        );
        assert_eq!(foreign_keys(&db, "members").await?, [fk("tableBId", false, "B", "CASCADE", "CASCADE")]);
        Ok(())
    }
}

on_all! {
    async fn users_and_pictures_sync_with_the_constraint_disabled(db: Db) -> TestResult {
        let schema = Schema::new().model::<User>();
        let tables: Vec<String> = schema.ddl(&db)?.into_iter().filter(|s| s.starts_with("CREATE TABLE")).collect();
        assert_eq!(tables.len(), 2);
        assert!(tables[0].contains(&quoted(&db, "\"users\"")), "users first: pictures references it");
        schema.sync(&db).await?;
        assert_eq!(foreign_keys(&db, "users").await?, []);
        assert_eq!(foreign_keys(&db, "pictures").await?, [fk("user_id", true, "users", "CASCADE", "SET NULL")]);

        let mut ann = User::build().name("Ann").create(&db).await?;
        let beach = ann.create_picture(&db, Picture::build().url("beach.png")).await?;
        let face = ann.create_picture(&db, Picture::build().url("face.png")).await?;
        ann.set_profile_picture(&db, &face).await?;
        let mut pictures = ann.get_pictures(&db).await?;
        pictures.sort_by_key(|p| p.id);
        assert_eq!(pictures, vec![beach, face.clone()]);
        assert_eq!(ann.get_profile_picture(&db).await?, Some(face));
        Ok(())
    }
}

on_all! {
    async fn documents_and_versions_are_a_cycle(db: Db) -> TestResult {
        let before = db.statement_count();
        let error = Schema::new().model::<Document>().sync(&db).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "Cyclic dependency found. 'documents' is dependent of itself. Dependency chain: documents -> versions => documents"
        );
        assert_eq!(db.statement_count(), before, "nothing ran");
        Ok(())
    }
}

on_all! {
    async fn every_foreign_key_column_is_indexed(db: Db) -> TestResult {
        let ddl = Schema::new().model::<TableA>().model::<Member>().ddl(&db)?;
        let indexes: Vec<&String> = ddl.iter().filter(|s| s.starts_with("CREATE INDEX")).collect();
        if is_mariadb(&db) {
            // InnoDB indexes the keys with a constraint itself; the one without must still be
            // indexed, so read the indexes back from the database.
            Schema::new().model::<TableA>().model::<Member>().sync(&db).await?;
            let mut leading = raw(
                "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.STATISTICS \
                 WHERE TABLE_SCHEMA = DATABASE() AND SEQ_IN_INDEX = 1 AND INDEX_NAME <> 'PRIMARY'",
            )
            .fetch::<(String, String)>(&db)
            .await?;
            leading.sort();
            let expected: Vec<(String, String)> =
                [("A", "custom_fk"), ("A", "tableBId"), ("A", "targetModelNameId"), ("members", "tableBId")]
                    .into_iter()
                    .map(|(t, c)| (t.to_owned(), c.to_owned()))
                    .collect();
            assert_eq!(leading, expected, "a key without constraint is indexed too; DDL: {ddl:#?}");
        } else {
            assert_eq!(indexes.len(), 4, "{indexes:#?}");
            assert!(indexes.iter().any(|s| s.contains("\"A_custom_fk_idx\"")), "a key without constraint is indexed too");
        }
        Ok(())
    }
}
