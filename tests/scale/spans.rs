//! A process-wide `tracing` subscriber that keeps the `sql` and `server` fields of every
//! `orm.statement` span. Installed before any statement runs: tracing caches each callsite's
//! interest process-wide.

use std::sync::{Mutex, OnceLock};

use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// `(sql, server)` of each statement span, in creation order; the server is recorded later.
static SPANS: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

struct Fields<'a>(&'a mut (String, String));

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "sql" => self.0.0 = format!("{value:?}"),
            "server" => self.0.1 = format!("{value:?}"),
            _ => {}
        }
    }
}

struct Spans;

impl Subscriber for Spans {
    fn enabled(&self, _metadata: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut fields = (String::new(), String::new());
        if span.metadata().name() == "orm.statement" {
            span.record(&mut Fields(&mut fields));
        }
        let mut spans = SPANS.lock().unwrap();
        spans.push(fields);
        Id::from_u64(spans.len() as u64)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut spans = SPANS.lock().unwrap();
        if let Some(fields) = usize::try_from(span.into_u64()).ok().and_then(|i| spans.get_mut(i - 1)) {
            values.record(&mut Fields(fields));
        }
    }
    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}
    fn event(&self, _event: &Event<'_>) {}
    fn enter(&self, _span: &Id) {}
    fn exit(&self, _span: &Id) {}
}

/// Installs the subscriber once for the whole test binary.
pub fn install() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| tracing::subscriber::set_global_default(Spans).expect("no other subscriber"));
}

/// The servers the spans of statements whose SQL contains `marker` name, in order.
pub fn servers_of(marker: &str) -> Vec<String> {
    SPANS.lock().unwrap().iter().filter(|(sql, _)| sql.contains(marker)).map(|(_, server)| server.clone()).collect()
}
