use orm::prelude::*;

#[derive(Model)]
#[model(hooks)]
struct Profile {
    id: i64,
    bio: String,
}

// A misspelt hook would never run; a helper method belongs in another block.
#[orm::hooks]
impl Profile {
    async fn before_creat(&mut self, _tx: &mut orm::Tx) -> orm::Result<()> {
        Ok(())
    }

    const LIMIT: usize = 3;
}

#[derive(Model)]
#[model(hooks)]
struct Note {
    id: i64,
}

// The attribute goes on the model's own block, not on a trait impl.
#[orm::hooks]
impl Clone for Note {
    fn clone(&self) -> Self {
        Note { id: self.id }
    }
}

fn main() {}
