//! Every statement runs inside a `tracing` span carrying its SQL. A test binary of its own:
//! tracing caches each callsite's interest process-wide, so the subscriber is installed
//! globally before any statement runs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::sync::{Arc, Mutex};

use orm::prelude::*;
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Records the name and `sql` field of every span.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<(String, String)>>>);

struct SqlField<'a>(&'a mut String);

impl tracing::field::Visit for SqlField<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "sql" {
            *self.0 = format!("{value:?}");
        }
    }
}

impl Subscriber for Spans {
    fn enabled(&self, _metadata: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut sql = String::new();
        span.record(&mut SqlField(&mut sql));
        let mut spans = self.0.lock().unwrap();
        spans.push((span.metadata().name().to_owned(), sql));
        Id::from_u64(spans.len() as u64)
    }
    fn record(&self, _span: &Id, _values: &Record<'_>) {}
    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}
    fn event(&self, _event: &Event<'_>) {}
    fn enter(&self, _span: &Id) {}
    fn exit(&self, _span: &Id) {}
}

#[derive(Model, Debug, Clone)]
pub struct Note {
    pub id: i64,
    pub body: String,
}

#[test]
fn each_statement_gets_a_span_with_its_sql() {
    let spans = Spans::default();
    tracing::subscriber::set_global_default(spans.clone()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let db = orm::sqlite::connect("sqlite::memory:").await.unwrap();
        Schema::new().model::<Note>().sync(&db).await.unwrap();
        Note::build().body("hi").create(&db).await.unwrap();
        Note::find().filter(Note::body().eq("hi")).all(&db).await.unwrap();
    });
    let spans = spans.0.lock().unwrap();
    let statements: Vec<&str> =
        spans.iter().filter(|(name, _)| name == "orm.statement").map(|(_, sql)| sql.as_str()).collect();
    assert_eq!(statements.len(), 3, "{spans:?}");
    assert!(statements[0].starts_with("CREATE TABLE IF NOT EXISTS \"notes\""), "{}", statements[0]);
    assert!(statements[1].starts_with("INSERT INTO \"notes\""), "{}", statements[1]);
    assert_eq!(
        statements[2],
        "SELECT \"notes\".\"id\", \"notes\".\"body\" FROM \"notes\" WHERE \"notes\".\"body\" = ?"
    );
}
