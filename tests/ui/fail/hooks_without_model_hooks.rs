use orm::prelude::*;

#[derive(Model)]
struct Profile {
    id: i64,
    bio: String,
}

#[orm::hooks]
impl Profile {
    async fn before_create(&mut self, _tx: &mut orm::Tx) -> orm::Result<()> {
        self.bio = self.bio.trim().to_owned();
        Ok(())
    }
}

fn main() {}
