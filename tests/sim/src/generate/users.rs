//! Generates the user pool: numeric-string snowflake ids, unique usernames,
//! avatars, some with uploaded avatar URLs and team names.

use rand::rngs::StdRng;
use rand::Rng;

use super::names::{TEAM_NAMES, USER_WORDS};
use crate::ids::snowflake;
use crate::world::User;

fn hex32(rng: &mut StdRng) -> String {
    format!("{:016x}{:016x}", rng.random::<u64>(), rng.random::<u64>())
}

/// A user who joined Sleeper at a random time between 2017 and 2024.
pub fn new_user(rng: &mut StdRng, n: usize) -> User {
    let joined = 1_490_000_000_000 + rng.random_range(0..230_000_000_000i64);
    let a = USER_WORDS[rng.random_range(0..USER_WORDS.len())];
    let b = USER_WORDS[rng.random_range(0..USER_WORDS.len())];
    // The counter suffix keeps usernames unique whatever the words drawn.
    let username = format!("{a}{b}{n}");
    let display_name = if rng.random_bool(0.3) {
        format!("{}{}{n}", a[..1].to_uppercase(), &a[1..])
    } else {
        username.clone()
    };
    User {
        user_id: snowflake(joined, rng.random_range(0..4096)).to_string(),
        username,
        display_name,
        avatar: hex32(rng),
        team_name: rng
            .random_bool(0.6)
            .then(|| TEAM_NAMES[rng.random_range(0..TEAM_NAMES.len())].to_string()),
        uploaded_avatar: rng
            .random_bool(0.4)
            .then(|| format!("https://sleepercdn.com/uploads/{}", hex32(rng))),
        renames: Vec::new(),
    }
}

pub fn generate(rng: &mut StdRng, count: usize) -> Vec<User> {
    (0..count).map(|n| new_user(rng, n)).collect()
}
