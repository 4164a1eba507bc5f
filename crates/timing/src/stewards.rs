//! What race control says about cars: lap times deleted, incidents noted or under
//! investigation, penalties given and served, no further action. The timing writes these as
//! text (`CAR 4 (NOR) TIME 1:39.777 DELETED - TRACK LIMITS AT TURN 4 LAP 3 18:07:34`,
//! `FIA STEWARDS: 5 SECOND TIME PENALTY FOR CAR 31 (OCO) - ...`, `INCIDENT INVOLVING CARS 18
//! (STR) AND 14 (ALO) NOTED - ...`): the cars are the `NUMBER (TLA)` pairs, the kind is read
//! from the words. One home for this reading; presenters show the marks.

use serde::Serialize;

use crate::Session;

/// What a message says about the cars it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MarkKind {
    /// A lap time was deleted (track limits and the like).
    LapDeleted,
    /// A deleted lap time was given back.
    LapReinstated,
    /// An incident was noted (it may be investigated).
    Noted,
    /// Under investigation, now or after the session.
    UnderInvestigation,
    /// Reviewed: no further action, no investigation, no penalty.
    NoFurtherAction,
    /// A penalty was given.
    Penalty,
    /// A penalty was served.
    PenaltyServed,
}

impl MarkKind {
    /// Its name, as the API's JSON spells it (`lap_deleted`, `penalty`...).
    pub fn name(self) -> &'static str {
        match self {
            MarkKind::LapDeleted => "lap_deleted",
            MarkKind::LapReinstated => "lap_reinstated",
            MarkKind::Noted => "noted",
            MarkKind::UnderInvestigation => "under_investigation",
            MarkKind::NoFurtherAction => "no_further_action",
            MarkKind::Penalty => "penalty",
            MarkKind::PenaltyServed => "penalty_served",
        }
    }
}

/// One mark on one car, at the time race control said it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CarMark {
    /// Session time of the message, s.
    pub t_s: f64,
    /// The car's racing number.
    pub driver: u16,
    /// What it says.
    pub kind: MarkKind,
    /// The lap the message names (`LAP 3` of a deleted time), else the lap it was sent on.
    pub lap: Option<u32>,
    /// The message.
    pub message: String,
}

/// The kind of a message about cars, from its words; `None` for anything else.
pub fn kind_of(message: &str) -> Option<MarkKind> {
    let m = message.to_ascii_uppercase();
    let has = |w: &str| m.contains(w);
    Some(if has("REINSTATED") {
        MarkKind::LapReinstated
    } else if has("DELETED") {
        MarkKind::LapDeleted
    } else if has("NO FURTHER") || has("NO INVESTIGATION") || has("NO PENALTY") || has("NO ACTION") {
        MarkKind::NoFurtherAction
    } else if has("PENALTY SERVED") {
        MarkKind::PenaltyServed
    } else if has("UNDER INVESTIGATION") || has("WILL BE INVESTIGATED") {
        MarkKind::UnderInvestigation
    } else if has("NOTED") {
        MarkKind::Noted
    } else if has("PENALTY") || has("DISQUALIFIED") || has("REPRIMAND") {
        MarkKind::Penalty
    } else {
        return None;
    })
}

/// The racing numbers a message names, as the timing writes them: `NUMBER (TLA)`.
pub fn cars_named(message: &str) -> Vec<u16> {
    let b = message.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric() && b[i - 1] != b'.' && b[i - 1] != b':') {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let rest = &b[i..];
            let tla =
                rest.len() >= 6 && rest[0] == b' ' && rest[1] == b'(' && rest[2..5].iter().all(u8::is_ascii_uppercase) && rest[5] == b')';
            if let (true, Ok(n)) = (tla, message[start..i].parse::<u16>()) {
                if !out.contains(&n) {
                    out.push(n);
                }
            }
        } else {
            i += 1;
        }
    }
    out
}

/// The lap a message names (`... LAP 3 ...`), if any.
fn lap_named(message: &str) -> Option<u32> {
    let words: Vec<&str> = message.split_whitespace().collect();
    words.windows(2).find(|w| w[0].eq_ignore_ascii_case("LAP")).and_then(|w| w[1].parse().ok())
}

/// Every mark race control put on a car, in the order of the messages.
pub fn car_marks(session: &Session) -> Vec<CarMark> {
    let mut out = Vec::new();
    for e in &session.race_control {
        let text = &e.message.message;
        let Some(kind) = kind_of(text) else { continue };
        let lap =
            if matches!(kind, MarkKind::LapDeleted | MarkKind::LapReinstated) { lap_named(text).or(e.message.lap) } else { e.message.lap };
        for driver in cars_named(text) {
            out.push(CarMark { t_s: e.t_ms as f64 / 1000.0, driver, kind, lap, message: text.clone() });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_of_the_2023_bahrain_race_read_as_the_timing_wrote_them() {
        let deleted = "CAR 4 (NOR) TIME 1:39.777 DELETED - TRACK LIMITS AT TURN 4 LAP 3 18:07:34";
        assert_eq!((kind_of(deleted), cars_named(deleted), lap_named(deleted)), (Some(MarkKind::LapDeleted), vec![4], Some(3)));
        let noted = "TURN 4 INCIDENT INVOLVING CARS 18 (STR) AND 14 (ALO) NOTED - CAUSING A COLLISION";
        assert_eq!((kind_of(noted), cars_named(noted)), (Some(MarkKind::Noted), vec![18, 14]));
        let nfa =
            "FIA STEWARDS: TURN 4 INCIDENT INVOLVING CARS 18 (STR) AND 14 (ALO) REVIEWED NO FURTHER INVESTIGATION - CAUSING A COLLISION";
        assert_eq!(kind_of(nfa), Some(MarkKind::NoFurtherAction));
        let inv = "FIA STEWARDS: INCIDENT INVOLVING CAR 31 (OCO) UNDER INVESTIGATION - INACCURATE GRID POSITION";
        assert_eq!((kind_of(inv), cars_named(inv)), (Some(MarkKind::UnderInvestigation), vec![31]));
        let pen = "FIA STEWARDS: 5 SECOND TIME PENALTY FOR CAR 31 (OCO) - INACCURATE GRID POSITION";
        assert_eq!((kind_of(pen), cars_named(pen)), (Some(MarkKind::Penalty), vec![31]));
        let noted_pen = " INCIDENT INVOLVING CAR 31 (OCO) NOTED - SERVING TIME PENALTY INCORRECTLY ";
        assert_eq!(kind_of(noted_pen), Some(MarkKind::Noted));
    }

    #[test]
    fn messages_about_no_car_or_nothing_of_this_kind_give_no_mark() {
        assert_eq!(kind_of("DRS ENABLED"), None);
        assert!(cars_named("YELLOW IN TRACK SECTOR 4").is_empty());
        assert!(cars_named("TIME 1:20.456 (ALB)").is_empty(), "a time is not a car");
    }

    #[test]
    fn a_kind_is_named_as_its_json() {
        for k in [
            MarkKind::LapDeleted,
            MarkKind::LapReinstated,
            MarkKind::Noted,
            MarkKind::UnderInvestigation,
            MarkKind::NoFurtherAction,
            MarkKind::Penalty,
            MarkKind::PenaltyServed,
        ] {
            assert_eq!(serde_json::to_value(k).unwrap(), serde_json::json!(k.name()));
        }
    }
}
