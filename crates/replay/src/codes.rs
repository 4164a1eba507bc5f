//! The code tables a viewer needs to read the replay's columns: compounds, car states, track
//! status and session kinds, each from the one enum or table that defines it
//! ([`crate::cars::COMPOUNDS`], [`CarState`], [`TrackStatus`], [`SessionKind`]). Served as `GET /api/codes`, so the browser holds no copy.

use crate::cars::{CarState, COMPOUNDS};
use feed::records::SessionKind;
use serde::Serialize;
use timing::status::TrackStatus;

/// One code of a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Code {
    /// The value in the chunk column or the feed.
    pub code: u8,
    /// Machine name (`on_track`, `SOFT`, `SafetyCar`...).
    pub name: &'static str,
    /// What a timing screen spells out for it.
    pub label: &'static str,
    /// Its short mark on a tower or banner (empty: nothing to show).
    pub short: &'static str,
}

/// Every code table of the replay format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Codes {
    /// Tyre compounds by chunk code (0 = unknown).
    pub compounds: Vec<Code>,
    /// Car states by chunk code.
    pub car_states: Vec<Code>,
    /// Track status by the timing's code.
    pub track_status: Vec<Code>,
    /// Session kinds ([`SessionKind::ALL`]'s order): `name` as the API names the kind
    /// (`sprint_qualifying`), `label` as the archive names its session ("Sprint Qualifying").
    pub session_kinds: Vec<Code>,
}

/// The tables.
pub fn codes() -> Codes {
    let compounds = COMPOUNDS.iter().enumerate().map(|(i, &c)| {
        let name = if c.is_empty() { "UNKNOWN" } else { c };
        Code { code: i as u8, name, label: name, short: &name[..1] }
    });
    let car_states =
        (0..=7).map(CarState::from_u8).map(|s| Code { code: s as u8, name: s.label(), label: s.label(), short: s.short_label() });
    let track_status = TrackStatus::ALL.into_iter().map(|s| Code { code: s.code(), name: s.label(), label: s.name(), short: s.banner() });
    let session_kinds =
        SessionKind::ALL.into_iter().enumerate().map(|(i, k)| Code { code: i as u8, name: k.api_name(), label: k.name(), short: "" });
    Codes {
        compounds: compounds.collect(),
        car_states: car_states.collect(),
        track_status: track_status.collect(),
        session_kinds: session_kinds.collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_car_state_has_its_own_code_and_name() {
        let c = codes();
        for (i, s) in c.car_states.iter().enumerate() {
            assert_eq!(s.code as usize, i);
            assert_eq!(CarState::from_u8(s.code) as u8, s.code, "{s:?} reads back");
        }
        assert_eq!(c.compounds[1].name, "SOFT");
        assert!(c.track_status.iter().any(|s| s.code == 4 && s.name == "SC"));
        // Every kind once, by the name the API gives it.
        for k in SessionKind::ALL {
            assert_eq!(c.session_kinds.iter().filter(|s| s.name == k.api_name()).count(), 1, "{k:?}");
        }
    }
}
