//! Mini-sector statuses: the timing's own colouring of each mini-sector (segment) of the lap
//! a car is on, as known at time t (docs/FEED.md "Segment statuses").
//!
//! The timing sends each segment's status as the car passes it and, when the car starts a new
//! lap, clears every segment but the first: so the statuses as known at t are the strip of the
//! car's current lap. [`changes`] gives every status sent, named; [`strip_at`] folds them up to
//! a time.

use crate::Session;
use serde::{Deserialize, Serialize};

/// What a segment status code means, as the timing colours it. The code is a bit field: 2048
/// (bit 11) is "segment passed", bit 0 a personal best, bit 1 an overall best, bit 4 the pit
/// lane; 0 is a segment not yet passed on this lap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SegmentStatus {
    /// 0: not passed yet on this lap.
    None,
    /// 2048: passed, not a personal best (shown yellow).
    Yellow,
    /// 2049: a personal best (green).
    Green,
    /// 2051: an overall best (purple).
    Purple,
    /// 2064: passed in the pit lane.
    Pit,
    /// Any other code (2050, 2052, rare; their meaning is not documented): passed, no colour.
    Other,
}

impl SegmentStatus {
    /// Names a status code.
    pub fn of_code(code: u32) -> SegmentStatus {
        match code {
            0 => SegmentStatus::None,
            2048 => SegmentStatus::Yellow,
            2049 => SegmentStatus::Green,
            2051 => SegmentStatus::Purple,
            2064 => SegmentStatus::Pit,
            _ => SegmentStatus::Other,
        }
    }

    /// The name used in the API and the tables (`none`, `yellow`, `green`, `purple`, `pit`,
    /// `other`).
    pub fn name(self) -> &'static str {
        match self {
            SegmentStatus::None => "none",
            SegmentStatus::Yellow => "yellow",
            SegmentStatus::Green => "green",
            SegmentStatus::Purple => "purple",
            SegmentStatus::Pit => "pit",
            SegmentStatus::Other => "other",
        }
    }
}

/// One segment status as the timing sent it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SegmentRow {
    /// Session time, s.
    pub t_s: f64,
    /// Racing number.
    pub driver: u16,
    /// Sector, 0-2.
    pub sector: u8,
    /// Segment within the sector, from 0.
    pub segment: u8,
    /// What the code means.
    pub status: SegmentStatus,
    /// The code as sent.
    pub code: u32,
}

/// Every segment status the timing sent, by driver then time (stream order within a time).
pub fn changes(session: &Session) -> Vec<SegmentRow> {
    session
        .official
        .iter()
        .flat_map(|o| {
            o.segments.iter().map(|&(t_ms, p)| SegmentRow {
                t_s: t_ms as f64 / 1000.0,
                driver: o.driver,
                sector: p.sector,
                segment: p.segment,
                status: SegmentStatus::of_code(p.status),
                code: p.status,
            })
        })
        .collect()
}

/// One driver's strip as known at `t_s`: per sector, each segment's status (segments never sent
/// are [`SegmentStatus::None`]). `rows` are [`changes`]' rows (any drivers, in time order).
pub fn strip_at(rows: &[SegmentRow], driver: u16, t_s: f64) -> [Vec<SegmentStatus>; 3] {
    let mut strip: [Vec<SegmentStatus>; 3] = Default::default();
    for r in rows.iter().filter(|r| r.driver == driver && r.t_s <= t_s) {
        let sector = &mut strip[usize::from(r.sector.min(2))];
        let i = usize::from(r.segment);
        if sector.len() <= i {
            sector.resize(i + 1, SegmentStatus::None);
        }
        sector[i] = r.status;
    }
    strip
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(t_s: f64, sector: u8, segment: u8, code: u32) -> SegmentRow {
        SegmentRow { t_s, driver: 1, sector, segment, status: SegmentStatus::of_code(code), code }
    }

    #[test]
    fn codes_are_named_as_the_timing_colours_them() {
        let names: Vec<&str> = [0, 2048, 2049, 2051, 2064, 2052].map(|c| SegmentStatus::of_code(c).name()).to_vec();
        assert_eq!(names, ["none", "yellow", "green", "purple", "pit", "other"]);
    }

    #[test]
    fn the_strip_at_t_is_the_last_status_of_each_segment_sent_by_then() {
        let rows =
            [row(1.0, 0, 0, 0), row(1.0, 0, 1, 0), row(2.0, 0, 0, 2049), row(3.0, 0, 1, 2051), row(4.0, 0, 0, 2048), row(4.0, 0, 1, 0)];
        use SegmentStatus::*;
        assert_eq!(strip_at(&rows, 1, 0.5), [vec![], vec![], vec![]]);
        assert_eq!(strip_at(&rows, 1, 3.0), [vec![Green, Purple], vec![], vec![]]);
        // A new lap: the first segment's status and the rest cleared.
        assert_eq!(strip_at(&rows, 1, 4.0), [vec![Yellow, None], vec![], vec![]]);
        assert_eq!(strip_at(&rows, 2, 4.0), [vec![], vec![], vec![]]);
    }
}
