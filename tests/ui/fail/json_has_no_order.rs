use orm::prelude::*;

#[derive(Model, Debug, Clone)]
pub struct Doc {
    pub id: i64,
    pub body: serde_json::Value,
}

fn main() {
    // Equality is fine: every backend compares documents.
    let _ = Doc::find().filter(Doc::body().eq(serde_json::json!({ "a": 1 })));
    // PostgreSQL orders jsonb by rules of its own, SQLite and MariaDB by text: no order.
    let _ = Doc::find().filter(Doc::body().gt(serde_json::json!({ "a": 1 })));
    let _ = Doc::find().order_by(Doc::body().asc());
}
