#[derive(orm::Enum, Clone)]
enum WithData {
    Plain,
    Carrying(String),
}

#[derive(orm::Enum, Clone)]
#[orm(rename_all = "snake_case")]
enum Clash {
    OnHold,
    #[orm(rename = "on_hold")]
    Paused,
}

#[derive(orm::Enum, Clone)]
#[orm(rename_all = "snake-case")]
enum BadRule {
    A,
}

#[derive(orm::Enum, Clone)]
#[orm(integer)]
enum Both {
    #[orm(rename = "low")]
    Low,
}

#[derive(orm::Enum, Clone)]
struct NotAnEnum {
    value: String,
}

fn main() {}
