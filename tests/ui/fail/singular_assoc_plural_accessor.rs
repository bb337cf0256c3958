use orm::prelude::*;

#[derive(Model)]
#[has_one(Profile)]
#[belongs_to(Company)]
struct User {
    id: i64,
    company_id: Option<i64>,
}

#[derive(Model)]
struct Profile {
    id: i64,
    user_id: Option<i64>,
}

#[derive(Model)]
struct Company {
    id: i64,
}

async fn run(db: &Db, user: &mut User, profile: &Profile, company: &Company) -> orm::Result<()> {
    user.add_profile(db, profile).await?;
    user.add_company(db, company).await?;
    let _profiles = user.get_profiles(db).await?;
    Ok(())
}

fn main() {}
