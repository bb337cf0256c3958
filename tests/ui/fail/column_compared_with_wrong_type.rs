use orm::prelude::*;

#[derive(Model)]
struct Task {
    id: i64,
    title: String,
    done: bool,
}

fn main() {
    let _ = Task::find().filter(Task::done().eq("yes"));
    let _ = Task::find().filter(Task::id().gt(1.5));
    let _ = Task::find().filter(Task::id().is_in(["1", "2"]));
}
