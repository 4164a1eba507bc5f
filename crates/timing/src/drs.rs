//! DRS range in races: whether a car may open its rear wing on the next DRS zone, as known at
//! each of its timing line crossings.
//!
//! The rule: a car is within DRS range when its interval to the car ahead is below 1.000 s at
//! the detection point and race control has DRS enabled. The detection points are not in the
//! data, so the interval used is the official `IntervalToPositionAhead` as the timing showed it
//! when the car crossed the timing line (the lap's end); the judgement holds until the next
//! crossing. DRS is enabled from race control's "DRS ENABLED" message (it comes on lap 3 and
//! again after each neutralisation) until "DRS DISABLED"; zone-only messages ("… IN ZONE 2")
//! do not switch it, and it is off from the chequered flag (the first car completing the race
//! distance). A race without any such message (no race control topic) counts it enabled
//! from the leader's third lap, with no neutralisations (said in docs/API.md).

use crate::official::value_at;
use crate::Session;
use serde::{Deserialize, Serialize};

/// The interval below which a car is within DRS range, ms.
pub const DRS_RANGE_MS: i64 = 1_000;

/// One car at one timing line crossing: its interval and whether it is within DRS range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DrsRow {
    /// Racing number.
    pub driver: u16,
    /// Laps completed at this crossing (the timing's `NumberOfLaps`).
    pub lap: u32,
    /// When the timing reported the crossing, session s; the row holds until the car's next.
    pub t_s: f64,
    /// The official interval to the car ahead at the crossing, s (`None`: the leader, a lapped
    /// interval, or none shown).
    pub interval_s: Option<f64>,
    /// Race control had DRS enabled at the crossing.
    pub drs_enabled: bool,
    /// Within DRS range: enabled, and the interval below 1.000 s.
    pub within: bool,
}

/// Whether race control has DRS enabled, as `(session ms, enabled)` changes in time order, or
/// `None` when no message switches it.
pub fn enabled_changes(session: &Session) -> Option<Vec<(i64, bool)>> {
    let mut out: Vec<(i64, bool)> = session
        .race_control
        .iter()
        .filter_map(|e| {
            let text = e.message.message.trim().to_ascii_uppercase();
            match text.as_str() {
                "DRS ENABLED" => Some((e.t_ms, true)),
                "DRS DISABLED" => Some((e.t_ms, false)),
                _ => None,
            }
        })
        .collect();
    out.sort_by_key(|c| c.0);
    (!out.is_empty()).then_some(out)
}

/// Every car's DRS range at each of its crossings (races and sprints; empty otherwise).
pub fn drs_range(session: &Session) -> Vec<DrsRow> {
    if !session.info.is_race_like() {
        return Vec::new();
    }
    let changes = enabled_changes(session).unwrap_or_else(|| {
        // No message: from the moment the leader starts its third lap.
        let third = session.official.iter().filter_map(|o| o.laps.iter().find(|l| l.1 >= 2).map(|l| l.0)).min();
        third.map(|t| vec![(t, true)]).unwrap_or_default()
    });
    // The chequered flag: the first car to complete the race distance. From it on no car
    // races for position, and DRS is off.
    let flag = session
        .total_laps
        .and_then(|total| session.official.iter().filter_map(|o| o.laps.iter().find(|l| l.1 >= total).map(|l| l.0)).min());
    let mut out = Vec::new();
    for o in &session.official {
        for &(t, lap) in &o.laps {
            let interval = value_at(&o.interval_ms, t).flatten();
            let drs_enabled = value_at(&changes, t).unwrap_or(false) && flag.is_none_or(|f| t < f);
            out.push(DrsRow {
                driver: o.driver,
                lap,
                t_s: t as f64 / 1000.0,
                interval_s: interval.map(|i| i as f64 / 1000.0),
                drs_enabled,
                within: drs_enabled && interval.is_some_and(|i| i < DRS_RANGE_MS),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::official::OfficialTimeline;
    use crate::RaceControlEvent;

    fn message(t_ms: i64, text: &str) -> RaceControlEvent {
        RaceControlEvent { t_ms, message: feed::records::RaceControlMessage { message: text.into(), ..Default::default() } }
    }

    #[test]
    fn within_range_needs_drs_enabled_and_an_interval_under_a_second() {
        let mut session = Session::default();
        session.info.kind = "Race".into();
        session.info.name = "Race".into();
        session.race_control = vec![
            message(50, "DRS ENABLED"),
            message(60, "DRS DISABLED IN ZONE 1"),
            message(250, "DRS DISABLED"),
            message(320, "DRS ENABLED"),
        ];
        session.total_laps = Some(6);
        session.official = vec![OfficialTimeline {
            driver: 4,
            laps: vec![(10, 1), (100, 2), (200, 3), (300, 4), (400, 5), (500, 6)],
            interval_ms: vec![(10, Some(500)), (100, Some(999)), (200, Some(1_000)), (300, Some(400)), (400, Some(300)), (500, Some(300))],
            ..Default::default()
        }];
        let within: Vec<(u32, bool, bool)> = drs_range(&session).iter().map(|r| (r.lap, r.drs_enabled, r.within)).collect();
        // Off before the message, at 1.000 s, after "DRS DISABLED" and from the flag.
        assert_eq!(within, [(1, false, false), (2, true, true), (3, true, false), (4, false, false), (5, true, true), (6, false, false)]);
    }
}
