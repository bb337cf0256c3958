use orm::prelude::*;

#[derive(Model)]
#[model(hooks)]
struct Profile {
    id: i64,
    bio: String,
}

#[orm::hooks]
impl Profile {
    fn before_create(&mut self, _tx: &mut orm::Tx) -> orm::Result<()> {
        self.bio = self.bio.trim().to_owned();
        Ok(())
    }

    fn after_destroy(&self, _tx: &mut orm::Tx) -> orm::Result<()> {
        Ok(())
    }
}

fn main() {}
