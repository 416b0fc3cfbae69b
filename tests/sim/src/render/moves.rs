//! `/league/{id}/transactions/{round}` and `/league/{id}/traded_picks`.

use serde_json::{json, Map, Value};

use crate::timeline::Moment;
use crate::world::{League, TradedPick};

/// A traded pick; inside a trade it also carries `league_id`, null in real data.
fn pick(p: &TradedPick, in_trade: bool) -> Value {
    let mut v = json!({
        "round": p.round,
        "season": p.season.to_string(),
        "roster_id": p.roster_id,
        "owner_id": p.owner_id,
        "previous_owner_id": p.previous_owner_id,
    });
    if let (true, Value::Object(map)) = (in_trade, &mut v) {
        map.insert("league_id".into(), Value::Null);
    }
    v
}

/// A `{player_id: roster_id}` map, or null when empty, as Sleeper sends it.
fn moves(m: &Moment, list: &[(usize, u32)]) -> Value {
    if list.is_empty() {
        return Value::Null;
    }
    let map: Map<String, Value> = list
        .iter()
        .map(|&(p, r)| (m.world.players[p].id.clone(), Value::from(r)))
        .collect();
    Value::Object(map)
}

pub fn transactions(m: &Moment, l: &League, round: u32) -> Value {
    let mut rows: Vec<_> = l
        .transactions
        .iter()
        .filter(|t| t.leg == round && t.status_updated_ms <= m.now)
        .collect();
    // Newest first, as the real endpoint lists them.
    rows.sort_by_key(|t| std::cmp::Reverse((t.created_ms, t.id)));
    let out = rows
        .into_iter()
        .map(|t| {
            let mut settings = Map::new();
            if let Some(bid) = t.waiver_bid {
                settings.insert("waiver_bid".into(), bid.into());
            }
            if let Some(p) = t.priority {
                settings.insert("priority".into(), p.into());
            }
            if let Some(s) = t.seq {
                settings.insert("seq".into(), s.into());
            }
            json!({
                "status": if t.complete { "complete" } else { "failed" },
                "type": t.kind.as_str(),
                "metadata": t.notes.map(|n| json!({ "notes": n })),
                "created": t.created_ms,
                "settings": if settings.is_empty() { Value::Null } else { Value::Object(settings) },
                "leg": t.leg,
                "draft_picks": t.draft_picks.iter().map(|p| pick(p, true)).collect::<Vec<_>>(),
                "creator": m.world.users[t.creator].user_id,
                "transaction_id": t.id.to_string(),
                "adds": moves(m, &t.adds),
                "drops": moves(m, &t.drops),
                "consenter_ids": t.consenter_ids,
                "roster_ids": t.roster_ids,
                "status_updated": t.status_updated_ms,
                "waiver_budget": t.waiver_budget.iter().map(|&(s, r, a)| json!({ "sender": s, "receiver": r, "amount": a })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Value::Array(out)
}

/// Picks traded before this season's draft, later seasons' picks traded
/// in earlier seasons, and future picks traded since: each pick once, with
/// its latest owner.
pub fn traded_picks(m: &Moment, l: &League) -> Value {
    let all: Vec<&TradedPick> = l
        .draft
        .traded
        .iter()
        .chain(&l.carried_picks)
        .chain(
            l.traded_picks
                .iter()
                .filter(|(at, _)| *at <= m.now)
                .map(|(_, p)| p),
        )
        .collect();
    let key = |p: &TradedPick| (p.season, p.round, p.roster_id);
    let rows = all
        .iter()
        .enumerate()
        .filter(|&(i, p)| all[i + 1..].iter().all(|q| key(q) != key(p)))
        .map(|(_, p)| pick(p, false))
        .collect();
    Value::Array(rows)
}
