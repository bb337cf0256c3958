//! PostgreSQL through a transaction-pooling PgBouncer (`support::pgbouncer`): what breaks
//! without `ConnectOptions::transaction_pooling()` (startup options refused, named prepared
//! statements meeting other clients), and that with it many clients share a server connection
//! with no statement left on it and every `= ANY($1)` planned for its own keys.
#![cfg(feature = "postgres")]

use std::str::FromStr as _;

use orm::prelude::*;
use orm::{Error, raw};
use sqlx::Connection as _;

use crate::support::pgbouncer::{self, ONE_SERVER_CONNECTION, SECOND_ONE_SERVER_CONNECTION};
use crate::support::postgres_schema;

#[derive(Model, Debug, Clone)]
#[has_many(Item)]
pub struct Owner {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone)]
pub struct Item {
    pub id: i64,
    pub label: String,
    pub owner_id: Option<i64>,
}

const CLIENTS: usize = 8;
const ROUNDS: usize = 25;

#[tokio::test]
async fn startup_options_are_refused_without_pooler_mode() {
    let Some(url) = pgbouncer::url() else { return };
    // The default options send `plan_cache_mode` (and sqlx's `extra_float_digits`) at startup.
    let Err(error) = orm::postgres::connect(&url).await else { panic!("PgBouncer accepted the startup options") };
    assert!(matches!(error, Error::Connection { .. }), "{error:?}");
    assert!(error.to_string().contains("unsupported startup parameter"), "{error}");
}

#[tokio::test]
async fn named_prepared_statements_meet_the_next_client_without_pooler_mode() {
    let Some(url) = pgbouncer::database_url(Some(SECOND_ONE_SERVER_CONNECTION)) else { return };
    // sqlx's default statement cache, without startup options: each client connection names its
    // statements `sqlx_s_1`, `sqlx_s_2`, …, and the pooler's one server connection keeps them.
    let options = sqlx::postgres::PgConnectOptions::from_str(&url).unwrap().extra_float_digits(None);
    let mut first = sqlx::PgConnection::connect_with(&options).await.unwrap();
    let mut second = sqlx::PgConnection::connect_with(&options).await.unwrap();
    let one: (i64,) = sqlx::query_as("SELECT $1::int8").bind(1_i64).fetch_one(&mut first).await.unwrap();
    assert_eq!(one.0, 1);
    let error = sqlx::query_as::<_, (i64,)>("SELECT $1::int8").bind(2_i64).fetch_one(&mut second).await.unwrap_err();
    sqlx::raw_sql("DEALLOCATE ALL").execute(&mut first).await.unwrap();
    assert!(error.to_string().contains("prepared statement \"sqlx_s_1\" already exists"), "{error}");
}

#[tokio::test]
async fn many_clients_share_one_server_connection_in_pooler_mode() {
    let Some(url) = pgbouncer::database_url(Some(ONE_SERVER_CONNECTION)) else { return };
    let Some((admin, _, schema)) = postgres_schema().await else { panic!("needs ORM_TEST_POSTGRES_URL") };
    let outcome = clients_share_a_server_connection(&url, &schema).await;
    raw(format!("DROP SCHEMA \"{schema}\" CASCADE")).execute(&admin).await.unwrap();
    admin.close().await;
    outcome.unwrap();
}

async fn clients_share_a_server_connection(url: &str, schema: &str) -> Result<(), Error> {
    let db = orm::postgres::ConnectOptions::new(url)
        .transaction_pooling()
        .search_path(schema)
        .max_connections(CLIENTS as u32)
        .connect()
        .await?;
    Schema::new().model::<Owner>().sync(&db).await?;
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let db = db.clone();
            tokio::spawn(async move {
                let owner = Owner::build().name(format!("o{client}")).create(&db).await?;
                let mut keys = Vec::new();
                for round in 0..ROUNDS {
                    let item = owner.create_item(&db, Item::build().label(format!("{client}-{round}"))).await?;
                    keys.push(item.id);
                    // `= ANY($1)` with a growing key list, and an include, from every client.
                    let found = Item::find().filter(Item::id().is_in(keys.clone())).all(&db).await?;
                    assert_eq!(found.len(), keys.len());
                    let owners =
                        Owner::find().filter(Owner::id().eq(owner.id)).include(Owner::items()).all(&db).await?;
                    assert_eq!(owners[0].items().len(), round + 1);
                    let mut tx = db.begin().await?;
                    Item::update()
                        .set(Item::label(), format!("{client}-{round}!"))
                        .filter(Item::id().eq(item.id))
                        .exec(&mut tx)
                        .await?;
                    tx.commit().await?;
                }
                Ok::<_, Error>(())
            })
        })
        .collect();
    for client in clients {
        client.await.map_err(|e| Error::Invalid(e.to_string()))??;
    }
    let marked: Vec<(i64,)> = raw("SELECT COUNT(*) FROM \"items\" WHERE \"label\" LIKE '%!'").fetch(&db).await?;
    assert_eq!(marked[0].0, (CLIENTS * ROUNDS) as i64);
    db.close().await;
    // Every client ran on the alias's one server connection. A plain client, outside any
    // transaction, finds on it no statement prepared under a name and the server's own
    // `search_path`: the schema was set for one transaction at a time.
    let options = sqlx::postgres::PgConnectOptions::from_str(url).unwrap().extra_float_digits(None);
    let mut plain = sqlx::PgConnection::connect_with(&options).await.unwrap();
    let named: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM pg_prepared_statements")
        .persistent(false)
        .fetch_one(&mut plain)
        .await
        .unwrap();
    let search_path: (String,) =
        sqlx::query_as("SELECT current_setting('search_path')").persistent(false).fetch_one(&mut plain).await.unwrap();
    assert_eq!(named.0, 0, "no named prepared statement is left on the server connection");
    assert!(!search_path.0.contains(schema), "the schema outlived its transactions: {}", search_path.0);
    Ok(())
}

#[tokio::test]
async fn the_plan_cache_protection_is_set_per_transaction_in_pooler_mode() {
    let Some(url) = pgbouncer::url() else { return };
    let Some((admin, _, schema)) = postgres_schema().await else { panic!("needs ORM_TEST_POSTGRES_URL") };
    let outcome = plan_cache(&url, &schema).await;
    raw(format!("DROP SCHEMA \"{schema}\" CASCADE")).execute(&admin).await.unwrap();
    admin.close().await;
    let (generic_plans, settings) = outcome.unwrap();
    // The trap: a named `= ANY($1)` of 2,000 keys under the server's default `auto` goes generic
    // (planned for 10 keys, it looks cheaper than the custom plans).
    assert!(generic_plans > 0, "the named statement never went generic");
    // Through the pooler, every statement runs in a transaction that set the ORM's settings.
    assert_eq!(settings, [("force_custom_plan".to_owned(), schema)]);
}

/// How many generic plans a named `= ANY($1)` got in ten executions on a direct connection
/// under `plan_cache_mode = auto`, and the settings a statement sees in pooler mode.
async fn plan_cache(url: &str, schema: &str) -> Result<(i64, Vec<(String, String)>), Error> {
    let admin_url = std::env::var("ORM_TEST_POSTGRES_URL").unwrap_or_default();
    let direct = orm::postgres::ConnectOptions::new(admin_url).search_path(schema).max_connections(1).connect().await?;
    raw("CREATE TABLE \"keyed\" (\"id\" BIGINT PRIMARY KEY)").execute(&direct).await?;
    raw("INSERT INTO \"keyed\" SELECT i FROM generate_series(1, 20000) AS i").execute(&direct).await?;
    raw("ANALYZE \"keyed\"").execute(&direct).await?;
    let keys = format!("{{{}}}", (1..=2000).map(|k| k.to_string()).collect::<Vec<_>>().join(","));
    let sql = "SELECT COUNT(*) FROM \"keyed\" WHERE \"id\" = ANY(?::bigint[])";
    let mut tx = direct.begin().await?;
    raw("SET LOCAL plan_cache_mode = auto").execute(&mut tx).await?;
    for _ in 0..10 {
        let found: Vec<(i64,)> = raw(sql).bind(keys.clone()).fetch(&mut tx).await?;
        assert_eq!(found[0].0, 2000);
    }
    let generic: Vec<(i64,)> = raw(
        "SELECT COALESCE(SUM(generic_plans), 0)::bigint FROM pg_prepared_statements WHERE statement LIKE '%= ANY%'",
    )
    .fetch(&mut tx)
    .await?;
    tx.rollback().await?;
    direct.close().await;
    let pooled = orm::postgres::ConnectOptions::new(url).transaction_pooling().search_path(schema).connect().await?;
    let settings =
        raw("SELECT current_setting('plan_cache_mode'), current_setting('search_path')").fetch(&pooled).await?;
    pooled.close().await;
    Ok((generic[0].0, settings))
}
