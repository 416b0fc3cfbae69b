//! Generates the NFL player map: fantasy players with teams and ranks, free
//! agents (`team: null`, `search_rank: 9999999`), non-fantasy positions, and
//! the 32 team defences keyed by team code ("BUF") with only a few keys.

use rand::rngs::StdRng;
use rand::Rng;

use super::names::{COLLEGES, FIRST_NAMES, LAST_NAMES};
use crate::noise::{self, tag};
use crate::world::{Player, NFL_TEAMS};

/// Position mix of the non-defence players, as (position, weight).
const POSITIONS: &[(&str, u32)] = &[
    ("QB", 10),
    ("RB", 20),
    ("WR", 28),
    ("TE", 12),
    ("K", 6),
    ("OT", 6),
    ("LB", 6),
    ("DB", 6),
    ("DL", 6),
];

fn pick_position(rng: &mut StdRng) -> &'static str {
    let total: u32 = POSITIONS.iter().map(|p| p.1).sum();
    let mut roll = rng.random_range(0..total);
    for &(pos, w) in POSITIONS {
        if roll < w {
            return pos;
        }
        roll -= w;
    }
    "WR"
}

fn fantasy_positions(position: &'static str) -> Vec<&'static str> {
    match position {
        "OT" => vec!["OL"],
        "LB" | "DL" => vec!["LB", "DL"],
        "DB" => vec!["DB"],
        other => vec![other],
    }
}

pub fn is_fantasy(position: &str) -> bool {
    matches!(position, "QB" | "RB" | "WR" | "TE" | "K" | "DEF")
}

/// Individual defensive players, drafted in IDP leagues.
pub fn is_idp(position: &str) -> bool {
    matches!(position, "DL" | "LB" | "DB")
}

fn defence(team_index: usize) -> Player {
    let code = NFL_TEAMS[team_index];
    let (city, name) = super::names::DEFENSE_NAMES[team_index];
    Player {
        id: code.to_string(),
        first_name: city.to_string(),
        last_name: name.to_string(),
        position: "DEF",
        fantasy_positions: vec!["DEF"],
        team: Some(code),
        team_index: Some(team_index),
        search_rank: 0,
        quality: 0.0,
        number: 0,
        age: 0,
        years_exp: 0,
        height: String::new(),
        weight: String::new(),
        college: "",
        birth_date: String::new(),
        active: true,
        status: "Active",
        depth_chart_order: None,
        espn_id: None,
        yahoo_id: None,
        rotowire_id: None,
        fantasy_data_id: None,
        sportradar_id: None,
        gsis_id: None,
        news_updated: None,
        metadata: None,
        injury_prone: false,
    }
}

fn height(rng: &mut StdRng, inches: u32) -> String {
    // Sleeper switched formats between years: both appear in real data.
    if rng.random_bool(0.5) {
        format!("{}'{}\"", inches / 12, inches % 12)
    } else {
        inches.to_string()
    }
}

fn athlete(rng: &mut StdRng, id: u32) -> Player {
    let position = pick_position(rng);
    let fantasy = is_fantasy(position);
    let has_team = rng.random_bool(if fantasy { 0.85 } else { 0.5 });
    let team_index = has_team.then(|| rng.random_range(0..NFL_TEAMS.len()));
    let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
    let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
    let years_exp = rng.random_range(0..14);
    let age = 21 + years_exp + rng.random_range(0..3);
    let inches = rng.random_range(68..79);
    let birth_year = 2025 - age as i32;
    let quality = if fantasy && has_team {
        rng.random::<f64>().powi(2)
    } else {
        0.0
    };
    let injury_prone = has_team && rng.random_bool(0.08);
    let metadata = if rng.random_bool(0.05) {
        Some(vec![(
            "injury_override_regular_2021_2".to_string(),
            "PUP".to_string(),
        )])
    } else if rng.random_bool(0.1) {
        Some(vec![(
            "rookie_year".to_string(),
            (2025 - years_exp).to_string(),
        )])
    } else {
        None
    };
    Player {
        id: id.to_string(),
        first_name: first.to_string(),
        last_name: last.to_string(),
        position,
        fantasy_positions: fantasy_positions(position),
        team: team_index.map(|t| NFL_TEAMS[t]),
        team_index,
        search_rank: 9_999_999,
        quality,
        number: rng.random_range(1..100),
        age,
        years_exp,
        height: height(rng, inches),
        weight: rng.random_range(180..320).to_string(),
        college: COLLEGES[rng.random_range(0..COLLEGES.len())],
        birth_date: format!(
            "{birth_year}-{:02}-{:02}",
            rng.random_range(1..13),
            rng.random_range(1..29)
        ),
        active: has_team,
        status: if has_team { "Active" } else { "Inactive" },
        depth_chart_order: has_team.then(|| rng.random_range(1..4)),
        espn_id: Some(rng.random_range(10_000..5_000_000)),
        yahoo_id: rng
            .random_bool(0.9)
            .then(|| rng.random_range(20_000..40_000)),
        rotowire_id: Some(rng.random_range(5_000..20_000)),
        fantasy_data_id: Some(rng.random_range(10_000..30_000)),
        sportradar_id: Some(format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            rng.random::<u32>(),
            rng.random::<u16>(),
            rng.random::<u16>(),
            rng.random::<u16>(),
            rng.random::<u64>() & 0xFFFF_FFFF_FFFF
        )),
        gsis_id: has_team.then(|| format!("00-00{:05}", rng.random_range(10_000..99_999))),
        news_updated: rng
            .random_bool(0.6)
            .then(|| 1_700_000_000_000 + rng.random_range(0..60_000_000_000i64)),
        metadata,
        injury_prone,
    }
}

/// `count` players in total (at least the 32 defences), ranked by quality.
pub fn generate(rng: &mut StdRng, count: usize) -> Vec<Player> {
    let athletes = count.saturating_sub(NFL_TEAMS.len());
    let mut players: Vec<Player> = (0..athletes)
        // Disjoint id ranges keep ids unique without a lookup.
        .map(|i| {
            let id = 17 + i as u32 * 29 + rng.random_range(0..29);
            athlete(rng, id)
        })
        .collect();
    players.extend((0..NFL_TEAMS.len()).map(defence));
    for p in players.iter_mut().filter(|p| p.is_defense()) {
        p.quality = rng.random::<f64>();
    }

    let mut ranked: Vec<usize> = (0..players.len())
        .filter(|&i| players[i].team.is_some() && is_fantasy(players[i].position))
        .collect();
    ranked.sort_by(|&a, &b| players[b].quality.total_cmp(&players[a].quality));
    for (rank, i) in ranked.into_iter().enumerate() {
        // Defences keep no rank: their real entries have no search_rank key.
        if !players[i].is_defense() {
            players[i].search_rank = rank as u32 + 1;
        }
    }
    players
}

/// Players who appear in the weekly stats but not in the player map (call-ups,
/// players cut since): ids above every generated one, drawn with stateless
/// noise so the rest of the world does not change.
pub fn stat_only(seed: u64, players: &[Player]) -> Vec<Player> {
    const POSITIONS: [&str; 6] = ["RB", "WR", "TE", "LB", "DB", "WR"];
    let top = players
        .iter()
        .filter_map(|p| p.id.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    (0..8u64)
        .map(|k| {
            let u = |j: u64| noise::unit(seed, &[tag::STAT_ONLY, k, j]);
            let pick = |j: u64, n: usize| ((u(j) * n as f64) as usize).min(n - 1);
            let position = POSITIONS[pick(0, POSITIONS.len())];
            let team_index = pick(1, NFL_TEAMS.len());
            let years_exp = pick(2, 4) as u32;
            Player {
                id: (top + 1000 + 17 * k as u32).to_string(),
                first_name: FIRST_NAMES[pick(3, FIRST_NAMES.len())].to_string(),
                last_name: LAST_NAMES[pick(4, LAST_NAMES.len())].to_string(),
                position,
                fantasy_positions: fantasy_positions(position),
                team: Some(NFL_TEAMS[team_index]),
                team_index: Some(team_index),
                search_rank: 9_999_999,
                quality: 0.0,
                number: 1 + pick(5, 98) as u32,
                age: 22 + years_exp,
                years_exp,
                height: "73".to_string(),
                weight: "205".to_string(),
                college: COLLEGES[pick(6, COLLEGES.len())],
                birth_date: format!("{}-03-0{}", 2003 - years_exp as i32, 1 + pick(7, 9)),
                active: true,
                status: "Active",
                depth_chart_order: None,
                espn_id: None,
                yahoo_id: None,
                rotowire_id: None,
                fantasy_data_id: None,
                sportradar_id: None,
                gsis_id: None,
                news_updated: None,
                metadata: None,
                injury_prone: false,
            }
        })
        .collect()
}
